package bot_test

import (
	"strings"
	"testing"

	"crmbot/crm"
)

// with managers seeing only their own interests, a duplicate phone typed by
// another manager must not reveal the other manager's contact and company.
func TestOwnOnlyDuplicateRevealsNothing(t *testing.T) {
	h := newHarnessWith(t, crm.Config{DefaultRegion: "HR", Currency: "EUR", ManagersSeeOwnOnly: true})
	say := h.sayAsWithButtons
	say("console:admin", "/team add Ana Horvat manager corporate Europe/Zagreb console:ana")
	say("console:admin", "/team add Ivo Ivic manager corporate Europe/Zagreb console:ivo")
	t.Log(say("console:ana", "/new Marko Đurić, Acme d.o.o., 091 987 6543"))
	t.Log(say("console:ivo", "/show 1"))
	got := say("console:ivo", "/new Netko, Nova firma, 091 987 6543")
	t.Log(got)
	if strings.Contains(got, "Marko") || strings.Contains(got, "Acme") {
		t.Errorf("own-only: Ivo is shown Ana's contact: %s", got)
	}
	t.Log(say("console:ivo", "/new Marko Djuric, Acme d.o.o., 091 987 6543"))
	t.Log(say("console:ivo", "/find 0919876543"))
}
