package slack

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"crmbot/bot"
	"crmbot/crm"
)

// Block ids of the modals' input blocks; a field error names one of them. Every
// input's action_id is "v".
const (
	fContact  = "contact"
	fCompany  = "company"
	fPosition = "position"
	fEmail    = "email"
	fPhone    = "phone"
	fNeed     = "need"
	fValue    = "value"
	fNextWhat = "next_what"
	fNextWhen = "next_when"
	fInterest = "interest"
	fKind     = "kind"
	fText     = "text"
	actionV   = "v"
)

// modalMeta is the private_metadata of a modal: where it was opened from.
type modalMeta struct {
	Channel string `json:"c,omitempty"`
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func textInput(block, label, hint, initial string, multiline, optional bool) *slack.InputBlock {
	el := slack.NewPlainTextInputBlockElement(nil, actionV)
	el.Multiline = multiline
	if initial != "" {
		el.InitialValue = initial
	}
	var h *slack.TextBlockObject
	if hint != "" {
		h = plain(hint)
	}
	in := slack.NewInputBlock(block, plain(label), h, el)
	in.Optional = optional
	return in
}

func metaJSON(channel string) string {
	b, _ := json.Marshal(modalMeta{Channel: channel})
	return string(b)
}

// openNewModal opens the new-interest form.
func (a *Adapter) openNewModal(ctx context.Context, trigger string, u *crm.User, channel string) error {
	t := func(key string) string { return a.t(u.Lang, key) }
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackNew,
		Title:           plain(t("slack.new_title")),
		Submit:          plain(t("btn.save")),
		Close:           plain(t("btn.cancel")),
		PrivateMetadata: metaJSON(channel),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			textInput(fContact, t("slack.f_contact"), "", "", false, false),
			textInput(fCompany, t("slack.f_company"), "", "", false, false),
			textInput(fPosition, t("slack.f_position"), "", "", false, true),
			textInput(fEmail, t("slack.f_email"), "", "", false, true),
			textInput(fPhone, t("slack.f_phone"), "", "", false, true),
			textInput(fNeed, t("slack.f_need"), "", "", true, true),
			textInput(fValue, t("slack.f_value"), t("slack.f_value_hint"), "", false, true),
			textInput(fNextWhat, t("slack.f_next_what"), t("slack.f_next_what_hint"), "", false, true),
			textInput(fNextWhen, t("slack.f_next_when"), t("slack.when_hint"), "", false, true),
		}},
	}
	_, err := a.api.OpenViewContext(ctx, trigger, v)
	return err
}

// logPrefill is what the log modal starts with.
type logPrefill struct {
	InterestID uint64
	Text       string
	Channel    string
}

