package slack

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/slack-go/slack"

	"crmbot/bot"
	"crmbot/crm"
)

// Block ids of the modals' input blocks are the engine's field names, so a field
// error from the engine names its block. Every input's action_id is "v".
const (
	fContact  = bot.FieldContact
	fCompany  = bot.FieldCompany
	fPosition = bot.FieldPosition
	fEmail    = bot.FieldEmail
	fPhone    = bot.FieldPhone
	fNeed     = bot.FieldNeed
	fValue    = bot.FieldValue
	fNextWhat = bot.FieldNextWhat
	fNextWhen = bot.FieldNextWhen
	fInterest = bot.FieldInterest
	fKind     = bot.FieldKind
	fText     = bot.FieldText
	actionV   = "v"
)

// modalMeta is the private_metadata of a modal: where it was opened from.
type modalMeta struct {
	Channel string `json:"c,omitempty"`
}

func plain(s string) *slack.TextBlockObject {
	return slack.NewTextBlockObject(slack.PlainTextType, s, false, false)
}

func metaJSON(channel string) string {
	b, _ := json.Marshal(modalMeta{Channel: channel})
	return string(b)
}

// errNoForm is openForm's answer when the engine gave no form to draw (a
// stranger, a failure): the caller asks the engine in the chat instead, which
// answers with its refusal or the step-by-step dialogue.
var errNoForm = errors.New("slack: the engine gave no form")

// openForm asks the engine for the form f names, prefilled from f and worded in
// the person's language, and opens it as a modal with trigger. Someone not yet on
// the team gets no form: the chat answers them (with a refusal, or, for an admin
// from CRMBOT_ADMINS, with their Slack name looked up first).
func (a *Adapter) openForm(ctx context.Context, trigger string, id crm.Identity, f bot.Form, channel string) error {
	if p, err := a.engine.Who(ctx, id); err != nil || !p.Known {
		return errNoForm
	}
	var fv *bot.FormView
	for _, r := range a.engine.Handle(ctx, bot.Request{Identity: id, View: bot.ViewForm, Form: &f, Chat: bot.ChatPrivate}) {
		if r.FormView != nil {
			fv = r.FormView
		}
	}
	if fv == nil {
		return errNoForm
	}
	_, err := a.api.OpenViewContext(ctx, trigger, modal(fv, channel))
	return err
}

// callbacks maps the engine's forms to the modals' callback ids, and back.
var callbacks = map[string]string{bot.FormNew: callbackNew, bot.FormLog: callbackLog}

