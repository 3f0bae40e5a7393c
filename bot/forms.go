package bot

import (
	"errors"
	"strconv"
	"strings"

	"crmbot/crm"
)

// Form names, for Form.Name: the forms a platform can draw (Slack's modals).
const (
	FormNew = "new" // a new interest: R1's contact and company, the rest optional
	FormLog = "log" // an interaction logged on an interest, with an optional next step
)

// View names, for Request.View: structured answers a platform draws itself.
const (
	ViewHome = "home" // the person's home: who they are, today's follow-ups, the actions (Reply.Home)
	ViewForm = "form" // the form Request.Form names, prefilled from it (Reply.FormView)
)

// Field names of the forms. A Reply's FieldErrors are keyed by them, and a platform
// may use them as its own field ids.
const (
	FieldContact  = "contact"
	FieldCompany  = "company"
	FieldPosition = "position"
	FieldEmail    = "email"
	FieldPhone    = "phone"
	FieldNeed     = "need"
	FieldValue    = "value"
	FieldNextWhat = "next_what"
	FieldNextWhen = "next_when"
	FieldInterest = "interest"
	FieldKind     = "kind"
	FieldText     = "text"
)

// Form is a form filled in and submitted in one go (Request.Form with no View), or,
// with Request.View ViewForm, the form to show and what to prefill it with. Values
// are as typed or chosen; the engine reads them as /new and /log read theirs.
type Form struct {
	Name string // FormNew or FormLog

	// The new interest's fields.
	Contact, Company, Position, Email, Phone, Need string
	Value                                          string // "12 000,00 EUR", read as /new reads a value

	// The log's fields.
	Interest string // the interest's number: "42" or "#42"
	Kind     string // a crm.InteractionKind; a call when empty
	Text     string

	// The optional next step of both: what, and when ("tomorrow 10:00").
	NextWhat, NextWhen string
}

// FormView is a form to draw, worded in the reader's language.
type FormView struct {
	Name                  string // FormNew or FormLog
	Title, Submit, Cancel string
	Fields                []FormField
}

// FormField is one field of a FormView: a text to type, or, with Options, a choice.
type FormField struct {
	Name      string // a Field… constant
	Label     string
	Hint      string
	Initial   string // prefilled text, or the Value of the option chosen at first
	Multiline bool
	Optional  bool
	Options   []Option
	Prompt    string // a choice's placeholder
}

// Option is one choice of a FormField.
type Option struct {
	Value, Label string
}

// maxOptions is the longest choice a form offers (Slack's static select takes 100);
// beyond it the field asks for a number instead.
const maxOptions = 100

// structured answers a request that is not a conversation: a submitted form or a
// view. It leaves the chat dialogue alone: a form filled in beside a question
// asked in the chat neither answers nor cancels it.
func (c *conv) structured(mu *crm.MessageUnit) []Reply {
	out := c.structuredReplies()
	for _, r := range out {
		if len(r.FieldErrors) > 0 {
			// Nothing changed: the same form, corrected, comes back under the same
			// key and must be handled then, not answered from a record of this.
			c.req.Key = ""
		}
	}
	if c.req.View != "" {
		// A view only reads: nothing is kept, so it makes no write.
		c.req.Key = ""
	}
	if err := c.finish(mu, out); err != nil {
		return c.fail(err)
	}
	return out
}

func (c *conv) structuredReplies() []Reply {
	switch {
	case c.req.View == ViewHome:
		return c.home()
	case c.req.View == ViewForm && c.req.Form != nil:
		return c.formView(c.req.Form)
	case c.req.View == "" && c.req.Form != nil && c.req.Form.Name == FormNew:
		return c.submitNew(c.req.Form)
	case c.req.View == "" && c.req.Form != nil && c.req.Form.Name == FormLog:
		return c.submitLog(c.req.Form)
	}
	c.e.log.Warn("unknown structured request", "view", c.req.View)
	return []Reply{{Text: c.t("err.internal"), Private: true, Error: true}}
}

// structuredRequest reports whether req asks for a form or a view rather than
// carrying a line of conversation.
func (req Request) structuredRequest() bool { return req.View != "" || req.Form != nil }

// fieldErrs collects a form's errors, one per field (the first found), worded in
// the reader's language.
type fieldErrs struct {
	c *conv
	m map[string]string
}

func (e *fieldErrs) add(field, key string, args ...any) {
	if _, ok := e.m[field]; !ok {
		e.m[field] = e.c.t(key, args...)
	}
}

// addErr shows a crm error on field; internal errors are logged and apologised for.
func (e *fieldErrs) addErr(field string, err error) {
	ce := crm.AsError(err)
	if ce == nil || ce.Code == crm.EINTERNAL {
		e.m[field] = e.c.errReply(err).Text
		return
	}
	e.add(field, ce.Key, e.c.errArgs(ce)...)
}

