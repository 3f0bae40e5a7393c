package scheduler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// syncBuffer is a log sink safe for the concurrent senders.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// sentTo returns the texts sent to one target.
func (r *recorder) sentTo(to crm.Identity) []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, s := range r.sent {
		if s.To == to {
			out = append(out, s.Text)
		}
	}
	return out
}

func countPrefix(texts []string, prefix string) int {
	n := 0
	for _, t := range texts {
		if strings.HasPrefix(t, prefix) {
			n++
		}
	}
	return n
}

// A digest time set later in the day, after the day's default slot was skipped, still
// fires: the skip names the 08:30 slot, not the day.
func TestDigestTimeChangedAfterScan(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-29 14:00"), scheduler.Config{}) // Sunday
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:2", "/settings hours 00:00-23:59 mon-sun")
	st := e.tick()
	if st.Skipped == 0 || st.SkippedBy["late"] == 0 {
		t.Fatalf("today's 08:30 digest is 5.5 h late: want it skipped as late, got %+v", st)
	}
	e.say("telegram:2", "/settings digest 14:02")
	e.now = at("2026-11-29 14:03")
	e.tick()
	e.tick()
	if n := countPrefix(e.rec.sentTo("telegram:2"), "Good morning, Ana"); n != 1 {
		t.Fatalf("digest at the new time sent %d times, want 1: %q", n, e.rec.sentTo("telegram:2"))
	}
	// The day had its digest: moving the time again does not send a second one.
	e.say("telegram:2", "/settings digest 15:00")
	e.now = at("2026-11-29 15:01")
	e.tick()
	if n := countPrefix(e.rec.sentTo("telegram:2"), "Good morning, Ana"); n != 1 {
		t.Fatalf("two digests in one day after a second change: %d", n)
	}
	if !strings.Contains(e.logs.String(), "reason=late") {
		t.Fatalf("skip not logged with its reason:\n%s", e.logs)
	}
}

// Working hours changed after a scan put today among the working days: today's digest
// is due at its time.
func TestHoursChangedAfterScan(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-28 07:00"), scheduler.Config{}) // Saturday
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:2", "/settings digest 11:00")
	e.tick()
	e.now = at("2026-11-28 10:30")
	e.tick()
	if n := countPrefix(e.rec.sentTo("telegram:2"), "Good morning"); n != 0 {
		t.Fatalf("a digest on a day off: %d", n)
	}
	e.say("telegram:2", "/settings hours 09:00-14:00 mon-sat")
	e.now = at("2026-11-28 11:01")
	e.tick()
	if n := countPrefix(e.rec.sentTo("telegram:2"), "Good morning, Ana"); n != 1 {
		t.Fatalf("Saturday made a working day: %d digests at 11:01, want 1", n)
	}
	// Sunday is still off: the skip is logged once, not sent.
	e.now = at("2026-11-29 11:01")
	st := e.tick()
	e.tick()
	if st.SkippedBy["day_off"] == 0 || countPrefix(e.rec.sentTo("telegram:2"), "Good morning") != 1 {
		t.Fatalf("Sunday: %+v, %q", st, e.rec.sentTo("telegram:2"))
	}
	if n := strings.Count(e.logs.String(), "reason=day_off"); n < 1 {
		t.Fatalf("day-off skip not logged:\n%s", e.logs)
	}
}

