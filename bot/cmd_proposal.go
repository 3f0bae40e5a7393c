package bot

import (
	"strconv"
	"strings"
	"time"

	"crmbot/crm"
)

// Proposals (R14): moving an interest to proposal asks for the proposal's value,
// delivery time and validity, which may also be typed inline, in English or Croatian:
//
//	/stage 42 proposal 12000 EUR delivery 3 weeks valid 2026-12-31
//	/stage 42 ponuda 12.000 € isporuka 3 tjedna vrijedi do 31.12.2026.
//
// The value comes first (or after "value"/"vrijednost"); the delivery time after
// "delivery", "isporuka" or "rok (isporuke)"; the validity after "valid (until)",
// "vrijedi (do)" or "važi (do)". A part that cannot be read is refused, naming it;
// nothing is guessed. Missing parts are asked for one by one, and what was typed is
// kept in the dialogue (a draft) until the terms are complete.
//
// /proposal 42 shows the terms and the checklist; /proposal 42 check specs price (or
// uncheck), /proposal 42 sent, and /proposal 42 <terms> to correct them.

// proposalPart is which part of the terms a word introduces.
type proposalPart int

const (
	partValue proposalPart = iota
	partDelivery
	partValid
)

var proposalSteps = []string{"value", "delivery", "valid"}

// proposalKeywords introduce a part, folded (see fold). "rok isporuke" reads as two
// keywords of one part.
var proposalKeywords = map[string]proposalPart{
	"value": partValue, "price": partValue, "vrijednost": partValue, "cijena": partValue, "iznos": partValue,
	"delivery": partDelivery, "isporuka": partDelivery, "isporuke": partDelivery, "rok": partDelivery,
	"valid": partValid, "validity": partValid, "until": partValid, "vrijedi": partValid, "vazi": partValid, "vazenje": partValid, "do": partValid,
}

// deliveryUnits are the words of a delivery time's unit, folded.
var deliveryUnits = map[string]crm.DeliveryUnit{
	"day": crm.DeliveryDays, "days": crm.DeliveryDays, "dan": crm.DeliveryDays, "dana": crm.DeliveryDays,
	"week": crm.DeliveryWeeks, "weeks": crm.DeliveryWeeks, "wk": crm.DeliveryWeeks, "tjedan": crm.DeliveryWeeks, "tjedna": crm.DeliveryWeeks, "tjedana": crm.DeliveryWeeks,
	"month": crm.DeliveryMonths, "months": crm.DeliveryMonths, "mjesec": crm.DeliveryMonths, "mjeseca": crm.DeliveryMonths, "mjeseci": crm.DeliveryMonths,
}

// draftTerms are the terms gathered so far: a part is set when read.
type draftTerms struct {
	crm.ProposalTerms
	Has [3]bool `json:"has"`
}

func (d *draftTerms) complete() bool { return d.Has[0] && d.Has[1] && d.Has[2] }

// missing is the first part not yet given.
func (d *draftTerms) missing() proposalPart {
	for i, h := range d.Has {
		if !h {
			return proposalPart(i)
		}
	}
	return partValid
}

// readTerms reads the terms in text into d. A text without keywords is the part def
// (the question being answered). It returns an error naming the part it could not read.
func (c *conv) readTerms(text string, def proposalPart, d *draftTerms) error {
	words := strings.Fields(text)
	cur, start := def, 0
	seen := map[proposalPart]bool{}
	flush := func(end int) error {
		part := strings.TrimSpace(strings.Join(words[start:end], " "))
		if part == "" {
			return nil
		}
		if seen[cur] {
			return crm.Errorf(crm.EINVALID, "err.proposal_twice", c.t("proposal.part."+proposalSteps[cur]))
		}
		seen[cur] = true
		return c.readPart(cur, part, d)
	}
	for i := 0; i < len(words); i++ {
		w := fold(strings.TrimSuffix(words[i], ":"))
		p, ok := proposalKeywords[w]
		if !ok {
			continue
		}
		// "do" and "until" only follow "valid"; alone they start the validity.
		if err := flush(i); err != nil {
			return err
		}
		cur, start = p, i+1
		for start < len(words) {
			q, ok := proposalKeywords[fold(strings.TrimSuffix(words[start], ":"))]
			if !ok || q != p {
				break
			}
			start++
		}
		i = start - 1
	}
	return flush(len(words))
}

