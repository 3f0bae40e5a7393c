package slack

import (
	"strings"
	"testing"
)

// A stranger whose Slack is in Croatian (users.info locale hr-HR) is refused in
// Croatian; users.info was asked for the locale.
func TestStrangerRefusedInSlackLocale(t *testing.T) {
	e := newEnv(t)
	e.command("UHR1", "C1", "help", "tr-hr-1")
	got := e.slack.waitFor("response_url", 1)[0]
	if !strings.Contains(got.text(), "Još niste u prodajnom timu") || !strings.Contains(got.text(), "slack:T1/UHR1") {
		t.Errorf("refusal: %q", got.text())
	}
	infos := e.slack.all("users.info")
	if len(infos) == 0 || infos[0].Form.Get("include_locale") != "true" {
		t.Errorf("users.info calls: %+v", infos)
	}
	e.stop()
}

// A member who chose Croatian gets Croatian forms: title, labels and kinds.
func TestModalInUsersLanguage(t *testing.T) {
	e := newEnv(t)
	e.command(testUser, "DU1", "lang hr", "tr-lang")
	if got := e.slack.waitFor("response_url", 1)[0].text(); !strings.Contains(got, "Jezik postavljen na hr.") {
		t.Fatalf("/crm lang hr: %q", got)
	}
	e.command(testUser, "C1", "log", "tr-log-hr")
	open := e.slack.all("views.open")
	if len(open) != 1 {
		t.Fatalf("views.open: %d", len(open))
	}
	v := open[0].viewJSON()
	for _, want := range []string{"Zabilježi u CRM", "Broj interesa", "poziv", "bilješka", "Što se dogodilo"} {
		if !strings.Contains(v, want) {
			t.Errorf("log form lacks %q: %s", want, v)
		}
	}
	e.stop()
}
