package bot_test

import (
	"context"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// submit sends a form from the admin and returns the replies.
func (h *harness) submit(f bot.Form, key string) []bot.Reply {
	h.t.Helper()
	return h.eng.Handle(context.Background(), bot.Request{Identity: "console:admin", Form: &f, Key: key})
}

// fieldsOf lists the fields a reply's errors are on, sorted.
func fieldsOf(replies []bot.Reply) []string {
	var fs []string
	for _, r := range replies {
		for f := range r.FieldErrors {
			fs = append(fs, f)
		}
	}
	sort.Strings(fs)
	return fs
}

func (h *harness) interestCount() int {
	h.t.Helper()
	return len(storagetest.Interests(h.t, h.db))
}

// A new-interest form is checked field by field, every error at once and each on
// its field, worded as /new words it; nothing is stored while any is wrong.
func TestFormNewFieldErrors(t *testing.T) {
	for _, tt := range []struct {
		name   string
		form   bot.Form
		fields []string
		text   string // a part of one error's wording
	}{
		{"nothing", bot.Form{}, []string{bot.FieldCompany, bot.FieldContact}, "company is required"},
		{"bad email", bot.Form{Contact: "Iva Ban", Company: "Beta", Email: "not-an-email"}, []string{bot.FieldEmail}, ""},
		{"comma decimal", bot.Form{Contact: "Iva Ban", Company: "Beta", Value: "30,5"}, []string{bot.FieldValue}, "whole amount"},
		{"unreadable date", bot.Form{Contact: "Iva Ban", Company: "Beta", NextWhen: "someday maybe"}, []string{bot.FieldNextWhen}, ""},
		{"impossible date", bot.Form{Contact: "Iva Ban", Company: "Beta", NextWhen: "31.2. 10:00"}, []string{bot.FieldNextWhen}, "28.2."},
		{"what without when", bot.Form{Contact: "Iva Ban", Company: "Beta", NextWhat: "send the offer"}, []string{bot.FieldNextWhen}, "Say when"},
		{"past date", bot.Form{Contact: "Iva Ban", Company: "Beta", NextWhen: "2026-11-01 10:00"}, []string{bot.FieldNextWhen}, ""},
		{"several", bot.Form{Company: "Beta", Value: "lots", NextWhen: "someday"}, []string{bot.FieldContact, bot.FieldNextWhen, bot.FieldValue}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tt.form.Name = bot.FormNew
			out := h.submit(tt.form, "")
			if got := fieldsOf(out); strings.Join(got, ",") != strings.Join(tt.fields, ",") {
				t.Fatalf("errors on %v, want %v: %+v", got, tt.fields, out)
			}
			if len(out) != 1 || !out[0].Error || out[0].Card != nil {
				t.Errorf("not a refusal: %+v", out)
			}
			all := strings.Join(func() []string {
				var s []string
				for _, m := range out[0].FieldErrors {
					s = append(s, m)
				}
				return s
			}(), "\n")
			if tt.text != "" && !strings.Contains(all, tt.text) {
				t.Errorf("errors %q lack %q", all, tt.text)
			}
			if n := h.interestCount(); n != 0 {
				t.Errorf("%d interests stored", n)
			}
		})
	}
}

// A valid form creates the interest as /new does, answers with its card, and
// leaves a question open in the chat where it was.
func TestFormNewSavesAndLeavesTheDialogueAlone(t *testing.T) {
	h := newHarness(t)
	if got := h.sayAs("console:admin", "/new"); !strings.Contains(got, "name") {
		t.Fatalf("/new: %s", got)
	}
	out := h.submit(bot.Form{Name: bot.FormNew, Contact: "Iva Ban", Company: "Beta", Email: "iva@beta.hr", Value: "12 000,00", NextWhen: "fri 10:00", NextWhat: "send the offer"}, "slack:view:V1")
	if len(out) != 1 || out[0].Error || out[0].Card == nil || !strings.Contains(out[0].Text, "Beta") {
		t.Fatalf("answer: %+v", out)
	}
	in := storagetest.Interest(t, h.db, 1)
	if in == nil || in.Value != 12000 || in.Next.What != "send the offer" || in.Next.Due.Weekday() != time.Friday {
		t.Fatalf("stored: %+v", in)
	}
	// Sent again (a retry), it is answered again and stored once.
	if again := h.submit(bot.Form{Name: bot.FormNew, Contact: "Iva Ban", Company: "Beta", Email: "iva@beta.hr"}, "slack:view:V1"); len(again) != 1 || again[0].Error {
		t.Fatalf("retry: %+v", again)
	}
	if n := h.interestCount(); n != 1 {
		t.Fatalf("%d interests after a retry", n)
	}
	// The chat's question is still the one asked.
	if got := h.sayAs("console:admin", "Marko Horvat"); !strings.Contains(got, "Which company is Marko Horvat from?") {
		t.Errorf("the dialogue was disturbed: %s", got)
	}
}

