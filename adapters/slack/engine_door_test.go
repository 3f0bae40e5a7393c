package slack

import (
	"context"
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

// The adapters translate; they reach the CRM only through the engine. No adapter
// source names crm.Service or calls what only the service offers (authenticating,
// reading lists, creating, logging): that is how a second copy of a rule, or a
// screen showing raw catalog keys, came about.
func TestAdaptersGoThroughTheEngine(t *testing.T) {
	forbidden := map[string]bool{
		"Service": true, "NewService": true, // crm.Service itself
		"Authenticate": true, "Today": true, "My": true, "CreateInterest": true, "LogInteraction": true,
		"EnsureAdmin": true, "RedeemInvite": true,
	}
	for _, dir := range []string{".", "../telegram", "../console"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: %v", dir, err)
		}
		fset := token.NewFileSet()
		for _, path := range files {
			if strings.HasSuffix(path, "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok || !forbidden[sel.Sel.Name] {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "crm" || sel.Sel.Name == "Authenticate" || sel.Sel.Name == "CreateInterest" || sel.Sel.Name == "LogInteraction" {
					t.Errorf("%s: %s reaches past the engine", fset.Position(sel.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
}

// keyShape finds words shaped like catalog keys ("today.title", "err.bad_date").
var keyShape = regexp.MustCompile(`\b[a-z]+(\.[a-z0-9_]+)+\b`)

// rawKeys lists the catalog keys left unworded in texts: a key the catalog has,
// or one with a catalog prefix (a key missing from it).
func rawKeys(cat *bot.Catalog, texts []string) []string {
	var out []string
	for _, s := range texts {
		for _, k := range keyShape.FindAllString(s, -1) {
			first, _, _ := strings.Cut(k, ".")
			if cat.Has(k) || strings.Contains(" err slack btn next kind stage role today home label field reason preset ", " "+first+" ") {
				out = append(out, k)
			}
		}
	}
	return out
}

// viewTexts collects every "text" a Block Kit view shows.
func viewTexts(t *testing.T, viewJSON string) []string {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(viewJSON), &v); err != nil {
		t.Fatalf("view: %v: %s", err, viewJSON)
	}
	var out []string
	var walk func(any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if s, ok := x.(string); ok && k == "text" {
					out = append(out, s)
				}
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(v)
	return out
}

// The App Home and the forms are drawn from the engine's structured answers, in
// the person's language: none of their texts is a catalog key, the cadence's steps
// included.
func TestSlackViewsShowNoCatalogKeys(t *testing.T) {
	for _, lang := range []string{"en", "hr"} {
		t.Run(lang, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			if lang != "en" {
				e.command(testUser, "DU1", "lang "+lang, "tr-lang")
				e.slack.waitFor("response_url", 1)
				e.slack.waitFor("views.publish", 1) // the refresh after a private request
			}
			for _, n := range []string{"Marko Horvat, Acme", "Iva Ban, Beta"} {
				// No next step given: the cadence's, stored as a catalog key.
				if _, err := e.svc.CreateInterest(ctx, crm.Op{Actor: e.admin()}, crm.NewInterest{ContactName: strings.Split(n, ", ")[0], CompanyName: strings.Split(n, ", ")[1]}); err != nil {
					t.Fatal(err)
				}
			}
			e.clock.Sleep(ctx, 5*24*time.Hour)
			before := len(e.slack.all("views.publish"))
			e.event("EvHome", map[string]any{"type": "app_home_opened", "user": testUser, "channel": "DU1", "tab": "home", "event_ts": "1.1"}, nil)
			pubs := e.slack.waitFor("views.publish", before+1)
			home := pubs[len(pubs)-1].viewJSON()
			texts := viewTexts(t, home)
			if !strings.Contains(home, "#1 Acme") || !strings.Contains(home, "Ana Admin") || len(texts) < 10 {
				t.Fatalf("home: %s", home)
			}
			e.command(testUser, "C1", "new", "tr-new")
			e.command(testUser, "C1", "log", "tr-log")
			open := e.slack.waitFor("views.open", 2)
			for _, o := range open {
				texts = append(texts, viewTexts(t, o.viewJSON())...)
			}
			if k := rawKeys(e.engine.Catalog(), texts); len(k) > 0 {
				t.Errorf("raw catalog keys shown: %v", k)
			}
			want := map[string]string{"en": "Company", "hr": "Tvrtka"}[lang]
			if !strings.Contains(open[0].viewJSON(), want) {
				t.Errorf("the new form is not in %s: %s", lang, open[0].viewJSON())
			}
		})
	}
}

// A form submitted by someone no longer on the team is refused on a field with
// the engine's words, and nothing is stored.
func TestFormOfAStrangerIsRefusedOnAField(t *testing.T) {
	e := newEnv(t)
	_, body := e.interaction(newSubmission("U999", "V1", `{}`, "Acme Trading"))
	var ack struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &ack); err != nil || ack.ResponseAction != "errors" || !strings.Contains(ack.Errors[fContact], "slack:T1/U999") {
		t.Fatalf("refusal: %s", body)
	}
	if n := len(e.interests()); n != 0 {
		t.Fatalf("%d interests stored", n)
	}
}

// The App Home's buttons open the forms at once, and carry the engine's actions
// otherwise; a stranger who opens the tab sees the engine's refusal.
func TestHomeButtonsAndStrangersHome(t *testing.T) {
	if b := homeButton(bot.Button{Label: "Log #4", Action: "/log 4"}, "x"); b.ActionID != actionOpenLog || b.Value != "4" {
		t.Errorf("log: %+v", b)
	}
	if b := homeButton(bot.Button{Label: "New", Action: "/new"}, "x"); b.ActionID != actionOpenNew {
		t.Errorf("new: %+v", b)
	}
	if b := homeButton(bot.Button{Label: "Card", Action: "/show 4"}, "home_4_1"); b.ActionID != "home_4_1" || b.Value != "/show 4" {
		t.Errorf("card: %+v", b)
	}
	e := newEnv(t)
	e.event("EvHome9", map[string]any{"type": "app_home_opened", "user": "U999", "channel": "DU999", "tab": "home", "event_ts": "1.1"}, nil)
	home := e.slack.waitFor("views.publish", 1)[0].viewJSON()
	if !strings.Contains(home, "slack:T1/U999") {
		t.Errorf("a stranger's home: %s", home)
	}
}

// An admin listed in CRMBOT_ADMINS who opens the App Home before writing joins under
// their Slack name and sees their home; "/crm new" from them opens the form once
// they are on the team.
func TestAdminJoinsFromTheHomeTab(t *testing.T) {
	e := newEnv(t)
	e.stop()
	e.engine = bot.New(e.svc, bot.Options{Clock: e.clock.Now, Admins: []crm.Identity{"slack:U3"}})
	e.start()
	e.event("EvHome3", map[string]any{"type": "app_home_opened", "user": "U3", "channel": "DU3", "tab": "home", "event_ts": "1.1"}, nil)
	home := e.slack.waitFor("views.publish", 1)[0].viewJSON()
	if !strings.Contains(home, "Petra Kovač") || strings.Contains(home, "slack:T1/U3") {
		t.Fatalf("the admin's first home: %s", home)
	}
	e.command("U3", "C1", "new", "tr-new3")
	if open := e.slack.waitFor("views.open", 1); !strings.Contains(open[0].viewJSON(), callbackNew) {
		t.Fatalf("no form: %s", open[0].viewJSON())
	}
}
