package bot

import (
	"strings"
	"time"

	"crmbot/crm"
)

// names returns the company and contact names of an interest.
func names(tx crm.Tx, in *crm.Interest) (company, contact string, err error) {
	if c, err := tx.Company(in.CompanyID); err == nil {
		company = c.Name
	} else if crm.ErrorCode(err) != crm.ENOTFOUND {
		return "", "", err
	}
	if c, err := tx.Contact(in.ContactID); err == nil {
		contact = c.FullName
	} else if crm.ErrorCode(err) != crm.ENOTFOUND {
		return "", "", err
	}
	return company, contact, nil
}

// lastInteraction is the latest thing a person logged on the interest (not the CRM's
// own change records).
func lastInteraction(tx crm.Tx, id uint64) (*crm.Interaction, error) {
	tl, err := tx.Timeline(id, 5)
	if err != nil {
		return nil, err
	}
	for i := len(tl) - 1; i >= 0; i-- {
		if tl[i].Kind != crm.InteractionSystem {
			return tl[i], nil
		}
	}
	return nil, nil
}

// nudge is the message a follow-up sends its owner when it falls due: what to do, the
// client, the last interaction, and buttons to act on it right there.
func (c *conv) nudge(tx crm.Tx, in *crm.Interest) (Reply, error) {
	company, contact, err := names(tx, in)
	if err != nil {
		return Reply{}, err
	}
	var b strings.Builder
	b.WriteString(c.t("nudge.title", in.ID, company, c.what(in.Next.What)))
	b.WriteString("\n" + c.t("nudge.due", c.when(in.Next.Due)) + " · " + contact)
	if ct, err := tx.Contact(in.ContactID); err == nil {
		if p := firstNonEmpty(ct.Mobile, ct.Phone); p != "" {
			b.WriteString(" · " + p)
		}
	}
	last, err := lastInteraction(tx, in.ID)
	if err != nil {
		return Reply{}, err
	}
	if last != nil {
		b.WriteString("\n" + c.t("nudge.last", c.when(last.At), c.t("kind."+string(last.Kind)), clip(last.Text, 120)))
	}
	id := u64(in.ID)
	return Reply{Text: b.String(), Private: true, Buttons: [][]Button{
		{{Label: c.t("btn.done"), Action: "/log " + id}, {Label: c.t("btn.card"), Action: "/show " + id}},
		{{Label: c.t("btn.snooze_1h"), Action: "/snooze " + id + " 1h"}, {Label: c.t("btn.snooze_tomorrow"), Action: "/snooze " + id + " tomorrow"}, {Label: c.t("btn.snooze_week"), Action: "/snooze " + id + " next week"}},
		{{Label: c.t("btn.reschedule"), Action: "/next " + id}},
	}}, nil
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func clip(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// escalation tells a head that a follow-up is overdue by more than the allowed number
// of working days, naming the manager and the client.
func (c *conv) escalation(tx crm.Tx, in *crm.Interest, owner *crm.User, days int) (Reply, error) {
	company, _, err := names(tx, in)
	if err != nil {
		return Reply{}, err
	}
	return Reply{Text: c.t("esc.head", in.ID, company, owner.Name, c.what(in.Next.What), c.when(in.Next.Due), days)}, nil
}

// digest is a manager's morning summary: today's follow-ups, overdue ones, interests
// nobody touched for idleDays, and — it must never happen — open interests without a
// next step.
func (c *conv) digest(tx crm.Tx, now time.Time, idleDays int) (Reply, error) {
	loc := c.loc()
	l := now.In(loc)
	dayStart := time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	dayEnd := dayStart.AddDate(0, 0, 1)
	due, err := tx.DueBefore(c.u.ID, dayEnd, 0)
	if err != nil {
		return Reply{}, err
	}
	var today, overdue []*crm.Interest
	for _, in := range due {
		if in.Next.Due.Before(dayStart) {
			overdue = append(overdue, in)
		} else {
			today = append(today, in)
		}
	}
	idle, err := tx.IdleSince(c.u.ID, now.AddDate(0, 0, -idleDays), 0)
	if err != nil {
		return Reply{}, err
	}
	open, err := tx.OpenInterests(c.u.ID, "", 0)
	if err != nil {
		return Reply{}, err
	}
	var b strings.Builder
	b.WriteString(c.t("digest.title", c.u.Name, c.day(now)))
	section := func(title string, items []*crm.Interest, line func(*crm.Interest, string) string) error {
		if len(items) == 0 {
			return nil
		}
		b.WriteString("\n\n" + c.t(title, len(items)))
		for i, in := range items {
			if i == 15 {
				b.WriteString("\n" + c.t("list.more", len(items)-15))
				break
			}
			company, _, err := names(tx, in)
			if err != nil {
				return err
			}
			b.WriteString("\n" + line(in, company))
		}
		return nil
	}
	if err := section("digest.today", today, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " — " + c.what(in.Next.What) + " · " + in.Next.Due.In(loc).Format("15:04")
	}); err != nil {
		return Reply{}, err
	}
	if err := section("digest.overdue", overdue, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " — " + c.what(in.Next.What) + " · " + c.t("digest.since", c.when(in.Next.Due))
	}); err != nil {
		return Reply{}, err
	}
	if err := section("digest.idle", idle, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " · " + c.t("digest.last_touch", c.when(in.LastActivityAt))
	}); err != nil {
		return Reply{}, err
	}
	var nonext []*crm.Interest
	for _, in := range open {
		if in.Next.IsZero() {
			nonext = append(nonext, in)
		}
	}
	if err := section("digest.no_next", nonext, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " — /next " + u64(in.ID)
	}); err != nil {
		return Reply{}, err
	}
	if len(today)+len(overdue)+len(idle)+len(nonext) == 0 {
		b.WriteString("\n\n" + c.t("digest.clear", len(open)))
	}
	r := Reply{Text: b.String(), Private: true}
	for i, in := range append(overdue, today...) {
		if i == 4 {
			break
		}
		id := u64(in.ID)
		r.Buttons = append(r.Buttons, []Button{{Label: c.t("btn.log") + " #" + id, Action: "/log " + id}, {Label: c.t("btn.card") + " #" + id, Action: "/show " + id}})
	}
	return r, nil
}