// openLogModal opens the form for logging an interaction: the person's open
// interests to choose from (a number to type when they have none or too many), the
// kind, what happened, and an optional next step.
func (a *Adapter) openLogModal(ctx context.Context, trigger string, u *crm.User, p logPrefill) error {
	t := func(key string) string { return a.t(u.Lang, key) }
	mine, err := a.svc.My(ctx, u)
	if err != nil {
		return err
	}
	var interest slack.Block
	if len(mine) > 0 && len(mine) <= 100 {
		var opts []*slack.OptionBlockObject
		var initial *slack.OptionBlockObject
		for _, sm := range mine {
			id := strconv.FormatUint(sm.Interest.ID, 10)
			label := "#" + id + " " + sm.Company
			if sm.Contact != "" {
				label += " — " + sm.Contact
			}
			o := slack.NewOptionBlockObject(id, plain(clip(label, 75)), nil)
			opts = append(opts, o)
			if sm.Interest.ID == p.InterestID {
				initial = o
			}
		}
		if p.InterestID == 0 || initial != nil {
			sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(t("slack.choose")), actionV, opts...)
			sel.InitialOption = initial
			interest = slack.NewInputBlock(fInterest, plain(t("slack.f_interest")), nil, sel)
		}
	}
	if interest == nil {
		initial := ""
		if p.InterestID != 0 {
			initial = strconv.FormatUint(p.InterestID, 10)
		}
		interest = textInput(fInterest, t("slack.f_interest_number"), t("slack.f_interest_hint"), initial, false, false)
	}
	var kinds []*slack.OptionBlockObject
	for _, k := range crm.InteractionKinds {
		kinds = append(kinds, slack.NewOptionBlockObject(string(k), plain(t("kind."+string(k))), nil))
	}
	kindSel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(t("slack.f_kind")), actionV, kinds...)
	kindSel.InitialOption = kinds[0]
	v := slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbackLog,
		Title:           plain(t("slack.log_title")),
		Submit:          plain(t("btn.save")),
		Close:           plain(t("btn.cancel")),
		PrivateMetadata: metaJSON(p.Channel),
		Blocks: slack.Blocks{BlockSet: []slack.Block{
			interest,
			slack.NewInputBlock(fKind, plain(t("slack.f_what_was_it")), nil, kindSel),
			textInput(fText, t("slack.f_text"), "", clip(p.Text, 3000), true, false),
			textInput(fNextWhat, t("slack.f_next_what"), t("slack.f_next_what_hint"), "", false, true),
			textInput(fNextWhen, t("slack.f_next_when"), t("slack.when_hint"), "", false, true),
		}},
	}
	_, err = a.api.OpenViewContext(ctx, trigger, v)
	return err
}

// form reads a submitted view's values.
type form struct {
	v map[string]map[string]slack.BlockAction
}

func newForm(cb *slack.InteractionCallback) form {
	if cb.View.State == nil {
		return form{}
	}
	return form{cb.View.State.Values}
}

func (f form) text(block string) string {
	return strings.TrimSpace(f.v[block][actionV].Value)
}

// choice is a select's value, or the text typed in a text input of that block.
func (f form) choice(block string) string {
	ba := f.v[block][actionV]
	if ba.SelectedOption.Value != "" {
		return ba.SelectedOption.Value
	}
	return strings.TrimSpace(ba.Value)
}

// fieldErrs collects a submission's field errors, worded from the engine's catalog.
type fieldErrs struct {
	a    *Adapter
	lang string
	m    map[string]string
}

// addErr shows a crm error on a field, its code arguments (a stage, a segment)
// worded in the user's language as the chat replies word them.
func (e *fieldErrs) addErr(block string, ce *crm.Error) {
	args := ce.Args
	if c, ok := e.a.engine.(catalogued); ok && c.Catalog() != nil {
		lang := e.lang
		if lang == "" {
			lang = bot.DefaultLang
			if d, ok := e.a.engine.(interface{ DefaultLanguage() string }); ok {
				lang = d.DefaultLanguage() // as a.t does
			}
		}
		args = c.Catalog().ErrorArgs(lang, ce)
	}
	e.add(block, ce.Key, args...)
}

func (e *fieldErrs) add(block, key string, args ...any) {
	if _, ok := e.m[block]; !ok {
		e.m[block] = e.a.t(e.lang, key, args...)
	}
}

func (e *fieldErrs) response() *slack.ViewSubmissionResponse {
	if len(e.m) == 0 {
		return nil
	}
	return slack.NewErrorsViewSubmissionResponse(e.m)
}

// t words a catalog key in lang; the key itself when the engine has no catalog.
func (a *Adapter) t(lang, key string, args ...any) string {
	if c, ok := a.engine.(catalogued); ok && c.Catalog() != nil {
		if lang == "" {
			lang = bot.DefaultLang
			if d, ok := a.engine.(interface{ DefaultLanguage() string }); ok {
				lang = d.DefaultLanguage() // CRMBOT_LANG
			}
		}
		return c.Catalog().T(lang, key, args...)
	}
	return key
}

