package bot

import (
	"errors"
	"fmt"
	"strings"

	"crmbot/crm"
)

// interestButtons offers the user's open interests, earliest follow-up first, for a
// flow that needs to know which one.
func (c *conv) interestButtons(max int) ([][]Button, error) {
	list, err := c.e.svc.My(c.ctx, c.u)
	if err != nil {
		return nil, err
	}
	sortByDue(list)
	var bs []Button
	for i, sm := range list {
		if i == max {
			break
		}
		label := "#" + u64(sm.Interest.ID) + " " + sm.Company
		if r := []rune(label); len(r) > 32 {
			label = string(r[:31]) + "…"
		}
		bs = append(bs, Button{Label: label, Action: u64(sm.Interest.ID), Key: u64(sm.Interest.ID)})
	}
	return rowsOf(2, bs...), nil
}

func sortByDue(list []*crm.Summary) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].Interest.Next.Due.Before(list[j-1].Interest.Next.Due); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

func (c *conv) askInterest(d *dialog, prompt string) []Reply {
	bs, err := c.interestButtons(6)
	if err != nil {
		return c.fail(err)
	}
	// The interest buttons are keyed by their numbers and Cancel by its word, so in
	// the terminal typing 2 means #2, never "the second button".
	cancel := c.cancelButton()
	cancel.Key = "cancel"
	return []Reply{c.ask(d, "interest", prompt, append(bs, []Button{cancel}))}
}

func (c *conv) badID(usage string) []Reply {
	return []Reply{{Text: c.t("err.bad_id") + "\n" + c.t(usage), Private: true, Error: true}}
}

// ---- /log -------------------------------------------------------------------------

// cmdLog: "/log 42 call: wants 40 seats, next fri 10:00 send proposal". Missing
// parts are asked for.
func (c *conv) cmdLog(args string) []Reply {
	d := &dialog{Flow: "log"}
	if args == "" {
		return c.askInterest(d, c.t("log.ask_interest"))
	}
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.log")
	}
	if r := c.refuseChange(id, "log"); r != nil {
		return r
	}
	d.ID = id
	if rest == "" {
		return c.askKind(d)
	}
	kind, text, ok := parseKind(rest)
	if !ok {
		kind = crm.InteractionNote
		if k, after, ok := kindBeforeNext(rest); ok {
			kind, text = k, after
		}
	}
	d.Kind = string(kind)
	if strings.TrimSpace(text) == "" {
		return []Reply{c.ask(d, "text", c.t("log.ask_text", c.t("kind."+string(kind))), [][]Button{{c.cancelButton()}})}
	}
	return c.logText(d, text, false)
}

// kindBeforeNext reads "call, next tomorrow 14:00 …" as "call: next …": a kind, a comma
// and only a next step. Read as a note it would store "call" as a note of kind note and
// never ask for the note. "call, they want 40 seats" stays a note as typed.
func kindBeforeNext(s string) (crm.InteractionKind, string, bool) {
	w, after := firstWord(s)
	k, ok := kindAliases[crm.Fold(strings.TrimRight(w, ",;"))]
	if !ok || !strings.ContainsAny(w, ",;") {
		return "", "", false
	}
	if text, _, found := splitNext(after); !found || text != "" {
		return "", "", false
	}
	return k, after, true
}

// logText takes the typed note of a /log (with an optional ", next <when> <what>"
// clause) and saves it, or asks for the next step. A clause that is not a date does not
// lose the note: the note is kept in the dialogue and only the next step is asked for.
// Without a clause, askNext says whether to ask for the next step (in the dialogue) or
// to leave it to the cadence (the one-line form).
func (c *conv) logText(d *dialog, v string, askNext bool) []Reply {
	text, clause, hasNext := splitNext(v)
	if !hasNext {
		if !askNext {
			c.setDialog(nil)
			return c.saveLog(d.ID, crm.InteractionKind(d.Kind), v, nil)
		}
		d.Text = v
		return []Reply{c.ask(d, "next", c.t("log.ask_next"), c.nextPresets())}
	}
	next, err := c.parseNext(clause)
	if text == "" {
		if err != nil {
			// "next version ships fri" is a note that starts with the word, not a
			// next step: keep it whole, as typed.
			if !askNext {
				c.setDialog(nil)
				return c.saveLog(d.ID, crm.InteractionKind(d.Kind), v, nil)
			}
			d.Text = v
			return []Reply{c.ask(d, "next", c.t("log.ask_next"), c.nextPresets())}
		}
		// Only a next step was typed: keep it and ask for the note, rather than
		// store the step as the note.
		// Full keeps what was typed, so a command typed now asks before dropping it.
		d.Next, d.Full = next, v
		return []Reply{c.ask(d, "text", c.t("log.next_kept", c.echoWhen(next.Due)+" — "+c.what(next.What))+"\n"+c.t("log.ask_text", c.t("kind."+d.Kind)), [][]Button{{c.cancelButton()}})}
	}
	if err != nil {
		d.Text, d.Full, d.What = text, v, whatAfter(clause, err)
		return c.askNextKept(d, err)
	}
	c.setDialog(nil)
	return c.saveLog(d.ID, crm.InteractionKind(d.Kind), text, next)
}

