package slack

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/slack-go/slack"

	"crmbot/bot"
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
	// A double tap or a proxy's retry brings the same trigger_id again: it is
	// answered once. The mark is durable, like an event_id's, and released when
	// the answers have gone out. A stranger's is kept in memory only: someone
	// not on the team leaves nothing in the database.
	var done func(ctx context.Context, answered bool)
	if sc.TriggerID != "" {
		key := "cmd:" + sc.TriggerID
		p, err := a.engine.Who(ctx, id)
		durable := err != nil || p.Known
		seq, first, err := a.claim(ctx, key, sc.TriggerID, durable)
		if err != nil {
			a.log.Error("slack: cannot record command", "err", logErr(err))
			return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: busyText}
		}
		if !first {
			return nil
		}
		done = func(ctx context.Context, answered bool) { a.settle(ctx, key, seq, durable && answered) }
	}
	if (text == "/new" || text == "/log") && sc.TriggerID != "" {
		mctx, cancel := context.WithTimeout(ctx, 2500*time.Millisecond)
		defer cancel()
		err := a.openForm(mctx, sc.TriggerID, id, bot.Form{Name: strings.TrimPrefix(text, "/")}, sc.ChannelID)
		if err == nil {
			done(ctx, true)
			return nil
		}
		if !errors.Is(err, errNoForm) {
			a.log.Warn("slack: views.open failed; falling back to the chat dialogue", "err", logErr(err))
		}
		// A stranger gets the engine's refusal; a failed views.open, the
		// step-by-step dialogue.
	}
	// In a channel the answers go to the person alone (response_type ephemeral),
	// except the reports meant for the room; the engine runs every command there,
	// for members and strangers alike, whatever it has answered before.
	rt := channelRoute(sc.TeamID, sc.UserID, sc.ChannelID, text)
	rt.responseURL = sc.ResponseURL
	req := bot.Request{
		Identity:  id,
		Chat:      chatKind(rt),
		ChatID:    identity(sc.TeamID, sc.ChannelID),
		Ephemeral: rt.group(),
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
	}
	if !a.ask(req, rt, prepare, done) {
		if done != nil {
			a.release("cmd:" + sc.TriggerID) // not taken: a retry may try again
		}
		return &slack.Msg{ResponseType: slack.ResponseTypeEphemeral, Text: busyText}
	}
	return nil
}