// reply is the refusal that carries the errors: nothing was stored.
func (e *fieldErrs) reply() []Reply {
	if len(e.m) == 0 {
		return nil
	}
	var text []string
	for _, f := range []string{FieldContact, FieldCompany, FieldPosition, FieldEmail, FieldPhone, FieldNeed, FieldValue, FieldInterest, FieldKind, FieldText, FieldNextWhat, FieldNextWhen} {
		if s, ok := e.m[f]; ok {
			text = append(text, s)
		}
	}
	return []Reply{{Text: strings.Join(text, "\n"), Private: true, Error: true, FieldErrors: e.m}}
}

// formNext reads a form's optional next step as /log reads "next <when> <what>":
// the date in the reader's time zone, the words after it (or the what field) as
// what to do. A date it cannot read, or one past, is an error on that field.
func (c *conv) formNext(f *Form, errs *fieldErrs) *crm.NextAction {
	what, when := strings.TrimSpace(f.NextWhat), strings.TrimSpace(f.NextWhen)
	if when == "" {
		if what != "" {
			errs.add(FieldNextWhen, "slack.when_required")
		}
		return nil
	}
	next, err := c.parseNext(when)
	if err != nil {
		errs.addErr(FieldNextWhen, err)
		return nil
	}
	if !next.Due.After(c.now()) {
		errs.add(FieldNextWhen, "err.due_in_past")
		return nil
	}
	if what != "" {
		next.What = what
	}
	return next
}

// newFields puts the crm errors of a new interest on the form's fields.
var newFields = map[string]string{
	"err.name_required": FieldContact, "err.company_required": FieldCompany,
	"err.too_long.name": FieldContact, "err.too_long.company": FieldCompany,
	"err.too_long.position": FieldPosition, "err.too_long.email": FieldEmail,
	"err.too_long.phone": FieldPhone, "err.too_long.need": FieldNeed, "err.too_long.next": FieldNextWhat,
	"err.bad_email": FieldEmail, "err.bad_phone": FieldPhone, "err.bad_value": FieldValue,
	"err.bad_date": FieldNextWhen, "err.due_in_past": FieldNextWhen,
}

// submitNew creates an interest from the new-interest form, through the same
// service call and validation as /new. A contact that matches someone else's phone
// or email is shown on that field: a form cannot ask "link or new" as the chat can.
func (c *conv) submitNew(f *Form) []Reply {
	errs := &fieldErrs{c: c, m: map[string]string{}}
	n := crm.NewInterest{
		ContactName: strings.TrimSpace(f.Contact),
		CompanyName: strings.TrimSpace(f.Company),
		Position:    strings.TrimSpace(f.Position),
		Email:       strings.TrimSpace(f.Email),
		Phone:       strings.TrimSpace(f.Phone),
		Need:        strings.TrimSpace(f.Need),
	}
	// Every field is checked before anything is stored, so the form shows all its
	// errors at once.
	if n.ContactName == "" {
		errs.add(FieldContact, "err.name_required")
	}
	if n.CompanyName == "" {
		errs.add(FieldCompany, "err.company_required")
	}
	if v := strings.TrimSpace(f.Value); v != "" {
		// "12 000,00" is 12000, and "30,5" is refused rather than stored as 305.
		val, cur, ok := ParseAmount(v)
		if !ok {
			errs.add(FieldValue, "slack.form_bad_value")
		}
		n.Value, n.Currency = val, cur
	}
	n.Next = c.formNext(f, errs)
	if r := errs.reply(); r != nil {
		return r
	}
	probe := n
	if err := probe.Validate(c.e.svc.Config.DefaultRegion); err != nil {
		errs.addErr(c.newField(err), err)
		return errs.reply()
	}
	res, err := c.e.svc.CreateInterest(c.ctx, c.op(), n)
	if err != nil {
		errs.addErr(c.newField(err), err)
		return errs.reply()
	}
	return c.afterForm(res.Interest.ID)
}

// newField is the field of the new-interest form that err is about; the company
// when it is about none in particular.
func (c *conv) newField(err error) string {
	var dup *crm.DuplicateError
	if errors.As(err, &dup) {
		if dup.Match.By == "email" {
			return FieldEmail
		}
		return FieldPhone
	}
	if ce := crm.AsError(err); ce != nil {
		if f := newFields[ce.Key]; f != "" {
			return f
		}
	}
	return FieldCompany
}

// submitLog records an interaction from the log form, through the same service
// call and validation as /log.
func (c *conv) submitLog(f *Form) []Reply {
	errs := &fieldErrs{c: c, m: map[string]string{}}
	raw := strings.TrimPrefix(strings.TrimSpace(f.Interest), "#")
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		errs.add(FieldInterest, "err.interest_not_found", raw)
	}
	kind := crm.InteractionKind(strings.TrimSpace(f.Kind))
	if kind == "" {
		kind = crm.InteractionCall
	}
	text := strings.TrimSpace(f.Text)
	if text == "" {
		errs.add(FieldText, "err.empty_text")
	}
	next := c.formNext(f, errs)
	if r := errs.reply(); r != nil {
		return r
	}
	if _, err := c.e.svc.LogInteraction(c.ctx, c.op(), id, kind, text, next); err != nil {
		errs.addErr(logField(err), err)
		return errs.reply()
	}
	return c.afterForm(id)
}

