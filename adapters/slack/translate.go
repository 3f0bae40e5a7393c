package slack

import (
	"context"
	"regexp"
	"strings"

	"github.com/slack-go/slack"

	"crmbot/bot"
	"crmbot/crm"
)

// route is where the replies to one request go.
type route struct {
	team, user string
	// channel is the conversation the request came from: a DM with the bot (im), a
	// channel, or "" for the App Home tab and modals.
	channel string
	im      bool
	// responseURL answers a slash command or a button in a message.
	responseURL string
	// fromMessage is true when responseURL belongs to the message that carried the
	// pressed button, which a Reply.Replace may then edit; ephemeral tells whether
	// that message was shown to the user only.
	fromMessage bool
	ephemeral   bool
	// whisper is true when the request was addressed to the bot in a shared channel
	// (a slash command, a mention, a button): the answers go to the person alone,
	// except a room report (room) that the engine left unmarked.
	whisper bool
	room    bool
	// share is the command a "Share in channel" button under an answer shown to the
	// person alone runs again for the room; "" for none.
	share string
	// bare is true for messages in the DM, where commands are typed without "/".
	bare bool
	// dmFallback sends an answer meant for the person alone to their DM with the
	// bot when it cannot be shown to them in the channel (the bot is not in it).
	dmFallback bool
}

// group reports whether the request came from a shared channel.
func (rt route) group() bool { return rt.channel != "" && !rt.im }

// roomCommands are the reports a head or admin asks for in a channel for everyone
// to see; every other answer to a request in a channel is shown to its author alone.
var roomCommands = map[string]bool{"pipeline": true, "conversion": true, "channel": true}

// commandName is the command word of an engine text ("/log 42 …" → "log").
func commandName(text string) string {
	w, _, _ := strings.Cut(strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "/")), " ")
	w, _, _ = strings.Cut(w, "\n")
	return strings.ToLower(w)
}

// channelRoute is the route of a request addressed to the bot in conversation
// channel, given as the engine text it will run.
func channelRoute(team, user, channel, text string) route {
	rt := route{team: team, user: user, channel: channel, im: isIM(channel)}
	if rt.group() {
		rt.whisper = true
		rt.room = roomCommands[commandName(text)]
		if len(text) <= maxActionValue {
			rt.share = text
		}
	}
	return rt
}

func chatKind(rt route) bot.ChatKind {
	if rt.group() {
		return bot.ChatGroup
	}
	return bot.ChatPrivate
}

// isIM tells a DM channel id (D…) from a channel or group DM.
func isIM(channel string) bool { return strings.HasPrefix(channel, "D") }

// Slack's escapes in message text (docs.slack.dev/messaging/formatting-message-text):
// <@U…|name> user mentions, <#C…|name> channels, <!here> specials, <url|label> links.
var reAngle = regexp.MustCompile(`<([^<>]*)>`)

// mentionRE finds user mentions.
var mentionRE = regexp.MustCompile(`<@([UW][A-Z0-9]+)(?:\|[^<>]*)?>`)

// leadingMention is the bot's own mention that starts an app_mention's text.
var leadingMention = regexp.MustCompile(`^\s*<@[UWB][A-Z0-9]+(?:\|[^<>]*)?>[\s:,]*`)

// plainText turns Slack's escaped text into what a person typed: links become their
// URL (a mailto: link its address), channels "#name", specials "@here", and
// &amp; &lt; &gt; their characters. User mentions must have been resolved first;
// any left become "@<id>".
func plainText(s string) string {
	s = reAngle.ReplaceAllStringFunc(s, func(m string) string {
		inner := m[1 : len(m)-1]
		target, label, hasLabel := strings.Cut(inner, "|")
		switch {
		case strings.HasPrefix(target, "@"):
			if hasLabel {
				return "@" + label
			}
			return target
		case strings.HasPrefix(target, "#"):
			if hasLabel {
				return "#" + label
			}
			return target
		case strings.HasPrefix(target, "!"):
			name, _, _ := strings.Cut(target[1:], "^")
			return "@" + name
		case strings.HasPrefix(target, "mailto:"):
			return strings.TrimPrefix(target, "mailto:")
		case strings.HasPrefix(target, "tel:"):
			if hasLabel {
				return label
			}
			return strings.TrimPrefix(target, "tel:")
		}
		return target
	})
	return strings.NewReplacer("&lt;", "<", "&gt;", ">", "&amp;", "&").Replace(s)
}

// commandText is the engine text of "/crm <text>": "/<text>", and "/help" for a bare
// "/crm".
func commandText(text string) string {
	text = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(text), "/"))
	if text == "" {
		return "/help"
	}
	return "/" + text
}

// isTeamAdd reports whether a command text is "team add …" (with or without "/").
func isTeamAdd(text string) bool {
	f := strings.Fields(strings.ToLower(strings.TrimPrefix(strings.TrimSpace(text), "/")))
	return len(f) >= 2 && f[0] == "team" && f[1] == "add"
}

// resolveMentions replaces user mentions in text (still escaped) with names the
// engine can resolve. In "/team add" the mention is a new member: it becomes their
// Slack name (users.info) and their identity "slack:<team>/<user>" is appended, which
// the engine's team add reads as the identity to link. Elsewhere a mention of a team
// member becomes their CRM name, and otherwise their Slack name.
func (a *Adapter) resolveMentions(ctx context.Context, team, text string) string {
	teamAdd := isTeamAdd(plainText(mentionRE.ReplaceAllString(text, "@x")))
	var ids []crm.Identity
	text = mentionRE.ReplaceAllStringFunc(text, func(m string) string {
		uid := mentionRE.FindStringSubmatch(m)[1]
		id := identity(team, uid)
		if teamAdd {
			ids = append(ids, id)
			return escapeMrkdwn(a.slackName(ctx, uid, m))
		}
		if p, err := a.engine.Who(ctx, id); err == nil && p.Known {
			return escapeMrkdwn(p.Name)
		}
		return escapeMrkdwn(a.slackName(ctx, uid, m))
	})
	for _, id := range ids {
		text += " " + string(id)
	}
	return text
}

// slackName is a user's name as Slack shows it (users.info): the real name, else the
// display name, else the handle; fallback is the mention's own label or id.
func (a *Adapter) slackName(ctx context.Context, uid, mention string) string {
	name, _ := a.slackUser(ctx, uid, mention)
	return name
}

// slackUser is slackName with the user's locale ("hr-HR"), which users.info gives
// with include_locale (slack-go sends it by default); "" when unknown.
func (a *Adapter) slackUser(ctx context.Context, uid, mention string) (string, string) {
	var u *slack.User
	err := a.send.do(ctx, "", func(ctx context.Context) error {
		var err error
		u, err = a.api.GetUserInfoContext(ctx, uid)
		return err
	})
	if err == nil && u != nil {
		for _, n := range []string{u.RealName, u.Profile.RealName, u.Profile.DisplayName, u.Name} {
			if n = strings.TrimSpace(n); n != "" {
				return n, u.Locale
			}
		}
	}
	a.log.Warn("slack: users.info failed; using the mention as written", "user", uid, "err", logErr(err))
	if _, label, ok := strings.Cut(strings.Trim(mention, "<>"), "|"); ok && label != "" {
		return label, ""
	}
	return uid, ""
}
