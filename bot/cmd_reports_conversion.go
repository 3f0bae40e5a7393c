package bot

import (
	"sort"
	"strconv"
	"strings"

	"crmbot/bot/chart"
	"crmbot/crm"
)

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
	rep, err := c.e.svc.ConversionReport(c.ctx, c.u, crm.ReportFilter{Owner: owner, Segment: ra.segment, Size: ra.size}, ra.period.from, ra.period.to)
	if err != nil {
		return c.fail(err)
	}
	st, names := rep.Conversion, rep.Names
	fr, err := c.firstResponses(ra, owner) // R16
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
	if d, ok := st.MedianDaysToWon(); ok {
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
