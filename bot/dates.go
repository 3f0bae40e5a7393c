package bot

import (
	"errors"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/olebedev/when"
	"github.com/olebedev/when/rules/common"
	"github.com/olebedev/when/rules/en"
)

// DefaultHour is the time of day given to a date named without one ("fri", "in 3
// days"): a follow-up is a working-day thing, not midnight.
const DefaultHour = 10

// ErrNoDate is returned by ParseWhen when the text does not start with a date.
var ErrNoDate = errors.New("no date")

var whenParser = func() *when.Parser {
	w := when.New(nil)
	w.Add(en.All...)
	w.Add(common.All...)
	return w
}()

var (
	// Forms olebedev/when reads wrongly or not at all, handled first.
	reISO     = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T](\d{1,2}):(\d{2}))?\b`)
	reDotted  = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(\d{4})?(?:\s+(\d{1,2}):(\d{2}))?`)
	reInUnits = regexp.MustCompile(`^in\s+(\d+|an?|one)\s+(minutes?|mins?|hours?|h|days?|d|weeks?|w|months?)\b`)
	reClock   = regexp.MustCompile(`\b\d{1,2}(:\d{2})?\s*(am|pm|a\.m\.|p\.m\.)|\b\d{1,2}:\d{2}\b`)
	reTimeSfx = regexp.MustCompile(`^(?:at\s+)?(\d{1,2}):(\d{2})\b`)
)

// ParseWhen reads a date and time at the start of text, in the user's location loc,
// relative to now: "tomorrow 10:00", "fri", "next fri 14:30", "in 3 days",
// "next week", "2026-12-03", "3.12.2026 14:00". A date without a time of day gets
// DefaultHour. It returns the time (in loc), the rest of the text after the date
// (e.g. what to do), or ErrNoDate.
func ParseWhen(text string, now time.Time, loc *time.Location) (time.Time, string, error) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	s := strings.TrimSpace(text)
	low := strings.ToLower(s)
	atDay := func(y int, m time.Month, d int) time.Time {
		return time.Date(y, m, d, DefaultHour, 0, 0, 0, loc)
	}
	// withTime applies an optional "HH:MM" that follows a date.
	withTime := func(t time.Time, rest string) (time.Time, string) {
		r := strings.TrimSpace(rest)
		if m := reTimeSfx.FindStringSubmatch(strings.ToLower(r)); m != nil {
			h, _ := strconv.Atoi(m[1])
			mi, _ := strconv.Atoi(m[2])
			if h < 24 && mi < 60 {
				t = time.Date(t.Year(), t.Month(), t.Day(), h, mi, 0, 0, loc)
				r = strings.TrimSpace(r[len(m[0]):])
			}
		}
		return t, r
	}
	if m := reISO.FindStringSubmatch(low); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		if mo < 1 || mo > 12 || d < 1 || d > 31 {
			return time.Time{}, s, ErrNoDate
		}
		t := atDay(y, time.Month(mo), d)
		if m[4] != "" {
			h, _ := strconv.Atoi(m[4])
			mi, _ := strconv.Atoi(m[5])
			t = time.Date(y, time.Month(mo), d, h, mi, 0, 0, loc)
		}
		return t, strings.TrimSpace(s[len(m[0]):]), nil
	}
	if m := reDotted.FindStringSubmatch(low); m != nil {
		d, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		if mo >= 1 && mo <= 12 && d >= 1 && d <= 31 {
			y := now.Year()
			if m[3] != "" {
				y, _ = strconv.Atoi(m[3])
			}
			t := atDay(y, time.Month(mo), d)
			if m[3] == "" && t.Before(now.Add(-24*time.Hour)) {
				t = t.AddDate(1, 0, 0) // "3.1." in December means next January
			}
			if m[4] != "" {
				h, _ := strconv.Atoi(m[4])
				mi, _ := strconv.Atoi(m[5])
				t = time.Date(t.Year(), t.Month(), t.Day(), h, mi, 0, 0, loc)
			}
			return t, strings.TrimSpace(s[len(m[0]):]), nil
		}
	}
	switch {
	case strings.HasPrefix(low, "next week"):
		// Monday of next week.
		days := (8 - int(now.Weekday())) % 7
		if days == 0 {
			days = 7
		}
		t, rest := withTime(atDay(now.Year(), now.Month(), now.Day()+days), s[len("next week"):])
		return t, rest, nil
	case strings.HasPrefix(low, "today"):
		t, rest := withTime(atDay(now.Year(), now.Month(), now.Day()), s[len("today"):])
		return t, rest, nil
	}
	if m := reInUnits.FindStringSubmatch(low); m != nil {
		n := 1
		if v, err := strconv.Atoi(m[1]); err == nil {
			n = v
		}
		var t time.Time
		switch u := m[2]; {
		case strings.HasPrefix(u, "min"):
			t = now.Add(time.Duration(n) * time.Minute).Truncate(time.Minute)
		case strings.HasPrefix(u, "h"):
			t = now.Add(time.Duration(n) * time.Hour).Truncate(time.Minute)
		case strings.HasPrefix(u, "d"):
			t = atDay(now.Year(), now.Month(), now.Day()+n)
		case strings.HasPrefix(u, "w"):
			t = atDay(now.Year(), now.Month(), now.Day()+7*n)
		default:
			t = atDay(now.Year(), now.Month()+time.Month(n), now.Day())
		}
		rest := s[len(m[0]):]
		if t.Hour() == DefaultHour && t.Minute() == 0 {
			t, rest = withTime(t, rest)
		}
		return t, strings.TrimSpace(rest), nil
	}
	r, err := whenParser.Parse(s, now)
	if err != nil || r == nil || strings.TrimSpace(s[:r.Index]) != "" && strings.TrimSpace(strings.ToLower(s[:r.Index])) != "at" && strings.TrimSpace(strings.ToLower(s[:r.Index])) != "on" {
		return time.Time{}, s, ErrNoDate
	}
	t := r.Time.In(loc)
	matched := strings.ToLower(r.Text)
	if !reClock.MatchString(matched) && !strings.Contains(matched, "noon") && !strings.Contains(matched, "hour") && !strings.Contains(matched, "min") {
		// A date without a time of day: when keeps now's clock; use the working default.
		t = time.Date(t.Year(), t.Month(), t.Day(), DefaultHour, 0, 0, 0, loc)
	}
	rest := strings.TrimSpace(s[r.Index+len(r.Text):])
	if !reClock.MatchString(matched) {
		t, rest = withTime(t, rest)
	}
	if !t.After(now) && t.Year() == now.Year() && t.YearDay() == now.YearDay() && !reClock.MatchString(matched) {
		// "fri" said on a Friday afternoon means next Friday.
		t = t.AddDate(0, 0, 7)
	}
	return t, rest, nil
}
