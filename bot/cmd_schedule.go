package bot

import (
	"context"
	"strings"
	"time"

	"crmbot/crm"
)

// cmdSnooze: "/snooze 42 1h", "/snooze 42 tomorrow", "/snooze 42 next week" — moves
// the follow-up, keeping what it is (the nudge's buttons).
func (c *conv) cmdSnooze(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.snooze")
	}
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return []Reply{{Text: c.t("usage.snooze"), Private: true}}
	}
	// Snoozing moves a follow-up by an amount, so "/snooze 42 2h" is "in 2 hours";
	// elsewhere a lone "2h" could be a time of day and is asked about.
	if n, ok := strings.CutSuffix(rest, "h"); ok && reNumber.MatchString(n) {
		rest = "in " + rest
	}
	due, _, err := ParseWhen(rest, c.now(), c.loc())
	if err != nil {
		return []Reply{{Text: c.errReply(dateErr(err, rest)).Text + "\n" + c.t("usage.snooze"), Private: true, Error: true}}
	}
	in, err := c.e.svc.Snooze(c.ctx, c.op(), id, due)
	if err != nil {
		return c.fail(err)
	}
	return []Reply{{Text: c.t("next.saved", id, c.echoNext(in)), Private: true, Replace: c.req.Action != ""}}
}

// cmdDigest shows the user's morning digest now.
func (c *conv) cmdDigest(string) []Reply {
	p := &Pusher{c: c}
	now := c.now()
	f, err := c.e.svc.DigestFacts(c.ctx, c.u.ID, func(*crm.User) crm.DigestQuery { return p.DigestQuery(now, c.e.digestIdleDays, nil) })
	if err != nil {
		return c.fail(err)
	}
	f.Note = nil // told in the scheduled digest, which also clears it
	return []Reply{p.Digest(now, f)}
}

// cmdSettings: "/settings" shows them; "/settings hours 09:00-18:00 [mon-fri]",
// "/settings digest 08:30|off".
func (c *conv) cmdSettings(args string) []Reply {
	sub, rest := firstWord(args)
	switch strings.ToLower(sub) {
	case "":
		w := c.u.Schedule()
		var days []string
		for d := time.Monday; ; d = (d + 1) % 7 {
			if w.Days[d] {
				// The names /settings hours reads back, in the reader's language.
				if c.lang == "hr" {
					days = append(days, hrWeekdays[d])
				} else {
					days = append(days, strings.ToLower(d.String()[:3]))
				}
			}
			if d == time.Sunday {
				break
			}
		}
		digest := c.t("settings.off")
		if m, on := c.u.DigestMinute(); on {
			digest = crm.FormatClock(m)
		}
		lang := c.lang
		return []Reply{{Text: c.t("settings.show", c.u.TZ, crm.FormatClock(w.Start), crm.FormatClock(w.End), strings.Join(days, ","), digest, lang), Private: true}}
	case "hours":
		hours, days := firstWord(rest)
		w, err := crm.ParseWorkSchedule(hours, days)
		if err != nil {
			return c.fail(err)
		}
		if _, err := c.e.svc.SetSchedule(c.ctx, c.op(), c.u.ID, &w, nil); err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("settings.saved"), Private: true}}
	case "digest":
		v := strings.ToLower(strings.TrimSpace(rest))
		if v == "" {
			return []Reply{{Text: c.t("usage.settings"), Private: true}}
		}
		if digestOff[fold(v)] {
			v = "off"
		}
		u, err := c.e.svc.SetSchedule(c.ctx, c.op(), c.u.ID, nil, &v)
		if e := crm.AsError(err); e != nil && e.Key == "err.bad_clock" {
			// Say that "off" is an answer too, not only a time of day.
			return []Reply{{Text: c.t("settings.bad_digest", strings.TrimSpace(rest)), Private: true}}
		}
		if err != nil {
			return c.fail(err)
		}
		c.u = u
		return []Reply{{Text: c.t("settings.saved"), Private: true}}
	case "escalations":
		return c.settingsEscalations(rest)
	case "routing":
		return c.settingsRouting(rest)
	case "response", "odgovor":
		return c.settingsResponse(rest)
	case "tz":
		return c.cmdTZ(rest)
	case "lang":
		return c.cmdLang(rest)
	}
	return []Reply{{Text: c.t("usage.settings"), Private: true}}
}

// digestOff are the words, folded, that turn the morning digest off in either language.
var digestOff = map[string]bool{"off": true, "iskljuci": true, "ne": true, "no": true, "none": true}

// cmdChannel makes the group it is typed in the department's channel: the department
// digest (at the digest time of whoever typed it) and the escalation counts go there
// (heads and admins only).
func (c *conv) cmdChannel(args string) []Reply {
	if !c.u.IsLead() {
		return []Reply{{Text: c.t("group.lead_only"), Private: c.req.Ephemeral}}
	}
	if strings.EqualFold(strings.TrimSpace(args), "off") {
		if err := c.e.svc.SetChannel(c.ctx, c.op(), ""); err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("channel.off")}}
	}
	if c.req.Chat != ChatGroup || c.req.ChatID == "" {
		return []Reply{{Text: c.t("channel.in_group"), Private: true}}
	}
	if err := c.e.svc.SetChannel(c.ctx, c.op(), c.req.ChatID); err != nil {
		return c.fail(err)
	}
	return []Reply{{Text: c.t("channel.set")}}
}

// settingsEscalations: "/settings escalations channel|private" (admins): whether the
// department channel gets escalations naming the client and the manager, or only
// counts while the heads are told privately (the default).
func (c *conv) settingsEscalations(args string) []Reply {
	if c.u.Role != crm.RoleAdmin {
		return []Reply{{Text: c.t("err.admin_only"), Private: true}}
	}
	var named bool
	switch strings.ToLower(strings.TrimSpace(args)) {
	case "channel":
		named = true
	case "private":
	default:
		return []Reply{{Text: c.t("sched.usage_escalations"), Private: true}}
	}
	if err := c.e.svc.SetEscalationsNamed(c.ctx, c.op(), named); err != nil {
		return c.fail(err)
	}
	if named {
		return []Reply{{Text: c.t("sched.escalations_channel"), Private: true}}
	}
	return []Reply{{Text: c.t("sched.escalations_private"), Private: true}}
}

// ChatMoved records that a chat now has another id (a Telegram group upgraded to a
// supergroup): the department channel follows it.
func (e *Engine) ChatMoved(ctx context.Context, from, to crm.Identity) error {
	return e.svc.MoveChannel(ctx, from, to)
}
