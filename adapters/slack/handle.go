package slack

import (
	"context"
	"errors"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"crmbot/bot"
)

// ask queues an engine request behind the earlier ones of the same person. prepare,
// when set, runs first in the worker (it may call the Web API, which the 3-second
// answer cannot wait for). after runs once the job ends, told whether the replies
// were delivered (false when shutdown came first). It returns false when the queue
// is full or stopped; nothing was queued then.
func (a *Adapter) ask(req bot.Request, rt route, prepare func(context.Context, *bot.Request), after func(ctx context.Context, delivered bool)) bool {
	return a.disp.add(string(req.Identity), func(ctx context.Context) {
		delivered := false
		if after != nil {
			defer func() { after(ctx, delivered) }()
		}
		if ctx.Err() != nil {
			return
		}
		delivered = a.runRequest(ctx, req, rt, prepare)
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
	if p, err := a.engine.Who(ctx, req.Identity); err != nil || p.Known {
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
//     the channel when the request came from a channel and the reply is for the
//     room (a report the engine left unmarked), or replacing the message whose
//     button was pressed when the reply asks to;
//   - in the DM with the bot for direct messages, the App Home and modals;
//   - for a mention in a channel: ephemerally (chat.postEphemeral), or in the
//     channel when the reply is for the room.
//
// An answer the room could see but that was shown to the person alone carries a
// "Share in channel" button; a Private one (a client card, anything one person's)
// never does. It returns false when shutdown cut it short.
func (a *Adapter) deliver(ctx context.Context, rt route, replies []bot.Reply) bool {
	for _, r := range replies {
		if strings.TrimSpace(r.Text) == "" && len(r.Buttons) == 0 && r.Image == nil {
			continue
		}
		if r.Card == nil {
			r.Text = slackForms(r.Text, rt.bare)
		}
		// forRoom: everyone in the channel may see it, and it was asked for the room.
		forRoom := rt.group() && !r.Private && (!rt.whisper || rt.room)
		var extra []slack.Block
		if rt.group() && rt.whisper && !forRoom && !r.Private && rt.share != "" && r.Image == nil {
			extra = append(extra, a.shareBlock(ctx, rt))
		}
		var err error
		switch {
		case r.Image != nil:
			// A picture cannot go through a response_url or be ephemeral: it is shared
			// in the channel when it is for the channel, and in the DM otherwise.
			ch := rt.channel
			if !forRoom || ch == "" {
				ch, err = a.openIM(ctx, rt.user)
			}
			if err == nil {
				err = a.upload(ctx, ch, r)
			}
			var sent chartSentError
			if err != nil && ctx.Err() == nil && !errors.As(err, &sent) {
				// The person still gets the report, as text, and is told privately
				// why the picture is missing and what would fix it.
				a.log.Warn("slack: chart not uploaded; sending the report as text", "channel", ch, "user", rt.user, "err", logErr(err))
				key, args := a.chartTrouble(err)
				err = nil
				a.deliver(ctx, rt, []bot.Reply{withoutImage(r), {Text: a.t(a.langOf(ctx, rt.user, rt.team), key, args...), Private: true}})
			}
		case rt.responseURL != "":
			// Only a reply for the room may take the place of a message the channel
			// can see.
			replace := r.Replace && rt.fromMessage && (forRoom || !rt.group() || rt.ephemeral)
			err = a.respond(ctx, rt.responseURL, paceKey(rt), r, forRoom, replace, extra...)
		case rt.im:
			err = a.post(ctx, rt.channel, r)
		case rt.group():
			if forRoom {
				err = a.post(ctx, rt.channel, r)
			} else {
				err = a.postEphemeral(ctx, rt.channel, rt.user, r, extra...)
				if err != nil && rt.dmFallback && ctx.Err() == nil && errors.Is(unreachable(err), bot.ErrUnreachable) {
					a.log.Info("slack: cannot whisper in the channel; answering in the DM", "channel", rt.channel, "err", logErr(err))
					var ch string
					if ch, err = a.openIM(ctx, rt.user); err == nil {
						err = a.post(ctx, ch, r)
					}
				}
			}
		default:
			var ch string
			if ch, err = a.openIM(ctx, rt.user); err == nil {
				err = a.post(ctx, ch, r)
			}
		}
		if err != nil {
			a.log.Warn("slack: reply not delivered", "channel", rt.channel, "user", rt.user, "err", logErr(err))
			if ctx.Err() != nil {
				return false
			}
		}
	}
	return true
}

// withoutImage is r as text alone: the report the picture shows, with r's buttons.
func withoutImage(r bot.Reply) bot.Reply {
	if r.Image != nil && strings.TrimSpace(r.Image.Alt) != "" {
		r.Text = r.Image.Alt
	}
	r.Image = nil
	return r
}

// chartTrouble names, as a catalog key and its arguments, why a picture could not
// be shared and what would fix it.
func (a *Adapter) chartTrouble(err error) (string, []any) {
	var se slack.SlackErrorResponse
	if !errors.As(err, &se) {
		return "slack.chart_failed", nil
	}
	switch se.Err {
	case "missing_scope", "no_permission", "not_allowed_token_type":
		return "slack.chart_scope", nil
	case "not_in_channel", "channel_not_found":
		return "slack.chart_not_in_channel", nil
	}
	// Slack's error code is a fixed word (never a token or a message body), and
	// it is what an admin would search for.
	return "slack.chart_refused", []any{se.Err}
}

// langOf is the language of a Slack user: their own on the team, the default for
// a stranger (and "", the default too, when the engine cannot tell).
func (a *Adapter) langOf(ctx context.Context, user, team string) string {
	p, _ := a.engine.Who(ctx, identity(team, user))
	return p.Lang
}

// tell queues a message of the adapter's own (a catalog key) to the person of rt
// alone, in their language, behind their earlier requests. It returns false when
// the queue is full or stopped.
func (a *Adapter) tell(rt route, key string, args ...any) bool {
	id := identity(rt.team, rt.user)
	return a.disp.add(string(id), func(ctx context.Context) {
		if ctx.Err() != nil {
			return
		}
		a.deliver(ctx, rt, []bot.Reply{{Text: a.t(a.langOf(ctx, rt.user, rt.team), key, args...), Private: true}})
	})
}

// shareBlock is the "Share in channel" button of an answer shown to one person:
// pressed, the command runs again as if asked in the channel, under the engine's
// rules for a group, and its answer is posted there.
func (a *Adapter) shareBlock(ctx context.Context, rt route) slack.Block {
	return slack.NewActionBlock("share", button(actionShare, rt.share, a.t(a.langOf(ctx, rt.user, rt.team), "slack.share")))
}

// slashForm finds the "/command" words of the engine's texts.
var slashForm = regexp.MustCompile(`(^|[\s(\[«„“"'‘·—:])/([a-z]+)\b`)

// slackForms rewrites the commands named in a text into the forms Slack users can
// type: "/crm log" (Slack keeps "/log" for itself), or just "log" in the DM with
// the bot (bare). Words that are not commands are left alone, and so is a path
// such as "/backup/crm.db".
//
// A text that already names a command in Slack's form ("/crm start CODE in
// Slack") names each platform's form on purpose ("/start CODE on Telegram"):
// that command is left as written everywhere in it.
func slackForms(text string, bare bool) string {
	var b strings.Builder
	last := 0
	asSlack := map[string]bool{}
	for _, m := range slackForm.FindAllStringSubmatch(text, -1) {
		asSlack[m[1]] = true
	}
	for _, m := range slashForm.FindAllStringSubmatchIndex(text, -1) {
		slash, word := m[4]-1, text[m[4]:m[5]]
		if !bot.IsCommand(word) || (m[5] < len(text) && text[m[5]] == '/') || asSlack[word] {
			continue
		}
		b.WriteString(text[last:slash])
		if !bare {
			b.WriteString("/crm ")
		}
		b.WriteString(word)
		last = m[5]
	}
	if last == 0 {
		return text
	}
	return b.String() + text[last:]
}

// slackForm finds the commands a text names in Slack's form: "/crm word".
var slackForm = regexp.MustCompile(`/crm\s+([a-z]+)\b`)

// paceKey is the rate-limiter key of a response_url answer: its channel, or the
// user's DM when there is none.
func paceKey(rt route) string {
	if rt.channel != "" {
		return rt.channel
	}
	return "user:" + rt.user
}
