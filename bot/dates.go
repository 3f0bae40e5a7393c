package bot

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"crmbot/crm"
)

// The date grammar is hand-written rather than olebedev/when: that library guesses
// (it moved "31.2." to 3 March and read "15/12" as a weekday) and leaves the words it
// does not know in the text, while a follow-up on the wrong day is worse than a
// question. This grammar reads a small, documented set of forms, in English and
// Croatian at once, and refuses everything else with the part it could not read.
//
//	clause = relative | day [time] | time [day]
//	relative = ("in"|"za") [n] unit [time] | n unit-letter [time]    in 3 days, za 2 sata, 30m, 1w
//	           ("14h" alone is the hour 14:00; "5 min", "2 days", "pola 3" are asked about)
//	day = today | tomorrow | day after tomorrow | [next] weekday | next week
//	      | d.m. | d.m.yyyy | d. m. yyyy. | d/m[/yyyy] | yyyy-mm-dd
//	      | d month [yyyy] | month d [yyyy]                               (+ Croatian words)
//	time = [lead] (hh:mm | hh.mm | hh,mm | hh h | hhh | h(am|pm) | hh) ["i" (pol|mm)] [part of day]
//	       | ["u"|"at"|"oko"] podne                                          a bare hour only after a day or a lead
//	lead = at | u | @ | oko | nakon | poslije | od | iza | around | after
//	part of day = poslijepodne | popodne | uvečer | navečer | ujutro | prijepodne | in the afternoon …

// DefaultHour is the time of day given to a date named without one ("fri", "in 3
// days"): a follow-up is a working-day thing, not midnight.
const DefaultHour = 10

// ErrNoDate is what a *DateError for text that does not start with a date matches
// (errors.Is).
var ErrNoDate = errors.New("no date")

// DateError is a date that could not be read. Part is what was typed, as typed; Key is
// the catalog key of the message, whose arguments are Part and then Args.
type DateError struct {
	Part string
	Key  string
	Args []any
}

func (e *DateError) Error() string { return "date " + e.Key + ": " + strconv.Quote(e.Part) }

// Is makes errors.Is(err, ErrNoDate) true for text that is no date at all.
func (e *DateError) Is(target error) bool { return target == ErrNoDate && e.Key == keyNoDate }

// Crm returns the error as a crm error for the user, naming the part.
func (e *DateError) Crm() *crm.Error {
	return crm.Errorf(crm.EINVALID, e.Key, append([]any{e.Part}, e.Args...)...)
}

// pastYears is how far back ParseWhen reads at all.
const pastYears = 100

const (
	keyNoDate      = "err.bad_date"
	keyNoSuchDay   = "date.err.no_such_day"
	keyBadTime     = "date.err.bad_time"
	keyAmbiguous   = "date.err.ambiguous"
	keyTooFar      = "date.err.too_far"
	keyTooPast     = "date.err.too_past"
	keyUnit        = "date.err.unit"
	keyYear        = "date.err.year"
	keyTwice       = "date.err.twice"
	keyVague       = "date.err.vague"
	keyDSTGap      = "date.err.dst_gap"
	keyHalf        = "date.err.half"
	keySpanNeedsIn = "date.err.span_needs_in"
	keySmallHour   = "date.err.small_hour"
)

// token is one word of the input: s is folded (lower case, no diacritics, no trailing
// comma) for matching; start and end index the original text.
type token struct {
	s          string
	start, end int
}

func tokenize(text string) []token {
	var out []token
	start := -1
	flush := func(end int) {
		if start >= 0 {
			out = append(out, token{s: fold(strings.TrimRight(text[start:end], ",;")), start: start, end: end})
			start = -1
		}
	}
	for i, r := range text {
		if unicode.IsSpace(r) {
			flush(i)
		} else if start < 0 {
			start = i
		}
	}
	flush(len(text))
	return out
}

// fold lower-cases s and drops Croatian diacritics: people type "cet" for "čet".
func fold(s string) string {
	return strings.Map(func(r rune) rune {
		switch r = unicode.ToLower(r); r {
		case 'č', 'ć':
			return 'c'
		case 'š':
			return 's'
		case 'ž':
			return 'z'
		case 'đ':
			return 'd'
		}
		return r
	}, s)
}

