package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

// recorder is a Notifier that records what it was asked to send, and fails as told.
type recorder struct {
	mu   sync.Mutex
	sent []sent
	fail func(to crm.Identity) error
}

type sent struct {
	To    crm.Identity
	Text  string
	Image *bot.Image
}

func (r *recorder) Notify(_ context.Context, to crm.Identity, rep bot.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		if err := r.fail(to); err != nil {
			return err
		}
	}
	r.sent = append(r.sent, sent{to, rep.Text, rep.Image})
	return nil
}

func (r *recorder) count(prefix string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, s := range r.sent {
		if strings.HasPrefix(s.Text, prefix) {
			n++
		}
	}
	return n
}

type schedEnv struct {
	t     *testing.T
	path  string
	db    *storage.DB
	svc   *crm.Service
	eng   *bot.Engine
	sched *scheduler.Scheduler
	rec   *recorder
	now   time.Time
	cfg   scheduler.Config
	logs  *syncBuffer // the engine's and scheduler's log, as text
	// obs, when set, wraps the database as the service sees it (to observe its
	// transactions).
	obs *storagetest.Observed
}

func newSchedEnv(t *testing.T, now time.Time, cfg scheduler.Config) *schedEnv {
	e := &schedEnv{t: t, path: filepath.Join(t.TempDir(), "crm.db"), now: now, rec: &recorder{}, cfg: cfg, logs: &syncBuffer{}}
	e.open()
	t.Cleanup(func() { e.db.Close() })
	return e
}