// A form refused for its errors is handled again when it comes back corrected
// under the same key (Slack keeps the view's id), not answered from a record.
func TestFormCorrectedUnderTheSameKeyIsSaved(t *testing.T) {
	h := newHarness(t)
	if out := h.submit(bot.Form{Name: bot.FormNew, Contact: "Iva Ban"}, "slack:view:V7"); len(fieldsOf(out)) != 1 {
		t.Fatalf("first: %+v", out)
	}
	if out := h.submit(bot.Form{Name: bot.FormNew, Contact: "Iva Ban", Company: "Beta"}, "slack:view:V7"); len(out) != 1 || out[0].Error || out[0].Card == nil {
		t.Fatalf("corrected: %+v", out)
	}
	if n := h.interestCount(); n != 1 {
		t.Fatalf("%d interests", n)
	}
}

// The log form is read as /log reads its parts; what is wrong with the interest
// is shown on the interest.
func TestFormLog(t *testing.T) {
	h := newHarness(t)
	h.sayAs("console:admin", "/new Marko Horvat, Acme")
	for _, tt := range []struct {
		name   string
		form   bot.Form
		fields []string
	}{
		{"no number", bot.Form{Interest: "x", Text: "talked"}, []string{bot.FieldInterest}},
		{"no such interest", bot.Form{Interest: "99", Text: "talked"}, []string{bot.FieldInterest}},
		{"no text", bot.Form{Interest: "1"}, []string{bot.FieldText}},
		{"bad kind", bot.Form{Interest: "1", Kind: "carrier pigeon", Text: "talked"}, []string{bot.FieldKind}},
		{"bad date", bot.Form{Interest: "#1", Text: "talked", NextWhen: "someday"}, []string{bot.FieldNextWhen}},
	} {
		tt.form.Name = bot.FormLog
		if got := fieldsOf(h.submit(tt.form, "")); strings.Join(got, ",") != strings.Join(tt.fields, ",") {
			t.Errorf("%s: errors on %v, want %v", tt.name, got, tt.fields)
		}
	}
	out := h.submit(bot.Form{Name: bot.FormLog, Interest: "#1", Kind: "meeting", Text: "wants 40 seats", NextWhen: "tomorrow 11:00"}, "k")
	if len(out) != 1 || out[0].Error || out[0].Card == nil {
		t.Fatalf("valid: %+v", out)
	}
	tl := storagetest.Timeline(t, h.db, 1)
	if len(tl) == 0 {
		t.Fatal("nothing logged")
	}
	last := tl[len(tl)-1]
	if last.Kind != crm.InteractionMeeting || last.Text != "wants 40 seats" {
		t.Errorf("logged: %+v", last)
	}
}

// A stranger's form, home or form view gets the engine's refusal, with nothing
// to draw and nothing stored.
func TestStructuredRequestsOfAStranger(t *testing.T) {
	h := newHarness(t)
	for _, req := range []bot.Request{
		{View: bot.ViewHome},
		{View: bot.ViewForm, Form: &bot.Form{Name: bot.FormLog}},
		{Form: &bot.Form{Name: bot.FormNew, Contact: "Iva Ban", Company: "Beta"}},
	} {
		req.Identity = "slack:T1/U999"
		out := h.eng.Handle(context.Background(), req)
		if len(out) != 1 || !out[0].Error || out[0].Home != nil || out[0].FormView != nil || !strings.Contains(out[0].Text, "slack:T1/U999") {
			t.Errorf("%+v: %+v", req, out)
		}
	}
	if n := h.interestCount(); n != 0 {
		t.Errorf("%d interests stored", n)
	}
}

// keyShape finds words shaped like catalog keys ("today.title", "err.bad_date").
var keyShape = regexp.MustCompile(`\b[a-z]+(\.[a-z0-9_]+)+\b`)

