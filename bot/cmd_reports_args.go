package bot

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"crmbot/crm"
	"crmbot/crm/exchange"
)

// This file reads the words of the report commands (/pipeline, /conversion, /stale,
// /mailing): periods, filters and a manager's name.

// staleDefaultDays is /stale's default: two weeks without a word is when a client
// starts to forget us (the digest uses the same figure).
const staleDefaultDays = 14

// reportArgs is what the report commands read from their arguments:
// "/pipeline chart 2026-10 segment:retail size:large @ana".
type reportArgs struct {
	chart   bool
	csv     bool
	segment crm.Segment
	size    crm.CompanySize
	owner   string // a team member's name, as typed
	ownerIs string // the team member it resolved to, for the title
	period  *period
	days    int // a bare number (/stale 30)
	// num is a bare number as typed, a year included: /stale reads it as days, the
	// period reports refuse one that is not a year rather than ignore it.
	num string
	// periodWord is the period as typed ("2026-10"), for a command that takes none.
	periodWord string
}

// period is a half-open interval [from, to) and how the user wrote it.
type period struct {
	from, to time.Time
	label    string
	days     int // a relative period ("30d", "30 dana"): how many days back; 0 otherwise
}

// parseReportArgs reads the words of a report command. Words it does not know are a
// manager's name ("@ana", "Ana Horvat"); a wrong filter value is an error that says
// what to type.
func (c *conv) parseReportArgs(args string) (reportArgs, error) {
	var ra reportArgs
	var name []string
	words := strings.Fields(args)
	for i := 0; i < len(words); i++ {
		w := words[i]
		lw := strings.ToLower(w)
		k, v, hasColon := strings.Cut(lw, ":")
		next := ""
		if i+1 < len(words) {
			next = fold(words[i+1])
		}
		switch {
		case lw == "chart":
			ra.chart = true
		case lw == "csv":
			ra.csv = true
		case hasColon && fold(k) == "segment":
			s, ok := exchange.ParseSegment(v)
			if !ok {
				return ra, crm.Errorf(crm.EINVALID, "err.bad_segment_filter", v)
			}
			ra.segment = s
		case hasColon && (k == "size" || fold(k) == "velicina"):
			s, ok := exchange.ParseSize(v)
			if !ok {
				return ra, crm.Errorf(crm.EINVALID, "err.bad_size", v)
			}
			ra.size = s
		case lastWords[fold(lw)] && isNumber(next):
			// "zadnjih 30 dana", "last 30 days": the number and its unit follow.
		case isNumber(lw) && periodUnit(next) != 0:
			// "30 dana", "4 weeks": one period written in two words.
			p, ok := c.parsePeriod(lw + next)
			if !ok {
				return ra, crm.Errorf(crm.EINVALID, "err.bad_period", w+" "+words[i+1])
			}
			ra.period, ra.periodWord = p, w+" "+words[i+1]
			i++
		case months[fold(lw)] > 0 && isYear(next):
			// "studeni 2026", "november 2026".
			ra.period, _ = c.monthPeriod(months[fold(lw)], next)
			ra.periodWord = w + " " + words[i+1]
			i++
		case isYear(lw):
			// "2026" is the year the README offers, never 2026 days.
			ra.period, _ = c.parsePeriod(lw)
			ra.num = w
		case isNumber(lw):
			ra.days, _ = strconv.Atoi(lw)
			ra.num = w
		default:
			if p, ok := c.parsePeriod(lw); ok {
				ra.period, ra.periodWord = p, w
				continue
			}
			if lw[0] >= '0' && lw[0] <= '9' || periodUnit(fold(lw)) != 0 {
				// No name starts with a digit, and "dana" is nobody's name: this was
				// meant as a period ("2026-13", "30x"), and reading it as a name would
				// answer about nobody.
				return ra, crm.Errorf(crm.EINVALID, "err.bad_period", w)
			}
			name = append(name, w)
		}
	}
	ra.owner = strings.Join(name, " ")
	return ra, nil
}

// lastWords introduce a relative period: "last 30 days", "zadnjih 30 dana".
var lastWords = map[string]bool{"last": true, "past": true, "zadnjih": true, "zadnja": true, "zadnje": true, "posljednjih": true, "proteklih": true}

// periodUnit is the unit a word names for a report period, in either language: days,
// weeks or months; 0 when it names none.
func periodUnit(s string) unit {
	switch u, ok := units[s]; {
	case ok && (u == uDay || u == uWeek || u == uMonth):
		return u
	}
	return 0
}