// The process is down across the digest time for longer than the grace: the skip is
// logged with the outage, and the next digest says why the last one never came.
func TestRestartAcrossDigestTimeShortGrace(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-30 07:00"), scheduler.Config{Grace: 30 * time.Minute}) // Monday
	e.team()
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:2", "/log 1 note: answered") // a first response: no R16 escalation to count
	e.tick()
	e.restart()
	e.now = at("2026-11-30 10:00")
	st := e.tick()
	if st.SkippedBy["offline"] != 1 {
		t.Fatalf("Ana's digest missed while offline: %+v", st)
	}
	if n := countPrefix(e.rec.sentTo("telegram:2"), "Good morning"); n != 0 {
		t.Fatalf("a digest 1.5 h late with a 30 min grace was sent")
	}
	logs := e.logs.String()
	if !strings.Contains(logs, "digest skipped") || !strings.Contains(logs, "reason=offline") || !strings.Contains(logs, "offline_from=2026-11-30T06:00:00Z") || !strings.Contains(logs, "level=INFO") {
		t.Fatalf("skip not logged at info with the outage:\n%s", logs)
	}
	e.now = at("2026-12-01 08:31")
	e.tick()
	got := e.rec.sentTo("telegram:2")
	if len(got) != 1 || !strings.HasPrefix(got[0], "The digest of Mon 30 Nov was skipped: the bot was offline from Mon 30 Nov 07:00 to Mon 30 Nov 10:00.") || !strings.Contains(got[0], "Good morning, Ana") {
		t.Fatalf("Tuesday's digest: %q", got)
	}
	// Told once.
	e.now = at("2026-12-02 08:31")
	e.tick()
	if got := e.rec.sentTo("telegram:2"); len(got) != 2 || strings.Contains(got[1], "was skipped") {
		t.Fatalf("Wednesday's digest: %q", got)
	}
}

// The department digest is posted at the digest time, in the zone and on the working
// days of the head who set the channel — here on a Sunday the head works.
func TestDeptDigestAtHeadTimeOnWorkingSunday(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-29 07:00"), scheduler.Config{HeadDigestAt: "08:30"}) // Sunday
	e.team()
	e.say("telegram:1", "/team add Petra Novak head corporate Europe/Moscow telegram:4")
	e.say("telegram:1", "/team add Ivo Ivić head corporate Europe/Zagreb telegram:5")
	e.say("telegram:4", "/settings hours 00:00-23:59 mon-sun")
	e.say("telegram:4", "/settings digest 12:00") // 10:00 in Zagreb
	e.eng.Handle(context.Background(), bot.Request{Identity: "telegram:4", Text: "/channel", Chat: bot.ChatGroup, ChatID: "telegram:-1001"})
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.now = at("2026-11-29 09:59")
	e.tick()
	if got := e.rec.sentTo("telegram:-1001"); len(got) != 0 {
		t.Fatalf("department digest before the head's 12:00 Moscow: %q", got)
	}
	e.now = at("2026-11-29 10:01")
	e.tick()
	e.tick()
	got := e.rec.sentTo("telegram:-1001")
	if len(got) != 1 || !strings.Contains(got[0], "Ana Horvat: 1 open") {
		t.Fatalf("department digest on the head's working Sunday: %q", got)
	}
	// The other head's default schedule plays no part; nor does the default time on
	// Monday: the head's 12:00 Moscow.
	e.now = at("2026-11-30 08:31")
	e.tick()
	if got := e.rec.sentTo("telegram:-1001"); len(got) != 1 {
		t.Fatalf("department digest at the default time: %q", got)
	}
	e.now = at("2026-11-30 10:01")
	e.tick()
	if got := e.rec.sentTo("telegram:-1001"); len(got) != 2 {
		t.Fatalf("Monday's department digest at the head's time: %q", got)
	}
}

