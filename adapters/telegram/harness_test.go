package telegram

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
)

// fakeClock is the adapter's clock in tests: Sleep moves time forward at once and
// records how long it was asked to wait, so rate limits, backoff and retry_after cost
// nothing in wall time.
type fakeClock struct {
	mu    sync.Mutex
	now   time.Time
	slept []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{now: time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if d > 0 {
		c.now = c.now.Add(d)
	}
	c.slept = append(c.slept, d)
	return nil
}

func (c *fakeClock) sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.slept...)
}

// syncBuffer collects log output from concurrent goroutines.
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

// env is one test's world: a fake Bot API, a real database file, a clock.
type env struct {
	t     testing.TB
	api   *fakeAPI
	path  string
	db    *storage.DB
	svc   *crm.Service
	clock *fakeClock
	logs  *syncBuffer
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{t: t, api: newFakeAPI(t), path: filepath.Join(t.TempDir(), "crm.db"), clock: newFakeClock(), logs: &syncBuffer{}}
	e.open()
	t.Cleanup(func() {
		if e.db != nil {
			e.db.Close()
		}
	})
	return e
}

// open opens the database file (again, after close: a restart).
func (e *env) open() {
	e.t.Helper()
	db, err := storage.Open(e.path, storage.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	e.db = db
	e.svc = crm.NewService(db, e.clock.Now, crm.Config{})
}

func (e *env) close() {
	e.t.Helper()
	if err := e.db.Close(); err != nil {
		e.t.Fatal(err)
	}
	e.db = nil
}

func (e *env) config() Config {
	return Config{
		Token:       testToken,
		Endpoint:    e.api.endpoint(),
		PollTimeout: time.Second,
		Logger:      slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Now:         e.clock.Now,
		Sleep:       e.clock.Sleep,
	}
}

func (e *env) adapter(h Handler, change func(*Config)) *Adapter {
	e.t.Helper()
	cfg := e.config()
	if change != nil {
		change(&cfg)
	}
	a, err := New(cfg, h, e.svc, e.inbox())
	if err != nil {
		e.t.Fatal(err)
	}
	return a
}

// start runs a until the returned stop is called (or the test ends); stop waits for
// Run to return and checks it returned nil.
func (e *env) start(a *Adapter) (stop func()) {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				e.t.Errorf("Run: %v", err)
			}
		})
	}
	e.t.Cleanup(stop)
	return stop
}

// waitConnected waits until a has reached getMe.
func (e *env) waitConnected(a *Adapter) {
	e.t.Helper()
	e.api.waitFor("getMe", func() bool { return a.api.Load() != nil })
}

// recorder is a fake of the engine's role: it records requests and answers with
// respond (nothing when nil).
type recorder struct {
	mu      sync.Mutex
	reqs    []bot.Request
	respond func(bot.Request) []bot.Reply
	// block, when set, is called before answering (to hold a request in flight).
	block func(ctx context.Context, req bot.Request)
	seen  chan bot.Request
}

func newRecorder(respond func(bot.Request) []bot.Reply) *recorder {
	return &recorder{respond: respond, seen: make(chan bot.Request, 100)}
}

func (r *recorder) Handle(ctx context.Context, req bot.Request) []bot.Reply {
	if r.block != nil {
		r.block(ctx, req)
		if ctx.Err() != nil {
			return nil // stopped mid-request: as if the process died here
		}
	}
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	respond := r.respond
	r.mu.Unlock()
	r.seen <- req
	if respond == nil {
		return nil
	}
	return respond(req)
}

func (r *recorder) setRespond(f func(bot.Request) []bot.Reply) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.respond = f
}

func (r *recorder) requests() []bot.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]bot.Request(nil), r.reqs...)
}

// next waits for the next request the engine gets.
func (r *recorder) next(t *testing.T) bot.Request {
	t.Helper()
	select {
	case req := <-r.seen:
		return req
	case <-time.After(20 * time.Second):
		t.Fatal("timed out waiting for a request to the engine")
		return bot.Request{}
	}
}

func echo(req bot.Request) []bot.Reply {
	return []bot.Reply{{Text: "got " + req.Text + req.Action}}
}

// inbox is the database's durable inbox, as serve wires it.
func (e *env) inbox() *storage.Inbox { return e.db.Inbox(storage.InboxOptions{}) }

// inboxLen counts what is left in the inbox.
func (e *env) inboxLen() int {
	e.t.Helper()
	p, err := e.inbox().Pending(context.Background(), inboxSource)
	if err != nil {
		e.t.Fatal(err)
	}
	return len(p)
}