// headDigest is the department's morning report (R11, R17): open interests by manager
// and stage, overdue follow-ups, what opened, won and lost since the last digest with
// the loss reasons, and the conversion of the last 30 days.
func (c *conv) headDigest(tx crm.Tx, now, since time.Time) (Reply, error) {
	p, err := crm.BuildPipeline(tx, now, 0, c.e.svc.Config.Currency)
	if err != nil {
		return Reply{}, err
	}
	var b strings.Builder
	b.WriteString(c.pipeline(p).Text)
	act, err := crm.ActivitySince(tx, since, now)
	if err != nil {
		return Reply{}, err
	}
	b.WriteString("\n\n" + c.t("headdigest.since", c.when(since), act.Opened, act.Won, act.Lost))
	if act.Lost > 0 {
		var rs []string
		for _, r := range crm.LossReasons {
			if n := act.LostBy[r]; n > 0 {
				rs = append(rs, c.t("reason."+string(r))+" "+itoa(n))
			}
		}
		b.WriteString(" (" + strings.Join(rs, ", ") + ")")
	}
	month, err := crm.ActivitySince(tx, now.AddDate(0, 0, -30), now)
	if err != nil {
		return Reply{}, err
	}
	closed, okc := month.WonOfClosed()
	opened, oko := month.WonOfOpened()
	if okc || oko {
		b.WriteString("\n" + c.t("headdigest.conversion", month.Won, month.Won+month.Lost, closed, month.Opened, opened))
	}
	return Reply{Text: b.String()}, nil
}