// whatAfter returns the words after the unreadable date part of a next-step clause
// ("31.11. nazvati" → "nazvati"), so asking for the date again does not lose what to do.
func whatAfter(clause string, err error) string {
	part := ""
	var de *DateError
	if errors.As(err, &de) {
		part = de.Part
	} else if ce := crm.AsError(err); ce != nil && (strings.HasPrefix(ce.Key, "date.err.") || ce.Key == keyNoDate) && len(ce.Args) > 0 {
		part, _ = ce.Args[0].(string) // dateErr puts the unreadable part first
	}
	i := strings.Index(clause, part)
	if part == "" || i < 0 {
		return ""
	}
	return strings.TrimSpace(clause[i+len(part):])
}

// askNextKept asks again for the next step of a /log whose note is kept, after err
// (an unreadable date), echoing the note so the user sees nothing was lost.
func (c *conv) askNextKept(d *dialog, err error) []Reply {
	bs := c.nextPresets()
	bs[1][1].Label = c.t("btn.save_without_next") // "auto": the cadence sets the next step
	if d.Full != "" && d.Full != d.Text {
		bs = append(bs[:len(bs)-1], []Button{{Label: c.t("btn.keep_in_note"), Action: "whole"}}, bs[len(bs)-1])
	}
	r := c.errReply(err)
	kept := c.t("log.kept", clip(d.Text, 200))
	if d.What != "" {
		kept += "\n" + c.t("log.kept_what", clip(d.What, 200))
	}
	return []Reply{r, c.ask(d, "next", kept+"\n"+c.t("log.ask_next_kept"), bs)}
}

// parseNext reads "<when> [what]" into a next action; the what defaults to "follow up".
func (c *conv) parseNext(clause string) (*crm.NextAction, error) {
	due, what, err := ParseWhen(clause, c.now(), c.loc())
	if err != nil {
		return nil, dateErr(err, clause)
	}
	if what == "" {
		what = "next.followup"
	}
	return &crm.NextAction{What: what, Due: due}, nil
}

func (c *conv) askKind(d *dialog) []Reply {
	return []Reply{c.ask(d, "kind", c.t("log.ask_kind", d.ID), c.kindButtons())}
}

func (c *conv) kindButtons() [][]Button {
	var bs []Button
	for _, k := range crm.InteractionKinds {
		bs = append(bs, Button{Label: c.t("kind." + string(k)), Action: string(k)})
	}
	return append(rowsOf(3, bs...), []Button{c.cancelButton()})
}

func (c *conv) nextPresets() [][]Button {
	return [][]Button{
		{{Label: c.t("preset.tomorrow"), Action: "tomorrow 10:00"}, {Label: c.t("preset.3days"), Action: "in 3 days"}},
		{{Label: c.t("preset.nextweek"), Action: "next week"}, {Label: c.t("preset.auto"), Action: "auto"}},
		{c.cancelButton()},
	}
}

