package slack

import (
	"context"
	"strings"

	"crmbot/bot"
	"crmbot/crm"
)

// ask queues an engine request behind the earlier ones of the same person. prepare,
// when set, runs first in the worker (it may call the Web API, which the 3-second
// answer cannot wait for). after runs once the replies are delivered. It returns
// false when the queue is full or stopped; nothing was queued then.
func (a *Adapter) ask(req bot.Request, rt route, prepare func(context.Context, *bot.Request), after func(context.Context)) bool {
	return a.disp.add(string(req.Identity), func(ctx context.Context) {
		if after != nil {
			defer after(ctx)
		}
		if ctx.Err() != nil {
			return
		}
		a.runRequest(ctx, req, rt, prepare)
		if !rt.group() {
			// The App Home shows the follow-ups this request may have changed.
			a.refreshHome(ctx, req.Identity, false)
		}
	})
}

// runRequest hands one request to the engine and delivers its replies. It reports
// whether that ran to the end (false when shutdown interrupted it).
func (a *Adapter) runRequest(ctx context.Context, req bot.Request, rt route, prepare func(context.Context, *bot.Request)) bool {
	if prepare != nil {
		prepare(ctx, &req)
	}
	a.fillName(ctx, &req)
	replies := a.engine.Handle(ctx, req)
	return a.deliver(ctx, rt, replies)
}

// fillName looks up a stranger's Slack name and locale (users.info, scope users:read):
// the engine needs them only for someone not on the team (the refusal in their
// language, an invite redeemed, or an admin's first contact from CRMBOT_ADMINS).
func (a *Adapter) fillName(ctx context.Context, req *bot.Request) {
	if req.Name != "" && req.Lang != "" {
		return
	}
	if _, err := a.svc.Authenticate(ctx, req.Identity); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
		return
	}
	if _, uid, ok := parseIdentity(req.Identity); ok {
		name, locale := a.slackUser(ctx, uid, uid)
		if req.Name == "" {
			req.Name = name
		}
		if req.Lang == "" {
			req.Lang = locale // "hr-HR"; "" when Slack does not say
		}
	}
}

// deliver sends the engine's replies to one request, in order:
//   - with a response_url (a slash command, a button in a message): ephemeral, or in
//     the channel when the request came from a channel and the reply is not private
//     (the engine keeps client data and other people's reports private), or
//     replacing the message whose button was pressed when the reply asks to;
//   - in the DM with the bot for direct messages, the App Home and modals;
//   - for a mention in a channel: in the channel, or ephemerally when private.
//
// It returns false when shutdown cut it short.
func (a *Adapter) deliver(ctx context.Context, rt route, replies []bot.Reply) bool {
	for _, r := range replies {
		if strings.TrimSpace(r.Text) == "" && len(r.Buttons) == 0 && r.Image == nil {
			continue
		}
		var err error
		switch {
		case r.Image != nil:
			// A picture cannot go through a response_url or be ephemeral: it is shared
			// in the channel when it is for the channel, and in the DM otherwise.
			ch := rt.channel
			if r.Private || !rt.group() || ch == "" {
				ch, err = a.openIM(ctx, rt.user)
			}
			if err == nil {
				err = a.upload(ctx, ch, r)
			}
		case rt.responseURL != "":
			inChannel := rt.group() && !r.Private
			// Never put a private reply in place of a message the channel can see.
			replace := r.Replace && rt.fromMessage && (!r.Private || !rt.group() || rt.ephemeral)
			err = a.respond(ctx, rt.responseURL, paceKey(rt), r, inChannel, replace)
		case rt.im:
			err = a.post(ctx, rt.channel, r)
		case rt.group():
			if r.Private {
				err = a.postEphemeral(ctx, rt.channel, rt.user, r)
			} else {
				err = a.post(ctx, rt.channel, r)
			}
		default:
			var ch string
			if ch, err = a.openIM(ctx, rt.user); err == nil {
				err = a.post(ctx, ch, r)
			}
		}
		if err != nil {
			a.log.Warn("slack: reply not delivered", "channel", rt.channel, "user", rt.user, "err", err)
			if ctx.Err() != nil {
				return false
			}
		}
	}
	return true
}

// paceKey is the rate-limiter key of a response_url answer: its channel, or the
// user's DM when there is none.
func paceKey(rt route) string {
	if rt.channel != "" {
		return rt.channel
	}
	return "user:" + rt.user
}