// modal draws a form: a text input per field, a static select for a choice, each
// block named by the field (so a field error finds its block) and every input's
// action_id "v".
func modal(fv *bot.FormView, channel string) slack.ModalViewRequest {
	var bs []slack.Block
	for _, f := range fv.Fields {
		var hint *slack.TextBlockObject
		if f.Hint != "" {
			hint = plain(f.Hint)
		}
		var el slack.BlockElement
		if len(f.Options) > 0 {
			var opts []*slack.OptionBlockObject
			var initial *slack.OptionBlockObject
			for _, o := range f.Options {
				ob := slack.NewOptionBlockObject(o.Value, plain(clip(o.Label, 75)), nil)
				opts = append(opts, ob)
				if o.Value == f.Initial {
					initial = ob
				}
			}
			sel := slack.NewOptionsSelectBlockElement(slack.OptTypeStatic, plain(f.Prompt), actionV, opts...)
			sel.InitialOption = initial
			el = sel
		} else {
			in := slack.NewPlainTextInputBlockElement(nil, actionV)
			in.Multiline = f.Multiline
			in.InitialValue = clip(f.Initial, 3000)
			el = in
		}
		ib := slack.NewInputBlock(f.Name, plain(f.Label), hint, el)
		ib.Optional = f.Optional
		bs = append(bs, ib)
	}
	return slack.ModalViewRequest{
		Type:            slack.VTModal,
		CallbackID:      callbacks[fv.Name],
		Title:           plain(clip(fv.Title, 24)),
		Submit:          plain(clip(fv.Submit, 24)),
		Close:           plain(clip(fv.Cancel, 24)),
		PrivateMetadata: metaJSON(channel),
		Blocks:          slack.Blocks{BlockSet: bs},
	}
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

// t words a catalog key in lang (the default language when ""), for the
// adapter's own messages.
func (a *Adapter) t(lang, key string, args ...any) string {
	c := a.engine.Catalog()
	if c == nil {
		return key
	}
	if lang == "" {
		lang = bot.DefaultLang
		if d, ok := a.engine.(interface{ DefaultLanguage() string }); ok {
			lang = d.DefaultLanguage() // CRMBOT_LANG
		}
	}
	return c.T(lang, key, args...)
}

// submitted is the engine's form of a submitted modal.
func submitted(cb *slack.InteractionCallback) bot.Form {
	f := newForm(cb)
	switch cb.View.CallbackID {
	case callbackNew:
		return bot.Form{Name: bot.FormNew,
			Contact: f.text(fContact), Company: f.text(fCompany), Position: f.text(fPosition),
			Email: f.text(fEmail), Phone: f.text(fPhone), Need: f.text(fNeed), Value: f.text(fValue),
			NextWhat: f.text(fNextWhat), NextWhen: f.text(fNextWhen)}
	default:
		return bot.Form{Name: bot.FormLog,
			Interest: f.choice(fInterest), Kind: f.choice(fKind), Text: f.text(fText),
			NextWhat: f.text(fNextWhat), NextWhen: f.text(fNextWhen)}
	}
}

// submit hands a submitted modal to the engine, which validates and saves it as
// /new or /log would. Its field errors keep the modal open, shown on their fields;
// a refusal that names no field (a stranger, a failure) is shown on fallback. A
// saved form closes the modal, and the engine's answer (the interest's card) follows
// to the person alone where they opened the form.
func (a *Adapter) submit(ctx context.Context, team string, cb *slack.InteractionCallback, fallback string) *slack.ViewSubmissionResponse {
	f := submitted(cb)
	rt := formRoute(team, cb)
	req := bot.Request{Identity: identity(team, cb.User.ID), Form: &f, Key: "slack:view:" + cb.View.ID, Chat: chatKind(rt)}
	if rt.group() {
		// The engine answers for the person alone, whatever channel the form was
		// opened from.
		req.ChatID, req.Ephemeral = identity(team, rt.channel), true
	}
	replies := a.engine.Handle(ctx, req)
	errs := map[string]string{}
	for _, r := range replies {
		for field, msg := range r.FieldErrors {
			errs[field] = msg
		}
		if r.Error && len(r.FieldErrors) == 0 {
			errs[fallback] = r.Text
		}
	}
	if len(errs) > 0 {
		return slack.NewErrorsViewSubmissionResponse(errs)
	}
	a.showAfterForm(rt, req.Identity, replies)
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

// formRoute is where the answer to a submitted form goes: to the person alone,
// ephemerally in the channel the form was opened from, or in their DM with the bot
// when it was opened from that DM, the App Home or a shortcut (a DM between people
// is not the bot's to post in). Whispered, with no share button: a card is one
// person's; if the bot cannot post in the channel (not in it), the DM takes it.
func formRoute(team string, cb *slack.InteractionCallback) route {
	rt := route{team: team, user: cb.User.ID}
	if ch := formChannel(cb); ch != "" && !isIM(ch) {
		rt.channel, rt.whisper, rt.dmFallback = ch, true, true
	}
	return rt
}

// showAfterForm delivers the engine's answer to a saved form on rt, behind the
// person's earlier requests, and refreshes their App Home after.
func (a *Adapter) showAfterForm(rt route, id crm.Identity, replies []bot.Reply) {
	ok := a.disp.add(string(id), func(ctx context.Context) {
		if ctx.Err() != nil {
			return
		}
		a.deliver(ctx, rt, replies)
		a.refreshHome(ctx, id, false)
	})
	if !ok {
		a.log.Warn("slack: queue full; confirmation not sent", "user", rt.user)
	}
}