func (c *conv) answerLog(d *dialog, v string, button bool) []Reply {
	switch d.Step {
	case "interest":
		id, ok := parseID(v)
		if !ok {
			return c.badID("usage.log")
		}
		if r := c.refuseChange(id, "log"); r != nil {
			return r
		}
		d.ID = id
		return c.askKind(d)
	case "kind":
		k, rest, ok := parseKind(v)
		if !ok {
			if button || v == "" {
				return []Reply{{Text: c.t("err.bad_interaction_kind", v), Private: true, Error: true}}
			}
			// Typed text that names no kind is the note itself (the nudge's "Done —
			// log it" leads here): keep it, and ask only what kind it was.
			d.Full = v
			return []Reply{c.ask(d, "kind", c.t("log.kept", clip(v, 200))+"\n"+c.t("log.ask_kind_kept"), c.kindButtons())}
		}
		d.Kind = string(k)
		if d.Full != "" {
			// The note was typed before the kind: now it can be read.
			full := d.Full
			d.Full = ""
			return c.logText(d, full, true)
		}
		if rest != "" && !button {
			return c.logText(d, rest, true)
		}
		return []Reply{c.ask(d, "text", c.t("log.ask_text", c.t("kind."+d.Kind)), [][]Button{{c.cancelButton()}})}
	case "text":
		if v == "" {
			return []Reply{{Text: c.t("err.empty_text"), Private: true, Error: true}}
		}
		if d.Next != nil {
			// A next step typed with the note replaces the kept one, but only one that
			// reads as a date: "Next year they expand" is the note, and the kept step
			// must not be dropped for it.
			if _, clause, has := splitNext(v); has {
				if _, err := c.parseNext(clause); err == nil {
					d.Next = nil
					return c.logText(d, v, true)
				}
			}
			next := d.Next
			c.setDialog(nil)
			return c.saveLog(d.ID, crm.InteractionKind(d.Kind), v, next)
		}
		return c.logText(d, v, true)
	case "next":
		var next *crm.NextAction
		switch {
		case v == "whole" && button:
			d.Text = d.Full // the "next …" the user typed was part of the note
		case v != "auto":
			n, err := c.parseNext(v)
			if err != nil {
				return c.askNextKept(d, err)
			}
			if n.What == "next.followup" && d.What != "" {
				n.What = d.What // typed with the date that could not be read
			}
			next = n
		}
		c.setDialog(nil)
		return c.saveLog(d.ID, crm.InteractionKind(d.Kind), d.Text, next)
	}
	return nil
}

func (c *conv) saveLog(id uint64, kind crm.InteractionKind, text string, next *crm.NextAction) []Reply {
	res, err := c.e.svc.LogInteraction(c.ctx, c.op(), id, kind, text, next)
	if err != nil {
		if e := crm.AsError(err); next != nil && e != nil {
			d := &dialog{Flow: "log", ID: id, Kind: string(kind), Text: text}
			switch e.Key {
			case "err.due_in_past":
				// Only the date was wrong: keep the note and ask for the date again.
				return c.askNextKept(d, err)
			case "err.closed":
				// A closed interest takes notes but no next step: keep the note and
				// offer to save it alone.
				bs := [][]Button{{{Label: c.t("btn.save_without"), Action: "auto"}, c.cancelButton()}}
				return []Reply{c.errReply(err), c.ask(d, "next", c.t("log.kept", clip(text, 200))+"\n"+c.t("log.closed_save"), bs)}
			}
		}
		return c.fail(err)
	}
	s := c.t("log.saved", c.t("kind."+string(kind)), id)
	if res.Interest.Open() {
		if res.Scheduled {
			s += "\n" + c.t("log.scheduled", c.echoNext(res.Interest))
		} else {
			s += "\n" + c.t("label.next") + " " + c.echoNext(res.Interest)
		}
	}
	ids := u64(id)
	return []Reply{{Text: s, Private: true, Buttons: [][]Button{{{Label: c.t("btn.next"), Action: "/next " + ids}, {Label: c.t("btn.stage"), Action: "/stage " + ids}, {Label: c.t("btn.card"), Action: "/show " + ids}}}}}
}

// ---- /next ------------------------------------------------------------------------

func (c *conv) cmdNext(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.next")
	}
	if r := c.refuseChange(id, "next"); r != nil {
		return r
	}
	if rest == "" {
		d := &dialog{Flow: "next", ID: id}
		return []Reply{c.ask(d, "when", c.t("next.ask", id), c.nextPresets()[:2])}
	}
	return c.setNext(id, rest)
}

func (c *conv) answerNext(d *dialog, v string) []Reply {
	if v == "auto" {
		v = "in 3 days"
	}
	c.setDialog(nil)
	return c.setNextKeeping(d.ID, v, d.What)
}

