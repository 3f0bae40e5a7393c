package slack

import (
	"context"
	"strconv"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"crmbot/bot"
)

// Callback and action ids the adapter owns (manifest.yaml names the shortcuts).
const (
	shortcutLog   = "log_to_crm"   // message shortcut "Log to CRM"
	shortcutNew   = "new_interest" // global shortcut "New interest"
	callbackNew   = "crm_new"      // the new-interest modal
	callbackLog   = "crm_log"      // the log-a-call modal
	actionOpenNew = "crm_open_new" // App Home button: open the new-interest modal
	actionOpenLog = "crm_open_log" // App Home button: open the log modal (value: interest id or "")
	actionShare   = "crm_share"    // "Share in channel" (value: the command to run for the room)
)

// interact handles an interaction payload and returns the immediate answer: nil
// for an empty 200, or a view_submission's response_action.
func (a *Adapter) interact(ctx context.Context, cb *slack.InteractionCallback) *slack.ViewSubmissionResponse {
	team := cb.Team.ID
	if team == "" {
		team = cb.User.TeamID // org-wide installs send team null
	}
	if team == "" || cb.User.ID == "" {
		return nil
	}
	switch cb.Type {
	case slack.InteractionTypeBlockActions:
		a.blockActions(ctx, team, cb)
	case slack.InteractionTypeMessageAction:
		if cb.CallbackID == shortcutLog {
			ch := cb.Channel.ID
			a.openModalOrAsk(ctx, team, cb, "/log", func(mctx context.Context) error {
				return a.openForm(mctx, cb.TriggerID, identity(team, cb.User.ID), bot.Form{Name: bot.FormLog, Text: plainText(cb.Message.Text)}, ch)
			})
		}
	case slack.InteractionTypeShortcut:
		if cb.CallbackID == shortcutNew {
			a.openModalOrAsk(ctx, team, cb, "/new", func(mctx context.Context) error {
				return a.openForm(mctx, cb.TriggerID, identity(team, cb.User.ID), bot.Form{Name: bot.FormNew}, "")
			})
		}
	case slack.InteractionTypeViewSubmission:
		switch cb.View.CallbackID {
		case callbackNew:
			return a.submit(ctx, team, cb, fContact)
		case callbackLog:
			return a.submit(ctx, team, cb, fText)
		}
	}
	return nil
}

// openModalOrAsk opens a modal right away (the trigger_id lives three seconds); when
// that cannot be done (a stranger, a failed views.open) the engine gets text instead,
// which refuses a stranger or starts the step-by-step dialogue.
func (a *Adapter) openModalOrAsk(ctx context.Context, team string, cb *slack.InteractionCallback, text string, open func(context.Context) error) {
	mctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
	defer cancel()
	err := open(mctx)
	if err == nil {
		return
	}
	a.log.Info("slack: modal not opened; asking the engine", "err", logErr(err))
	rt := a.interactionRoute(team, cb)
	req := bot.Request{Identity: identity(team, cb.User.ID), Text: text, Chat: bot.ChatPrivate, ChatID: identity(team, rt.channel)}
	if cb.TriggerID != "" {
		req.Key = "slack:sc:" + cb.TriggerID
	}
	// The answer goes to the person alone, whatever channel the shortcut was used in.
	rt.channel, rt.im = "", false
	a.ask(req, rt, nil, nil)
}

func (a *Adapter) interactionRoute(team string, cb *slack.InteractionCallback) route {
	ch := cb.Container.ChannelID
	if ch == "" {
		ch = cb.Channel.ID
	}
	rt := route{
		team: team, user: cb.User.ID, channel: ch, im: isIM(ch),
		responseURL: cb.ResponseURL,
		fromMessage: cb.Container.Type == "message" && cb.ResponseURL != "",
		ephemeral:   cb.Container.IsEphemeral,
	}
	// A button pressed in a channel answers its presser alone.
	rt.whisper = rt.group()
	return rt
}