// readPart reads one part of the terms.
func (c *conv) readPart(p proposalPart, s string, d *draftTerms) error {
	switch p {
	case partValue:
		v, rest, err := parseWonValue(s)
		if err != nil || strings.TrimSpace(rest) != "" {
			return crm.Errorf(crm.EINVALID, "err.proposal_bad_value", s)
		}
		d.Value, d.Currency = v.Value, v.Currency
	case partDelivery:
		f := strings.Fields(s)
		if len(f) > 0 && (fold(f[0]) == "in" || fold(f[0]) == "za" || fold(f[0]) == "within") {
			f = f[1:]
		}
		if len(f) == 1 {
			// "3w", "10d": a number glued to a unit letter.
			if n := strings.TrimRight(f[0], "dwmDWM"); n != f[0] && len(f[0])-len(n) == 1 {
				f = []string{n, map[byte]string{'d': "day", 'w': "week", 'm': "month"}[f[0][len(f[0])-1]|0x20]}
			}
		}
		if len(f) != 2 {
			return crm.Errorf(crm.EINVALID, "err.proposal_bad_delivery", s)
		}
		n, err := strconv.Atoi(f[0])
		unit, ok := deliveryUnits[fold(f[1])]
		if err != nil || !ok || n <= 0 || n > crm.MaxDeliveryN {
			return crm.Errorf(crm.EINVALID, "err.proposal_bad_delivery", s)
		}
		d.Delivery = crm.LeadTime{N: n, Unit: unit}
	case partValid:
		t, rest, err := ParseWhen(s, c.now(), c.loc())
		if err != nil || rest != "" {
			return crm.Errorf(crm.EINVALID, "err.proposal_bad_valid", s)
		}
		l := t.In(c.loc())
		d.ValidUntil = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, time.UTC)
	}
	d.Has[p] = true
	return nil
}

// proposalStage moves interest d.ID to proposal with the terms in rest: with all of
// them in one change, otherwise the stage first and then a question for each part
// missing, keeping those typed.
func (c *conv) proposalStage(d *dialog, rest string) []Reply {
	t := &draftTerms{}
	if err := c.readTerms(rest, partValue, t); err != nil {
		return c.termsRefused(d.ID, err, "stage")
	}
	if t.complete() {
		return c.applyStage(d.ID, crm.StageChange{Stage: crm.StageProposal, Proposal: &t.ProposalTerms})
	}
	out := c.applyStage(d.ID, crm.StageChange{Stage: crm.StageProposal})
	typed := t.Has[partValue] || t.Has[partDelivery] || t.Has[partValid]
	if len(out) != 1 || out[0].Error && !typed || c.asking("reopen") {
		return out // refused, or a reopening to confirm first
	}
	// Moved, or already at proposal (refused as the same stage, after the checks
	// that refuse a stranger): the terms typed are kept and the rest asked for.
	pd := &dialog{Flow: "proposal", ID: d.ID, Terms: t}
	return append(out, c.askTerms(pd))
}

// termsRefused says which part of the terms could not be read and what to type.
func (c *conv) termsRefused(id uint64, err error, cmd string) []Reply {
	r := c.errReply(err)
	r.Text += "\n" + c.t("usage.proposal_"+cmd, id)
	return []Reply{r}
}

// askTerms asks for the first missing part of the terms.
func (c *conv) askTerms(d *dialog) Reply {
	step := proposalSteps[d.Terms.missing()]
	prompt := c.t("proposal.ask_"+step, d.ID)
	if kept := c.describeTerms(d.Terms); kept != "" {
		prompt = c.t("proposal.kept", kept) + "\n" + prompt
	}
	return c.ask(d, step, prompt, [][]Button{{{Label: c.t("btn.later"), Action: "later"}}})
}