// next reads the optional next step of a form: what and when. when is read by
// bot.ParseWhen in the user's time zone; a date it cannot read, or one in the past,
// is an error on that field.
func (a *Adapter) next(f form, u *crm.User, errs *fieldErrs) *crm.NextAction {
	what, when := f.text(fNextWhat), f.text(fNextWhen)
	if when == "" {
		if what != "" {
			errs.add(fNextWhen, "slack.when_required")
		}
		return nil
	}
	now := a.svc.Clock()
	due, rest, err := bot.ParseWhen(when, now, u.Location())
	if err != nil {
		// The grammar's message names the part it could not read.
		var de *bot.DateError
		if errors.As(err, &de) {
			ce := de.Crm()
			errs.add(fNextWhen, ce.Key, ce.Args...)
		} else {
			errs.add(fNextWhen, "err.bad_date", when)
		}
		return nil
	}
	if !due.After(now) {
		errs.add(fNextWhen, "err.due_in_past")
		return nil
	}
	if what == "" {
		what = rest
	}
	return &crm.NextAction{What: what, Due: due}
}

// member authenticates a form's submitter. A form is opened only for members, so a
// failure here (removed meanwhile) is shown on the given field.
func (a *Adapter) member(ctx context.Context, team string, cb *slack.InteractionCallback, errs *fieldErrs, field string) *crm.User {
	id := identity(team, cb.User.ID)
	u, err := a.svc.Authenticate(ctx, id)
	if err != nil {
		if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
			errs.add(field, "err.unknown_identity", string(id))
		} else {
			errs.add(field, "err.internal")
		}
		return nil
	}
	errs.lang = u.Lang
	return u
}

// crmFieldError puts a crm error from the service on the field it is about.
func (a *Adapter) crmFieldError(err error, errs *fieldErrs, fields map[string]string, fallback string) {
	ce := crm.AsError(err)
	if ce == nil || ce.Code == crm.EINTERNAL {
		a.log.Error("slack: form not saved", "err", logErr(err))
		errs.add(fallback, "err.internal")
		return
	}
	field := fields[ce.Key]
	if field == "" {
		field = fallback
	}
	errs.addErr(field, ce)
}

// submitNew validates and saves the new-interest form. Errors are shown on their
// fields and keep the modal open; a saved interest closes it, and the card follows
// in the DM with the bot.
func (a *Adapter) submitNew(ctx context.Context, team string, cb *slack.InteractionCallback) *slack.ViewSubmissionResponse {
	f := newForm(cb)
	errs := &fieldErrs{a: a, m: map[string]string{}}
	u := a.member(ctx, team, cb, errs, fContact)
	if u == nil {
		return errs.response()
	}
	n := crm.NewInterest{
		ContactName: f.text(fContact),
		CompanyName: f.text(fCompany),
		Position:    f.text(fPosition),
		Email:       f.text(fEmail),
		Phone:       f.text(fPhone),
		Need:        f.text(fNeed),
	}
	if n.ContactName == "" {
		errs.add(fContact, "err.name_required")
	}
	if n.CompanyName == "" {
		errs.add(fCompany, "err.company_required")
	}
	// The value is read as /new reads it: "12 000,00" is 12000, and "30,5" is
	// refused on the field rather than stored as 305.
	if v := f.text(fValue); v != "" {
		val, cur, ok := bot.ParseAmount(v)
		if !ok {
			errs.add(fValue, "slack.form_bad_value")
		}
		n.Value, n.Currency = val, cur
	}
	n.Next = a.next(f, u, errs)
	if r := errs.response(); r != nil {
		return r
	}
	op := crm.Op{Actor: u, Key: "slack:view:" + cb.View.ID}
	created, err := a.svc.CreateInterest(ctx, op, n)
	if err != nil {
		// A phone or email that belongs to someone else is shown on that field; the
		// form cannot ask "link or new", the chat's /new can.
		dupField := fPhone
		if dup := (*crm.DuplicateError)(nil); errors.As(err, &dup) && dup.Match.By == "email" {
			dupField = fEmail
		}
		a.crmFieldError(err, errs, map[string]string{
			"err.name_required": fContact, "err.company_required": fCompany,
			"err.bad_email": fEmail, "err.bad_phone": fPhone, "err.bad_value": fValue,
			"err.bad_date": fNextWhen, "err.due_in_past": fNextWhen,
			"err.duplicate_contact": dupField,
		}, fCompany)
		return errs.response()
	}
	a.showAfterForm(team, cb, created.Interest.ID)
	return nil
}