var weekdays = map[string]time.Weekday{
	"mon": time.Monday, "monday": time.Monday, "pon": time.Monday, "ponedjeljak": time.Monday, "ponedeljak": time.Monday,
	"tue": time.Tuesday, "tues": time.Tuesday, "tuesday": time.Tuesday, "uto": time.Tuesday, "utorak": time.Tuesday,
	"wed": time.Wednesday, "wednesday": time.Wednesday, "sri": time.Wednesday, "srijeda": time.Wednesday, "srijedu": time.Wednesday,
	"thu": time.Thursday, "thur": time.Thursday, "thurs": time.Thursday, "thursday": time.Thursday, "cet": time.Thursday, "cetvrtak": time.Thursday,
	"fri": time.Friday, "friday": time.Friday, "pet": time.Friday, "petak": time.Friday,
	"sat": time.Saturday, "saturday": time.Saturday, "sub": time.Saturday, "subota": time.Saturday, "subotu": time.Saturday,
	"sun": time.Sunday, "sunday": time.Sunday, "ned": time.Sunday, "nedjelja": time.Sunday, "nedjelju": time.Sunday,
}

// months are the month names, English and Croatian (nominative and genitive, "3.
// prosinca"), without diacritics. Croatian short forms are left out: "svi", "lip",
// "pro" are everyday words.
var months = func() map[string]int {
	m := map[string]int{}
	for i, names := range [][]string{
		{"jan", "january", "sijecanj", "sijecnja"},
		{"feb", "february", "veljaca", "veljace"},
		{"mar", "march", "ozujak", "ozujka"},
		{"apr", "april", "travanj", "travnja"},
		{"may", "svibanj", "svibnja"},
		{"jun", "june", "lipanj", "lipnja"},
		{"jul", "july", "srpanj", "srpnja"},
		{"aug", "august", "kolovoz", "kolovoza"},
		{"sep", "sept", "september", "rujan", "rujna"},
		{"oct", "october", "listopad", "listopada"},
		{"nov", "november", "studeni", "studenoga", "studenog"},
		{"dec", "december", "prosinac", "prosinca"},
	} {
		for _, n := range names {
			m[n] = i + 1
		}
	}
	return m
}()

// nextWords say "the next one": "next fri", "sljedeći petak", "idući tjedan".
var nextWords = map[string]bool{"next": true, "sljedeci": true, "sljedeca": true, "sljedecu": true, "slijedeci": true, "iduci": true, "iducu": true, "iduca": true}

type unit int

const (
	uMinute unit = iota
	uHour
	uDay
	uWeek
	uMonth
	uYear
	uSecond
)

var units = map[string]unit{
	"m": uMinute, "min": uMinute, "mins": uMinute, "minute": uMinute, "minutes": uMinute, "minuta": uMinute, "minutu": uMinute,
	"h": uHour, "hr": uHour, "hrs": uHour, "hour": uHour, "hours": uHour, "sat": uHour, "sata": uHour, "sati": uHour,
	"d": uDay, "day": uDay, "days": uDay, "dan": uDay, "dana": uDay,
	"w": uWeek, "wk": uWeek, "week": uWeek, "weeks": uWeek, "tj": uWeek, "tjedan": uWeek, "tjedna": uWeek, "tjedana": uWeek,
	"month": uMonth, "months": uMonth, "mj": uMonth, "mjesec": uMonth, "mjeseca": uMonth, "mjeseci": uMonth,
	"y": uYear, "year": uYear, "years": uYear, "god": uYear, "godina": uYear, "godine": uYear, "godinu": uYear,
	"s": uSecond, "sec": uSecond, "secs": uSecond, "second": uSecond, "seconds": uSecond, "sekunda": uSecond, "sekunde": uSecond, "sekundi": uSecond,
}

func hasUnit(s string) bool { _, ok := units[s]; return ok }

// oneWords stand for the number 1 before a unit: "in a week", "in an hour".
var oneWords = map[string]bool{"a": true, "an": true, "one": true, "jedan": true, "jednu": true, "jedna": true}

// vagueWords name a part of the day, not a time: reading them as the default hour
// would be a silent guess, so they are refused.
var vagueWords = map[string]bool{
	"morning": true, "afternoon": true, "evening": true, "tonight": true, "night": true, "noon": true, "midday": true, "lunch": true, "eod": true,
	"ujutro": true, "jutro": true, "popodne": true, "navecer": true, "vecer": true, "podne": true, "rano": true,
	"poslijepodne": true, "posljepodne": true, "prijepodne": true, "uvecer": true, "navece": true, "uvece": true, "ujutru": true,
	"ponoc": true, "midnight": true,
}

// noonWords are noon itself, read as 12:00 after a day or "u"/"at"/"oko" ("sutra u
// podne"); after "poslije"/"after" they are the afternoon, which is vague.
var noonWords = map[string]bool{"podne": true, "noon": true, "midday": true}

