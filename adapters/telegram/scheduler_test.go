package telegram

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

// seedUser is a person of seedNudges: a Telegram user id, a role and how many
// follow-ups of theirs are due.
type seedUser struct {
	tgID int64
	name string
	role crm.Role
	due  int
}

// seedNudges writes users and, for each, due interests (with a company and a contact,
// as a nudge names them) straight through the store, in one transaction: far faster
// than /new and /next for thousands. Interests are created round-robin across users,
// so consecutive outbox keys go to different chats. Digests are off.
func seedNudges(tb testing.TB, db *storage.DB, users []seedUser, due time.Time) {
	tb.Helper()
	storagetest.Seed(tb, db, func(seed *storagetest.Seeder) error {
		ids := make([]uint64, len(users))
		for i, su := range users {
			u := &crm.User{Name: su.name, Role: su.role, Segment: crm.SegmentCorporate, TZ: "UTC", DigestAt: "off",
				Identities: []crm.Identity{identity(su.tgID)}}
			if err := seed.PutUser(u); err != nil {
				return err
			}
			ids[i] = u.ID
		}
		left := make([]int, len(users))
		total := 0
		for i, su := range users {
			left[i] = su.due
			total += su.due
		}
		for n := 0; n < total; {
			for i := range users {
				if left[i] == 0 {
					continue
				}
				left[i]--
				n++
				co := &crm.Company{Name: fmt.Sprintf("Client %d d.o.o.", n), CreatedAt: due}
				if err := seed.PutCompany(co); err != nil {
					return err
				}
				ct := &crm.Contact{CompanyID: co.ID, FullName: fmt.Sprintf("Contact %d", n), Mobile: fmt.Sprintf("+38591%07d", n), CreatedAt: due}
				if err := seed.PutContact(ct); err != nil {
					return err
				}
				in := &crm.Interest{Kind: crm.KindInterest, CompanyID: co.ID, ContactID: ct.ID, OwnerID: ids[i],
					Segment: crm.SegmentCorporate, Stage: crm.StageNew, Next: crm.NextAction{What: "next.call", Due: due},
					CreatedAt: due.Add(-time.Hour), UpdatedAt: due.Add(-time.Hour), LastActivityAt: due.Add(-time.Hour)}
				if err := seed.PutInterest(in); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// TestSchedulerDeliveryWithinLimits runs the real scheduler through the real adapter
// against the fake Bot API enforcing Telegram's limits, on the fake clock (the sender's
// waits cost no real time, and the fake judges on the same clock). One delivery worker
// keeps the fake clock's time the time each message left.
func TestSchedulerDeliveryWithinLimits(t *testing.T) {
	e := newEnv(t)
	e.api.enforceLimits(1, e.clock.Now)
	due := e.clock.Now().Add(-time.Hour) // Wednesday 14:04 UTC, in working hours
	seedNudges(t, e.db, []seedUser{
		{tgID: 1, name: "Admin", role: crm.RoleAdmin},
		{tgID: 2, name: "Ana Horvat", role: crm.RoleManager, due: 3},
		{tgID: 3, name: "Oleg Petrov", role: crm.RoleManager, due: 1},
		{tgID: 4, name: "Petra Novak", role: crm.RoleManager, due: 2},
	}, due)
	eng := bot.New(e.svc, bot.Options{Clock: e.clock.Now})
	a := e.adapter(eng, nil)
	e.start(a)
	e.waitConnected(a)
	sched := scheduler.New(eng, scheduler.Config{Workers: 1})
	sched.AddNotifier("telegram", a)

	// Flood control, then two server errors, on whatever goes first; Oleg blocked the bot.
	e.api.failNext("sendMessage",
		apiError{status: 429, code: 429, desc: "Too Many Requests: retry after 7", retryAfter: 7},
		apiError{status: 500, code: 500, desc: "Internal Server Error"},
		apiError{status: 502, code: 502, desc: "Bad Gateway"})
	e.api.block(3)

	ctx := context.Background()
	deliverAll := func() {
		t.Helper()
		if _, err := sched.Scan(ctx); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			n, err := sched.Deliver(ctx, "telegram")
			if err != nil {
				t.Fatal(err)
			}
			if n == 0 {
				return
			}
		}
	}
	deliverAll()

	byChat := map[int64][]string{}
	for _, c := range e.api.sent() {
		id, _ := strconv.ParseInt(c.Params["chat_id"], 10, 64)
		byChat[id] = append(byChat[id], c.Params["text"])
	}
	if len(byChat[2]) != 3 || len(byChat[4]) != 2 {
		t.Fatalf("nudges: Ana %d (want 3), Petra %d (want 2): %v", len(byChat[2]), len(byChat[4]), byChat)
	}
	for _, txt := range append(byChat[2], byChat[4]...) {
		if !strings.HasPrefix(txt, "⏰ #") {
			t.Errorf("not a nudge: %q", txt)
		}
	}
	if len(byChat[3]) != 0 {
		t.Fatalf("delivered to a user who blocked the bot: %v", byChat[3])
	}
	if len(byChat[1]) != 1 || !strings.Contains(byChat[1][0], "Oleg Petrov can no longer be reached") {
		t.Fatalf("admin told %v, want once that Oleg is unreachable", byChat[1])
	}
	oleg, err := e.svc.Authenticate(ctx, identity(3))
	if err != nil || oleg.Reachable(identity(3)) {
		t.Fatalf("a blocked user is not marked unreachable: %v", err)
	}
	var flood, retried bool
	for _, d := range e.clock.sleeps() {
		flood = flood || d >= 7*time.Second
		retried = retried || d > 0 && d < 7*time.Second
	}
	if !flood || !retried {
		t.Errorf("retry_after honoured %v, 5xx backed off %v: slept %v", flood, retried, e.clock.sleeps())
	}
	if v := e.api.violations(); len(v) > 0 {
		t.Fatalf("%d limit violations: %v", len(v), v)
	}
	if n := len(e.api.callsOf("sendMessage")); n != 3+2+1+1+3 {
		t.Errorf("%d sendMessage calls, want 10 (6 delivered, 1 refused with 403, 3 failed and retried)", n)
	}

	// A new follow-up of Oleg's falls due: nothing is sent to him, the admin is not
	// told again, and the limits still hold.
	e.clock.Sleep(ctx, 24*time.Hour)
	storagetest.Seed(t, e.db, func(seed *storagetest.Seeder) error {
		for id := uint64(1); id <= 6; id++ {
			in, err := seed.Interest(id)
			if err != nil {
				return err
			}
			if in.OwnerID == oleg.ID {
				in.Next.Due = e.clock.Now().Add(-time.Minute)
				return seed.PutInterest(in)
			}
		}
		return fmt.Errorf("no interest of Oleg's")
	})
	before := len(e.api.callsOf("sendMessage"))
	deliverAll()
	if n := len(e.api.callsOf("sendMessage")); n != before {
		t.Fatalf("%d more sends after the user was marked unreachable: %+v", n-before, e.api.callsOf("sendMessage")[before:])
	}
	if v := e.api.violations(); len(v) > 0 {
		t.Fatalf("%d limit violations: %v", len(v), v)
	}
}

// TestFakeEnforcesLimits checks the checker: two messages to one chat within a second
// and a 31st message within a second are answered 429 with retry_after and counted.
func TestFakeEnforcesLimits(t *testing.T) {
	f := newFakeAPI(t)
	clock := newFakeClock()
	f.enforceLimits(1, clock.Now)
	send := func(chat int64) (int, string) {
		t.Helper()
		resp, err := http.PostForm(fmt.Sprintf(f.endpoint(), testToken, "sendMessage"), url.Values{"chat_id": {strconv.FormatInt(chat, 10)}, "text": {"x"}})
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, _ := send(5); code != 200 {
		t.Fatalf("first message: %d", code)
	}
	clock.Sleep(context.Background(), 400*time.Millisecond)
	if code, body := send(5); code != 429 || !strings.Contains(body, `"retry_after":1`) {
		t.Fatalf("second message within a second: %d %s", code, body)
	}
	clock.Sleep(context.Background(), 600*time.Millisecond)
	if code, _ := send(5); code != 200 {
		t.Fatalf("a second later: %d", code)
	}
	for i := range 29 {
		if code, body := send(int64(100 + i)); code != 200 {
			t.Fatalf("message %d of 30 within a second: %d %s", i+2, code, body)
		}
	}
	if code, _ := send(200); code != 429 {
		t.Fatalf("31st message within a second: %d", code)
	}
	// A group: 20 a minute, one a second.
	clock.Sleep(context.Background(), time.Hour)
	for i := range 20 {
		if code, body := send(-100); code != 200 {
			t.Fatalf("group message %d: %d %s", i+1, code, body)
		}
		clock.Sleep(context.Background(), 2*time.Second)
	}
	if code, body := send(-100); code != 429 || !strings.Contains(body, `"retry_after":20`) {
		t.Fatalf("21st group message within a minute: %d %s", code, body)
	}
	if v := f.violations(); len(v) != 3 {
		t.Fatalf("violations %v, want 3", v)
	}
}

// TestSenderKeepsLimitsConcurrently sends from many goroutines on the real clock with
// limits 20 times faster than Telegram's, against the fake enforcing the same: no
// violation, and the rate close to the ceiling. About half a second.
func TestSenderKeepsLimitsConcurrently(t *testing.T) {
	if testing.Short() {
		t.Skip("real-clock test")
	}
	r := runDelivery(t, 20, 30, 10, 0)
	if r.violations > 0 || r.sent != 300 {
		t.Fatalf("%+v", r)
	}
	t.Logf("%d messages in %v: %.0f%% of the ceiling", r.sent, r.elapsed.Round(time.Millisecond), r.pctCeiling)
}

type deliveryRun struct {
	sent, violations int
	elapsed, scan    time.Duration // delivering; the scan that decided the nudges
	pctCeiling       float64       // achieved rate ÷ the rate the limits allow, in %
	spanPct          float64       // the same from the fake's first to last accepted message
}

// runDelivery seeds chats×perChat due nudges and has the real scheduler deliver them
// through the adapter, on the real clock, with Telegram's limits scaled by factor on
// both sides. rtt is a round trip to the Bot API, divided by factor too.
func runDelivery(tb testing.TB, factor float64, chats, perChat int, rtt time.Duration) deliveryRun {
	if b, ok := tb.(*testing.B); ok { // time only the delivery
		b.StopTimer()
		defer b.StopTimer()
	}
	e := newEnv(tb)
	e.api.enforceLimits(factor, nil)
	e.api.mu.Lock()
	e.api.latency = time.Duration(float64(rtt) / factor)
	e.api.mu.Unlock()
	now := time.Date(2026, 11, 25, 15, 0, 0, 0, time.UTC) // the scheduler's clock: a Wednesday afternoon
	users := make([]seedUser, chats)
	for i := range users {
		users[i] = seedUser{tgID: int64(1000 + i), name: fmt.Sprintf("Manager %d", i+1), role: crm.RoleManager, due: perChat}
	}
	seedStart := time.Now()
	seedNudges(tb, e.db, users, now.Add(-time.Hour))
	tb.Logf("seeded %d chats × %d due follow-ups in %v", chats, perChat, time.Since(seedStart).Round(time.Millisecond))
	e.svc = crm.NewService(e.db, func() time.Time { return now }, crm.Config{})
	eng := bot.New(e.svc, bot.Options{Clock: func() time.Time { return now }})
	a := e.adapter(eng, func(c *Config) {
		c.Limits = TelegramLimits.Scaled(factor)
		c.Now, c.Sleep = nil, nil // the real clock
		// Keep a connection per worker: with the default 2 idle connections per host,
		// most sends would open a new one.
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		c.HTTPClient = &http.Client{Transport: tr}
		c.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	})
	e.start(a)
	e.waitConnected(a)
	// Every nudge on its own: this measures delivery, not the folding of a backlog.
	sched := scheduler.New(eng, scheduler.Config{PerPerson: perChat})
	sched.AddNotifier("telegram", a)
	ctx := context.Background()
	scanStart := time.Now()
	st, err := sched.Scan(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	scanTime := time.Since(scanStart)
	if want := chats * perChat; st.Nudges != want {
		tb.Fatalf("scan decided %d nudges, want %d", st.Nudges, want)
	}
	if b, ok := tb.(*testing.B); ok {
		b.StartTimer()
	}
	start := time.Now()
	total := 0
	for total < chats*perChat {
		n, err := sched.Deliver(ctx, "telegram")
		if err != nil {
			tb.Fatal(err)
		}
		if n == 0 {
			tb.Fatalf("delivery stalled after %d messages; violations %v", total, e.api.violations())
		}
		total += n
	}
	elapsed := time.Since(start)
	ceiling := 30 * factor // messages per second the limits allow (the global one binds)
	accepted, span := e.api.acceptedSpan()
	r := deliveryRun{sent: accepted, violations: len(e.api.violations()), elapsed: elapsed, scan: scanTime,
		pctCeiling: 100 * float64(total) / elapsed.Seconds() / ceiling}
	if span > 0 {
		r.spanPct = 100 * float64(accepted-1) / span.Seconds() / ceiling
	}
	if v := e.api.violations(); len(v) > 0 {
		tb.Logf("violations (first 5 of %d): %v", len(v), v[:min(5, len(v))])
	}
	return r
}

// TestEnforced429IsHonoured: a sender allowed bursts of three per chat (more than
// Telegram allows) meets the fake's flood control, waits out retry_after and still
// delivers everything, once each.
func TestEnforced429IsHonoured(t *testing.T) {
	e := newEnv(t)
	e.api.enforceLimits(1, e.clock.Now)
	a := e.adapter(newRecorder(nil), func(c *Config) { c.Limits = Limits{PerChatBurst: 3, Headroom: -1} })
	e.start(a)
	e.waitConnected(a)
	e.clock.Sleep(context.Background(), 3*time.Second) // past the conservative start: a full burst
	for i := range 3 {
		if err := a.Send(context.Background(), 42, bot.Reply{Text: fmt.Sprintf("part %d", i+1)}); err != nil {
			t.Fatal(err)
		}
	}
	sent := e.api.sent()
	if len(sent) != 3 || sent[0].Params["text"] != "part 1" || sent[2].Params["text"] != "part 3" {
		t.Fatalf("sent %+v", sent)
	}
	if v := e.api.violations(); len(v) == 0 {
		t.Fatal("the fake saw no violation from a burst of three")
	}
	var waited bool
	for _, d := range e.clock.sleeps() {
		waited = waited || d >= time.Second
	}
	if !waited {
		t.Fatalf("retry_after not waited out: slept %v", e.clock.sleeps())
	}
}
