package bot

import (
	"strings"
	"time"

	"crmbot/crm"
)

// cmdTeam: "/team" lists the team; an admin adds people and changes their role,
// segment and time zone, and makes invite codes that link another platform's identity:
//
//	/team add Ana Horvat manager corporate [Europe/Zagreb] [telegram:123 …]
//	/team role @ana head · /team segment @ana retail · /team tz @ana Europe/Zagreb
//	/team invite @ana
//	/team remove @ana
func (c *conv) cmdTeam(args string) []Reply {
	sub, rest := firstWord(args)
	switch strings.ToLower(sub) {
	case "":
		return c.teamList()
	case "add":
		return c.teamAdd(rest)
	case "role", "segment", "tz":
		name, val := lastWord(rest)
		if name == "" || val == "" {
			return []Reply{{Text: c.t("usage.team"), Private: true}}
		}
		u, err := c.e.svc.UserByName(c.ctx, name)
		if err != nil {
			return c.fail(err)
		}
		var p crm.UserPatch
		switch strings.ToLower(sub) {
		case "role":
			r := parseRole(val)
			p.Role = &r
		case "segment":
			s := parseSegment(val)
			p.Segment = &s
		case "tz":
			p.TZ = &val
		}
		u, err = c.e.svc.UpdateUser(c.ctx, c.op(), u.ID, p)
		if err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("team.updated", c.userLine(u)), Private: true}}
	case "remove":
		return c.teamRemove(rest)
	case "token":
		return c.teamToken(rest)
	case "webhook":
		return c.teamWebhook(rest)
	case "invite":
		u, err := c.e.svc.UserByName(c.ctx, rest)
		if err != nil {
			return c.fail(err)
		}
		inv, err := c.e.svc.CreateInvite(c.ctx, c.op(), u.ID)
		if err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("team.invite", u.Name, inv.Code, c.when(inv.ExpiresAt)), Private: true}}
	}
	return []Reply{{Text: c.t("usage.team"), Private: true}}
}

func (c *conv) userLine(u *crm.User) string {
	var plats []string
	for _, id := range u.Identities {
		plats = append(plats, id.Platform())
	}
	s := u.Name + " — " + c.t("role."+string(u.Role)) + ", " + c.t("segment."+string(u.Segment)) + ", " + u.TZ
	if len(plats) > 0 {
		s += " · " + strings.Join(plats, ", ")
	}
	if u.Disabled {
		s += " · " + c.t("team.disabled")
	}
	return s
}

func (c *conv) teamList() []Reply {
	users, err := c.e.svc.Users(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	var b strings.Builder
	b.WriteString(c.t("team.title", len(users)))
	for _, u := range users {
		b.WriteString("\n" + c.userLine(u))
	}
	if c.u.Role == crm.RoleAdmin {
		b.WriteString("\n\n" + c.t("usage.team"))
	}
	return []Reply{{Text: b.String(), Private: true}}
}

// teamAdd reads "name… role segment [tz] [identity…]" from the end, so names may have
// spaces.
func (c *conv) teamAdd(args string) []Reply {
	words := strings.Fields(args)
	var ids []crm.Identity
	for len(words) > 0 {
		w := words[len(words)-1]
		if p := crm.Identity(w).Platform(); p == "telegram" || p == "slack" || p == "console" {
			ids = append(ids, crm.Identity(w))
			words = words[:len(words)-1]
			continue
		}
		break
	}
	tz := ""
	if len(words) > 0 && strings.Contains(words[len(words)-1], "/") || len(words) > 0 && words[len(words)-1] == "UTC" {
		tz = words[len(words)-1]
		words = words[:len(words)-1]
	}
	if len(words) < 3 {
		return []Reply{{Text: c.t("usage.team_add"), Private: true}}
	}
	role := parseRole(words[len(words)-2])
	seg := parseSegment(words[len(words)-1])
	name := strings.Join(words[:len(words)-2], " ")
	u, back, err := c.e.svc.AddUserBack(c.ctx, c.op(), name, role, seg, tz)
	if err != nil {
		return c.fail(err)
	}
	for _, id := range ids {
		if u, err = c.e.svc.LinkIdentity(c.ctx, c.op(), u.ID, id); err != nil {
			return c.fail(err)
		}
	}
	added := "team.added"
	if back {
		added = "team.back" // someone removed earlier: say so, their history is theirs again
	}
	return []Reply{{Text: c.t(added, c.userLine(u)) + "\n" + c.t("team.added_hint", u.Name), Private: true}}
}

func (c *conv) cmdTZ(args string) []Reply {
	args = strings.TrimSpace(args)
	if args == "" {
		return []Reply{{Text: c.t("tz.current", c.u.TZ, c.when(c.now())), Private: true}}
	}
	if _, err := time.LoadLocation(args); err != nil {
		return c.fail(crm.Errorf(crm.EINVALID, "err.bad_tz", args))
	}
	u, err := c.e.svc.UpdateUser(c.ctx, c.op(), c.u.ID, crm.UserPatch{TZ: &args})
	if err != nil {
		return c.fail(err)
	}
	c.u = u
	return []Reply{{Text: c.t("tz.saved", u.TZ, c.when(c.now())), Private: true}}
}

// langNames are what people type for a language instead of its code.
var langNames = map[string]string{"hrvatski": "hr", "croatian": "hr", "english": "en", "engleski": "en"}

func (c *conv) cmdLang(args string) []Reply {
	args = strings.ToLower(strings.TrimSpace(args))
	if l, ok := langNames[args]; ok {
		args = l
	} else if l := c.e.hintLang(args); l != "" {
		args = l // "hr-HR", "bs"
	}
	langs := c.e.cat.Languages()
	ok := false
	for _, l := range langs {
		ok = ok || l == args
	}
	if !ok {
		return []Reply{{Text: c.t("lang.usage", strings.Join(langs, ", ")), Private: true}}
	}
	u, err := c.e.svc.UpdateUser(c.ctx, c.op(), c.u.ID, crm.UserPatch{Lang: &args})
	if err != nil {
		return c.fail(err)
	}
	c.u, c.lang = u, args
	return []Reply{{Text: c.t("lang.saved", args), Private: true}}
}