// logField is the field of the log form that err is about.
func logField(err error) string {
	ce := crm.AsError(err)
	if ce == nil {
		return FieldText
	}
	switch {
	case ce.Key == "err.bad_interaction_kind":
		return FieldKind
	case ce.Key == "err.bad_date" || ce.Key == "err.due_in_past" || strings.HasPrefix(ce.Key, "date.err."):
		return FieldNextWhen
	case ce.Key == "err.too_long.next":
		return FieldNextWhat
	case ce.Key == "err.empty_text" || strings.HasPrefix(ce.Key, "err.too_long."):
		return FieldText
	case ce.Code == crm.ENOTFOUND || ce.Code == crm.EFORBIDDEN || ce.Code == crm.ECONFLICT:
		// Not this person's, gone, or closed to a next step: about the interest.
		return FieldInterest
	}
	return FieldText
}

// afterForm answers a saved form with the interest's card, as /show shows it.
func (c *conv) afterForm(id uint64) []Reply {
	out := c.cmdShow(u64(id))
	if c.req.Chat == ChatGroup {
		markPrivate(out) // a client card is one person's
	}
	return out
}

// formView words the form f names for the reader, prefilled from f.
func (c *conv) formView(f *Form) []Reply {
	v := &FormView{Name: f.Name, Submit: c.t("btn.save"), Cancel: c.t("btn.cancel")}
	next := []FormField{
		{Name: FieldNextWhat, Label: c.t("slack.f_next_what"), Hint: c.t("slack.f_next_what_hint"), Initial: f.NextWhat, Optional: true},
		{Name: FieldNextWhen, Label: c.t("slack.f_next_when"), Hint: c.t("slack.when_hint"), Initial: f.NextWhen, Optional: true},
	}
	switch f.Name {
	case FormNew:
		v.Title = c.t("slack.new_title")
		v.Fields = append([]FormField{
			{Name: FieldContact, Label: c.t("slack.f_contact"), Initial: f.Contact},
			{Name: FieldCompany, Label: c.t("slack.f_company"), Initial: f.Company},
			{Name: FieldPosition, Label: c.t("slack.f_position"), Initial: f.Position, Optional: true},
			{Name: FieldEmail, Label: c.t("slack.f_email"), Initial: f.Email, Optional: true},
			{Name: FieldPhone, Label: c.t("slack.f_phone"), Initial: f.Phone, Optional: true},
			{Name: FieldNeed, Label: c.t("slack.f_need"), Initial: f.Need, Multiline: true, Optional: true},
			{Name: FieldValue, Label: c.t("slack.f_value"), Hint: c.t("slack.f_value_hint"), Initial: f.Value, Optional: true},
		}, next...)
	case FormLog:
		interest, err := c.interestField(f.Interest)
		if err != nil {
			return c.fail(err)
		}
		var kinds []Option
		for _, k := range crm.InteractionKinds {
			kinds = append(kinds, Option{Value: string(k), Label: c.t("kind." + string(k))})
		}
		kind := f.Kind
		if kind == "" {
			kind = string(crm.InteractionKinds[0])
		}
		v.Title = c.t("slack.log_title")
		v.Fields = append([]FormField{
			interest,
			{Name: FieldKind, Label: c.t("slack.f_what_was_it"), Prompt: c.t("slack.f_kind"), Options: kinds, Initial: kind},
			{Name: FieldText, Label: c.t("slack.f_text"), Initial: f.Text, Multiline: true},
		}, next...)
	default:
		c.e.log.Warn("unknown form", "form", f.Name)
		return []Reply{{Text: c.t("err.internal"), Private: true, Error: true}}
	}
	return []Reply{{Private: true, FormView: v}}
}

// interestField is the log form's choice of interest: the person's open interests,
// or, when they have none or too many to list (or the one asked for is not among
// them), a number to type.
func (c *conv) interestField(initial string) (FormField, error) {
	mine, err := c.e.svc.My(c.ctx, c.u)
	if err != nil {
		return FormField{}, err
	}
	initial = strings.TrimPrefix(strings.TrimSpace(initial), "#")
	if len(mine) > 0 && len(mine) <= maxOptions {
		f := FormField{Name: FieldInterest, Label: c.t("slack.f_interest"), Prompt: c.t("slack.choose")}
		found := initial == ""
		for _, sm := range mine {
			id := u64(sm.Interest.ID)
			label := "#" + id + " " + sm.Company
			if sm.Contact != "" {
				label += " — " + sm.Contact
			}
			f.Options = append(f.Options, Option{Value: id, Label: label})
			if id == initial {
				found, f.Initial = true, id
			}
		}
		if found {
			return f, nil
		}
	}
	return FormField{Name: FieldInterest, Label: c.t("slack.f_interest_number"), Hint: c.t("slack.f_interest_hint"), Initial: initial}, nil
}