// timeLeads are the little words before an hour: "at 14", "u 14h", "oko 14h" (around),
// "nakon 14", "poslije 14", "iza 14" (after), "od 14" (from). A reminder at the hour
// named is the useful reading of each.
var timeLeads = map[string]bool{
	"at": true, "u": true, "@": true,
	"oko": true, "nakon": true, "poslije": true, "od": true, "iza": true, "around": true, "after": true,
}

// dayParts are the parts of the day that may follow an hour ("u 3 poslijepodne", "8
// uvečer", "3 in the afternoon"): pm moves 1–11 to the afternoon, am keeps them.
var dayParts = []struct {
	words    []string
	pm, noon bool // noon: "12 popodne" is 12:00; "12 uvečer" is refused
}{
	{[]string{"in", "the", "afternoon"}, true, true},
	{[]string{"in", "the", "evening"}, true, false},
	{[]string{"in", "the", "morning"}, false, false},
	{[]string{"at", "night"}, true, false},
	{[]string{"poslije", "podne"}, true, true},
	{[]string{"poslijepodne"}, true, true}, {[]string{"posljepodne"}, true, true}, {[]string{"popodne"}, true, true},
	{[]string{"uvecer"}, true, false}, {[]string{"navecer"}, true, false}, {[]string{"navece"}, true, false}, {[]string{"uvece"}, true, false},
	{[]string{"ujutro"}, false, false}, {[]string{"ujutru"}, false, false}, {[]string{"prijepodne"}, false, false},
}

// dayPartAt reports the part of the day at token k: its length in tokens (0: none),
// whether it is after noon, and whether 12 is noon in it.
func dayPartAt(p *parser, k int) (n int, pm, noon bool) {
next:
	for _, dp := range dayParts {
		for j, w := range dp.words {
			if p.peek(k+j) != w {
				continue next
			}
		}
		return len(dp.words), dp.pm, dp.noon
	}
	return 0, false, false
}

var (
	reISO      = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})(?:t(\d{1,2}):(\d{2}))?$`)
	reDotDate  = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})\.(?:(\d+)\.?)?$`)
	reDotPair  = regexp.MustCompile(`^(\d{1,2})\.(\d{1,2})$`)
	reSlash    = regexp.MustCompile(`^(\d{1,2})/(\d{1,2})(?:/(\d+))?$`)
	reDayDot   = regexp.MustCompile(`^(\d{1,2})\.$`)
	reYear     = regexp.MustCompile(`^(\d{4})\.?$`)
	reClock    = regexp.MustCompile(`^(\d{1,2})[:.,](\d{1,2})(h)?$`) // "14,30": the comma a phone keypad offers
	reHourH    = regexp.MustCompile(`^(\d{1,2})h$`)
	reAmPm     = regexp.MustCompile(`^(\d{1,2})(?::(\d{2}))?(am|pm|a\.m\.|p\.m\.)$`)
	reNumber   = regexp.MustCompile(`^\d+$`)
	reDayNum   = regexp.MustCompile(`^(\d{1,2})(?:\.|st|nd|rd|th)?$`)
	reShort    = regexp.MustCompile(`^(\d+)(m|min|h|d|w)$`)
	reLooksDT  = regexp.MustCompile(`^\d{1,4}[:./-]\d|^\d{1,2},\d{1,2}$|^\d{1,2}(h|am|pm)$|^\d+(m|min|d|w)$`)
	reBigClock = regexp.MustCompile(`^\d+[:.]\d+$`)
)

// parser reads tokens from position i on.
type parser struct {
	text string
	toks []token
	i    int
	now  time.Time // in loc
	loc  *time.Location
	// weekday is set when the day was a plain weekday ("fri"), which rolls over to
	// next week when the instant has passed today.
	weekday *time.Weekday
	// isoClock is the time of an ISO "2026-12-03T14:00", read with the day.
	isoClock *clock
}

func (p *parser) peek(k int) string {
	if p.i+k >= 0 && p.i+k < len(p.toks) {
		return p.toks[p.i+k].s
	}
	return ""
}

// part returns the original text of tokens [from, to).
func (p *parser) part(from, to int) string {
	if from >= len(p.toks) {
		return ""
	}
	if to > len(p.toks) {
		to = len(p.toks)
	}
	if to <= from {
		to = from + 1
	}
	return strings.TrimRight(p.text[p.toks[from].start:p.toks[to-1].end], ",;")
}

func (p *parser) fail(key string, from, to int, args ...any) *DateError {
	// Clipped: the part is echoed in the reply, and a pasted novel is not a date.
	return &DateError{Part: clip(p.part(from, to), 60), Key: key, Args: args}
}

// day is a calendar day in loc.
type day struct{ y, m, d int }