// Escalations go to the head privately, naming client and manager; the department
// channel gets only counts, unless an admin turns named escalations on there.
func TestEscalationPrivateToHeadCountsInChannel(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-25 10:00"), scheduler.Config{EscalateAfter: 2}) // Wednesday
	e.team()
	e.say("telegram:1", "/team add Petra Novak head corporate Europe/Zagreb telegram:4")
	for _, id := range []crm.Identity{"telegram:1", "telegram:2", "telegram:3", "telegram:4"} {
		e.say(id, "/settings digest off")
	}
	e.eng.Handle(context.Background(), bot.Request{Identity: "telegram:1", Text: "/channel", Chat: bot.ChatGroup, ChatID: "telegram:-1001"})
	e.say("telegram:2", "/new Marko Đurić, Acme d.o.o.")
	e.say("telegram:2", "/next 1 2026-11-25 11:00 send the proposal")
	e.say("telegram:2", "/new Goran Kos, Gama d.o.o.")
	e.say("telegram:2", "/next 2 2026-11-25 11:00 call")
	e.say("telegram:3", "/new Ivan Ivanov, Romashka")
	e.say("telegram:3", "/next 3 2026-11-25 13:00 call")
	e.say("telegram:2", "/new Mia Kos, Delta d.o.o.")
	e.say("telegram:2", "/next 4 2026-11-27 11:00 call") // Friday: escalated a day later
	e.now = at("2026-12-01 11:00")                       // Tuesday: 4 working days later
	e.tick()
	e.tick()
	head := e.rec.sentTo("telegram:4")
	if n := countPrefix(head, "⚠ Escalation"); n != 3 {
		t.Fatalf("head told of %d escalations privately, want 3: %q", n, head)
	}
	if !strings.Contains(strings.Join(head, "\n"), "Gama d.o.o. (Ana Horvat)") {
		t.Fatalf("private escalation does not name the client and manager: %q", head)
	}
	ch := e.rec.sentTo("telegram:-1001")
	if len(ch) != 1 || ch[0] != "3 follow-ups overdue more than 2 working days: Ana Horvat 2, Oleg Petrov 1" {
		t.Fatalf("channel: %q", ch)
	}
	// Named escalations in the channel: an admin's choice.
	if r := e.say("telegram:4", "/settings escalations channel"); len(r) != 1 || !strings.Contains(r[0].Text, "Only admins") {
		t.Fatalf("a head turned named escalations on: %+v", r)
	}
	if r := e.say("telegram:1", "/settings escalations loud"); len(r) != 1 || !strings.Contains(r[0].Text, "/settings escalations private") {
		t.Fatalf("bad mode: %+v", r)
	}
	if r := e.say("telegram:1", "/settings escalations channel"); len(r) != 1 || !strings.Contains(r[0].Text, "naming the client") {
		t.Fatalf("named on: %+v", r)
	}
	e.now = at("2026-12-02 11:00")
	e.tick()
	ch = e.rec.sentTo("telegram:-1001")
	if len(ch) != 2 || !strings.HasPrefix(ch[1], "⚠ Escalation: #4 Delta d.o.o. (Ana Horvat)") {
		t.Fatalf("named escalation in the channel: %q", ch)
	}
	if n := countPrefix(e.rec.sentTo("telegram:4"), "⚠ Escalation"); n != 3 {
		t.Fatalf("head told privately as well in named mode: %d", n)
	}
}

// seedBacklog gives owner n open interests, all due at due, written straight to the
// database (the service would take a transaction each).
func seedBacklog(t *testing.T, e *schedEnv, ownerIdentity crm.Identity, n int, due time.Time) {
	t.Helper()
	storagetest.Seed(t, e.db, func(seed *storagetest.Seeder) error {
		owner, err := seed.UserByIdentity(ownerIdentity)
		if err != nil {
			return err
		}
		for i := 0; i < n; i++ {
			co := &crm.Company{Name: fmt.Sprintf("Client %d d.o.o.", i), CreatedAt: due}
			if err := seed.PutCompany(co); err != nil {
				return err
			}
			in := &crm.Interest{Kind: crm.KindInterest, CompanyID: co.ID, OwnerID: owner.ID, Segment: crm.SegmentCorporate,
				Stage: crm.StageNew, Next: crm.NextAction{What: "next.call", Due: due.Add(time.Duration(i) * time.Second)},
				CreatedAt: due.Add(-time.Hour), UpdatedAt: due.Add(-time.Hour), LastActivityAt: due.Add(-time.Hour)}
			if err := seed.PutInterest(in); err != nil {
				return err
			}
		}
		return nil
	})
}