// answerProposal reads an answer to a question of the terms.
func (c *conv) answerProposal(d *dialog, v string, button bool) []Reply {
	if button && v == "later" || !button && (strings.EqualFold(v, "later") || fold(v) == "kasnije") {
		c.setDialog(nil)
		return []Reply{{Text: c.t("proposal.later", d.ID), Private: true}}
	}
	if d.Terms == nil {
		d.Terms = &draftTerms{}
	}
	def := partValue
	for i, s := range proposalSteps {
		if s == d.Step {
			def = proposalPart(i)
		}
	}
	if err := c.readTerms(v, def, d.Terms); err != nil {
		r := c.errReply(err)
		return []Reply{r, c.askTerms(d)}
	}
	if !d.Terms.complete() {
		return []Reply{c.askTerms(d)}
	}
	c.setDialog(nil)
	in, err := c.e.svc.SetProposal(c.ctx, c.op(), d.ID, d.Terms.ProposalTerms)
	if err != nil {
		return c.fail(err)
	}
	return []Reply{c.proposalReply(in, "proposal.saved")}
}

// describeTerms is the terms typed so far, as they will be stored.
func (c *conv) describeTerms(t *draftTerms) string {
	if t == nil {
		return ""
	}
	var parts []string
	if t.Has[partValue] {
		cur := t.Currency
		if cur == "" {
			cur = c.e.svc.Config.Currency
		}
		parts = append(parts, c.amount(t.Value, cur))
	}
	if t.Has[partDelivery] {
		parts = append(parts, c.t("proposal.delivery", c.leadTime(t.Delivery)))
	}
	if t.Has[partValid] {
		parts = append(parts, c.t("proposal.valid", c.date(t.ValidUntil)))
	}
	return strings.Join(parts, " · ")
}

func (c *conv) leadTime(l crm.LeadTime) string { return c.t("unit."+string(l.Unit), l.N) }

// date is a calendar date (kept as midnight UTC) with its year.
func (c *conv) date(t time.Time) string {
	return formatDay(t, c.lang) + " " + strconv.Itoa(t.Year())
}

// proposalLines are the card's lines of a proposal: its terms, and until it is sent
// the checklist items still unchecked.
func (c *conv) proposalLines(in *crm.Interest) (terms, todo string) {
	p := in.Proposal
	if p == nil {
		return "", ""
	}
	if p.Value == 0 {
		terms = c.t("proposal.no_terms", in.ID)
	} else {
		terms = c.amount(p.Value, p.Currency) + " · " + c.t("proposal.delivery", c.leadTime(p.Delivery)) + " · " + c.t("proposal.valid", c.date(p.ValidUntil))
	}
	if p.Sent() {
		return terms + " · " + c.t("proposal.sent_on", c.day(p.SentAt.In(c.loc()))), ""
	}
	var items []string
	for _, it := range p.Unchecked() {
		items = append(items, c.t("check."+it.String()))
	}
	return terms, strings.Join(items, ", ")
}

// proposalReply shows the proposal's terms and checklist with a button for each item
// still unchecked and one to mark it sent.
func (c *conv) proposalReply(in *crm.Interest, key string) Reply {
	terms, _ := c.proposalLines(in)
	var b strings.Builder
	b.WriteString(c.t(key, in.ID))
	b.WriteString("\n" + c.t("label.proposal") + " " + terms)
	ids := u64(in.ID)
	var buttons []Button
	if p := in.Proposal; p != nil && !p.Sent() {
		b.WriteString("\n" + c.t("proposal.checklist"))
		for _, it := range crm.ChecklistItems {
			mark := "☐"
			if p.Checked&it != 0 {
				mark = "☑"
			} else {
				buttons = append(buttons, Button{Label: "✓ " + c.t("check."+it.String()), Action: "/proposal " + ids + " check " + it.String()})
			}
			b.WriteString("\n" + mark + " " + c.t("check."+it.String()+".long"))
		}
		if p.Value != 0 {
			buttons = append(buttons, Button{Label: c.t("btn.proposal_sent"), Action: "/proposal " + ids + " sent"})
		}
	}
	rows := rowsOf(3, buttons...)
	rows = append(rows, []Button{{Label: c.t("btn.card"), Action: "/show " + ids}})
	return Reply{Text: b.String(), Private: true, Buttons: rows}
}

