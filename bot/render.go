package bot

import (
	"strconv"
	"strings"
	"time"

	"crmbot/crm"
)

// when formats t for the user, in their zone and their language's way: "Fri 27 Nov
// 10:00", in Croatian "pet 27. 11. u 10:00" (with the year when it is not this year).
func (c *conv) when(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return formatWhen(t.In(c.loc()), c.now().In(c.loc()), c.lang)
}

// what renders a next action's text: the cadence's defaults are catalog keys.
func (c *conv) what(s string) string {
	if strings.HasPrefix(s, "next.") && c.e.cat.Has(s) {
		return c.t(s)
	}
	return s
}

func (c *conv) stageName(in *crm.Interest) string {
	s := c.t("stage." + string(in.Stage))
	switch {
	case in.Stage == crm.StageDeliberating && in.Deliberation != "":
		s += " (" + c.t("reason."+string(in.Deliberation)) + ")"
	case in.Stage == crm.StageLost && in.LossReason != "":
		s += " (" + c.t("reason."+string(in.LossReason)) + ")"
	}
	return s
}

// nextLine renders "Fri 27 Nov 10:00 — send proposal", flagged when overdue.
func (c *conv) nextLine(in *crm.Interest) string {
	if in.Next.IsZero() {
		return "—"
	}
	s := c.when(in.Next.Due) + " — " + c.what(in.Next.What)
	if in.Next.Due.Before(c.now()) {
		s += " " + c.t("overdue.flag")
	}
	return s
}

// summaryLine is one interest in a list, short enough for a phone.
func (c *conv) summaryLine(sm *crm.Summary) string {
	in := sm.Interest
	s := "#" + u64(in.ID) + " " + sm.Contact + " · " + sm.Company + " · " + c.stageName(in)
	if in.Open() {
		s += "\n   " + c.t("label.next") + " " + c.nextLine(in)
	}
	return s
}

func (c *conv) list(title string, items []*crm.Summary, empty string) Reply {
	if len(items) == 0 {
		return Reply{Text: empty, Private: true}
	}
	var b strings.Builder
	b.WriteString(title)
	const max = 30
	for i, sm := range items {
		if i == max {
			b.WriteString("\n" + c.t("list.more", len(items)-max))
			break
		}
		b.WriteString("\n" + c.summaryLine(sm))
	}
	return Reply{Text: b.String(), Private: true}
}

func u64(n uint64) string { return strconv.FormatUint(n, 10) }

