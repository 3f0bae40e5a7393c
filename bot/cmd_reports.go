package bot

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"crmbot/bot/chart"
	"crmbot/crm"
	"crmbot/crm/exchange"
)

// Backupper makes a consistent copy of the whole database, while it is in use, into a
// new file; (*storage.DB).BackupFile satisfies it. The engine does not know the
// storage, so cmd/crmbot hands it over through Options.Reports.
type Backupper interface {
	BackupFile(path string) (int64, error)
}

// ReportOptions configure the commands that write files on the server.
type ReportOptions struct {
	// Backup copies the database for /backup; nil disables it.
	Backup Backupper
	// BackupDir is where /backup writes (CRMBOT_BACKUP_DIR); "" disables /backup.
	BackupDir string
	// ExportDir is where /export and /mailing write their files (CRMBOT_EXPORT_DIR);
	// "" disables /export, and /mailing then answers in the chat only.
	ExportDir string
}

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

// matcher tells whether an interest passes the segment and size filters, looking
// companies up once each.
type matcher struct {
	tx        crm.Tx
	ra        reportArgs
	companies map[uint64]*crm.Company
}

func newMatcher(tx crm.Tx, ra reportArgs) *matcher {
	return &matcher{tx: tx, ra: ra, companies: map[uint64]*crm.Company{}}
}

func (m *matcher) company(id uint64) (*crm.Company, error) {
	if co, ok := m.companies[id]; ok {
		return co, nil
	}
	co, err := m.tx.Company(id)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		co, err = &crm.Company{ID: id}, nil
	}
	if err != nil {
		return nil, err
	}
	m.companies[id] = co
	return co, nil
}

func (m *matcher) match(in *crm.Interest) (bool, error) {
	if m.ra.segment != "" && in.Segment != m.ra.segment {
		return false, nil
	}
	if m.ra.size != "" {
		co, err := m.company(in.CompanyID)
		if err != nil {
			return false, err
		}
		return co.Size == m.ra.size, nil
	}
	return true, nil
}

// ---- /pipeline ----------------------------------------------------------------------