// blockActions handles button clicks: the adapter's own (open a modal) at once, the
// engine's (Button.Action in the value) through the queue, in order per person.
func (a *Adapter) blockActions(ctx context.Context, team string, cb *slack.InteractionCallback) {
	rt := a.interactionRoute(team, cb)
	if cb.Container.Type == "view" {
		rt.channel, rt.im = "", false // the App Home: answer in the DM
	}
	id := identity(team, cb.User.ID)
	for i, act := range cb.ActionCallback.BlockActions {
		switch act.ActionID {
		case actionOpenNew:
			a.openModalOrAsk(ctx, team, cb, "/new", func(mctx context.Context) error {
				return a.openForm(mctx, cb.TriggerID, id, bot.Form{Name: bot.FormNew}, "")
			})
			continue
		case actionOpenLog:
			a.openModalOrAsk(ctx, team, cb, strings.TrimSpace("/log "+act.Value), func(mctx context.Context) error {
				return a.openForm(mctx, cb.TriggerID, id, bot.Form{Name: bot.FormLog, Interest: act.Value}, "")
			})
			continue
		case actionShare:
			a.share(team, cb, act.Value, i)
			continue
		}
		if act.Value == "" {
			continue
		}
		req := bot.Request{Identity: id, Action: act.Value, Chat: chatKind(rt), ChatID: identity(team, rt.channel), Ephemeral: rt.whisper}
		if cb.TriggerID != "" {
			req.Key = "slack:act:" + cb.TriggerID
			if i > 0 {
				req.Key += ":" + strconv.Itoa(i)
			}
		}
		if !a.ask(req, rt, nil, nil) {
			a.log.Warn("slack: queue full; button press dropped", "user", cb.User.ID)
		}
	}
}

// share runs the command of a "Share in channel" button again as if it had been
// asked in the channel for everyone (the engine's rules for a group decide what
// may be shown there) and posts its answer in the channel through the button's
// response_url; anything private still goes to the presser alone.
func (a *Adapter) share(team string, cb *slack.InteractionCallback, text string, i int) {
	rt := a.interactionRoute(team, cb)
	if !rt.group() || cb.ResponseURL == "" || commandName(text) == "" {
		return
	}
	if !bot.ForGroup(plainText(text)) {
		// A button forged, or left from an older version, for a command whose
		// answer is one person's: nothing is run or posted for the room.
		rt.share = ""
		if !a.tell(rt, "slack.share_private") {
			a.log.Warn("slack: queue full; share refusal dropped", "user", cb.User.ID)
		}
		return
	}
	rt.whisper, rt.fromMessage = false, false
	req := bot.Request{Identity: identity(team, cb.User.ID), Chat: bot.ChatGroup, ChatID: identity(team, rt.channel)}
	if cb.TriggerID != "" {
		req.Key = "slack:share:" + cb.TriggerID + ":" + strconv.Itoa(i)
	}
	prepare := func(ctx context.Context, r *bot.Request) {
		raw := text
		if mentionRE.MatchString(raw) {
			raw = a.resolveMentions(ctx, team, raw)
		}
		r.Text = commandText(plainText(raw))
	}
	// Once shared, the copy only its author saw (with its button) goes away, so
	// it is not shared twice.
	url := cb.ResponseURL
	after := func(ctx context.Context, delivered bool) {
		if !delivered || !cb.Container.IsEphemeral {
			return
		}
		err := a.send.do(ctx, rt.channel, func(ctx context.Context) error {
			_, _, err := a.api.PostMessageContext(ctx, rt.channel, slack.MsgOptionDeleteOriginal(url))
			return err
		})
		if err != nil {
			a.log.Warn("slack: shared answer not removed", "err", logErr(err))
		}
	}
	if !a.ask(req, rt, prepare, after) {
		a.log.Warn("slack: queue full; share dropped", "user", cb.User.ID)
	}
}