func (c *conv) setNext(id uint64, clause string) []Reply { return c.setNextKeeping(id, clause, "") }

// setNextKeeping sets the next step from clause; what, when not empty, is what to do,
// kept from an earlier attempt whose date could not be read.
func (c *conv) setNextKeeping(id uint64, clause, what string) []Reply {
	next, err := c.parseNext(clause)
	if err != nil {
		// Ask again for the date alone, with the presets one press away, instead of
		// ending the exchange with an error; what was typed after the date is kept.
		d := &dialog{Flow: "next", ID: id, What: whatAfter(clause, err)}
		if d.What == "" {
			d.What = what
		}
		prompt := c.t("next.ask", id)
		if d.What != "" {
			prompt = c.t("log.kept_what", clip(d.What, 200)) + "\n" + prompt
		}
		return []Reply{c.errReply(err), c.ask(d, "when", prompt, c.nextPresets()[:2])}
	}
	if next.What == "next.followup" && what != "" {
		next.What = what
	}
	in, err := c.e.svc.SetNext(c.ctx, c.op(), id, *next)
	if err != nil {
		return c.fail(err)
	}
	return []Reply{{Text: c.t("next.saved", id, c.echoNext(in)), Private: true}}
}

// ---- /stage, /won, /lost ----------------------------------------------------------

func (c *conv) stageButtons() [][]Button {
	var bs []Button
	for _, s := range crm.Stages {
		bs = append(bs, Button{Label: c.t("stage." + string(s)), Action: string(s)})
	}
	return append(rowsOf(3, bs...), []Button{c.cancelButton()})
}

func (c *conv) deliberationButtons() [][]Button {
	var bs []Button
	for _, r := range crm.DeliberationReasons {
		bs = append(bs, Button{Label: c.t("reason." + string(r)), Action: string(r)})
	}
	return append(rowsOf(1, bs...), []Button{c.cancelButton()})
}

func (c *conv) lossButtons() [][]Button {
	var bs []Button
	for _, r := range crm.LossReasons {
		bs = append(bs, Button{Label: c.t("reason." + string(r)), Action: string(r)})
	}
	bs = append(bs, Button{Label: c.t("reason.not-now"), Action: reasonNotNow})
	return append(rowsOf(1, bs...), []Button{c.cancelButton()})
}

// cmdStage: "/stage 42 deliberating comparing", "/stage 42 lost competitor", or
// "/stage 42" to choose with buttons.
func (c *conv) cmdStage(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.stage")
	}
	if r := c.refuseChange(id, "stage"); r != nil {
		return r
	}
	d := &dialog{Flow: "stage", ID: id}
	if rest == "" {
		return []Reply{c.ask(d, "stage", c.t("stage.ask", id), c.stageButtons())}
	}
	w, rest := firstWord(rest)
	st, ok := parseStage(w)
	if !ok {
		return []Reply{{Text: c.t("err.bad_stage", w) + "\n" + c.t("usage.stage"), Private: true, Error: true}}
	}
	return c.stageWithReason(d, st, rest)
}

// stageWithReason applies stage st, reading a reason from rest when the stage needs
// one and asking for it when rest has none.
func (c *conv) stageWithReason(d *dialog, st crm.Stage, rest string) []Reply {
	d.Stage = string(st)
	switch st {
	case crm.StageDeliberating:
		r, note, ok := parseDeliberation(rest)
		w, _ := firstWord(rest)
		if !ok {
			out := []Reply{c.ask(d, "reason", c.t("stage.ask_deliberation"), c.deliberationButtons())}
			if w != "" {
				out = append([]Reply{{Text: c.t("err.bad_reason", w), Private: true}}, out...)
			}
			return out
		}
		return c.applyStage(d.ID, crm.StageChange{Stage: st, Deliberation: r, Note: note})
	case crm.StageLost:
		r, note, ok := parseLoss(rest)
		if !ok {
			out := []Reply{c.ask(d, "reason", c.t("stage.ask_loss"), c.lossButtons())}
			if w, _ := firstWord(rest); w != "" {
				out = append([]Reply{{Text: c.t("err.bad_reason", w), Private: true}}, out...)
			}
			return out
		}
		return c.lose(d.ID, r, note)
	case crm.StageProposal:
		return c.proposalStage(d, rest) // R14: the terms, inline or asked
	}
	return c.applyStage(d.ID, crm.StageChange{Stage: st, Note: rest})
}