// money renders 45000 as "45 000" (a thin, unambiguous grouping in every locale).
func money(v int64) string {
	s := strconv.FormatInt(v, 10)
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// card renders one interest with its client and timeline (R9).
func (c *conv) card(cd *crm.Card, total int) Reply {
	in := cd.Interest
	var b strings.Builder
	card := &Card{Title: "#" + u64(in.ID) + " · " + cd.Company + " · " + c.t("kind."+string(in.Kind))}
	line := func(label, v string) {
		if strings.TrimSpace(v) != "" {
			b.WriteString("\n" + c.t(label) + " " + v)
			card.Fields = append(card.Fields, Field{Label: strings.TrimSuffix(c.t(label), ":"), Value: v})
		}
	}
	b.WriteString(card.Title)
	ct := cd.ContactRec
	contact := ct.FullName
	if ct.Position != "" {
		contact += ", " + ct.Position
	}
	line("label.contact", contact)
	line("label.phone", ct.Phone)
	line("label.mobile", ct.Mobile)
	line("label.email", ct.Email)
	line("label.messenger", ct.Messenger)
	co := cd.CompanyRec
	var company []string
	if co.Size != "" {
		company = append(company, c.t("size."+string(co.Size)))
	}
	for _, v := range []string{co.LineOfBusiness, co.Website} {
		if v != "" {
			company = append(company, v)
		}
	}
	if co.OIB != "" {
		company = append(company, c.t("label.oib")+" "+co.OIB)
	}
	line("label.company", strings.Join(company, " · "))
	line("label.need", in.Need)
	line("label.source", in.Source)
	if in.Value > 0 {
		line("label.value", c.amount(in.Value, in.Currency))
	}
	line("label.stage", c.stageName(in)+" · "+c.t("label.owner")+" "+cd.Owner)
	if terms, todo := c.proposalLines(in); in.Open() && terms != "" {
		line("label.proposal", terms) // R14: until sent, what the proposal still lacks
		line("label.proposal_todo", todo)
	}
	if in.Open() {
		line("label.next", c.nextLine(in))
	}
	fieldsEnd := b.Len()
	if len(cd.Timeline) > 0 {
		b.WriteString("\n\n" + c.t("card.timeline", len(cd.Timeline), total))
		for _, it := range cd.Timeline {
			text := it.Text
			if it.Kind == crm.InteractionSystem {
				text = c.systemText(text)
			}
			b.WriteString("\n" + c.when(it.At) + " · " + c.t("kind."+string(it.Kind)) + " · " + cd.Authors[it.AuthorID] + ": " + text)
		}
	}
	id := u64(in.ID)
	var buttons [][]Button
	switch {
	case !crm.CanChange(c.u, in):
		// Read-only for this user (R10): offer nothing they would be refused.
	case in.Open():
		buttons = [][]Button{
			{{Label: c.t("btn.log"), Action: "/log " + id}, {Label: c.t("btn.next"), Action: "/next " + id}},
			{{Label: c.t("btn.stage"), Action: "/stage " + id}, {Label: c.t("btn.won"), Action: "/won " + id}, {Label: c.t("btn.lost"), Action: "/lost " + id}},
		}
	default:
		buttons = [][]Button{{{Label: c.t("btn.log"), Action: "/log " + id}}}
	}
	card.Body = strings.TrimSpace(b.String()[fieldsEnd:])
	return Reply{Text: b.String(), Buttons: buttons, Private: true, Card: card}
}

// pipeline renders the head's report (R11): one line per manager, then the total.
func (c *conv) pipeline(p *crm.Pipeline) Reply { return c.pipelineWon(p, nil) }

// pipelineWon renders the pipeline; wonValues, when the report has a period, holds
// each owner's won value in it (and the total at 0).
func (c *conv) pipelineWon(p *crm.Pipeline, wonValues map[uint64]string) Reply {
	var b strings.Builder
	b.WriteString(c.t("pipeline.title", c.when(p.At)))
	var open, overdue, won, lost int
	var value int64
	for _, r := range p.Rows {
		var stages []string
		for _, st := range crm.OpenStages {
			if n := r.Open[st]; n > 0 {
				stages = append(stages, c.t("stage."+string(st))+" "+strconv.Itoa(n))
			}
		}
		name := r.Owner.Name
		if r.Owner.Disabled {
			name += " (" + c.t("team.disabled") + ")"
		}
		b.WriteString("\n\n" + name + ": " + c.t("pipeline.open", r.OpenCount()))
		if len(stages) > 0 {
			b.WriteString("\n   " + strings.Join(stages, " · "))
		}
		if r.Value > 0 {
			b.WriteString("\n   " + c.amount(r.Value, p.Currency))
		}
		if r.Overdue > 0 {
			b.WriteString("\n   " + c.t("pipeline.overdue", r.Overdue))
		}
		if r.Won+r.Lost > 0 {
			b.WriteString("\n   " + c.t("pipeline.closed", r.Won, r.Lost))
			if v := wonValues[r.Owner.ID]; v != "" {
				b.WriteString(" · " + c.t("report.won_value", v))
			}
		}
		open += r.OpenCount()
		overdue += r.Overdue
		value += r.Value
		won += r.Won
		lost += r.Lost
	}
	if len(p.Rows) == 0 {
		b.WriteString("\n" + c.t("pipeline.empty"))
	} else if len(p.Rows) > 1 {
		b.WriteString("\n\n" + c.t("pipeline.total", open, overdue))
		if value > 0 {
			num, cur := c.amountParts(value, p.Currency)
			b.WriteString("\n" + c.t("pipeline.value", num, cur))
		}
		if won+lost > 0 {
			b.WriteString("\n" + c.t("pipeline.conversion", won, won+lost, won*100/(won+lost)))
		}
		if v := wonValues[0]; v != "" {
			b.WriteString("\n" + c.t("report.won_value_total", v))
		}
	}
	return Reply{Text: b.String()}
}