// A backlog (an import, an outage) of every follow-up overdue: the scan works in
// bounded chunks, each person gets a handful of messages and one summary per kind,
// every decision is recorded exactly once, and a crash in the middle of the pass
// neither repeats nor loses one.
func TestBacklogChunkedWithoutFloods(t *testing.T) {
	const backlog = 1500
	e := newSchedEnv(t, at("2026-11-25 10:00"), scheduler.Config{EscalateAfter: 2})
	obs := storagetest.Observe(e.db)
	e.obs = obs
	e.restart()
	e.team()
	e.say("telegram:1", "/team add Petra Novak head corporate Europe/Zagreb telegram:4")
	for _, id := range []crm.Identity{"telegram:1", "telegram:2", "telegram:3", "telegram:4"} {
		e.say(id, "/settings digest off")
	}
	seedBacklog(t, e, "telegram:2", backlog, at("2026-11-10 09:00"))
	e.now = at("2026-11-25 10:00")
	obs.Reset(4) // crash in the middle of the nudges
	if _, err := e.sched.Scan(context.Background()); !errors.Is(err, storagetest.ErrCrash) {
		t.Fatalf("scan: %v, want the crash", err)
	}
	e.restart() // the pass resumes where the last committed chunk left it
	obs.Reset(0)
	e.tick()
	e.tick()
	writes := obs.Writes()
	maxWrites := 0
	for _, n := range writes {
		maxWrites = max(maxWrites, n)
	}
	// A chunk of 256 interests writes one nudge record each, plus, for escalations,
	// the head's and the owner's record: never the whole backlog in one transaction.
	if maxWrites > 2*256 || len(writes) < 2*backlog/256 {
		t.Fatalf("%d write transactions, at most %d outbox records in one: not chunked", len(writes), maxWrites)
	}
	ana := e.rec.sentTo("telegram:2")
	if n := countPrefix(ana, "⏰ #"); n != 5 {
		t.Fatalf("Ana got %d individual nudges, want 5", n)
	}
	sum := fmt.Sprintf("⏰ %d more follow-ups are overdue — /today lists them.", backlog-5)
	if countPrefix(ana, sum) != 1 {
		t.Fatalf("Ana's summary %q missing or repeated: %q", sum, ana)
	}
	if n := countPrefix(ana, fmt.Sprintf("%d more of your follow-ups are overdue long enough", backlog)); n != 1 {
		t.Fatalf("Ana's escalation summary: %q", ana)
	}
	if len(ana) != 7 {
		t.Fatalf("Ana got %d messages, want 5 nudges and 2 summaries: %q", len(ana), ana)
	}
	petra := e.rec.sentTo("telegram:4")
	want := fmt.Sprintf("Ana Horvat has %d follow-ups overdue more than 2 working days.", backlog-5)
	if len(petra) != 6 || countPrefix(petra, "⚠ Escalation") != 5 || petra[5] != want {
		t.Fatalf("head got %d messages, want 5 escalations and %q: %q", len(petra), want, petra)
	}
	// Every interest's escalation decided exactly once: a record each (nudges older
	// than the look-back are made once by the pass's position, and counted above).
	due := storagetest.DueBefore(t, e.db, 0, e.now)
	if len(due) != backlog {
		t.Fatalf("%d due, want %d", len(due), backlog)
	}
	for _, in := range due {
		if k := fmt.Sprintf("escnote:%d:%d", in.ID, in.Next.Due.Unix()); storagetest.OutboxMessage(t, e.db, k) == nil {
			t.Fatalf("%s: no outbox record", k)
		}
	}
	if problems, err := e.db.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("verify after the backlog: %v %q", err, problems)
	}
	// Nothing more on the next scans.
	before := len(e.rec.sent)
	e.now = e.now.Add(20 * time.Minute)
	st := e.tick()
	if len(e.rec.sent) != before || st.Nudges+st.Escalations+st.Summaries+st.Folded != 0 {
		t.Fatalf("a later scan decided more: %+v", st)
	}
}

// Folded nudges due within the scans' look-back are recorded: the next scan, which
// reads them again, neither nudges nor counts them twice.
func TestFoldedRecentNudgesOnce(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-25 10:00"), scheduler.Config{})
	e.team()
	for _, id := range []crm.Identity{"telegram:1", "telegram:2", "telegram:3"} {
		e.say(id, "/settings digest off")
	}
	e.tick()
	seedBacklog(t, e, "telegram:2", 8, at("2026-11-25 10:30"))
	for _, now := range []string{"2026-11-25 10:31", "2026-11-25 10:32", "2026-11-25 10:50"} {
		e.now = at(now)
		e.tick()
	}
	ana := e.rec.sentTo("telegram:2")
	if len(ana) != 6 || countPrefix(ana, "⏰ #") != 5 || ana[5] != "⏰ 3 more follow-ups are overdue — /today lists them." {
		t.Fatalf("Ana: %q", ana)
	}
}