func (p *parser) today() day {
	return day{p.now.Year(), int(p.now.Month()), p.now.Day()}
}

func (d day) add(n int) day {
	t := time.Date(d.y, time.Month(d.m), d.d+n, 12, 0, 0, 0, time.UTC)
	return day{t.Year(), int(t.Month()), t.Day()}
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 12, 0, 0, 0, time.UTC).Day()
}

// clock is a time of day.
type clock struct{ h, m int }

// ParseWhen reads a date and time at the start of text, in the user's location loc,
// relative to now: "tomorrow 10:00", "fri", "next fri 14:30", "in 3 days", "30m",
// "next week", "15.12.", "2026-12-03 14:00", "sutra u 14h", "za 2 sata". A date
// without a time of day gets DefaultHour. It returns the instant, the rest of the text
// after the date (what to do), or a *DateError naming the part it could not read.
func ParseWhen(text string, now time.Time, loc *time.Location) (time.Time, string, error) {
	if loc == nil {
		loc = time.UTC
	}
	p := &parser{text: text, toks: tokenize(text), now: now.In(loc), loc: loc}
	if len(p.toks) == 0 {
		return time.Time{}, text, &DateError{Key: keyNoDate}
	}
	t, err := p.clause()
	if err != nil {
		return time.Time{}, strings.TrimSpace(text), err
	}
	// A token right after the date that looks like another date or time is not
	// silently made part of the text: "in 2 hours 14:00" has two answers.
	if nx := p.peek(0); nx != "" {
		if vagueWords[nx] {
			return time.Time{}, text, p.fail(keyVague, p.i, p.i+1)
		}
		if reLooksDT.MatchString(nx) || weekdayAt(p, 0) || len(nx) > 2 && months[nx] > 0 && nx != "may" {
			return time.Time{}, text, p.fail(keyTwice, p.i, p.i+1)
		}
	}
	if t.After(crm.Horizon(now)) {
		return time.Time{}, text, p.fail(keyTooFar, 0, p.i, crm.HorizonYears)
	}
	// The past is the caller's to refuse (a follow-up must be ahead, "That time has
	// already passed"); only a year no export could encode is refused here.
	if t.Before(now.AddDate(-pastYears, 0, 0)) {
		return time.Time{}, text, p.fail(keyTooPast, 0, p.i, pastYears)
	}
	rest := ""
	if p.i < len(p.toks) {
		rest = strings.TrimLeft(text[p.toks[p.i].start:], "-–—:, ")
	}
	return t, strings.TrimSpace(rest), nil
}

// weekdayAt reports whether the token at k (with an optional "next"/"u"/"on") is a
// weekday.
func weekdayAt(p *parser, k int) bool {
	s := p.peek(k)
	if s == "on" || s == "u" || nextWords[s] {
		s = p.peek(k + 1)
	}
	_, ok := weekdays[s]
	return ok && s != "sat" // "za 2 sata" aside, "sat" after a date is likelier text
}

func (p *parser) clause() (time.Time, error) {
	if t, ok, err := p.relative(); ok || err != nil {
		return t, err
	}
	start := p.i
	d, hasDay, err := p.day()
	if err != nil {
		return time.Time{}, err
	}
	var c clock
	var hasTime bool
	if hasDay {
		c, hasTime, err = p.time(true)
		if err != nil {
			return time.Time{}, err
		}
	} else {
		c, hasTime, err = p.time(false)
		if err != nil {
			return time.Time{}, err
		}
		if !hasTime {
			if vagueWords[p.peek(0)] {
				return time.Time{}, p.fail(keyVague, p.i, p.i+1)
			}
			return time.Time{}, &DateError{Part: clip(strings.TrimSpace(p.text), 60), Key: keyNoDate}
		}
		// "14:30 tomorrow": a day may follow the time.
		d, hasDay, err = p.day()
		if err != nil {
			return time.Time{}, err
		}
	}
	if !hasTime {
		c = clock{DefaultHour, 0}
	}
	if !hasDay {
		// A time alone is the next such time: today, or tomorrow when it has passed.
		d = p.today()
		t, err := p.at(d, c, start)
		if err != nil {
			return t, err
		}
		if !t.After(p.now) {
			d = d.add(1)
		}
	}
	t, err := p.at(d, c, start)
	if err != nil {
		return t, err
	}
	if p.weekday != nil && !t.After(p.now) {
		// "fri" said on a Friday afternoon means next Friday.
		t, err = p.at(d.add(7), c, start)
	}
	p.weekday = nil
	return t, err
}