func (c *conv) answerStage(d *dialog, v string, button bool) []Reply {
	switch d.Step {
	case "reopen":
		if !strings.EqualFold(v, "reopen") || d.Change == nil {
			return []Reply{{Text: c.t("stage.reopen_hint"), Private: true}}
		}
		ch := *d.Change
		ch.Reopen = true
		c.setDialog(nil)
		out := c.applyStage(d.ID, ch)
		if ch.Stage == crm.StageLost && ch.Loss == crm.LossNotProspective && len(out) == 1 && len(out[0].Buttons) > 0 {
			out[0].Text += "\n" + c.t("lost.mailing")
		}
		return out
	case "stage":
		st, ok := parseStage(v)
		if !ok {
			return []Reply{{Text: c.t("err.bad_stage", v), Private: true, Error: true}}
		}
		return c.stageWithReason(d, st, "")
	case "reason":
		if crm.Stage(d.Stage) == crm.StageDeliberating {
			r, note, ok := parseDeliberation(v)
			if !ok {
				return []Reply{{Text: c.t("err.need_deliberation_reason"), Private: true, Error: true}}
			}
			c.setDialog(nil)
			return c.applyStage(d.ID, crm.StageChange{Stage: crm.StageDeliberating, Deliberation: r, Note: note})
		}
		r, note, ok := parseLoss(v)
		if !ok {
			return []Reply{{Text: c.t("err.need_loss_reason"), Private: true, Error: true}}
		}
		c.setDialog(nil)
		return c.lose(d.ID, r, note)
	}
	return nil
}

// lose closes an interest as lost, except that "not now" is never a loss (R7): it
// keeps the interest open, waiting for budget.
func (c *conv) lose(id uint64, reason, note string) []Reply {
	if reason == reasonNotNow {
		out := c.applyStage(id, crm.StageChange{Stage: crm.StageDeliberating, Deliberation: crm.DeliberationBudget, Note: note})
		if len(out) == 1 && len(out[0].Buttons) > 0 && !c.asking("reopen") {
			out[0].Text = c.t("lost.not_now") + "\n" + out[0].Text
		}
		return out
	}
	out := c.applyStage(id, crm.StageChange{Stage: crm.StageLost, Loss: crm.LossReason(reason), Note: note})
	if reason == string(crm.LossNotProspective) && len(out) == 1 && len(out[0].Buttons) > 0 && !c.asking("reopen") {
		out[0].Text += "\n" + c.t("lost.mailing")
	}
	return out
}

// asking reports whether the reply being built asks the question of step.
func (c *conv) asking(step string) bool { return c.d != nil && c.d.Step == step }

func (c *conv) applyStage(id uint64, ch crm.StageChange) []Reply {
	in, err := c.e.svc.SetStage(c.ctx, c.op(), id, ch)
	if e := crm.AsError(err); e != nil && e.Key == "err.same_stage" && ch.Won != nil {
		// "/won 1 value 30000" on a deal already won: SetStage writes nothing, so the
		// value was not stored either. Say so, and how to change it, rather than let
		// "already won" read as if the value had been taken.
		num, cur := c.amountParts(ch.Won.Value, ch.Won.Currency)
		r := c.errReply(err)
		r.Text += "\n" + c.t("won.value_not_changed", id, strings.TrimSpace(num+" "+cur))
		return []Reply{r}
	}
	if e := crm.AsError(err); e != nil && e.Key == "err.reopen_unconfirmed" {
		// A won or lost interest is moved only when the user says so: ask, keeping
		// the whole change (reason, note) for the answer.
		d := &dialog{Flow: "stage", ID: id, Stage: string(ch.Stage), Change: &ch}
		from := c.t("stage." + fmt.Sprint(e.Args[1]))
		ask, btn := "stage.reopen_ask", "btn.reopen"
		if !ch.Stage.Open() {
			ask, btn = "stage.reclose_ask", "btn.reclose" // won ↔ lost: not a reopening
		}
		bs := [][]Button{{{Label: c.t(btn), Action: "reopen"}, c.cancelButton()}}
		return []Reply{c.ask(d, "reopen", c.t(ask, id, from, c.t("stage."+string(ch.Stage))), bs)}
	}
	if err != nil {
		return c.fail(err)
	}
	s := c.t("stage.saved", id, c.stageName(in))
	if ch.Won != nil {
		// Echo what was stored: the amount as read, in the currency it was stored in.
		num, cur := c.amountParts(in.Value, in.Currency)
		s += "\n" + c.t("won.value_saved", num, cur)
	}
	if ch.Proposal != nil {
		// Echo the terms as stored (R14), and where the checklist is.
		terms, _ := c.proposalLines(in)
		s += "\n" + c.t("label.proposal") + " " + terms
	}
	if in.Open() {
		s += "\n" + c.t("label.next") + " " + c.echoNext(in)
	}
	ids := u64(id)
	row := []Button{{Label: c.t("btn.card"), Action: "/show " + ids}}
	if ch.Proposal != nil {
		row = append([]Button{{Label: c.t("btn.checklist"), Action: "/proposal " + ids}}, row...)
	}
	return []Reply{{Text: s, Private: true, Buttons: [][]Button{row}}}
}