// cmdPipeline is the head's report (R11). Unfiltered it reads only the kept counters
// (crm.BuildPipeline: its cost does not grow with the database); a segment or size
// filter walks the owners' open interests, and a period reads the audit log of that
// period for won and lost.
func (c *conv) cmdPipeline(args string) []Reply {
	if c.req.Chat == ChatGroup && !c.u.IsLead() && !c.req.Ephemeral {
		return []Reply{{Text: c.t("group.lead_only")}}
	}
	ra, err := c.parseReportArgs(args)
	if err == nil {
		err = ra.needPeriod()
	}
	if err != nil {
		return c.fail(err)
	}
	owner, err := c.reportOwner(&ra)
	if err != nil {
		return c.fail(err)
	}
	namedName := ra.ownerIs
	named := namedName != "" // "/pipeline @ana": her row, and her open interests listed
	ra.ownerIs = ""          // the pipeline's rows name the managers
	if ra.filtered() && ra.period == nil {
		// Won and lost of a filtered pipeline come from the audit log: of the last
		// 30 days unless a period is given, so the cost stays bounded.
		ra.period, _ = c.parsePeriod("30d")
	}
	var p *crm.Pipeline
	var wonValues map[uint64]string // per owner, and the total at 0: with a period only
	var listed []*crm.Summary
	var fr *crm.FirstResponses
	err = c.e.svc.Store.View(c.ctx, func(tx crm.Tx) error {
		var err error
		p, err = crm.BuildPipeline(tx, c.now(), owner, c.e.svc.Config.Currency)
		if err != nil {
			return err
		}
		if fr, err = c.firstResponses(tx, ra, owner); err != nil { // R16
			return err
		}
		if ra.filtered() {
			if err := filterPipeline(tx, p, newMatcher(tx, ra)); err != nil {
				return err
			}
		}
		if named && !ra.chart {
			all, err := crm.OpenSummaries(tx, owner)
			if err != nil {
				return err
			}
			m := newMatcher(tx, ra)
			for _, sm := range all {
				if ok, err := m.match(sm.Interest); err != nil {
					return err
				} else if ok {
					listed = append(listed, sm)
				}
			}
		}
		if ra.period != nil {
			cv, err := c.conversion(tx, ra, owner, false)
			if err != nil {
				return err
			}
			wonValues = map[uint64]string{}
			for _, r := range p.Rows {
				r.Won, r.Lost = 0, 0
				if t := cv.PerOwner[r.Owner.ID]; t != nil {
					r.Won, r.Lost = t.Won, t.Lost
					wonValues[r.Owner.ID] = c.wonValue(t)
				}
			}
			if v := c.wonValue(&cv.Total); v != "" {
				wonValues[0] = v
			}
		}
		return nil
	})
	if err != nil {
		return c.fail(err)
	}
	r := c.pipelineWon(p, wonValues)
	if line := c.firstResponseLine(fr, ownerNames(p)); line != "" {
		r.Text += "\n" + line
	}
	if f := c.filterText(ra); f != "" {
		title, rest, _ := strings.Cut(r.Text, "\n")
		r.Text = title + "\n" + f + "\n" + rest
	}
	// The list of open interests names clients: in a group it is a reply of its
	// own, for the asker alone, and the room gets only the counts.
	var list *Reply
	if len(listed) > 0 {
		if c.req.Chat == ChatGroup {
			list = &Reply{Text: c.ownerOpen(c.t("my.title_of", namedName, len(listed)), listed), Private: true}
			r.Text += "\n\n" + c.t("pipeline.list_private", namedName)
		} else {
			r.Text += c.ownerOpen("", listed)
		}
	}
	if ra.chart {
		img, err := chart.Pipeline(c.pipelineChart(p, ra))
		if err != nil {
			return c.fail(err)
		}
		r = Reply{Text: strings.TrimSpace(c.t("pipeline.chart_caption", c.when(p.At), c.filterText(ra))), Image: &Image{Name: "pipeline.png", PNG: img, Alt: r.Text, Lang: c.lang}}
	}
	// A manager's own report, asked where only they see the answer, stays theirs.
	r.Private = c.req.Chat == ChatPrivate || !c.u.IsLead()
	if list != nil {
		return []Reply{r, *list}
	}
	return []Reply{r}
}

// filterPipeline recounts the open interests of the report's rows from the owners'
// open lists, keeping those that pass the filters.
func filterPipeline(tx crm.Tx, p *crm.Pipeline, m *matcher) error {
	for _, r := range p.Rows {
		ins, err := tx.OpenInterests(r.Owner.ID, "", 0)
		if err != nil {
			return err
		}
		r.Open, r.Value, r.Overdue = map[crm.Stage]int{}, 0, 0
		for _, in := range ins {
			ok, err := m.match(in)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			r.Open[in.Stage]++
			r.Value += in.Value
			if !in.Next.IsZero() && in.Next.Due.Before(p.At) {
				r.Overdue++
			}
		}
	}
	return nil
}

func (c *conv) pipelineChart(p *crm.Pipeline, ra reportArgs) chart.Stacked {
	s := chart.Stacked{Title: c.t("pipeline.chart_title"), Empty: c.t("pipeline.empty")}
	if f := c.filterText(ra); f != "" {
		s.Title += " · " + f
	}
	for _, r := range p.Rows {
		s.Categories = append(s.Categories, r.Owner.Name)
	}
	for _, st := range crm.OpenStages {
		ser := chart.Series{Label: c.t("stage." + string(st))}
		for _, r := range p.Rows {
			ser.Values = append(ser.Values, float64(r.Open[st]))
		}
		s.Series = append(s.Series, ser)
	}
	return s
}

// ---- the period's activity ----------------------------------------------------------

// conversion counts the period's figures with crm.BuildConversion, the one place
// that decides what a period's won and lost are, so /pipeline with a period,
// /conversion and the head's digest agree.
func (c *conv) conversion(tx crm.Tx, ra reportArgs, owner uint64, bySize bool) (*crm.Conversion, error) {
	return crm.BuildConversion(tx, ra.period.from, ra.period.to, crm.ReportFilter{Owner: owner, Segment: ra.segment, Size: ra.size, NoSizes: !bySize})
}