// needPeriod refuses a bare number that is not a year in a period report: "/conversion
// 1900" or "/pipeline 45" would otherwise show the default period as if asked for.
func (ra reportArgs) needPeriod() error {
	if ra.num != "" && ra.period == nil {
		return crm.Errorf(crm.EINVALID, "err.period_number", ra.num)
	}
	return nil
}

// isYear reports whether s is a four-digit year a report can mean.
func isYear(s string) bool {
	y, err := strconv.Atoi(s)
	return err == nil && len(s) == 4 && y >= 1970 && y <= 2200
}

func isNumber(s string) bool {
	_, err := strconv.Atoi(s)
	return err == nil && len(s) < 5
}

// parsePeriod reads "30d", "30dana", "4w", "3mjeseca", "2026-10" (a month), "studeni"
// or "november" (the latest such month that has begun), "2026" (a year), in the user's
// time zone; the relative ones end now.
func (c *conv) parsePeriod(s string) (*period, bool) {
	now := c.now()
	loc := c.loc()
	s = fold(s)
	if n := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); n > 0 {
		if u := periodUnit(s[n:]); u != 0 {
			k, err := strconv.Atoi(s[:n])
			if err != nil || k <= 0 || k > 3660 {
				return nil, false
			}
			from := now.AddDate(0, 0, -k)
			switch u {
			case uWeek:
				from = now.AddDate(0, 0, -7*k)
			case uMonth:
				if k > 120 {
					return nil, false
				}
				from = now.AddDate(0, -k, 0)
			}
			days := int(now.Sub(from).Hours()/24 + 0.5)
			// The period ends now, and includes it: what was done this very second counts.
			return &period{from: from, to: now.Add(time.Second), label: c.t("period.days", days), days: days}, true
		}
	}
	if m := months[s]; m > 0 && len(s) > 3 && s != "may" {
		// Full names only: "jan" and "may" are people too; "jan 2026" is read by
		// parseReportArgs.
		l := now.In(loc)
		y := l.Year()
		if m > int(l.Month()) {
			y-- // "prosinac" in November: the December that has been, not the one to come
		}
		return c.monthPeriod(m, strconv.Itoa(y))
	}
	if t, err := time.ParseInLocation("2006-01", s, loc); err == nil {
		return &period{from: t, to: t.AddDate(0, 1, 0), label: c.t(fmt.Sprintf("period.month.%d", int(t.Month())), t.Year())}, true
	}
	if len(s) == 4 {
		if t, err := time.ParseInLocation("2006", s, loc); err == nil {
			return &period{from: t, to: t.AddDate(1, 0, 0), label: s}, true
		}
	}
	return nil, false
}

// monthPeriod is month m (1–12) of the year written as year, in the user's zone.
func (c *conv) monthPeriod(m int, year string) (*period, bool) {
	return c.parsePeriod(fmt.Sprintf("%s-%02d", year, m))
}

// filtered reports whether any filter narrows the report.
func (ra reportArgs) filtered() bool { return ra.segment != "" || ra.size != "" }

// filterText describes the filters for the report's title; the period too when the
// title does not show it already.
func (c *conv) filterText(ra reportArgs) string {
	var parts []string
	if ra.segment != "" {
		parts = append(parts, c.t("filter.segment", c.t("segment."+string(ra.segment))))
	}
	if ra.size != "" {
		parts = append(parts, c.t("filter.size", c.t("size."+string(ra.size))))
	}
	if ra.period != nil {
		parts = append(parts, c.t("filter.period", ra.period.label))
	}
	if ra.ownerIs != "" {
		parts = append([]string{ra.ownerIs}, parts...)
	}
	return strings.Join(parts, " · ")
}

// reportOwner resolves the manager named in a report: managers see only themselves.
func (c *conv) reportOwner(ra *reportArgs) (uint64, error) {
	var owner uint64
	if ra.owner != "" {
		u, err := c.e.svc.UserByName(c.ctx, ra.owner)
		if err != nil {
			return 0, err
		}
		owner, ra.ownerIs = u.ID, u.Name
	}
	if !c.u.IsLead() {
		if owner != 0 && owner != c.u.ID {
			return 0, crm.Errorf(crm.EFORBIDDEN, "err.pipeline_forbidden")
		}
		owner = c.u.ID
	}
	return owner, nil
}

// facet is the report's segment and size filters, for the Service.
func (ra reportArgs) facet() crm.Facet { return crm.Facet{Segment: ra.segment, Size: ra.size} }
