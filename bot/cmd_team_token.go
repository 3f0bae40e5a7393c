package bot

import (
	"strings"

	"crmbot/crm"
)

// teamToken: the HTTP API's bearer tokens (admins):
//
//	/team token new <name> read|write   — the secret is shown once
//	/team token list
//	/team token revoke <name>
func (c *conv) teamToken(args string) []Reply {
	sub, rest := firstWord(args)
	switch strings.ToLower(sub) {
	case "new":
		name, scope := firstWord(rest)
		scope = strings.ToLower(strings.TrimSpace(scope))
		if name == "" || (scope != string(crm.ScopeRead) && scope != string(crm.ScopeWrite)) {
			return []Reply{{Text: c.t("api.usage_token"), Private: true, Error: true}}
		}
		nt, err := c.e.svc.CreateAPIToken(c.ctx, c.op(), name, crm.TokenScope(scope))
		if err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("api.token_created", nt.Token.Name, c.t("api.scope_"+string(nt.Token.Scope)), nt.Secret), Private: true}}
	case "list", "":
		ts, err := c.e.svc.APITokens(c.ctx, c.u)
		if err != nil {
			return c.fail(err)
		}
		if len(ts) == 0 {
			return []Reply{{Text: c.t("api.tokens_none"), Private: true}}
		}
		var b strings.Builder
		b.WriteString(c.t("api.tokens_title"))
		for _, t := range ts {
			line := t.Name + " — " + c.t("api.scope_"+string(t.Scope)) + " · " + c.when(t.CreatedAt)
			if t.Revoked() {
				line += " · " + c.t("api.token_revoked_at", c.when(t.RevokedAt))
			}
			b.WriteString("\n" + line)
		}
		return []Reply{{Text: b.String(), Private: true}}
	case "revoke":
		name := strings.TrimSpace(rest)
		if name == "" {
			return []Reply{{Text: c.t("api.usage_token"), Private: true, Error: true}}
		}
		t, err := c.e.svc.RevokeAPIToken(c.ctx, c.op(), name)
		if err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("api.token_revoked", t.Name), Private: true}}
	}
	return []Reply{{Text: c.t("api.usage_token"), Private: true, Error: true}}
}