func (c *conv) cmdWon(args string) []Reply {
	idStr, note := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.won")
	}
	ch := crm.StageChange{Stage: crm.StageWon, Note: note}
	v, rest, err := wonValueOf(note)
	if err != nil {
		return c.fail(err)
	}
	if v != nil {
		ch.Won, ch.Note = v, rest
	}
	return c.applyStage(id, ch)
}

func (c *conv) cmdLost(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.lost")
	}
	if r := c.refuseChange(id, "stage"); r != nil {
		return r
	}
	d := &dialog{Flow: "stage", ID: id}
	return c.stageWithReason(d, crm.StageLost, rest)
}

// ---- reading -----------------------------------------------------------------------

func (c *conv) cmdShow(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.show")
	}
	limit := 10
	if strings.EqualFold(rest, "all") {
		limit = 0
	}
	all, err := c.e.svc.Card(c.ctx, c.u, id, 0)
	if err != nil {
		return c.fail(err)
	}
	total := len(all.Timeline)
	if limit > 0 && total > limit {
		all.Timeline = all.Timeline[total-limit:]
	}
	return []Reply{c.card(all, total)}
}

func (c *conv) cmdFind(args string) []Reply {
	if strings.TrimSpace(args) == "" {
		return []Reply{{Text: c.t("usage.find"), Private: true}}
	}
	res, err := c.e.svc.Find(c.ctx, c.u, args, 20)
	if err != nil {
		return c.fail(err)
	}
	return []Reply{c.list(c.t("find.title", args), res, c.t("find.none", args))}
}

func (c *conv) cmdMy(args string) []Reply {
	if name := strings.TrimSpace(args); name != "" {
		return c.myOf(name)
	}
	res, err := c.e.svc.My(c.ctx, c.u)
	if err != nil {
		return c.fail(err)
	}
	return []Reply{c.list(c.t("my.title", len(res)), res, c.t("my.none"))}
}

func (c *conv) cmdToday(string) []Reply {
	res, err := c.e.svc.Today(c.ctx, c.u)
	if err != nil {
		return c.fail(err)
	}
	r := c.list(c.t("today.title"), res, c.t("today.none"))
	calls, err := c.e.svc.OpenCampaignCalls(c.ctx, c.u)
	if err != nil {
		return c.fail(err)
	}
	var b strings.Builder
	c.seminarCalls(&b, calls)
	r.Text += b.String()
	for i, sm := range res {
		if i == 6 {
			break
		}
		id := u64(sm.Interest.ID)
		r.Buttons = append(r.Buttons, []Button{{Label: c.t("btn.log") + " #" + id, Action: "/log " + id}, {Label: c.t("btn.card") + " #" + id, Action: "/show " + id}})
	}
	return []Reply{r}
}

// ---- /assign ------------------------------------------------------------------------

func (c *conv) cmdAssign(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.assign")
	}
	if !c.u.IsLead() {
		return c.fail(c.refuse(id, "assign", crm.Errorf(crm.EFORBIDDEN, "err.assign_forbidden")))
	}
	if rest == "" {
		users, err := c.e.svc.Users(c.ctx)
		if err != nil {
			return c.fail(err)
		}
		var bs []Button
		for _, u := range users {
			if !u.Disabled && u.Role != crm.RoleAdmin {
				bs = append(bs, Button{Label: u.Name, Action: u64(u.ID)})
			}
		}
		d := &dialog{Flow: "assign", ID: id}
		return []Reply{c.ask(d, "to", c.t("assign.ask", id), append(rowsOf(2, bs...), []Button{c.cancelButton()}))}
	}
	to, err := c.e.svc.UserByName(c.ctx, rest)
	if err != nil {
		return c.fail(err)
	}
	return c.assign(id, to)
}