// at is day d at clock c in the user's zone; a time the clocks skip (the spring DST
// change) is an error, not the hour after.
func (p *parser) at(d day, c clock, from int) (time.Time, error) {
	t := time.Date(d.y, time.Month(d.m), d.d, c.h, c.m, 0, 0, p.loc)
	if t.Hour() != c.h || t.Minute() != c.m || t.Day() != d.d {
		return time.Time{}, p.fail(keyDSTGap, from, p.i, fmt.Sprintf("%02d:%02d", c.h, c.m))
	}
	return t, nil
}

// relative reads "in 3 days", "za 2 sata", "za tjedan", "30m", "1w".
func (p *parser) relative() (time.Time, bool, error) {
	start := p.i
	var n int
	var u unit
	switch w := p.peek(0); {
	case w == "in" || w == "za":
		num := p.peek(1)
		k := 3 // "in", the number, the unit
		switch {
		case reNumber.MatchString(num):
			v, err := strconv.Atoi(num)
			if err != nil || v > 1e6 {
				return time.Time{}, true, p.fail(keyTooFar, start, start+3, crm.HorizonYears)
			}
			n = v
		case oneWords[num]:
			n = 1
		case reShort.MatchString(num):
			// "in 30m", "za 2h"
			m := reShort.FindStringSubmatch(num)
			v, err := strconv.Atoi(m[1])
			if err != nil || v > 1e6 {
				return time.Time{}, true, p.fail(keyTooFar, start, start+2, crm.HorizonYears)
			}
			n, u, k = v, units[m[2]], 2
		case w == "za" && len(num) > 2 && units[num] != uSecond && hasUnit(num):
			// "za tjedan", "za sat": the unit alone means one.
			n, u, k = 1, units[num], 2
		case reLooksDT.MatchString(num) || num == "":
			return time.Time{}, true, p.fail(keyUnit, start, start+2)
		default:
			return time.Time{}, false, nil // "in the office": not a date
		}
		if k == 3 {
			uu, ok := units[p.peek(2)]
			if !ok {
				return time.Time{}, true, p.fail(keyUnit, start, start+3)
			}
			u = uu
		}
		p.i += k
		// "za tjedan dana", "za mjesec dana", "za sat vremena": the Croatian way to
		// say the span, whose last word is part of it, not of the next step.
		switch nx := p.peek(0); {
		case nx == "dana" && u >= uDay && u <= uYear, nx == "vremena" && (u == uHour || u == uMinute):
			p.i++
		}
	case reHourH.MatchString(w):
		// "14h" alone is the hour 14:00, as Croatians write it (and issue 9 lists it
		// among the hour forms); an amount of hours needs "in"/"za": "in 2h". /snooze,
		// which only ever moves by an amount, adds the "in" itself.
		return time.Time{}, false, nil
	case reShort.MatchString(w):
		m := reShort.FindStringSubmatch(w)
		v, err := strconv.Atoi(m[1])
		if err != nil || v > 1e6 {
			return time.Time{}, true, p.fail(keyTooFar, start, start+1, crm.HorizonYears)
		}
		n, u = v, units[m[2]]
		p.i++
	default:
		return time.Time{}, false, nil
	}
	if u == uSecond || n == 0 {
		return time.Time{}, true, p.fail(keyUnit, start, p.i)
	}
	// Bound n before multiplying: the horizon in the smallest unit is ~2.7M minutes.
	limit := map[unit]int{uMinute: 3e6, uHour: 5e4, uDay: 2e3, uWeek: 300, uMonth: 70, uYear: 6}[u]
	if n > limit {
		return time.Time{}, true, p.fail(keyTooFar, start, p.i, crm.HorizonYears)
	}
	switch u {
	case uMinute:
		return p.now.Add(time.Duration(n) * time.Minute).Truncate(time.Minute), true, nil
	case uHour:
		return p.now.Add(time.Duration(n) * time.Hour).Truncate(time.Minute), true, nil
	}
	var d day
	switch u {
	case uDay:
		d = p.today().add(n)
	case uWeek:
		d = p.today().add(7 * n)
	case uMonth, uYear:
		months := n
		if u == uYear {
			months = 12 * n
		}
		// 31 Jan + 1 month is the last day of February, not 3 March.
		y, m := p.now.Year(), int(p.now.Month())+months
		y, m = y+(m-1)/12, (m-1)%12+1
		dd := min(p.now.Day(), daysIn(y, m))
		d = day{y, m, dd}
	}
	c, hasTime, err := p.time(true)
	if err != nil {
		return time.Time{}, true, err
	}
	if !hasTime {
		c = clock{DefaultHour, 0}
	}
	t, err := p.at(d, c, start)
	return t, true, err
}