// wonValue renders the won value of a tally ("45 000 EUR", currencies joined), or "".
func (c *conv) wonValue(t *crm.Tally) string {
	if len(t.WonValue) == 0 {
		return ""
	}
	curs := make([]string, 0, len(t.WonValue))
	for cur := range t.WonValue {
		curs = append(curs, cur)
	}
	sort.Strings(curs)
	parts := make([]string, len(curs))
	for i, cur := range curs {
		parts[i] = strings.TrimSpace(c.amount(t.WonValue[cur], cur))
	}
	return strings.Join(parts, " + ")
}

// median of the values, and whether there were any.
func median(v []float64) (float64, bool) {
	if len(v) == 0 {
		return 0, false
	}
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2], true
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2, true
}

// ---- /conversion --------------------------------------------------------------------

// cmdConversion is R17's report for a period: opened, won, lost by reason (R6), the
// share won per manager, source and company size, and how long a deal takes.
func (c *conv) cmdConversion(args string) []Reply {
	if c.req.Chat == ChatGroup && !c.u.IsLead() && !c.req.Ephemeral {
		return []Reply{{Text: c.t("group.lead_only")}}
	}
	ra, err := c.parseReportArgs(args)
	if err == nil {
		err = ra.needPeriod()
	}
	if err != nil {
		return c.fail(err)
	}
	if ra.period == nil {
		ra.period, _ = c.parsePeriod("30d")
	}
	owner, err := c.reportOwner(&ra)
	if err != nil {
		return c.fail(err)
	}
	var st *crm.Conversion
	var fr *crm.FirstResponses
	names := map[uint64]string{}
	err = c.e.svc.Store.View(c.ctx, func(tx crm.Tx) error {
		us, err := tx.Users()
		if err != nil {
			return err
		}
		for _, u := range us {
			names[u.ID] = u.Name
		}
		if fr, err = c.firstResponses(tx, ra, owner); err != nil { // R16
			return err
		}
		st, err = c.conversion(tx, ra, owner, true)
		return err
	})
	if err != nil {
		return c.fail(err)
	}
	private := c.req.Chat == ChatPrivate || !c.u.IsLead()
	var pic *Reply
	if ra.chart {
		steps := []chart.Step{{Label: c.t("conversion.opened_step"), Value: float64(st.Reached[crm.StageNew])}}
		for _, s := range []crm.Stage{crm.StageMeeting, crm.StageProposal, crm.StageWon} {
			steps = append(steps, chart.Step{Label: c.t("stage." + string(s)), Value: float64(st.Reached[s])})
		}
		img, err := chart.Funnel(c.t("conversion.chart_title", ra.period.label), steps)
		if err != nil {
			return c.fail(err)
		}
		period := ra.period
		ra.period = nil // the caption names it
		pic = &Reply{Text: strings.TrimSpace(c.t("conversion.chart_caption", period.label, c.filterText(ra))), Image: &Image{Name: "conversion.png", PNG: img, Lang: c.lang}, Private: private}
		ra.period = period
	}
	// finish is the answer: the text report, or the chart with the report as its
	// Alt text.
	finish := func(text string) []Reply {
		if pic != nil {
			pic.Image.Alt = text
			return []Reply{*pic}
		}
		return []Reply{{Text: text, Private: private}}
	}
	var b strings.Builder
	b.WriteString(c.t("conversion.title", c.when(ra.period.from), c.when(ra.period.to)))
	ra.period = nil // the title shows it
	if f := c.filterText(ra); f != "" {
		b.WriteString("\n" + f)
	}
	b.WriteString("\n\n" + c.t("conversion.totals", st.Total.Opened, st.Total.Won, st.Total.Lost))
	if st.Total.Lost > 0 {
		var rs []string
		for _, r := range crm.LossReasons {
			if n := st.LostBy[r]; n > 0 {
				rs = append(rs, c.t("reason."+string(r))+" "+strconv.Itoa(n))
			}
		}
		b.WriteString("\n" + c.t("conversion.lost_by", strings.Join(rs, " · ")))
	}
	if pct, ok := st.Total.Rate(); ok {
		b.WriteString("\n" + c.t("conversion.rate", pct, st.Total.Won, st.Total.Won+st.Total.Lost))
	}
	if v := c.wonValue(&st.Total); v != "" {
		b.WriteString("\n" + c.t("report.won_value_total", v))
	}
	if d, ok := median(st.DaysToWon); ok {
		b.WriteString("\n" + c.t("conversion.median_days", strconv.FormatFloat(d, 'f', 0, 64)))
	}
	if line := c.firstResponseLine(fr, names); line != "" {
		b.WriteString("\n" + line)
	}
	if st.Total.Opened+st.Total.Won+st.Total.Lost == 0 {
		b.WriteString("\n" + c.t("conversion.nothing"))
		return finish(b.String())
	}
	section := func(title string, keys []string, get func(string) *crm.Tally, label func(string) string) {
		if len(keys) == 0 {
			return
		}
		b.WriteString("\n\n" + title)
		for _, k := range keys {
			t := get(k)
			line := "\n" + label(k) + ": " + c.t("conversion.row", t.Opened, t.Won, t.Lost)
			if pct, ok := t.Rate(); ok {
				line += " · " + strconv.Itoa(pct) + "%"
			}
			if v := c.wonValue(t); v != "" {
				line += " · " + c.t("report.won_value", v)
			}
			b.WriteString(line)
		}
	}
	var owners []string
	for id := range st.PerOwner {
		owners = append(owners, u64(id))
	}
	sort.Slice(owners, func(i, j int) bool { return nameOf(names, owners[i]) < nameOf(names, owners[j]) })
	section(c.t("conversion.by_manager"), owners, func(k string) *crm.Tally { id, _ := strconv.ParseUint(k, 10, 64); return st.PerOwner[id] },
		func(k string) string { return nameOf(names, k) })
	var sources []string
	for s := range st.PerSource {
		sources = append(sources, s)
	}
	sort.Strings(sources)
	section(c.t("conversion.by_source"), sources, func(k string) *crm.Tally { return st.PerSource[k] }, func(k string) string {
		if k == "" {
			return c.t("conversion.no_source")
		}
		return k
	})
	var sizes []string
	for _, z := range append(append([]crm.CompanySize(nil), crm.CompanySizes...), crm.SizeUnknown) {
		if st.PerSize[z] != nil {
			sizes = append(sizes, string(z))
		}
	}
	section(c.t("conversion.by_size"), sizes, func(k string) *crm.Tally { return st.PerSize[crm.CompanySize(k)] }, func(k string) string {
		if k == "" {
			return c.t("conversion.no_size")
		}
		return c.t("size." + k)
	})
	return finish(b.String())
}

