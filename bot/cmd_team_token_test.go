package bot_test

import (
	"context"
	"regexp"
	"strings"
	"testing"

	"crmbot/crm"
)

var secretRe = regexp.MustCompile(`crm_[A-Za-z0-9_-]{43}`)

func TestTeamToken(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	got := h.sayAs("console:admin", "/team token new Website-Form write")
	secret := secretRe.FindString(got)
	if secret == "" || !strings.Contains(got, "website-form") || !strings.Contains(got, "shown only this once") {
		t.Fatalf("token reply: %s", got)
	}
	who, err := h.svc.AuthenticateToken(ctx, secret)
	if err != nil || who.Token.Scope != crm.ScopeWrite || who.Actor.Name != "Admin" {
		t.Fatalf("the shown secret does not authenticate: %v %+v", err, who)
	}
	// The list never shows the secret again.
	list := h.sayAs("console:admin", "/team token list")
	if !strings.Contains(list, "website-form — read and write") || strings.Contains(list, secret) || strings.Contains(list, crm.HashToken(secret)) {
		t.Errorf("list: %s", list)
	}
	for _, tt := range []struct{ say, want string }{
		{"/team token new website-form read", "exists already"},
		{"/team token new a b", "Type /team token new"},
		{"/team token new bad/name read", "cannot be a token's name"},
		{"/team token", "website-form"},
		{"/team token revoke nope", "no live token named nope"},
		{"/team token revoke website-form", "Token website-form revoked"},
		{"/team token list", "revoked"},
	} {
		if got := h.sayAs("console:admin", tt.say); !strings.Contains(got, tt.want) {
			t.Errorf("%s → %q, want %q", tt.say, got, tt.want)
		}
	}
	if _, err := h.svc.AuthenticateToken(ctx, secret); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
		t.Errorf("revoked token authenticates: %v", err)
	}
	// Managers may not.
	h.sayAs("console:admin", "/team add Ana Horvat manager corporate Europe/Zagreb console:ana")
	if got := h.sayAs("console:ana", "/team token new mine read"); !strings.Contains(got, "Only admins") {
		t.Errorf("manager: %s", got)
	}
	if got := h.sayAs("console:ana", "/team webhook list"); !strings.Contains(got, "Only admins") {
		t.Errorf("manager: %s", got)
	}
}

func TestTeamWebhook(t *testing.T) {
	h := newHarness(t)
	got := h.sayAs("console:admin", "/team webhook add https://erp.acme.hr/hooks/crm won lost")
	secret := regexp.MustCompile(`whsec_[A-Za-z0-9_-]{43}`).FindString(got)
	if secret == "" || !strings.Contains(got, "Webhook 1 added") || !strings.Contains(got, "interest.won, interest.lost") {
		t.Fatalf("add: %s", got)
	}
	for _, tt := range []struct{ say, want string }{
		{"/team webhook add https://b.hr/x", "every event"},
		{"/team webhook list", "1. https://erp.acme.hr/hooks/crm — interest.won, interest.lost"},
		{"/team webhook add https://b.hr/x paid", `"paid" is not an event`},
		{"/team webhook add erp.acme.hr", "is not a web address"},
		{"/team webhook remove x", "Type /team webhook add"},
		{"/team webhook remove 9", "no webhook 9"},
		{"/team webhook remove 1", "Webhook 1 removed"},
	} {
		if got := h.sayAs("console:admin", tt.say); !strings.Contains(got, tt.want) {
			t.Errorf("%s → %q, want %q", tt.say, got, tt.want)
		}
	}
	if list := h.sayAs("console:admin", "/team webhook list"); strings.Contains(list, "erp.acme.hr") || strings.Contains(list, "whsec_") {
		t.Errorf("list after remove: %s", list)
	}
}
