package bot

import (
	"strconv"
	"time"

	"crmbot/crm"
)

// dialog is the persisted state of a multi-step conversation: which flow, which
// question is open, and what has been gathered so far. It is saved in the store after
// every step, so a restart mid-dialogue loses nothing.
type dialog struct {
	Flow    string           `json:"flow"`
	Step    string           `json:"step"`
	Seq     int              `json:"seq"` // numbers the open question; buttons carry it
	ID      uint64           `json:"id,omitempty"`
	New     *crm.NewInterest `json:"new,omitempty"`
	Asked   []string         `json:"asked,omitempty"`
	Confirm bool             `json:"confirm,omitempty"`
	Kind    string           `json:"kind,omitempty"`
	Text    string           `json:"text,omitempty"`
	Stage   string           `json:"stage,omitempty"`
	// Full is the note as typed, with a "next …" clause that could not be read as a
	// date; it is kept so the user may save it whole.
	Full string `json:"full,omitempty"`
	// Next is the next step of a /log typed without a note ("call: next fri 10:00
	// …"): it is kept while the note is asked for.
	Next *crm.NextAction `json:"next,omitempty"`
	// Pending is a command typed while this dialogue held unsaved text; it runs
	// once the user has chosen to save or discard the draft. Back is the step the
	// dialogue was at when it was interrupted.
	Pending string `json:"pending,omitempty"`
	Back    string `json:"back,omitempty"`
	// Field is the one field of a /new draft that failed validation and is asked
	// for again.
	Field string `json:"field,omitempty"`
	// Match is the existing contact a /new draft's email or phone belongs to, while
	// the user is asked whether it is that person or a new one.
	Match *crm.Match `json:"match,omitempty"`
	// Change is a stage move of a closed interest waiting for the user to confirm
	// the reopening.
	Change *crm.StageChange `json:"change,omitempty"`
	// What is what to do next, typed after a date that could not be read: a preset
	// or a retyped date keeps it instead of "follow up".
	What string `json:"what,omitempty"`
	// Terms are a proposal's terms typed so far (R14), kept while the rest is asked.
	Terms   *draftTerms `json:"terms,omitempty"`
	Updated time.Time   `json:"updated"`
	// Parent is the dialogue a forwarded message interrupted: it resumes when the
	// offer to log the forward is done or cancelled.
	Parent *dialog `json:"parent,omitempty"`
}

// childSeq numbers the questions of a dialogue opened over another far above the
// other's, so neither accepts the other's buttons, before or after it resumes.
const childSeq = 1 << 20

func (d *dialog) asked(step string) bool {
	for _, s := range d.Asked {
		if s == step {
			return true
		}
	}
	return false
}

func (c *conv) setDialog(d *dialog) {
	c.d = d
	c.dDirty = true
}

// ask opens a question: it moves the dialogue to step, numbers the question, and
// returns the prompt with its buttons bound to this question.
func (c *conv) ask(d *dialog, step, prompt string, buttons [][]Button) Reply {
	d.Step = step
	d.Seq++
	d.Updated = c.now()
	if !d.asked(step) {
		d.Asked = append(d.Asked, step)
	}
	c.setDialog(d)
	bound := make([][]Button, len(buttons))
	for i, row := range buttons {
		bound[i] = make([]Button, len(row))
		for j, b := range row {
			if len(b.Action) > 0 && b.Action[0] == '/' {
				bound[i][j] = b
				continue
			}
			bound[i][j] = Button{Label: b.Label, Action: "@" + itoa(d.Seq) + ":" + b.Action, Key: b.Key}
		}
	}
	return Reply{Text: prompt, Buttons: bound, Private: true}
}

func itoa(n int) string { return strconv.Itoa(n) }

// answer feeds a typed answer or a pressed button's value to the open question.
func (c *conv) answer(v string, button bool) []Reply {
	d := c.d
	if v == "cancel" && button {
		return c.cmdCancel("")
	}
	if d.Step == "interrupt" {
		return c.answerInterrupt(d, v)
	}
	switch d.Flow {
	case "new":
		return c.answerNew(d, v, button)
	case "log":
		return c.answerLog(d, v, button)
	case "stage":
		return c.answerStage(d, v, button)
	case "proposal":
		return c.answerProposal(d, v, button)
	case "next":
		return c.answerNext(d, v)
	case "assign":
		return c.answerAssign(d, v)
	case "edit":
		return c.answerEdit(d, v)
	case "freetext":
		return c.answerFreeText(d, v, button)
	case "seminar":
		return c.answerSeminar(d, v)
	}
	c.setDialog(nil)
	return []Reply{{Text: c.t("err.stale_button"), Private: true}}
}

// rowsOf lays buttons out n to a row, which reads well on a phone.
func rowsOf(n int, bs ...Button) [][]Button {
	var rows [][]Button
	for len(bs) > 0 {
		k := min(n, len(bs))
		rows = append(rows, bs[:k])
		bs = bs[k:]
	}
	return rows
}

func (c *conv) cancelButton() Button { return Button{Label: c.t("btn.cancel"), Action: "cancel"} }