// day reads a calendar day, with its optional lead words ("on", "u", "next").
func (p *parser) day() (day, bool, error) {
	start := p.i
	w := p.peek(0)
	lead := 0
	if w == "on" || w == "u" {
		lead = 1
		w = p.peek(1)
	}
	next := false
	if nextWords[w] || w == "this" || w == "ovaj" || w == "ovu" || w == "ovog" {
		next = nextWords[w]
		lead++
		w = p.peek(lead)
	}
	today := p.today()
	switch {
	case (w == "week" || w == "tjedan") && next:
		// Monday of next week.
		days := (8 - int(p.now.Weekday())) % 7
		if days == 0 {
			days = 7
		}
		p.i += lead + 1
		return today.add(days), true, nil
	}
	if wd, ok := weekdays[w]; ok {
		days := (int(wd) - int(p.now.Weekday()) + 7) % 7
		if next && days == 0 {
			days = 7
		}
		p.i += lead + 1
		if !next {
			p.weekday = &wd
		}
		return today.add(days), true, nil
	}
	if lead > 0 && next {
		// "next" followed by something else: not a date we know.
		return day{}, false, p.fail(keyNoDate, start, start+lead+1)
	}
	if lead == 1 && (p.peek(0) == "on" || p.peek(0) == "u") {
		// "u 14h" is a time; "on" alone is text. Let the time reader try.
		lead = 0
		w = p.peek(0)
	}
	if lead > 0 {
		return day{}, false, nil
	}
	switch w {
	case "today", "danas":
		p.i++
		return today, true, nil
	case "tomorrow", "tmrw", "tmr", "sutra":
		p.i++
		return today.add(1), true, nil
	case "prekosutra":
		p.i++
		return today.add(2), true, nil
	case "day":
		if p.peek(1) == "after" && p.peek(2) == "tomorrow" {
			p.i += 3
			return today.add(2), true, nil
		}
	}
	return p.numericDay()
}

// numericDay reads day-first numeric dates and ISO dates.
func (p *parser) numericDay() (day, bool, error) {
	start := p.i
	w := p.peek(0)
	var dd, mm, yy int
	var year string
	n := 1
	switch {
	case reISO.MatchString(w):
		m := reISO.FindStringSubmatch(w)
		yy, _ = strconv.Atoi(m[1])
		mm, _ = strconv.Atoi(m[2])
		dd, _ = strconv.Atoi(m[3])
		if m[4] != "" {
			// "2026-12-03T14:00": split the time off for the time reader.
			h, _ := strconv.Atoi(m[4])
			mi, _ := strconv.Atoi(m[5])
			if h > 23 || mi > 59 {
				return day{}, false, p.fail(keyBadTime, start, start+1)
			}
			p.isoClock = &clock{h, mi}
		}
		year = m[1]
	case reDotDate.MatchString(w):
		m := reDotDate.FindStringSubmatch(w)
		dd, _ = strconv.Atoi(m[1])
		mm, _ = strconv.Atoi(m[2])
		year = m[3]
	case reSlash.MatchString(w):
		m := reSlash.FindStringSubmatch(w)
		dd, _ = strconv.Atoi(m[1])
		mm, _ = strconv.Atoi(m[2])
		year = m[3]
	case reDayDot.MatchString(w) && reDayDot.MatchString(p.peek(1)):
		// "3. 12." and "3. 12. 2026." as Croatians write them.
		dd, _ = strconv.Atoi(strings.TrimSuffix(w, "."))
		mm, _ = strconv.Atoi(strings.TrimSuffix(p.peek(1), "."))
		n = 2
	case reDayNum.MatchString(w) && months[p.peek(1)] > 0:
		// "3 dec", "3. prosinca"
		dd, _ = strconv.Atoi(reDayNum.FindStringSubmatch(w)[1])
		mm, n = months[p.peek(1)], 2
	case months[w] > 0 && reDayNum.MatchString(p.peek(1)):
		// "dec 3", "december 3rd"
		mm = months[w]
		dd, _ = strconv.Atoi(reDayNum.FindStringSubmatch(p.peek(1))[1])
		n = 2
	case reDotPair.MatchString(w):
		m := reDotPair.FindStringSubmatch(w)
		a, _ := strconv.Atoi(m[1])
		b, _ := strconv.Atoi(m[2])
		isTime := a <= 23 && b <= 59 && len(m[2]) == 2
		isDate := a >= 1 && a <= 31 && b >= 1 && b <= 12
		switch {
		case isTime && isDate:
			return day{}, false, p.fail(keyAmbiguous, start, start+1, fmt.Sprintf("%d.%d.", a, b), fmt.Sprintf("%d:%02d", a, b))
		case isDate:
			dd, mm = a, b
		default:
			return day{}, false, nil // a time ("14.30"), or not a date: the time reader decides
		}
	default:
		return day{}, false, nil
	}
	if year == "" && n == 1 && reYear.MatchString(p.peek(1)) {
		// "3.12. 2026"
		year = strings.TrimSuffix(p.peek(1), ".")
		n = 2
	} else if year == "" && n == 2 && reYear.MatchString(p.peek(2)) {
		year = strings.TrimSuffix(p.peek(2), ".")
		n = 3
	}
	end := start + n
	if year != "" {
		if len(year) != 4 {
			return day{}, false, p.fail(keyYear, start, end)
		}
		yy, _ = strconv.Atoi(year)
	}
	if mm < 1 || mm > 12 || dd < 1 {
		return day{}, false, p.fail(keyNoSuchDay, start, end)
	}
	if year == "" {
		// "3.1." typed in December is next January; today is still today.
		yy = p.now.Year()
		if mm < int(p.now.Month()) || mm == int(p.now.Month()) && dd < p.now.Day() {
			yy++
		}
	}
	if dd > daysIn(yy, mm) {
		return day{}, false, p.fail(keyNoSuchDay, start, end)
	}
	p.i = end
	return day{yy, mm, dd}, true, nil
}

