package bot

import (
	"strconv"
	"time"

	"crmbot/crm"
)

// hrWeekdays are the Croatian weekday abbreviations, indexed by time.Weekday.
var hrWeekdays = [7]string{"ned", "pon", "uto", "sri", "čet", "pet", "sub"}

// formatWhen renders t (already in the user's zone) for lang, relative to now for the
// year: English "Fri 27 Nov 10:00", Croatian "pet 27. 11. u 10:00" and
// "pet 3. 12. 2027. u 10:00".
func formatWhen(t, now time.Time, lang string) string {
	thisYear := t.Year() == now.Year()
	if lang == "hr" {
		s := hrWeekdays[t.Weekday()] + " " + strconv.Itoa(t.Day()) + ". " + strconv.Itoa(int(t.Month())) + "."
		if !thisYear {
			s += " " + strconv.Itoa(t.Year()) + "."
		}
		return s + " u " + t.Format("15:04")
	}
	if !thisYear {
		return t.Format("Mon 2 Jan 2006 15:04")
	}
	return t.Format("Mon 2 Jan 15:04")
}

// formatDay renders the date of t (already in the user's zone) without the time:
// English "Wed 25 Nov", Croatian "sri 25. 11.", the way formatWhen writes the date.
func formatDay(t time.Time, lang string) string {
	if lang == "hr" {
		return hrWeekdays[t.Weekday()] + " " + strconv.Itoa(t.Day()) + ". " + strconv.Itoa(int(t.Month())) + "."
	}
	return t.Format("Mon 2 Jan")
}

// distance says how far t is from now, in words: "in 30 minutes", "in 2 hours",
// "today", "tomorrow", "in 3 days", "in 2 weeks", "in 4 months", "in 2 years".
// The words are the catalog's plural variants (1 dan, 2 dana, 5 dana, 21 minutu).
// Calendar distances count days in loc, so "tomorrow" is tomorrow's date even when it is
// nine hours away. Past instants get "".
func (c *conv) distance(t time.Time) string {
	now := c.now()
	d := t.Sub(now)
	if d < 0 {
		return ""
	}
	loc := c.loc()
	ln, lt := now.In(loc), t.In(loc)
	days := int(time.Date(lt.Year(), lt.Month(), lt.Day(), 12, 0, 0, 0, time.UTC).Sub(
		time.Date(ln.Year(), ln.Month(), ln.Day(), 12, 0, 0, 0, time.UTC)).Hours() / 24)
	switch {
	case d < time.Minute:
		return c.t("dist.now")
	case d < time.Hour:
		return c.t("dist.minutes", int(d/time.Minute))
	case days == 0:
		return c.t("dist.hours", int((d+30*time.Minute)/time.Hour))
	case days == 1:
		return c.t("dist.tomorrow")
	case days < 14:
		return c.t("dist.days", days)
	case days < 60:
		return c.t("dist.weeks", (days+3)/7)
	case days < 365:
		return c.t("dist.months", (days+15)/30)
	}
	return c.t("dist.years", (days+182)/365)
}

// echoWhen is a stored date as a reply that stores it shows it: absolute and with its
// distance, "Fri 27 Nov 10:00 (in 2 days)", so a misread date cannot go unnoticed.
func (c *conv) echoWhen(t time.Time) string {
	s := c.when(t)
	if d := c.distance(t); d != "" {
		s += " (" + d + ")"
	}
	return s
}

// echoNext is nextLine for a reply that has just set the next step: the date with its
// distance and, when it falls outside the owner's working hours, when the nudge will
// actually arrive.
func (c *conv) echoNext(in *crm.Interest) string {
	if in.Next.IsZero() {
		return "—"
	}
	s := c.echoWhen(in.Next.Due) + " — " + c.what(in.Next.What)
	if in.Next.Due.Before(c.now()) {
		return s + " " + c.t("overdue.flag")
	}
	owner := c.u
	if in.OwnerID != c.u.ID {
		// The nudge goes to the owner, by the owner's hours.
		var err error
		owner, err = c.e.svc.User(c.ctx, in.OwnerID)
		if err != nil || owner == nil {
			return s
		}
	}
	w, loc := owner.Schedule(), owner.Location()
	if at := w.NextWorking(in.Next.Due, loc); !at.Equal(in.Next.Due) {
		if owner.ID == c.u.ID {
			s += "\n" + c.t("next.nudge_at", c.echoWhen(at))
		} else {
			s += "\n" + c.t("next.nudge_at_owner", owner.Name, c.echoWhen(at))
		}
	}
	return s
}
