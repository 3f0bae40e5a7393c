package slack

import (
	"context"
	"time"

	"github.com/slack-go/slack"

	"crmbot/bot"
	"crmbot/crm"
)

// busyText answers a request the queue has no room for.
const busyText = "crmbot is busy right now; please try again in a minute."

// command handles "/crm <text>" and returns the immediate answer (nil: an empty
// 200, the replies follow through response_url). "/crm new" and "/crm log" without
// arguments open a modal at once: the trigger_id lives three seconds and works once.
// Everything else goes to the engine as "/<text>".
func (a *Adapter) command(ctx context.Context, sc slack.SlashCommand) *slack.Msg {
	if sc.TeamID == "" || sc.UserID == "" {
		return nil
	}
	id := identity(sc.TeamID, sc.UserID)
	text := commandText(sc.Text)
	if (text == "/new" || text == "/log") && sc.TriggerID != "" {
		if u, err := a.svc.Authenticate(ctx, id); err == nil {
			mctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
			defer cancel()
			var err error
			if text == "/new" {
				err = a.openNewModal(mctx, sc.TriggerID, u, sc.ChannelID)
			} else {
				err = a.openLogModal(mctx, sc.TriggerID, u, logPrefill{Channel: sc.ChannelID})
			}
			if err == nil {
				return nil
			}
			a.log.Warn("slack: views.open failed; falling back to the chat dialogue", "err", err)
		}
		// A stranger gets the engine's refusal; an admin on first contact, or a
		// failed views.open, the step-by-step dialogue.
	}
	rt := route{team: sc.TeamID, user: sc.UserID, channel: sc.ChannelID, im: isIM(sc.ChannelID), responseURL: sc.ResponseURL}
	req := bot.Request{
		Identity: id,
		Chat:     chatKind(rt),
		ChatID:   identity(sc.TeamID, sc.ChannelID),
	}
	if sc.TriggerID != "" {
		req.Key = "slack:cmd:" + sc.TriggerID
	}
	raw := sc.Text
	prepare := func(ctx context.Context, r *bot.Request) {
		if mentionRE.MatchString(raw) {
			raw = a.resolveMentions(ctx, sc.TeamID, raw)
		}
		r.Text = commandText(plainText(raw))
		if _, err := a.svc.Authenticate(ctx, id); crm.ErrorCode(err) == crm.EUNAUTHORIZED {
			// A slash command's answer is ephemeral: a stranger's refusal is seen by
			// them alone, so the engine may give it even in a channel (where it stays
			// silent to strangers' chatter).
			r.Chat = bot.ChatPrivate
		}
	}
	if !a.ask(req, rt, prepare, nil) {
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: busyText}
	}
	return nil
}