// open (re)opens the database and builds the service, engine and scheduler on it, as a
// process start does.
func (e *schedEnv) open() {
	db, err := storage.Open(e.path, storage.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	clock := func() time.Time { return e.now }
	if e.obs != nil {
		e.obs.Rewrap(db)
		e.svc = crm.NewService(e.obs, clock, crm.Config{})
	} else {
		e.svc = crm.NewService(db, clock, crm.Config{})
	}
	e.eng = bot.New(e.svc, bot.Options{Clock: clock, Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
	e.sched = scheduler.New(e.eng, e.cfg)
	e.sched.AddNotifier("telegram", e.rec)
}

func (e *schedEnv) restart() {
	e.db.Close()
	e.open()
}

func (e *schedEnv) say(who crm.Identity, text string) []bot.Reply {
	return e.eng.Handle(context.Background(), bot.Request{Identity: who, Text: text})
}

func (e *schedEnv) tick() scheduler.ScanStats {
	e.t.Helper()
	st, err := e.sched.Scan(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := e.sched.Deliver(context.Background(), "telegram"); err != nil {
		e.t.Fatal(err)
	}
	return st
}

// team: an admin (telegram:1, Zagreb), a manager Ana (telegram:2, Zagreb) and a manager
// Oleg (telegram:3, Moscow).
func (e *schedEnv) team() {
	ctx := context.Background()
	adm, err := e.svc.EnsureAdmin(ctx, "telegram:1", "Admin")
	if err != nil {
		e.t.Fatal(err)
	}
	tz := "Europe/Zagreb"
	if _, err := e.svc.UpdateUser(ctx, crm.Op{Actor: adm}, adm.ID, crm.UserPatch{TZ: &tz}); err != nil {
		e.t.Fatal(err)
	}
	e.say("telegram:1", "/team add Ana Horvat manager corporate Europe/Zagreb telegram:2")
	e.say("telegram:1", "/team add Oleg Petrov manager corporate Europe/Moscow telegram:3")
}

var zagreb, _ = time.LoadLocation("Europe/Zagreb")

func at(s string) time.Time {
	t, err := time.ParseInLocation("2006-01-02 15:04", s, zagreb)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNudgeOncePerDueTimeAndWorkingHours(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-25 15:00"), scheduler.Config{}) // Wednesday
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o., next fri 17:30 send proposal")
	e.say("telegram:2", "/next 1 fri 17:30 send proposal")
	e.say("telegram:2", "/log 1 note: answered") // a first response: no R16 escalation among the nudges
	e.say("telegram:2", "/settings digest off")

	if st := e.tick(); st.Nudges != 0 {
		t.Fatalf("nudged before the due time: %+v", st)
	}
	e.now = at("2026-11-27 17:31")
	// Two scans at the same instant and one later: one nudge.
	e.tick()
	e.tick()
	e.now = e.now.Add(time.Minute)
	e.tick()
	if n := e.rec.count("⏰ #1"); n != 1 {
		t.Fatalf("%d nudges for one due time, want 1: %+v", n, e.rec.sent)
	}
	if !strings.Contains(e.rec.sent[0].Text, "send proposal") || e.rec.sent[0].To != "telegram:2" {
		t.Fatalf("nudge: %+v", e.rec.sent[0])
	}
	// Snoozing moves the due time: a new nudge at the new time, and only then.
	e.say("telegram:2", "/snooze 1 1h")
	e.now = e.now.Add(30 * time.Minute)
	e.tick()
	if n := e.rec.count("⏰ #1"); n != 1 {
		t.Fatalf("nudged before the snooze ended")
	}
	// 18:32 + … the snoozed time 18:32 is after working hours (18:00): it waits for
	// Monday 09:00, across the weekend.
	e.now = at("2026-11-27 18:40")
	e.tick()
	e.now = at("2026-11-28 10:00") // Saturday
	e.tick()
	if n := e.rec.count("⏰ #1"); n != 1 {
		t.Fatalf("nudged outside working hours")
	}
	e.now = at("2026-11-30 09:00") // Monday
	e.tick()
	if n := e.rec.count("⏰ #1"); n != 2 {
		t.Fatalf("snoozed nudge not delivered on Monday at 09:00: %d", n)
	}
}

func TestWorkingHoursAcrossDST(t *testing.T) {
	// Europe/Zagreb springs forward on Sunday 28 March 2027, 02:00 → 03:00.
	w := crm.DefaultWorkSchedule
	due := time.Date(2027, 3, 27, 23, 30, 0, 0, time.UTC) // Sunday 00:30 CET
	got := w.NextWorking(due, zagreb)
	if want := time.Date(2027, 3, 29, 9, 0, 0, 0, zagreb); !got.Equal(want) || got.In(zagreb).Hour() != 9 {
		t.Fatalf("NextWorking across DST = %v, want %v", got.In(zagreb), want)
	}
	if got.UTC().Hour() != 7 {
		t.Fatalf("09:00 CEST is 07:00 UTC, got %v", got.UTC())
	}
	// And back in October (31 Oct 2027: 03:00 → 02:00): Monday 09:00 CET = 08:00 UTC.
	got = w.NextWorking(time.Date(2027, 10, 30, 22, 0, 0, 0, time.UTC), zagreb)
	if got.UTC().Hour() != 8 || got.In(zagreb).Weekday() != time.Monday {
		t.Fatalf("NextWorking across the autumn change = %v", got)
	}
	// Working days overdue skip the weekend: due Friday, Monday is 1, Wednesday 3.
	fri := at("2026-11-27 10:00")
	for _, c := range []struct {
		now  string
		want int
	}{{"2026-11-27 18:00", 0}, {"2026-11-29 12:00", 0}, {"2026-11-30 12:00", 1}, {"2026-12-02 08:00", 3}} {
		if got := w.WorkingDaysSince(fri, at(c.now), zagreb); got != c.want {
			t.Errorf("WorkingDaysSince(fri, %s) = %d, want %d", c.now, got, c.want)
		}
	}
}

func TestDigestsInTwoTimezones(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-30 05:00"), scheduler.Config{}) // Monday 05:00 Zagreb = 07:00 Moscow
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:3", "/new Ivan Ivanov, Romashka OOO")
	e.tick()
	if n := e.rec.count("Good morning"); n != 0 {
		t.Fatalf("digests before their time: %d", n)
	}
	e.now = at("2026-11-30 06:31") // 08:31 in Moscow
	e.tick()
	if e.rec.count("Good morning, Oleg") != 1 || e.rec.count("Good morning, Ana") != 0 {
		t.Fatalf("at 08:31 Moscow only Oleg's digest: %+v", e.rec.sent)
	}
	e.now = at("2026-11-30 08:31")
	e.tick()
	e.tick()
	if e.rec.count("Good morning, Ana") != 1 || e.rec.count("Good morning, Oleg") != 1 {
		t.Fatalf("one digest each: %+v", e.rec.sent)
	}
	if n := e.rec.count("Good morning, Admin"); n != 0 {
		t.Fatalf("the admin owns no open interest but got %d empty digests", n)
	}
	if txt := e.rec.sent[len(e.rec.sent)-1].Text; !strings.Contains(txt, "Good morning") {
		t.Fatalf("last: %q", txt)
	}
	// Saturday: no digests.
	e.now = at("2026-12-05 08:31")
	before := e.rec.count("Good morning")
	e.tick()
	if e.rec.count("Good morning") != before {
		t.Fatal("a digest on Saturday")
	}
}

func TestMissedDigestCatchUp(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-30 07:00"), scheduler.Config{})
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.tick()
	// The process is down from 07:00 to 09:45 (past Ana's 08:30): on start, her digest
	// goes out once, late.
	e.restart()
	e.now = at("2026-11-30 09:45")
	e.tick()
	e.tick()
	if n := e.rec.count("Good morning, Ana"); n != 1 {
		t.Fatalf("missed digest sent %d times, want 1", n)
	}
	// Down over Tuesday's digest for more than the grace period: skipped, not sent.
	e.restart()
	e.now = at("2026-12-01 11:00")
	st := e.tick()
	if n := e.rec.count("Good morning, Ana"); n != 1 || st.Skipped == 0 {
		t.Fatalf("a digest 2.5 h late was sent (%d) or not recorded as skipped (%+v)", n, st)
	}
}

func TestRestartBetweenDecideAndSend(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-25 10:00"), scheduler.Config{})
	e.team()
	e.say("telegram:2", "/settings digest off")
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:2", "/next 1 2026-11-25 11:00 call")
	e.now = at("2026-11-25 11:05")
	if st, err := e.sched.Scan(context.Background()); err != nil || st.Nudges != 1 {
		t.Fatalf("scan: %+v %v", st, err)
	}
	// Crash before delivering; a second scheduler (and a second scan) after the restart.
	e.restart()
	e.tick()
	e.tick()
	if n := e.rec.count("⏰ #1"); n != 1 {
		t.Fatalf("%d nudges after a restart between decision and delivery, want 1", n)
	}
}

func TestEscalationAfterWorkingDays(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-26 10:00"), scheduler.Config{EscalateAfter: 2})
	e.team()
	e.say("telegram:1", "/team add Petra Novak head corporate Europe/Zagreb telegram:4")
	for _, id := range []crm.Identity{"telegram:1", "telegram:2", "telegram:3", "telegram:4"} {
		e.say(id, "/settings digest off")
	}
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:2", "/next 1 fri 10:00 send the proposal")
	for _, now := range []string{"2026-11-27 11:00", "2026-11-30 11:00", "2026-12-01 11:00"} {
		e.now = at(now)
		e.tick()
	}
	if n := e.rec.count("⚠ Escalation"); n != 0 {
		t.Fatalf("escalated after 2 working days: %+v", e.rec.sent)
	}
	e.now = at("2026-12-02 11:00") // 3 working days after Friday
	e.tick()
	e.now = e.now.Add(time.Hour)
	e.tick()
	var head, owner int
	for _, s := range e.rec.sent {
		if strings.HasPrefix(s.Text, "⚠ Escalation") && s.To == "telegram:4" && strings.Contains(s.Text, "Ana Horvat") && strings.Contains(s.Text, "Acme") {
			head++
		}
		if strings.Contains(s.Text, "your head was told") && s.To == "telegram:2" {
			owner++
		}
	}
	if head != 1 || owner != 1 {
		t.Fatalf("escalations: head %d, owner told %d, want 1 and 1: %+v", head, owner, e.rec.sent)
	}
}

func TestDeliveryFailures(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-25 10:00"), scheduler.Config{})
	e.team()
	for _, id := range []crm.Identity{"telegram:1", "telegram:2", "telegram:3"} {
		e.say(id, "/settings digest off")
	}
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:2", "/next 1 2026-11-25 11:00 call")
	e.say("telegram:3", "/new Ivan Ivanov, Romashka")
	e.say("telegram:3", "/next 2 2026-11-25 13:00 call") // 11:00 in Zagreb
	fails := map[crm.Identity]int{"telegram:2": 2}
	e.rec.fail = func(to crm.Identity) error {
		if to == "telegram:3" {
			return fmt.Errorf("403 Forbidden: bot was blocked by the user: %w", bot.ErrUnreachable)
		}
		if fails[to] > 0 {
			fails[to]--
			return errors.New("502 bad gateway")
		}
		return nil
	}
	e.now = at("2026-11-25 11:01")
	e.tick()
	if e.rec.count("⏰") != 0 {
		t.Fatal("delivered despite errors")
	}
	// Transient errors back off and retry; the blocked user is given up at once.
	for i := 0; i < 4; i++ {
		e.now = e.now.Add(time.Minute)
		e.tick()
	}
	if n := e.rec.count("⏰ #1"); n != 1 {
		t.Fatalf("after two 502s the nudge was delivered %d times, want 1", n)
	}
	if n := e.rec.count("⏰ #2"); n != 0 {
		t.Fatal("delivered to a user who blocked the bot")
	}
	oleg, err := e.svc.Authenticate(context.Background(), "telegram:3")
	if err != nil || oleg.Reachable("telegram:3") {
		t.Fatalf("a blocked user is not marked unreachable: %v", err)
	}
	if n := e.rec.count("Oleg Petrov can no longer be reached"); n != 1 {
		t.Fatalf("admin told %d times, want once: %+v", n, e.rec.sent)
	}
	// More due follow-ups for the blocked user: nothing is decided for them until they
	// write again, and the admin is not told twice.
	e.say("telegram:2", "/settings digest off")
	e.now = e.now.Add(24 * time.Hour)
	e.tick()
	if n := e.rec.count("Oleg Petrov can no longer be reached"); n != 1 {
		t.Fatalf("admin told %d times, want once", n)
	}
}

func TestHeadDigestInChannel(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-30 07:00"), scheduler.Config{})
	e.team()
	got := e.eng.Handle(context.Background(), bot.Request{Identity: "telegram:1", Text: "/channel", Chat: bot.ChatGroup, ChatID: "telegram:-1001"})
	if len(got) != 1 || !strings.Contains(got[0].Text, "now gets the department's daily digest") {
		t.Fatalf("/channel: %+v", got)
	}
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:2", "/new Goran Kos, Kos Trade")
	e.say("telegram:2", "/lost 2 competitor")
	e.say("telegram:3", "/new Ivan Ivanov, Romashka")
	e.say("telegram:3", "/won 3")
	e.now = at("2026-11-30 08:31")
	e.tick()
	e.tick()
	var digests []string
	for _, s := range e.rec.sent {
		if s.To == "telegram:-1001" {
			digests = append(digests, s.Text)
		}
	}
	if len(digests) != 1 {
		t.Fatalf("%d department digests, want 1: %+v", len(digests), e.rec.sent)
	}
	d := digests[0]
	for _, want := range []string{"Ana Horvat: 1 open", "Oleg Petrov: 0 open", "opened 3 · won 1 · lost 1 (competitor 1)", "won 1 of 2 closed (50%); of 3 opened, 33% won"} {
		if !strings.Contains(d, want) {
			t.Errorf("department digest lacks %q:\n%s", want, d)
		}
	}
	// The next day, "since the last digest" starts at this one.
	e.say("telegram:2", "/won 1")
	e.now = at("2026-12-01 08:31")
	before := len(e.rec.sent)
	e.tick()
	var second []string
	for _, s := range e.rec.sent[before:] {
		if s.To == "telegram:-1001" {
			second = append(second, s.Text)
		}
	}
	if len(second) != 1 || !strings.Contains(second[0], "opened 0 · won 1 · lost 0") {
		t.Fatalf("second digest: %q", second)
	}
}

func TestHeadDigestChart(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-30 07:00"), scheduler.Config{HeadChannel: "telegram:-1002", HeadDigestChart: true})
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.now = at("2026-11-30 08:31")
	e.tick()
	for _, s := range e.rec.sent {
		if s.To != "telegram:-1002" {
			continue
		}
		if s.Image == nil || !bytes.HasPrefix(s.Image.PNG, []byte("\x89PNG")) {
			t.Fatalf("department digest without a PNG chart: %+v", s)
		}
		return
	}
	t.Fatalf("no department digest in CRMBOT_HEAD_CHANNEL: %+v", e.rec.sent)
}
