package bot

import (
	"strings"

	"crmbot/bot/chart"
	"crmbot/crm"
)

// ---- /pipeline ----------------------------------------------------------------------

// listShown is how many of a named manager's open interests /pipeline @ana lists
// (ownerOpen's page); the rest are counted.
const listShown = 30

// cmdPipeline is the head's report (R11), from crm.Service.PipelineReport: the kept
// counters (by segment and size when filtered: their cost does not grow with the
// database), and with a period that period's won and lost.
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
		// Won and lost of a filtered pipeline are a period's, as README promises:
		// the last 30 days unless a period is given.
		ra.period, _ = c.parsePeriod("30d")
	}
	q := crm.PipelineQuery{Owner: owner, Facet: ra.facet()}
	if named && !ra.chart {
		q.List = listShown
	}
	if ra.period != nil {
		q.From, q.To = ra.period.from, ra.period.to
	}
	rep, err := c.e.svc.PipelineReport(c.ctx, c.u, q)
	if err != nil {
		return c.fail(err)
	}
	p, listed, total := rep.Pipeline, rep.Listed, rep.ListedTotal
	var wonValues map[uint64]string // per owner, and the total at 0: with a period only
	if cv := rep.Period; cv != nil {
		wonValues = map[uint64]string{}
		for id, t := range cv.PerOwner {
			wonValues[id] = c.wonValue(t)
		}
		if v := c.wonValue(&cv.Total); v != "" {
			wonValues[0] = v
		}
	}
	r := c.pipelineWon(p, wonValues)
	fr, err := c.firstResponses(ra, owner) // R16
	if err != nil {
		return c.fail(err)
	}
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
		text := c.ownerOpen("", listed)
		if more := total - len(listed); more > 0 {
			text += "\n" + c.t("list.more", more)
		}
		if c.req.Chat == ChatGroup {
			list = &Reply{Text: c.t("my.title_of", namedName, total) + text, Private: true}
			r.Text += "\n\n" + c.t("pipeline.list_private", namedName)
		} else {
			r.Text += text
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
