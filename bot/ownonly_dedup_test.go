package bot_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
)

// with managers seeing only their own interests, a duplicate phone typed by
// another manager must not reveal the other manager's contact and company.
func TestOwnOnlyDuplicateRevealsNothing(t *testing.T) {
	db, err := storage.Open(filepath.Join(t.TempDir(), "crm.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{t: start}
	svc := crm.NewService(db, clk.Now, crm.Config{DefaultRegion: "HR", Currency: "EUR", ManagersSeeOwnOnly: true})
	if _, err := svc.EnsureAdmin(context.Background(), "console:admin", "Admin"); err != nil {
		t.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: clk.Now})
	say := func(id crm.Identity, text string) string {
		var out []string
		for _, r := range eng.Handle(context.Background(), bot.Request{Identity: id, Name: "T", Chat: bot.ChatPrivate, Text: text}) {
			out = append(out, r.Text)
			for _, row := range r.Buttons {
				for _, b := range row {
					out = append(out, "["+b.Label+"]")
				}
			}
		}
		return strings.Join(out, "\n")
	}
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