// checkWords are the checklist items' words in either language, folded.
var checkWords = map[string]crm.ChecklistItem{
	"price": crm.CheckPrice, "prices": crm.CheckPrice, "terms": crm.CheckPrice, "cijena": crm.CheckPrice, "cijene": crm.CheckPrice, "uvjeti": crm.CheckPrice,
	"specs": crm.CheckSpecs, "spec": crm.CheckSpecs, "specifications": crm.CheckSpecs, "specifikacije": crm.CheckSpecs, "specifikacija": crm.CheckSpecs,
	"support": crm.CheckSupport, "podrska": crm.CheckSupport,
	"delivery": crm.CheckDelivery, "isporuka": crm.CheckDelivery, "rok": crm.CheckDelivery,
	"benefit": crm.CheckBenefit, "korist": crm.CheckBenefit,
}

var (
	checkOn  = map[string]bool{"check": true, "done": true, "oznaci": true, "ima": true, "+": true}
	checkOff = map[string]bool{"uncheck": true, "odznaci": true, "makni": true, "-": true}
	sentWord = map[string]bool{"sent": true, "poslana": true, "poslano": true, "poslan": true, "poslao": true, "poslala": true}
)

// cmdProposal: "/proposal 42" shows it; "check specs price", "uncheck specs", "sent",
// or the terms change it.
func (c *conv) cmdProposal(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.proposal")
	}
	if rest == "" {
		cd, err := c.e.svc.Card(c.ctx, c.u, id, 0)
		if err != nil {
			return c.fail(err)
		}
		if cd.Interest.Proposal == nil {
			return []Reply{{Text: c.t("proposal.none", id), Private: true}}
		}
		return []Reply{c.proposalReply(cd.Interest, "proposal.title")}
	}
	if r := c.refuseChange(id, "proposal"); r != nil {
		return r
	}
	w, tail := firstWord(rest)
	fw := fold(w)
	switch {
	case sentWord[fw] && tail == "":
		in, err := c.e.svc.ProposalSent(c.ctx, c.op(), id)
		if err != nil {
			return c.fail(err)
		}
		r := c.proposalReply(in, "proposal.marked_sent")
		_, todo := c.proposalLines(&crm.Interest{ID: id, Proposal: &crm.Proposal{Checked: in.Proposal.Checked}})
		if todo != "" {
			r.Text += "\n" + c.t("proposal.sent_unchecked", todo)
		}
		return []Reply{r}
	case checkOn[fw] || checkOff[fw]:
		var items crm.ChecklistItem
		for _, x := range strings.FieldsFunc(tail, func(r rune) bool { return r == ' ' || r == ',' }) {
			it, ok := checkWords[fold(x)]
			if !ok {
				return []Reply{{Text: c.t("err.proposal_item", x), Private: true, Error: true}}
			}
			items |= it
		}
		if items == 0 {
			return []Reply{{Text: c.t("err.proposal_no_item"), Private: true, Error: true}}
		}
		in, err := c.e.svc.CheckProposal(c.ctx, c.op(), id, items, checkOn[fw])
		if err != nil {
			return c.fail(err)
		}
		return []Reply{c.proposalReply(in, "proposal.checked")}
	}
	t := &draftTerms{}
	if err := c.readTerms(rest, partValue, t); err != nil {
		return c.termsRefused(id, err, "cmd")
	}
	if !t.complete() {
		return []Reply{c.askTerms(&dialog{Flow: "proposal", ID: id, Terms: t})}
	}
	in, err := c.e.svc.SetProposal(c.ctx, c.op(), id, t.ProposalTerms)
	if err != nil {
		return c.fail(err)
	}
	return []Reply{c.proposalReply(in, "proposal.saved")}
}