func nameOf(names map[uint64]string, id string) string {
	n, _ := strconv.ParseUint(id, 10, 64)
	if s, ok := names[n]; ok {
		return s
	}
	return "#" + id
}

// ---- /stale -------------------------------------------------------------------------

// staleShown is how many of one manager's forgotten interests /stale names when it
// lists the whole department (their own list shows staleShownOwn): the rest are
// counted, so a head sees who is drowning without scrolling through all of it.
const (
	staleShown    = 5
	staleShownOwn = 30
)

// cmdStale lists open interests nobody has touched for a while, by manager, the
// longest forgotten first: the ones about to be lost (R6). It reads the idle index,
// and looks up contacts and companies only for the lines it shows.
func (c *conv) cmdStale(args string) []Reply {
	ra, err := c.parseReportArgs(args)
	if e := crm.AsError(err); e != nil && e.Key == "err.bad_period" {
		// The periods the other reports suggest are not what /stale takes: say its own.
		err = crm.Errorf(crm.EINVALID, "err.stale_days", e.Args...)
	}
	if err != nil {
		return c.fail(err)
	}
	days := ra.days
	switch {
	case ra.num != "":
		// A bare number is days here, "2000" too: /stale has no periods.
		days, _ = strconv.Atoi(ra.num)
		if days <= 0 {
			return c.fail(crm.Errorf(crm.EINVALID, "err.stale_days", ra.num))
		}
	case ra.period != nil && ra.period.days > 0:
		days = ra.period.days // "/stale 30d", "/stale 30 dana"
		ra.period = nil       // it is the idle time, not a won/lost period to show
	case ra.period != nil:
		return c.fail(crm.Errorf(crm.EINVALID, "err.stale_days", ra.periodWord))
	default:
		days = staleDefaultDays
	}
	owner, err := c.reportOwner(&ra)
	if err != nil {
		return c.fail(err)
	}
	shown := staleShown
	if owner != 0 {
		shown = staleShownOwn
	}
	now := c.now()
	type group struct {
		name  string
		total int
		lines []string
	}
	groups := map[uint64]*group{}
	total := 0
	err = c.e.svc.Store.View(c.ctx, func(tx crm.Tx) error {
		us, err := tx.Users()
		if err != nil {
			return err
		}
		names := map[uint64]string{}
		for _, u := range us {
			names[u.ID] = u.Name
		}
		ins, err := tx.IdleSince(owner, now.AddDate(0, 0, -days), 0)
		if err != nil {
			return err
		}
		m := newMatcher(tx, ra)
		for _, in := range ins { // oldest activity first
			if ok, err := m.match(in); err != nil || !ok {
				if err != nil {
					return err
				}
				continue
			}
			total++
			g := groups[in.OwnerID]
			if g == nil {
				g = &group{name: names[in.OwnerID]}
				groups[in.OwnerID] = g
			}
			g.total++
			if len(g.lines) >= shown {
				continue
			}
			co, err := m.company(in.CompanyID)
			if err != nil {
				return err
			}
			contact := ""
			if ct, err := tx.Contact(in.ContactID); err == nil {
				contact = ct.FullName
			} else if crm.ErrorCode(err) != crm.ENOTFOUND {
				return err
			}
			idle := int(now.Sub(in.LastActivityAt).Hours() / 24)
			g.lines = append(g.lines, "#"+u64(in.ID)+" "+contact+" · "+co.Name+" · "+c.stageName(in)+" · "+c.t("stale.idle", idle))
		}
		return nil
	})
	if err != nil {
		return c.fail(err)
	}
	if total == 0 {
		return []Reply{{Text: c.t("stale.none", days), Private: true}}
	}
	var gs []*group
	for _, g := range groups {
		gs = append(gs, g)
	}
	sort.Slice(gs, func(i, j int) bool { return gs[i].name < gs[j].name })
	var b strings.Builder
	b.WriteString(c.t("stale.title", days, total))
	if f := c.filterText(ra); f != "" {
		b.WriteString("\n" + f)
	}
	for _, g := range gs {
		b.WriteString("\n\n" + c.t("stale.manager", g.name, g.total))
		for _, l := range g.lines {
			b.WriteString("\n" + l)
		}
		if more := g.total - len(g.lines); more > 0 {
			b.WriteString("\n" + c.t("list.more", more))
		}
	}
	return []Reply{{Text: b.String(), Private: true}}
}