// refuse runs a refused attempt through the service so it is audited the same way.
func (c *conv) refuse(id uint64, action string, err error) error {
	_, e := c.e.svc.Reassign(c.ctx, crm.Op{Actor: c.u}, id, c.u.ID)
	if crm.ErrorCode(e) == crm.EFORBIDDEN {
		return e
	}
	return err
}

func (c *conv) answerAssign(d *dialog, v string) []Reply {
	c.setDialog(nil)
	var to *crm.User
	var err error
	if id, ok := parseID(v); ok {
		to, err = c.e.svc.User(c.ctx, id)
	} else {
		to, err = c.e.svc.UserByName(c.ctx, v)
	}
	if err != nil {
		return c.fail(err)
	}
	return c.assign(d.ID, to)
}

func (c *conv) assign(id uint64, to *crm.User) []Reply {
	if _, err := c.e.svc.Reassign(c.ctx, c.op(), id, to.ID); err != nil {
		return c.fail(err)
	}
	return []Reply{{Text: c.t("assign.saved", id, to.Name), Private: c.req.Chat == ChatPrivate}}
}

// ---- free text ------------------------------------------------------------------------

// freeText handles a message that is not a command and answers no question. A
// forwarded message or a pasted text (an email, a signature) is offered to be logged on
// one of the sender's open interests, or to start a new one.
func (c *conv) freeText(text string) []Reply {
	text = strings.TrimSpace(text)
	if !c.req.Forwarded && len([]rune(text)) < 25 && !strings.Contains(text, "\n") {
		return []Reply{{Text: c.t("err.not_understood"), Private: true, Error: true}}
	}
	return c.offerText(text)
}

// offerText asks where to put a pasted or forwarded text: on one of the user's open
// interests, or a new one.
func (c *conv) offerText(text string) []Reply {
	d := &dialog{Flow: "freetext", Text: text}
	offer := c.t("free.offer")
	if c.d != nil && c.d.Flow != "freetext" {
		d.Parent, d.Seq = c.d, c.d.Seq+childSeq
		offer += "\n" + c.t("sched.forward_dialog_open")
	}
	bs, err := c.interestButtons(6)
	if err != nil {
		return c.fail(err)
	}
	bs = append(bs, []Button{{Label: c.t("btn.new_interest"), Action: "new"}, c.cancelButton()})
	return []Reply{c.ask(d, "target", offer, bs)}
}

func (c *conv) answerFreeText(d *dialog, v string, button bool) []Reply {
	switch d.Step {
	case "target":
		if strings.EqualFold(v, "new") {
			sig := ParseSignature(d.Text)
			// The text itself goes into the new interest's timeline: it is what the
			// client wrote, not only where their details came from.
			sig.Note = d.Text
			nd := &dialog{Flow: "new", New: &sig, Confirm: true}
			return c.nextNewStep(nd)
		}
		id, ok := parseID(v)
		if !ok {
			return c.badID("usage.log")
		}
		// Refused now, while the text is still held: refused after the kind, the
		// text would be gone with the dialogue.
		if r := c.refuseChange(id, "log"); r != nil {
			return r
		}
		d.ID = id
		var bs []Button
		for _, k := range crm.InteractionKinds {
			bs = append(bs, Button{Label: c.t("kind." + string(k)), Action: string(k)})
		}
		return []Reply{c.ask(d, "kind", c.t("log.ask_kind", id), append(rowsOf(3, bs...), []Button{c.cancelButton()}))}
	case "kind":
		k, _, ok := parseKind(v)
		if !ok {
			return []Reply{{Text: c.t("err.bad_interaction_kind", v), Private: true, Error: true}}
		}
		c.setDialog(d.Parent)
		out := c.saveLog(d.ID, k, d.Text, nil)
		if d.Parent != nil {
			out = append(out, Reply{Text: c.t("sched.dialog_resumed"), Private: true})
		}
		return out
	}
	return nil
}
