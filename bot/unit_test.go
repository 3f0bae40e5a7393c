package bot_test

import (
	"context"
	"strings"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

// unitWorld is an engine on a counted real database with a manager, Ana, who owns
// interest #2; the admin owns #1.
type unitWorld struct {
	t   *testing.T
	db  *storage.DB
	cs  *storagetest.Counting // counts the transactions the Service opens
	svc *crm.Service
	eng *bot.Engine
}

func newUnitWorld(t *testing.T) *unitWorld {
	t.Helper()
	db := storagetest.Open(t)
	cs := storagetest.Count(db)
	clk := &clock{t: start}
	svc := crm.NewService(cs, clk.Now, crm.Config{DefaultRegion: "HR", Currency: "EUR"})
	if _, err := svc.EnsureAdmin(context.Background(), "console:admin", "Admin"); err != nil {
		t.Fatal(err)
	}
	w := &unitWorld{t: t, db: db, cs: cs, svc: svc, eng: bot.New(svc, bot.Options{Clock: clk.Now})}
	for _, s := range []struct{ id, text string }{
		{"console:admin", "/team add Ana Horvat manager corporate Europe/Zagreb console:ana"},
		{"console:admin", "/new Marko Đurić, Acme d.o.o."},
		{"console:ana", "/new Iva Ivić, Beta d.o.o."},
	} {
		w.send(crm.Identity(s.id), s.text, "")
	}
	return w
}

func (w *unitWorld) send(id crm.Identity, text, key string) string {
	var out []string
	for _, r := range w.eng.Handle(context.Background(), bot.Request{Identity: id, Name: "T", Chat: bot.ChatPrivate, Text: text, Key: key}) {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

func (w *unitWorld) idempotencyRecords() int {
	st, err := w.db.Stats()
	if err != nil {
		w.t.Fatal(err)
	}
	return st.Idempotency
}

func (w *unitWorld) refusals() int {
	n := 0
	for _, e := range storagetest.Audit(w.t, w.db, "interest", 1) {
		if e.Refused {
			n++
		}
	}
	return n
}

// Each message is one unit of work: a read-only message opens one read transaction
// and no write; a changing one reads once and writes once, keeping one idempotency
// record; a redelivery is answered from that record without writing.
func TestOneTransactionPerMessage(t *testing.T) {
	w := newUnitWorld(t)
	const ana = crm.Identity("console:ana")
	// Commands that always write (/log, /next, /new…) start in the write
	// transaction: no read before it. Others run read-only first and write only if
	// they must.
	steps := []struct {
		name      string
		id        crm.Identity
		text, key string
		want      string // a part of the reply
		views     int64
		commits   int64
		updates   int64 // write transactions opened, committed or not
		records   int   // idempotency records added
	}{
		{"show", ana, "/show 2", "k-show", "Beta d.o.o.", 1, 0, 0, 0},
		{"today", ana, "/today", "k-today", "", 1, 0, 0, 0},
		{"find", ana, "/find Beta", "k-find", "Beta", 1, 0, 0, 0},
		{"help", ana, "/help", "k-help", "/log", 1, 0, 0, 0},
		{"my", ana, "/my", "k-my", "#2", 1, 0, 0, 0},
		{"log", ana, "/log 2 call: talked, next fri 10:00 send proposal", "k-log", "Logged on #2", 0, 1, 1, 1},
		// Found kept inside the write, which is rolled back: nothing reaches the disk.
		{"log redelivered", ana, "/log 2 call: talked, next fri 10:00 send proposal", "k-log", "Logged on #2", 0, 0, 1, 0},
		{"next", ana, "/next 2 mon 10:00 call back", "k-next", "#2", 0, 1, 1, 1},
		{"stage", ana, "/stage 2 meeting", "k-stage", "meeting", 0, 1, 1, 1},
		{"new dialogue: start", ana, "/new", "k-new1", "", 0, 1, 1, 1},
		{"new dialogue: name", ana, "Petar Perić", "k-new2", "", 1, 1, 1, 1},
		{"new dialogue: cancel", ana, "/cancel", "k-new3", "", 1, 1, 1, 1},
		{"log, bad input", ana, "/log abc call: hello", "k-bad", "", 0, 0, 1, 0},
		{"without a key", ana, "/log 2 note: no key", "", "Logged on #2", 0, 1, 1, 0},
		// Refused before the change is tried: the refusal's audit entry and the
		// reply land in one write.
		{"refused", ana, "/log 1 call: not mine", "k-refused", "belongs to another manager", 0, 1, 1, 1},
		// A Service write that fails inside the unit may have written part of itself:
		// the message runs again the way it ran before units (see
		// crm.Service.Message), the failed write rolled back twice, then the reply
		// kept in one write.
		{"failed write", ana, "/stage 2 meeting", "k-same", "meeting", 1, 1, 3, 1},
		{"refused next", ana, "/next 1 mon 10:00 call", "k-rn", "belongs to another manager", 0, 1, 1, 1},
		{"refused stage", ana, "/stage 1 meeting", "k-rs", "belongs to another manager", 0, 1, 1, 1},
		// /snooze has no question to ask first: the refusal comes from the write,
		// which runs again the old way; its audit entry lands with the reply.
		{"refused snooze", ana, "/snooze 1 1h", "k-rz", "belongs to another manager", 0, 1, 3, 1},
		{"stranger", "console:nobody", "/show 1", "k-stranger", "console:nobody", 1, 0, 0, 0},
		{"pipeline", "console:admin", "/pipeline", "k-pipe", "", 1, 0, 0, 0},
		{"settings shown", ana, "/settings", "k-set", "", 1, 0, 0, 0},
		// A setting is typed and written once, after the read-only run found it writes.
		{"settings changed", "console:admin", "/settings escalations channel", "k-esc", "", 1, 1, 1, 1},
	}
	var logReply string
	for _, s := range steps {
		w.cs.Reset()
		records, refusals := w.idempotencyRecords(), w.refusals()
		got := w.send(s.id, s.text, s.key)
		if !strings.Contains(got, s.want) {
			t.Errorf("%s: reply %q, want it to contain %q", s.name, got, s.want)
		}
		if v, u, c := w.cs.Views(), w.cs.Updates(), w.cs.Commits(); v != s.views || u != s.updates || c != s.commits {
			t.Errorf("%s: %d reads, %d writes (%d committed); want %d, %d (%d)", s.name, v, u, c, s.views, s.updates, s.commits)
		}
		if n := w.idempotencyRecords() - records; n != s.records {
			t.Errorf("%s: %d idempotency records added, want %d", s.name, n, s.records)
		}
		switch s.name {
		case "log":
			logReply = got
		case "log redelivered":
			if got != logReply {
				t.Errorf("redelivery answered %q, want the first answer %q", got, logReply)
			}
		}
		if strings.HasPrefix(s.name, "refused") {
			if n := w.refusals() - refusals; n != 1 {
				t.Errorf("%s: %d refusal audit entries added, want 1", s.name, n)
			}
		}
	}
	if ts, err := w.svc.Settings(context.Background()); err != nil || !ts.EscalationsNamed {
		t.Errorf("settings after /settings escalations channel: %+v, %v", ts, err)
	}
	// The redelivered /log did not log twice.
	card := w.send(ana, "/show 2", "")
	if n := strings.Count(card, "talked"); n != 1 {
		t.Errorf("the card shows the logged call %d times, want 1:\n%s", n, card)
	}
}