// rawKeys lists the catalog keys left unworded in texts.
func rawKeys(cat *bot.Catalog, texts ...string) []string {
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

// The home view is worded in the person's language, flags what is overdue and
// words the cadence's steps: no text in it is a catalog key.
func TestHomeView(t *testing.T) {
	for _, lang := range []string{"en", "hr"} {
		t.Run(lang, func(t *testing.T) {
			h := newHarness(t)
			h.sayAs("console:admin", "/lang "+lang)
			h.sayAs("console:admin", "/new Marko Horvat, Acme") // the cadence's first step, stored as a key
			h.sayAs("console:admin", "/new Iva Ban, Beta")
			h.sayAs("console:admin", "/new Eva Kos, Gama")
			h.clock.t = h.clock.t.Add(3 * 24 * time.Hour)
			out := h.eng.Handle(context.Background(), bot.Request{Identity: "console:admin", View: bot.ViewHome})
			if len(out) != 1 || out[0].Home == nil {
				t.Fatalf("home: %+v", out)
			}
			hv := out[0].Home
			texts := []string{hv.Name, hv.Role, hv.Title, hv.Empty, hv.More}
			for _, b := range hv.Actions {
				texts = append(texts, b.Label)
			}
			for _, it := range hv.Items {
				texts = append(texts, it.Title, it.Next)
				for _, b := range it.Buttons {
					texts = append(texts, b.Label)
				}
			}
			if len(hv.Items) != 3 || hv.Name != "Admin" || hv.Items[0].Buttons[0].Action != "/log 1" {
				t.Fatalf("home: %+v", hv)
			}
			if k := rawKeys(h.eng.Catalog(), texts...); len(k) > 0 {
				t.Errorf("raw catalog keys on the home: %v in %q", k, texts)
			}
			want := map[string]string{"en": "Today", "hr": "Današnji"}[lang]
			if !strings.Contains(hv.Title, want) {
				t.Errorf("title %q is not in %s", hv.Title, lang)
			}
		})
	}
}

// The log form offers the person's open interests, the one asked for chosen; one
// not among them is asked for as a number, kept as given.
func TestFormViewLog(t *testing.T) {
	h := newHarness(t)
	h.sayAs("console:admin", "/new Marko Horvat, Acme")
	view := func(interest string) *bot.FormView {
		out := h.eng.Handle(context.Background(), bot.Request{Identity: "console:admin", View: bot.ViewForm, Form: &bot.Form{Name: bot.FormLog, Interest: interest, Text: "wants a demo"}})
		if len(out) != 1 || out[0].FormView == nil {
			t.Fatalf("form: %+v", out)
		}
		return out[0].FormView
	}
	fv := view("1")
	if f := fv.Fields[0]; f.Name != bot.FieldInterest || len(f.Options) != 1 || f.Initial != "1" || !strings.Contains(f.Options[0].Label, "Acme") {
		t.Errorf("interest field: %+v", f)
	}
	if f := fv.Fields[2]; f.Name != bot.FieldText || f.Initial != "wants a demo" {
		t.Errorf("text field: %+v", f)
	}
	if f := view("7").Fields[0]; len(f.Options) != 0 || f.Initial != "7" {
		t.Errorf("interest not among the options: %+v", f)
	}
	var texts []string
	for _, f := range fv.Fields {
		texts = append(texts, f.Label, f.Hint, f.Prompt)
		for _, o := range f.Options {
			texts = append(texts, o.Label)
		}
	}
	if k := rawKeys(h.eng.Catalog(), append(texts, fv.Title, fv.Submit, fv.Cancel)...); len(k) > 0 {
		t.Errorf("raw catalog keys in the form: %v", k)
	}
}

// Who tells members, admins about to join and strangers apart, without storing
// anyone.
func TestWho(t *testing.T) {
	h := newHarness(t)
	for _, tt := range []struct {
		id            crm.Identity
		known, member bool
		name          string
	}{
		{"console:admin", true, true, "Admin"},
		{"telegram:999", false, true, ""}, // in Options.Admins
		{"telegram:1", false, false, ""},
	} {
		p, err := h.eng.Who(context.Background(), tt.id)
		if err != nil || p.Known != tt.known || p.Member != tt.member || p.Name != tt.name || p.Lang == "" {
			t.Errorf("%s: %+v %v", tt.id, p, err)
		}
	}
	if p, _ := h.eng.Who(context.Background(), "telegram:999"); p.Known {
		t.Error("asking made the admin join")
	}
}

// A form's errors are worded in the reader's language, as the chat's are.
func TestFormErrorsInTheReadersLanguage(t *testing.T) {
	h := newHarness(t)
	h.sayAs("console:admin", "/lang hr")
	out := h.submit(bot.Form{Name: bot.FormNew, Contact: "Iva Ban", Value: "30,5", NextWhen: "sutra 10:00"}, "")
	if got := fieldsOf(out); strings.Join(got, ",") != "company,value" {
		t.Fatalf("errors on %v: %+v", got, out)
	}
	en := newHarness(t)
	enOut := en.submit(bot.Form{Name: bot.FormNew, Contact: "Iva Ban", Value: "30,5"}, "")
	for _, f := range []string{bot.FieldCompany, bot.FieldValue} {
		if out[0].FieldErrors[f] == "" || out[0].FieldErrors[f] == enOut[0].FieldErrors[f] {
			t.Errorf("%s: %q is not Croatian (English: %q)", f, out[0].FieldErrors[f], enOut[0].FieldErrors[f])
		}
	}
}