// ---- /mailing -----------------------------------------------------------------------

// cmdMailing gives the mailing list (R8): contacts with an email who may be mailed,
// not-prospective clients included, those who opted out excluded.
func (c *conv) cmdMailing(args string) []Reply {
	if !c.u.IsLead() {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.lead_only"))
	}
	ra, err := c.parseReportArgs(args)
	if err == nil && (ra.period != nil || ra.num != "") {
		err = crm.Errorf(crm.EINVALID, "err.mailing_period", cmp.Or(ra.num, ra.periodWord))
	}
	if err != nil {
		return c.fail(err)
	}
	list, err := exchange.MailingList(c.ctx, c.e.svc.Store, exchange.MailingFilter{Segment: ra.segment, Size: ra.size})
	if err != nil {
		return c.fail(err)
	}
	var b strings.Builder
	b.WriteString(c.t("mailing.title", len(list)))
	if f := c.filterText(ra); f != "" {
		b.WriteString("\n" + f)
	}
	const max = 30
	for i, r := range list {
		if i == max {
			b.WriteString("\n" + c.t("list.more", len(list)-max))
			break
		}
		b.WriteString("\n" + r.Contact.Email + " — " + r.Contact.FullName + ", " + r.Company.Name)
	}
	if dir := c.e.reports.ExportDir; dir != "" && len(list) > 0 {
		path, err := c.writeFile(dir, "mailing-"+c.stamp()+".csv", func(w io.Writer) error { return exchange.WriteMailingCSV(w, list) })
		if err != nil {
			return c.fail(err)
		}
		b.WriteString("\n\n" + c.t("mailing.file", path))
	}
	return []Reply{{Text: b.String(), Private: true}}
}