// submitLog validates and records the log form.
func (a *Adapter) submitLog(ctx context.Context, team string, cb *slack.InteractionCallback) *slack.ViewSubmissionResponse {
	f := newForm(cb)
	errs := &fieldErrs{a: a, m: map[string]string{}}
	u := a.member(ctx, team, cb, errs, fText)
	if u == nil {
		return errs.response()
	}
	raw := strings.TrimPrefix(f.choice(fInterest), "#")
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == 0 {
		errs.add(fInterest, "err.interest_not_found", raw)
	}
	kind := crm.InteractionKind(f.choice(fKind))
	if kind == "" {
		kind = crm.InteractionCall
	}
	text := f.text(fText)
	if text == "" {
		errs.add(fText, "err.empty_text")
	}
	next := a.next(f, u, errs)
	if r := errs.response(); r != nil {
		return r
	}
	op := crm.Op{Actor: u, Key: "slack:view:" + cb.View.ID}
	if _, err := a.svc.LogInteraction(ctx, op, id, kind, text, next); err != nil {
		if ce := crm.AsError(err); ce != nil && (ce.Code == crm.ENOTFOUND || ce.Code == crm.EFORBIDDEN || ce.Code == crm.ECONFLICT) && !strings.Contains(ce.Key, "date") && !strings.Contains(ce.Key, "past") {
			errs.addErr(fInterest, ce)
			return errs.response()
		}
		a.crmFieldError(err, errs, map[string]string{
			"err.empty_text": fText, "err.bad_interaction_kind": fKind,
			"err.bad_date": fNextWhen, "err.due_in_past": fNextWhen,
		}, fText)
		return errs.response()
	}
	a.showAfterForm(team, cb, id)
	return nil
}

// formChannel is the conversation a submitted form was opened from, as its
// private_metadata recorded it: "" for the App Home, a global shortcut, or a
// metadata that cannot be read.
func formChannel(cb *slack.InteractionCallback) string {
	var m modalMeta
	if json.Unmarshal([]byte(cb.View.PrivateMetadata), &m) != nil {
		return ""
	}
	return m.Channel
}

// showAfterForm sends the saved interest's card (the engine's /show, with its
// buttons) to the person alone where they opened the form: ephemerally in the
// channel it was opened from, or in their DM with the bot when it was opened from
// that DM, the App Home or a shortcut (a DM between people is not the bot's to
// post in). The App Home is refreshed after.
func (a *Adapter) showAfterForm(team string, cb *slack.InteractionCallback, id uint64) {
	rt := route{team: team, user: cb.User.ID}
	if ch := formChannel(cb); ch != "" && !isIM(ch) {
		// Whispered, with no share button: a card is one person's. If the bot cannot
		// post there (not in the channel), the DM takes it.
		rt.channel, rt.whisper, rt.dmFallback = ch, true, true
	}
	uid := identity(team, cb.User.ID)
	req := bot.Request{
		Identity: uid,
		Text:     "/show " + strconv.FormatUint(id, 10),
		Key:      "slack:view:" + cb.View.ID,
		Chat:     chatKind(rt),
	}
	if rt.group() {
		// The engine runs the command for the person alone and marks its replies
		// Private.
		req.ChatID, req.Ephemeral = identity(team, rt.channel), true
	}
	var after func(context.Context, bool)
	if rt.group() {
		// ask refreshes the App Home only after a private request.
		after = func(ctx context.Context, _ bool) { a.refreshHome(ctx, uid, false) }
	}
	if !a.ask(req, rt, nil, after) {
		a.log.Warn("slack: queue full; confirmation not sent", "user", cb.User.ID)
	}
}