// time reads a time of day. afterDay allows a bare hour ("tomorrow 10 call").
func (p *parser) time(afterDay bool) (clock, bool, error) {
	if p.isoClock != nil {
		c := *p.isoClock
		p.isoClock = nil
		return c, true, nil
	}
	start := p.i
	lead := 0
	if timeLeads[p.peek(0)] {
		lead = 1
	}
	// at is "at"/"u": only after them is "2 sata" the hour ("u 2 sata"); "nakon 2
	// sata" is an amount.
	at := lead > 0 && (p.peek(0) == "at" || p.peek(0) == "u" || p.peek(0) == "@")
	w := p.peek(lead)
	bad := func(n int) (clock, bool, error) {
		return clock{}, false, p.fail(keyBadTime, start, start+lead+n)
	}
	ok := func(h, m, n int) (clock, bool, error) {
		if h > 23 || m > 59 {
			return bad(n)
		}
		p.i = start + lead + n
		// "u 10 sati", "10 h", "10 o'clock": the word for hour is part of the time.
		if s := p.peek(0); hourWord(s, at) || s == "o'clock" || s == "oclock" {
			p.i++
		}
		// "u 14 i pol", "u 14 i 30": half past, and minutes, after a whole hour.
		if m == 0 && (reNumber.MatchString(w) || reHourH.MatchString(w)) && p.peek(0) == "i" {
			switch nx := p.peek(1); {
			case nx == "pol" || nx == "po":
				m, p.i = 30, p.i+2
			case len(nx) == 2 && reNumber.MatchString(nx):
				mm, _ := strconv.Atoi(nx)
				if mm > 59 {
					return clock{}, false, p.fail(keyBadTime, start, p.i+2)
				}
				m, p.i = mm, p.i+2
			}
		}
		// "u 3 poslijepodne", "8 uvečer", "9 ujutro": the part of the day sets the
		// half of the clock, or is refused when it contradicts the hour ("15 ujutro").
		if k, pmPart, noon := dayPartAt(p, 0); k > 0 {
			switch {
			case h >= 1 && h <= 11 && pmPart:
				h += 12
			case h >= 1 && h <= 11, h == 12 && noon, h > 12 && pmPart:
			default:
				return clock{}, false, p.fail(keyBadTime, start, p.i+k)
			}
			p.i += k
		}
		return clock{h, m}, true, nil
	}
	if noonWords[w] {
		// "sutra u podne" is 12:00; "poslije podne" is the afternoon, no time.
		if lead > 0 && !at && p.peek(0) != "oko" && p.peek(0) != "around" {
			return clock{}, false, p.fail(keyVague, start, start+lead+1)
		}
		if afterDay || lead > 0 || start == 0 {
			p.i = start + lead + 1
			return clock{12, 0}, true, nil
		}
	}
	if lead > 0 && vagueWords[w] {
		// "sutra u ponoć", "u jutro": refused, not left in the text at the default hour.
		return clock{}, false, p.fail(keyVague, start, start+lead+1)
	}
	if h, err := strconv.Atoi(p.peek(lead + 1)); err == nil && (w == "pola" || w == "half") && h >= 0 && h <= 24 {
		// "pola 3" is 2:30 to a Croatian and "half past 3" to others, and either may
		// mean the afternoon: ask for the minutes. "pola ponude" is text.
		a, b := fmt.Sprintf("%02d:30", (h+23)%24), fmt.Sprintf("%02d:30", (h+11)%24)
		return clock{}, false, p.fail(keyHalf, start, start+lead+2, a, b)
	}
	if nx := p.peek(lead + 1); reNumber.MatchString(w) && len(w) <= 4 && len(nx) > 1 && hasUnit(nx) && !hourWord(nx, at) {
		// "5 min call", "2 days", "5 dana": an amount of time, not the hour 5 or 2.
		// Without "in"/"za" it is asked about, not guessed. One letter ("3 s Anom") is
		// a word, not a unit.
		u := p.toks[p.i+lead+1]
		word := strings.TrimRight(p.text[u.start:u.end], ",;")
		in := "in"
		if hrUnit(nx) {
			in = "za"
		}
		short := map[unit]string{uMinute: w + "m", uHour: in + " " + w + "h", uDay: w + "d", uWeek: w + "w"}[units[nx]]
		if short == "" {
			short = map[string]string{"in": "za", "za": "in"}[in] + " " + w + " " + word
		}
		return clock{}, false, p.fail(keySpanNeedsIn, start, start+lead+2, in+" "+w+" "+word, short)
	}
	switch {
	case reAmPm.MatchString(w):
		m := reAmPm.FindStringSubmatch(w)
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		if h < 1 || h > 12 || mi > 59 {
			return bad(1)
		}
		return ok(h%12+pm(m[3]), mi, 1)
	case reNumber.MatchString(w) && (p.peek(lead+1) == "am" || p.peek(lead+1) == "pm"):
		h, _ := strconv.Atoi(w)
		if h < 1 || h > 12 {
			return bad(2)
		}
		return ok(h%12+pm(p.peek(lead+1)), 0, 2)
	case reClock.MatchString(w):
		m := reClock.FindStringSubmatch(w)
		if len(m[2]) != 2 {
			return bad(1)
		}
		h, _ := strconv.Atoi(m[1])
		mi, _ := strconv.Atoi(m[2])
		return ok(h, mi, 1)
	case reBigClock.MatchString(w):
		return bad(1) // "125:00", "9:755"
	case reHourH.MatchString(w):
		h, _ := strconv.Atoi(strings.TrimSuffix(w, "h"))
		return ok(h, 0, 1)
	case reNumber.MatchString(w) && (afterDay || lead > 0):
		// A bare number after a day or "at" is an hour, and only an hour: "tomorrow
		// 25" is refused rather than kept as text.
		if len(w) > 2 {
			return bad(1)
		}
		h, _ := strconv.Atoi(w)
		if n, _, _ := dayPartAt(p, lead+1); h < 8 && lead > 0 && !at && n == 0 {
			// "nakon 2 sastanka" (after 2 meetings) is a count, and "poslije 5"
			// likelier 17:00 than 05:00: a small bare hour after such a word is asked.
			return clock{}, false, p.fail(keySmallHour, start, start+lead+1, fmt.Sprintf("%02d:00", h), fmt.Sprintf("%02d:00", h+12))
		}
		return ok(h, 0, 1)
	case reNumber.MatchString(w) && len(w) <= 2 && lead == 0 && start == 0:
		// "10 call them": a bare hour as the whole date.
		h, _ := strconv.Atoi(w)
		return ok(h, 0, 1)
	}
	return clock{}, false, nil
}

// hourWord reports whether s after a number names the hour of a time of day ("10 h",
// "u 10 sati") rather than an amount; "sata" is both, and an hour only after "u"/"at".
func hourWord(s string, lead bool) bool {
	switch s {
	case "h", "sat", "sati":
		return true
	case "sata":
		return lead
	}
	return false
}

// hrUnit reports whether the unit word s is Croatian, for an example in the user's words.
func hrUnit(s string) bool {
	switch s {
	case "minuta", "minutu", "sat", "sata", "sati", "dan", "dana", "tj", "tjedan", "tjedna", "tjedana",
		"mj", "mjesec", "mjeseca", "mjeseci", "god", "godina", "godine", "godinu":
		return true
	}
	return false
}

func pm(s string) int {
	if strings.HasPrefix(s, "p") {
		return 12
	}
	return 0
}

// dateErr turns a ParseWhen error into the crm error shown to the user.
func dateErr(err error, text string) *crm.Error {
	var de *DateError
	if errors.As(err, &de) {
		if de.Part == "" {
			de.Part = text
		}
		return de.Crm()
	}
	return crm.Errorf(crm.EINVALID, keyNoDate, text)
}