// ---- /export and /backup ------------------------------------------------------------

// stamp names files by the time they were made, in UTC so that they sort.
func (c *conv) stamp() string { return c.now().UTC().Format("20060102-150405") }

// writeFile writes a new file in dir (made if missing) with WriteNewFile.
func (c *conv) writeFile(dir, name string, fn func(io.Writer) error) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	if err := WriteNewFile(path, fn); err != nil {
		return "", err
	}
	return path, nil
}

// WriteNewFile writes a new file with fn: mode 0600 (exports hold client data), never
// over an existing file, and a failed write — including a failed close, where a full
// disk shows — leaves no partial file behind.
func WriteNewFile(path string, fn func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = fn(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}

// cmdExport writes the whole database as CSV files (or one JSON dump) in the export
// directory on the server; admins only. The files are not sent into the chat: a chat
// is no place for the whole client base.
func (c *conv) cmdExport(args string) []Reply {
	if c.u.Role != crm.RoleAdmin {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.admin_only"))
	}
	dir := c.e.reports.ExportDir
	if dir == "" {
		return []Reply{{Text: c.t("export.disabled"), Private: true}}
	}
	format := strings.ToLower(strings.TrimSpace(args))
	var n exchange.Counts
	var path string
	var err error
	switch format {
	case "json":
		path, err = c.writeFile(dir, "crmbot-"+c.stamp()+".json", func(w io.Writer) error {
			var err error
			n, err = exchange.ExportJSON(c.ctx, c.e.svc.Store, w, nil)
			return err
		})
	case "", "csv":
		path = filepath.Join(dir, "crmbot-"+c.stamp())
		if err = os.MkdirAll(dir, 0o700); err == nil {
			err = os.Mkdir(path, 0o700)
		}
		if err == nil {
			n, err = exchange.ExportCSV(c.ctx, c.e.svc.Store, func(name string) (io.WriteCloser, error) {
				return os.OpenFile(filepath.Join(path, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
			}, nil)
		}
	default:
		return []Reply{{Text: c.t("usage.export"), Private: true}}
	}
	if err != nil {
		return c.fail(fmt.Errorf("export: %w", err))
	}
	return []Reply{{Text: c.t("export.done", path, n.Companies, n.Contacts, n.Interests, n.Interactions), Private: true}}
}

// cmdBackup makes a consistent copy of the running database in the backup directory
// (bbolt's read transaction: writers carry on); admins only.
func (c *conv) cmdBackup(string) []Reply {
	if c.u.Role != crm.RoleAdmin {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.admin_only"))
	}
	opts := c.e.reports
	if opts.Backup == nil || opts.BackupDir == "" {
		return []Reply{{Text: c.t("backup.disabled"), Private: true}}
	}
	if err := os.MkdirAll(opts.BackupDir, 0o700); err != nil {
		return c.fail(fmt.Errorf("backup: %w", err))
	}
	path := filepath.Join(opts.BackupDir, "crmbot-"+c.stamp()+".db")
	size, err := opts.Backup.BackupFile(path)
	if err != nil {
		return c.fail(fmt.Errorf("backup: %w", err))
	}
	return []Reply{{Text: c.t("backup.done", path, money(size)), Private: true}}
}
