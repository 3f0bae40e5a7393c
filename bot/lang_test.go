package bot

import (
	"context"
	"strings"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

func langEngine(t *testing.T, opts Options) (*Engine, *crm.Service) {
	t.Helper()
	db := storagetest.Open(t)
	now := func() time.Time { return time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC) }
	svc := crm.NewService(db, now, crm.Config{})
	opts.Clock = now
	return New(svc, opts), svc
}

func TestHintLang(t *testing.T) {
	e, _ := langEngine(t, Options{})
	for hint, want := range map[string]string{
		"hr": "hr", "hr-HR": "hr", "hr_HR": "hr", "bs": "hr", "sr": "hr", "sr-Latn": "hr", "sr-Latn-RS": "hr",
		"sr-Cyrl": "", "en": "en", "en-US": "en", "de": "", "": "", "??": "",
	} {
		if got := e.hintLang(hint); got != want {
			t.Errorf("hintLang(%q) = %q, want %q", hint, got, want)
		}
	}
}

func text(rs []Reply) string {
	var b []string
	for _, r := range rs {
		b = append(b, r.Text)
	}
	return strings.Join(b, "\n")
}

// A stranger is refused in their platform's language; who redeems an invite from a
// Croatian client reads Croatian from the welcome on; a chosen language wins.
func TestLanguageFromPlatformHint(t *testing.T) {
	ctx := context.Background()
	e, svc := langEngine(t, Options{Admins: []crm.Identity{"telegram:1"}})

	got := text(e.Handle(ctx, Request{Identity: "telegram:5", Lang: "hr", Text: "/help"}))
	if !strings.Contains(got, "Još niste u prodajnom timu") {
		t.Errorf("stranger hr: %q", got)
	}
	got = text(e.Handle(ctx, Request{Identity: "telegram:5", Lang: "hr", Text: "/start WRONG"}))
	if !strings.Contains(got, "Taj pozivni kod ne vrijedi") {
		t.Errorf("bad invite hr: %q", got)
	}
	got = text(e.Handle(ctx, Request{Identity: "telegram:6", Lang: "de", Text: "/help"}))
	if !strings.Contains(got, "You are not on the sales team") {
		t.Errorf("stranger de falls back to en: %q", got)
	}

	// A configured admin whose client speaks Bosnian starts in Croatian.
	got = text(e.Handle(ctx, Request{Identity: "telegram:1", Name: "Ivan", Lang: "bs", Text: "/my"}))
	if !strings.Contains(got, "Nemaš otvorenih interesa") {
		t.Errorf("admin bs: %q", got)
	}
	admin, err := svc.Authenticate(ctx, "telegram:1")
	if err != nil || admin.Lang != "hr" {
		t.Fatalf("admin lang %+v %v", admin, err)
	}

	// Invite Ana; she links from a Croatian Telegram.
	e.Handle(ctx, Request{Identity: "telegram:1", Text: "/team add Ana Horvat manager corporate"})
	inv := text(e.Handle(ctx, Request{Identity: "telegram:1", Text: "/team invite @ana"}))
	i := strings.Index(inv, "/start ")
	if i < 0 {
		t.Fatalf("invite: %q", inv)
	}
	code := strings.TrimRight(strings.Fields(inv[i+len("/start "):])[0], ",.")
	got = text(e.Handle(ctx, Request{Identity: "telegram:7", Lang: "hr-HR", Text: "/start " + code}))
	if !strings.Contains(got, "Dobro došli, Ana Horvat! U timu ste kao komercijalist.") {
		t.Errorf("welcome hr: %q", got)
	}
	// Her choice wins over the hint from then on.
	if got := text(e.Handle(ctx, Request{Identity: "telegram:7", Lang: "hr", Text: "/lang english"})); got != "Language set to en." {
		t.Errorf("/lang english: %q", got)
	}
	if got := text(e.Handle(ctx, Request{Identity: "telegram:7", Lang: "hr", Text: "/my"})); !strings.Contains(got, "You have no open interests") {
		t.Errorf("after /lang en: %q", got)
	}
	if got := text(e.Handle(ctx, Request{Identity: "telegram:7", Text: "/lang xx"})); got != "Languages available: en, hr. Try: /lang en" {
		t.Errorf("/lang xx: %q", got)
	}
	if got := text(e.Handle(ctx, Request{Identity: "telegram:7", Text: "/lang hr"})); got != "Jezik postavljen na hr." {
		t.Errorf("/lang hr: %q", got)
	}
}

// CRMBOT_LANG: people who chose nothing read the configured default; an unknown
// default is ignored.
func TestDefaultLangOption(t *testing.T) {
	ctx := context.Background()
	e, _ := langEngine(t, Options{DefaultLang: "hr", Admins: []crm.Identity{"console:a"}})
	if got := text(e.Handle(ctx, Request{Identity: "console:a", Text: "/cancel"})); got != "Nema se što prekinuti." {
		t.Errorf("default hr: %q", got)
	}
	if got := text(e.Handle(ctx, Request{Identity: "console:b", Text: "/help"})); !strings.Contains(got, "Još niste") {
		t.Errorf("stranger, default hr: %q", got)
	}
	if c := e.Commands(); c[1].Name != "new" || !strings.HasPrefix(c[1].Description, "novi interes") {
		t.Errorf("menu in default hr: %+v", c[1])
	}
	e2, _ := langEngine(t, Options{DefaultLang: "xx"})
	if e2.defLang != DefaultLang {
		t.Errorf("unknown default kept: %q", e2.defLang)
	}
}
