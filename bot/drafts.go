package bot

import (
	"strings"

	"crmbot/crm"
)

// A draft is the unsaved text a dialogue holds: the note of a /log, the details of a
// /new, a pasted text offered for logging. Typing a command in the middle of such a
// dialogue must not throw the text away without a word, so the command waits while the
// user chooses to save or discard the draft (or go back to it).

// draftSummary describes the unsaved text of d in a few words, or "" when d holds
// nothing the user typed that would be lost.
func (c *conv) draftSummary(d *dialog) string {
	switch d.Flow {
	case "log":
		text := firstNonEmpty(d.Text, d.Full)
		if text == "" {
			return ""
		}
		// Named by its kind, "a call on #1", so the user knows which draft it is.
		switch crm.InteractionKind(d.Kind) {
		case crm.InteractionCall, crm.InteractionEmail, crm.InteractionMeeting, crm.InteractionDemo, crm.InteractionSeminar:
			return c.t("draft.log."+d.Kind, d.ID, clip(text, 120))
		}
		return c.t("draft.log", d.ID, clip(text, 120))
	case "new":
		n := d.New
		if n == nil || *n == (crm.NewInterest{}) {
			return ""
		}
		return c.t("draft.new", clip(strings.TrimSpace(strings.Join(nonEmpty(n.ContactName, n.CompanyName, n.Phone, n.Email, n.Need), ", ")), 120))
	case "freetext":
		if d.Text == "" {
			return ""
		}
		return c.t("draft.text", clip(d.Text, 120))
	case "proposal":
		if kept := c.describeTerms(d.Terms); kept != "" {
			return c.t("draft.proposal", d.ID, kept)
		}
	}
	return ""
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// canSaveDraft reports whether the draft can be stored as it stands: a note needs its
// interest (the cadence sets the next step); a new interest needs a name and a
// company (R1).
func canSaveDraft(d *dialog) bool {
	switch d.Flow {
	case "log":
		// A next step kept while its note is asked for is no note: saving it would
		// store the step as the note.
		return d.ID != 0 && firstNonEmpty(d.Text, d.Full) != "" && !(d.Text == "" && d.Next != nil)
	case "new":
		return d.New != nil && d.New.ContactName != "" && d.New.CompanyName != ""
	}
	return false
}

// interrupt holds the command typed during a dialogue with a draft and asks what to do
// with the draft first.
func (c *conv) interrupt(d *dialog, summary, cmd string) []Reply {
	d.Pending = cmd
	if d.Step != "interrupt" {
		d.Back = d.Step
	}
	var row []Button
	key := "draft.ask_unsavable"
	if canSaveDraft(d) {
		key = "draft.ask"
		row = append(row, Button{Label: c.t("btn.save"), Action: "save"})
	}
	row = append(row, Button{Label: c.t("btn.discard"), Action: "discard"}, Button{Label: c.t("btn.back"), Action: "back"})
	return []Reply{c.ask(d, "interrupt", c.t(key, summary, cmd), [][]Button{row})}
}

// staleDraft handles a message that arrives after a dialogue was left for more than a
// day. Without a draft the dialogue is forgotten; with one, the user is asked first
// whether to save it, and the message (a command or text) is handled after the choice.
// It returns nil when the message is to be dispatched as usual.
func (c *conv) staleDraft(d *dialog) []Reply {
	if c.req.Chat == ChatGroup {
		return nil // the private dialogue is no business of a group message
	}
	summary := c.draftSummary(d)
	if summary == "" || c.req.Contact != nil || (c.req.Action != "" && !strings.HasPrefix(c.req.Action, "/")) {
		c.setDialog(nil)
		return nil
	}
	line := firstNonEmpty(c.req.Action, strings.TrimSpace(c.req.Text))
	if line == "" {
		c.setDialog(nil)
		return nil
	}
	c.d = d
	out := c.interrupt(d, summary, line)
	key := "draft.ask_stale_unsavable"
	if canSaveDraft(d) {
		key = "draft.ask_stale"
	}
	out[0].Text = c.t(key, summary)
	return out
}

func (c *conv) answerInterrupt(d *dialog, v string) []Reply {
	var out []Reply
	switch strings.ToLower(v) {
	case "save":
		if !canSaveDraft(d) {
			return c.draftHint(d)
		}
		out = c.saveDraft(d)
		if c.d != nil {
			// Saving asked a question of its own (a duplicate to resolve): the
			// typed command waits no longer; the user answers that first.
			return out
		}
	case "discard":
		c.setDialog(nil)
		out = []Reply{{Text: c.t("draft.discarded"), Private: true}}
	case "back":
		d.Step, d.Pending = d.Back, ""
		return c.reask(d)
	default:
		return c.draftHint(d)
	}
	if !strings.HasPrefix(d.Pending, "/") {
		// Text typed after a stale draft: read it as if no dialogue were open.
		return append(out, c.freeText(d.Pending)...)
	}
	return append(out, c.runCommand(splitCommand(d.Pending))...)
}

// saveDraft stores the draft as it stands and closes the dialogue.
func (c *conv) saveDraft(d *dialog) []Reply {
	c.setDialog(nil)
	switch d.Flow {
	case "log":
		kind := crm.InteractionKind(d.Kind)
		if kind == "" {
			kind = crm.InteractionNote
		}
		return c.saveLog(d.ID, kind, firstNonEmpty(d.Text, d.Full), nil)
	case "new":
		if d.Match != nil && d.New.Link == crm.LinkAsk {
			// Saved without an answer: the typed values win, as the question said.
			d.New.Link = crm.LinkNew
		}
		return c.createInterest(d.New)
	}
	return nil
}

// reask puts the question of d's current step again.
func (c *conv) reask(d *dialog) []Reply {
	switch d.Flow {
	case "log":
		switch d.Step {
		case "interest":
			return c.askInterest(d, c.t("log.ask_interest"))
		case "kind":
			return c.askKind(d)
		case "text":
			return []Reply{c.ask(d, "text", c.t("log.ask_text", c.t("kind."+d.Kind)), [][]Button{{c.cancelButton()}})}
		case "next":
			return []Reply{c.ask(d, "next", c.t("log.kept", clip(d.Text, 200))+"\n"+c.t("log.ask_next"), c.nextPresets())}
		}
	case "new":
		switch {
		case d.Step == "duplicate" && d.Match != nil:
			return c.askDuplicate(d.New, *d.Match)
		case d.Step == "fix":
			return []Reply{c.ask(d, "fix", c.t("new.kept", c.describeNew(d.New))+"\n"+c.t("new.ask_field", c.t("field."+d.Field)),
				[][]Button{{{Label: c.t("btn.save_without"), Action: "skip"}, c.cancelButton()}})}
		}
		// The step being re-asked is forgotten as asked, so nextNewStep asks it again.
		var asked []string
		for _, s := range d.Asked {
			if s != d.Step {
				asked = append(asked, s)
			}
		}
		d.Asked = asked
		return c.nextNewStep(d)
	case "freetext":
		if d.Step == "target" {
			return c.offerText(d.Text)
		}
	case "proposal":
		return []Reply{c.askTerms(d)}
	}
	c.setDialog(nil)
	return []Reply{{Text: c.t("err.stale_button"), Private: true}}
}

// draftHint says which buttons the interrupt question offers: a draft that cannot be
// saved as it stands has no Save, so the hint must not send the user to one.
func (c *conv) draftHint(d *dialog) []Reply {
	if !canSaveDraft(d) {
		return []Reply{{Text: c.t("draft.hint_unsavable"), Private: true}}
	}
	return []Reply{{Text: c.t("draft.hint"), Private: true}}
}
