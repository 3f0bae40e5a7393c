package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/postgres"
	"crmbot/storage/storagetest"
)

// recordingTelegram is a fake Bot API in webhook mode shared by every replica. It
// counts each sendMessage it answered, per chat and text. The first sendMessage it
// receives is held (not answered, not counted) until hold is released: the leader
// is then in the middle of its run.
type recordingTelegram struct {
	mu      sync.Mutex
	sent    map[string]int // "chat|text" -> times answered
	held    chan struct{}  // closed when the first send arrives
	release chan struct{}  // closed by the test after the kill
	once    sync.Once
	first   string // the held message, "chat|text"
}

func (f *recordingTelegram) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	switch {
	case strings.HasSuffix(r.URL.Path, "/getMe"):
		io.WriteString(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"crm","username":"crm_bot"}}`)
	case strings.HasSuffix(r.URL.Path, "/sendMessage"):
		r.ParseForm()
		first := false
		f.once.Do(func() {
			first = true
			f.first = r.PostForm.Get("chat_id") + "|" + r.PostForm.Get("text")
			close(f.held)
		})
		if first {
			<-f.release
			http.Error(w, "the sender died", http.StatusBadGateway)
			return
		}
		f.mu.Lock()
		f.sent[r.PostForm.Get("chat_id")+"|"+r.PostForm.Get("text")]++
		f.mu.Unlock()
		io.WriteString(w, `{"ok":true,"result":{"message_id":9,"date":1,"chat":{"id":42,"type":"private"}}}`)
	default:
		io.WriteString(w, `{"ok":true,"result":true}`)
	}
}

func (f *recordingTelegram) snapshot() map[string]int {
	f.mu.Lock()
	defer f.mu.Unlock()
	m := make(map[string]int, len(f.sent))
	for k, v := range f.sent {
		m[k] = v
	}
	return m
}

// serveProc is one `crmbot serve` process.
type serveProc struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	addr string
}

var servingAddr = regexp.MustCompile(`crmbot serving.*http=(127\.0\.0\.1:\d+)`)

// waitFor polls cond every 50 ms up to d; a bound on waiting for other processes,
// not a sleep that assumes their timing.
func waitFor(d time.Duration, cond func() bool) bool {
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return true
		}
	}
	return cond()
}

// Three `crmbot serve` processes on one PostgreSQL schema, Telegram in webhook mode
// against one fake: the leader is killed (SIGKILL) in the middle of sending its
// nudges and digests; another replica takes the lead, and every message due is
// answered at the fake exactly once. The same update posted to two replicas is
// handled once.
func TestReplicasKillTheLeader(t *testing.T) {
	if testing.Short() {
		t.Skip("starts three crmbot processes")
	}
	u := storagetest.PostgresSchema(t)
	ctx := context.Background()

	// The team, its schedules and follow-ups overdue, seeded before any replica starts.
	now := time.Now().UTC()
	past := now.Add(-10 * 24 * time.Hour)
	db, err := postgres.Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	svc := crm.NewService(db, func() time.Time { return past }, crm.Config{})
	eng := bot.New(svc, bot.Options{Clock: func() time.Time { return past }, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	adm, err := svc.EnsureAdmin(ctx, "telegram:1", "Admin")
	if err != nil {
		t.Fatal(err)
	}
	say := func(who crm.Identity, text string) string {
		var out []string
		for _, r := range eng.Handle(ctx, bot.Request{Identity: who, Text: text}) {
			out = append(out, r.Text)
		}
		return strings.Join(out, "\n")
	}
	always := crm.WorkSchedule{Start: 0, End: 24 * 60, Days: [7]bool{true, true, true, true, true, true, true}}
	// The managers live where it is about noon now, so their digest, due this
	// minute, is never across midnight from the scans that decide it.
	zone := "UTC"
	if k := 12 - now.Hour(); k > 0 {
		zone = fmt.Sprintf("Etc/GMT-%d", k) // POSIX signs: GMT-k is k hours east
	} else if k < 0 {
		zone = fmt.Sprintf("Etc/GMT+%d", -k)
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		t.Fatal(err)
	}
	local := now.In(loc)
	digestAt := crm.FormatClock(local.Hour()*60 + local.Minute())
	managers := map[string]string{"2": "Ana Horvat", "3": "Iva Kovač", "4": "Luka Babić"}
	// Five interests: a head is told of at most five unanswered inquiries per pass
	// (scheduler.Config.PerPerson), the rest a quarter of an hour later.
	owns := map[string]int{"2": 2, "3": 2, "4": 1}
	for chat, name := range managers {
		say("telegram:1", fmt.Sprintf("/team add %s manager corporate %s telegram:%s", name, zone, chat))
		users, err := svc.Users(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, usr := range users {
			if usr.Name == name {
				if _, err := svc.SetSchedule(ctx, crm.Op{Actor: adm}, usr.ID, &always, &digestAt); err != nil {
					t.Fatal(err)
				}
			}
		}
		say(crm.Identity("telegram:"+chat), "/new Marko Đurić, Acme d.o.o.")
		if owns[chat] == 2 {
			say(crm.Identity("telegram:"+chat), "/new Petra Kos, Beta d.o.o.")
		}
	}
	t.Cleanup(func() { db.Close() })
	check := crm.NewService(db, time.Now, crm.Config{})

	bin := filepath.Join(t.TempDir(), "crmbot")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	tg := &recordingTelegram{sent: map[string]int{}, held: make(chan struct{}), release: make(chan struct{})}
	fake := httptest.NewServer(tg)
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(tg.release) }) }
	t.Cleanup(fake.Close)
	t.Cleanup(release)

	env := append(os.Environ(),
		"CRMBOT_DB="+u,
		"TELEGRAM_BOT_TOKEN=123456:SECRET-half-of-the-token",
		"TELEGRAM_API_ENDPOINT="+fake.URL+"/bot%s/%s",
		"TELEGRAM_WEBHOOK_URL=https://crm.example.com/telegram/webhook",
		"TELEGRAM_WEBHOOK_SECRET=hook-secret",
		"SLACK_BOT_TOKEN=",
		"CRMBOT_HTTP_ADDR=127.0.0.1:0",
		"CRMBOT_NUDGE_SCHEDULE=@every 1s",
		"CRMBOT_OUTBOX_LEASE=3s",
	)
	var procs []*serveProc
	for i := range 3 {
		p := &serveProc{logs: &syncBuffer{}}
		p.cmd = exec.Command(bin, "serve")
		// Processes on one host: each needs its own name on inbox claims.
		p.cmd.Env = append(env, fmt.Sprintf("CRMBOT_REPLICA=replica-%d", i))
		p.cmd.Dir = t.TempDir()
		p.cmd.Stdout, p.cmd.Stderr = p.logs, p.logs
		if err := p.cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			p.cmd.Process.Kill()
			p.cmd.Wait()
			if strings.Contains(p.logs.String(), "SECRET-half") {
				t.Errorf("replica %d logs the token", i)
			}
			if t.Failed() {
				t.Logf("replica %d:\n%s", i, p.logs.String())
			}
		})
		procs = append(procs, p)
	}
	for i, p := range procs {
		if !waitFor(60*time.Second, func() bool { return servingAddr.MatchString(p.logs.String()) }) {
			t.Fatalf("replica %d does not serve:\n%s", i, p.logs.String())
		}
		p.addr = servingAddr.FindStringSubmatch(p.logs.String())[1]
	}

	// The leader starts sending; its first message is held at the fake: kill it there.
	select {
	case <-tg.held:
	case <-time.After(60 * time.Second): // a bound on a wait for an event
		t.Fatal("no replica sends anything")
	}
	leaderOf := func(skip int) int {
		for i, p := range procs {
			if i != skip && strings.Contains(p.logs.String(), "leading: this replica runs the scheduler") {
				return i
			}
		}
		return -1
	}
	dead := leaderOf(-1)
	if dead < 0 {
		t.Fatal("a message is being sent but no replica says it leads")
	}
	if err := procs[dead].cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	procs[dead].cmd.Wait()
	killed := time.Now()
	release()

	next := -1
	if !waitFor(60*time.Second, func() bool { next = leaderOf(dead); return next >= 0 }) {
		t.Fatal("no replica takes the lead after the kill")
	}
	takeover := time.Since(killed)

	// Every chat gets its digest and its nudges, and the outbox is drained of all
	// that is due (a message is pending until the fake accepted it); nothing
	// arrives twice.
	var left []*crm.OutboxMessage
	complete := func() bool {
		var err error
		if left, err = check.PendingOutbox(ctx, "telegram", time.Now(), 10); err != nil || len(left) > 0 {
			return false
		}
		per := map[string]int{}
		for k := range tg.snapshot() {
			chat, _, _ := strings.Cut(k, "|")
			per[chat]++
		}
		for chat := range managers {
			if per[chat] < 1+3*owns[chat] {
				return false
			}
		}
		return true
	}
	ok := waitFor(60*time.Second, complete)
	seen := tg.snapshot()
	var lines []string
	for k, n := range seen {
		lines = append(lines, fmt.Sprintf("%d× %q", n, k))
		if n != 1 {
			t.Errorf("sent %d times: %q", n, k)
		}
	}
	sort.Strings(lines)
	for _, m := range left {
		t.Errorf("still due in the outbox: %s to %s, %s since %s", m.Key, m.Target, m.State, m.NotBefore)
	}
	if !ok {
		t.Logf("held at the fake when the leader died: %q", tg.first)
		t.Fatalf("not every nudge and digest arrived after the kill; seen:\n%s", strings.Join(lines, "\n"))
	}
	for chat, name := range managers {
		digests, nudges, notes, firsts := 0, 0, 0, 0
		for k, n := range seen {
			c, text, _ := strings.Cut(k, "|")
			switch {
			case c != chat:
			case strings.HasPrefix(text, "Good morning, "+name+"."):
				digests += n
			case strings.HasPrefix(text, "⏰ #"):
				nudges += n
			case strings.HasPrefix(text, "#") && strings.Contains(text, "your head was told"):
				notes += n
			case strings.HasPrefix(text, "⏱ #"):
				firsts += n
			default:
				t.Errorf("unexpected message to %s: %q", chat, text)
			}
		}
		if n := owns[chat]; digests != 1 || nudges != n || notes != n || firsts != n {
			t.Errorf("%s got %d digests, %d nudges, %d escalation notes, %d first-response notes; want 1 and %d of each", name, digests, nudges, notes, firsts, n)
		}
	}
	t.Logf("held at the fake when the leader died: %q", tg.first)
	t.Logf("replica %d killed mid-run; replica %d leads %v later; at the fake:\n%s", dead, next, takeover.Round(time.Millisecond), strings.Join(lines, "\n"))

	// One update delivered to two replicas (a retry through the load balancer) is
	// handled once: one interest stored, one answer at the fake.
	var live []*serveProc
	for i, p := range procs {
		if i != dead {
			live = append(live, p)
		}
	}
	update := `{"update_id":9001,"message":{"message_id":5,"date":1700000000,"chat":{"id":2,"type":"private"},"from":{"id":2,"is_bot":false,"first_name":"Ana"},"text":"/new Zoran Car, Gamma d.o.o."}}`
	for _, p := range live {
		req, _ := http.NewRequest(http.MethodPost, "http://"+p.addr+"/telegram/webhook", strings.NewReader(update))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "hook-secret")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("webhook at %s: %d", p.addr, resp.StatusCode)
		}
	}
	answers := func() (n int, texts []string) {
		for k, c := range tg.snapshot() {
			if chat, text, _ := strings.Cut(k, "|"); chat == "2" && strings.Contains(text, "Gamma") {
				n += c
				texts = append(texts, text)
			}
		}
		return n, texts
	}
	if !waitFor(60*time.Second, func() bool { n, _ := answers(); return n > 0 }) {
		t.Fatal("no answer to the update posted to two replicas")
	}
	found, err := check.Find(ctx, adm, "Gamma", 10)
	if err != nil {
		t.Fatal(err)
	}
	if n, texts := answers(); n != 1 || len(found) != 1 {
		t.Errorf("the update posted to two replicas: %d answers %q, %d interests stored; want 1 and 1", n, texts, len(found))
	}
}
