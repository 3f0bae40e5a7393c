package storagetest

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/crm"
)

// Inbox is what the inbox suite tests: the adapters' durable inbox (bot.Inbox) with
// its maintenance (Prune, Len). Every backend implements it once.
type Inbox interface {
	Accept(ctx context.Context, source string, items []crm.InboxItem, cursor string) ([]crm.InboxEntry, error)
	Pending(ctx context.Context, source string) ([]crm.InboxEntry, error)
	Cursor(ctx context.Context, source string) (string, error)
	Done(ctx context.Context, seq uint64) error
	Prune(ctx context.Context) (int, error)
	Len() (int, error)
}

// InboxBackend opens a backend's inbox for the suite.
type InboxBackend struct {
	// Open opens (or creates) the database at path with the clock now and the
	// inbox retention (0: the default). It returns the inbox, the database as a
	// crm.Store, and close, which
	// closes the database as a crash would leave it (nothing more is written). A
	// database still open at the end of the test is checked and closed by the backend.
	Open func(t testing.TB, path string, now func() time.Time, retention time.Duration) (in Inbox, store crm.Store, close func())
}

// RunInbox runs the inbox suite against b.
func RunInbox(t *testing.T, b InboxBackend) {
	for _, tc := range []struct {
		name string
		fn   func(*testing.T, InboxBackend)
	}{
		{"AcceptDedupe", inboxAcceptDedupe},
		{"Transient", inboxTransient},
		{"ReplayAfterReopen", inboxReplayAfterReopen},
		{"ConcurrentDone", inboxConcurrentDone},
		{"Prune", inboxPrune},
		{"AcceptPrunes", inboxAcceptPrunes},
		{"RefusesEmptyIDs", inboxRefusesEmptyIDs},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, b) })
	}
}

// InboxClock is a settable clock for the suite.
type InboxClock struct {
	mu sync.Mutex
	t  time.Time
}

// NewInboxClock starts at a fixed time.
func NewInboxClock() *InboxClock {
	return &InboxClock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}
}

// Now returns the clock's time.
func (c *InboxClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

// Add moves the clock forward.
func (c *InboxClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func (b InboxBackend) open(t *testing.T, now func() time.Time, retention time.Duration) Inbox {
	in, _, _ := b.Open(t, filepath.Join(t.TempDir(), "crm.db"), now, retention)
	return in
}

// InboxItems are items with the given ids and a small body each.
func InboxItems(ids ...string) []crm.InboxItem {
	var out []crm.InboxItem
	for _, id := range ids {
		out = append(out, crm.InboxItem{ID: id, Body: []byte(`{"id":"` + id + `"}`)})
	}
	return out
}

func inboxIDs(es []crm.InboxEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func inboxAccept(t *testing.T, in Inbox, source string, its []crm.InboxItem, cursor string) []crm.InboxEntry {
	t.Helper()
	es, err := in.Accept(context.Background(), source, its, cursor)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func inboxPending(t *testing.T, in Inbox, source string) []crm.InboxEntry {
	t.Helper()
	es, err := in.Pending(context.Background(), source)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

// Accept dedupes by (source, id): a redelivery of an entry not yet done comes back
// with the same Seq (the caller skips what it is handling), one done is dropped, and
// the same id from another source is another item.
func inboxAcceptDedupe(t *testing.T, b InboxBackend) {
	ctx := context.Background()
	in := b.open(t, nil, 0)
	first := inboxAccept(t, in, "telegram", InboxItems("1", "2", "2"), "3")
	if got := inboxIDs(first); !slices.Equal(got, []string{"1", "2", "2"}) {
		t.Fatalf("first accept = %v", got)
	}
	if first[1].Seq != first[2].Seq || first[0].Seq == first[1].Seq || first[0].Seq == 0 {
		t.Fatalf("seqs = %d %d %d: the id repeated in one batch must be one entry", first[0].Seq, first[1].Seq, first[2].Seq)
	}
	if err := in.Done(ctx, first[0].Seq); err != nil {
		t.Fatal(err)
	}
	again := inboxAccept(t, in, "telegram", InboxItems("1", "2", "4"), "")
	if got := inboxIDs(again); !slices.Equal(got, []string{"2", "4"}) {
		t.Errorf("redelivery accept = %v, want [2 4] (1 is done, 2 still pending)", got)
	}
	if again[0].Seq != first[1].Seq || string(again[0].Body) != `{"id":"2"}` {
		t.Errorf("pending redelivery = %+v, want seq %d with its stored body", again[0], first[1].Seq)
	}
	if got := inboxIDs(inboxAccept(t, in, "slack", InboxItems("1"), "")); !slices.Equal(got, []string{"1"}) {
		t.Errorf("same id from another source = %v, want accepted", got)
	}
	if n, err := in.Len(); err != nil || n != 3 {
		t.Errorf("Len = %d, %v; want 3 (2 pending telegram, 1 slack)", n, err)
	}
	if c, err := in.Cursor(ctx, "telegram"); err != nil || c != "3" {
		t.Errorf("cursor = %q, %v; an empty cursor must not replace the stored one", c, err)
	}
	if c, _ := in.Cursor(ctx, "slack"); c != "" {
		t.Errorf("slack cursor = %q, want none", c)
	}
}

// A transient item is returned once for handling but nothing of it but its id is
// written: it is never pending, and its redelivery is dropped.
func inboxTransient(t *testing.T, b InboxBackend) {
	in := b.open(t, nil, 0)
	es := inboxAccept(t, in, "telegram", []crm.InboxItem{{ID: "9", Body: []byte("secret words"), Transient: true}}, "")
	if len(es) != 1 || es[0].Seq != 0 || string(es[0].Body) != "secret words" {
		t.Fatalf("transient accept = %+v", es)
	}
	if p := inboxPending(t, in, "telegram"); len(p) != 0 {
		t.Errorf("a transient item is pending: %+v", p)
	}
	if es := inboxAccept(t, in, "telegram", []crm.InboxItem{{ID: "9", Transient: true}}, ""); len(es) != 0 {
		t.Errorf("transient redelivery accepted again: %+v", es)
	}
}

// Crash and replay: what was accepted and not done is pending after the database is
// closed and opened again, in arrival order (not id order), with its cursor; what
// was done is not; and a redelivery after the restart is not a second entry.
func inboxReplayAfterReopen(t *testing.T, b InboxBackend) {
	ctx := context.Background()
	path := t.TempDir() + "/crm.db"
	in, _, closeDB := b.Open(t, path, nil, 0)
	es := inboxAccept(t, in, "telegram", InboxItems("900", "5", "6"), "7") // ids restart low: arrival order counts
	inboxAccept(t, in, "slack", InboxItems("Ev1"), "")
	if err := in.Done(ctx, es[1].Seq); err != nil {
		t.Fatal(err)
	}
	closeDB() // the crash: nothing else is written

	in, _, _ = b.Open(t, path, nil, 0)
	p := inboxPending(t, in, "telegram")
	if got := inboxIDs(p); !slices.Equal(got, []string{"900", "6"}) {
		t.Fatalf("pending after reopen = %v, want [900 6]", got)
	}
	if string(p[0].Body) != `{"id":"900"}` || p[0].Seq != es[0].Seq {
		t.Errorf("replayed entry = %+v", p[0])
	}
	if got := inboxIDs(inboxPending(t, in, "slack")); !slices.Equal(got, []string{"Ev1"}) {
		t.Errorf("slack pending = %v", got)
	}
	if c, _ := in.Cursor(ctx, "telegram"); c != "7" {
		t.Errorf("cursor after reopen = %q, want 7", c)
	}
	re := inboxAccept(t, in, "telegram", InboxItems("6", "5"), "")
	if got := inboxIDs(re); !slices.Equal(got, []string{"6"}) || re[0].Seq != es[2].Seq {
		t.Errorf("redelivery after reopen = %+v, want only 6 with its old seq", re)
	}
	for _, e := range p {
		if err := in.Done(ctx, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	if p := inboxPending(t, in, "telegram"); len(p) != 0 {
		t.Errorf("pending after done = %v", inboxIDs(p))
	}
}

// Concurrent Done calls (many chats finishing at once) all land.
func inboxConcurrentDone(t *testing.T, b InboxBackend) {
	ctx := context.Background()
	in := b.open(t, nil, 0)
	var its []crm.InboxItem
	for i := range 40 {
		its = append(its, InboxItems(fmt.Sprint(i))...)
	}
	es := inboxAccept(t, in, "telegram", its, "")
	var wg sync.WaitGroup
	errs := make(chan error, len(es))
	for _, e := range es {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- in.Done(ctx, e.Seq)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := inboxPending(t, in, "telegram"); len(p) != 0 {
		t.Errorf("%d entries still pending", len(p))
	}
}

// Pruning forgets ids past the retention, so a very late redelivery is accepted
// again; it never drops an entry that is still work, and drops a body-less marker
// (a request that cannot be replayed) with its id. Ids within the retention stay.
func inboxPrune(t *testing.T, b InboxBackend) {
	ctx := context.Background()
	clk := NewInboxClock()
	in := b.open(t, clk.Now, time.Hour)
	done := inboxAccept(t, in, "slack", InboxItems("old-done"), "")
	inboxAccept(t, in, "slack", InboxItems("old-pending"), "")
	inboxAccept(t, in, "slack-cmd", []crm.InboxItem{{ID: "trigger"}}, "")
	if err := in.Done(ctx, done[0].Seq); err != nil {
		t.Fatal(err)
	}
	clk.Add(50 * time.Minute)
	inboxAccept(t, in, "slack", InboxItems("recent"), "")
	clk.Add(20 * time.Minute) // the first three are 70 min old, "recent" 20

	n, err := in.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("pruned %d ids, want 2 (old-done and the marker)", n)
	}
	got := inboxIDs(inboxAccept(t, in, "slack", InboxItems("old-done", "old-pending", "recent"), ""))
	if !slices.Equal(got, []string{"old-done", "old-pending", "recent"}) {
		t.Errorf("after pruning = %v", got)
	}
	// old-done is new again (forgotten); old-pending and recent come back as the
	// pending entries they still are. The marker is gone with its id:
	if es := inboxAccept(t, in, "slack-cmd", []crm.InboxItem{{ID: "trigger"}}, ""); len(es) != 1 || es[0].Seq == 0 {
		t.Errorf("a pruned marker's id: %+v, want accepted as new", es)
	}
	p := inboxIDs(inboxPending(t, in, "slack"))
	if !slices.Equal(p, []string{"old-pending", "recent", "old-done"}) {
		t.Errorf("pending = %v", p)
	}
}

// Accept prunes as it goes, with the injected clock: no maintenance job is needed
// for the ids to stay bounded.
func inboxAcceptPrunes(t *testing.T, b InboxBackend) {
	ctx := context.Background()
	clk := NewInboxClock()
	in := b.open(t, clk.Now, time.Hour)
	es := inboxAccept(t, in, "telegram", InboxItems("1", "2"), "")
	for _, e := range es {
		if err := in.Done(ctx, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	clk.Add(2 * time.Hour)
	inboxAccept(t, in, "telegram", InboxItems("3"), "") // prunes 1 and 2
	if n, _ := in.Prune(ctx); n != 0 {
		t.Errorf("Prune after Accept found %d more to prune, want 0", n)
	}
}

// Bad input is refused whole: nothing of the batch is written.
func inboxRefusesEmptyIDs(t *testing.T, b InboxBackend) {
	ctx := context.Background()
	in := b.open(t, nil, 0)
	_, err := in.Accept(ctx, "telegram", []crm.InboxItem{{ID: "1", Body: []byte("x")}, {Body: []byte("y")}}, "5")
	if err == nil || !strings.Contains(err.Error(), "no id") {
		t.Fatalf("err = %v", err)
	}
	if p := inboxPending(t, in, "telegram"); len(p) != 0 {
		t.Errorf("a refused batch left %d entries", len(p))
	}
	if c, _ := in.Cursor(ctx, "telegram"); c != "" {
		t.Errorf("a refused batch moved the cursor to %q", c)
	}
	if _, err := in.Accept(ctx, "", InboxItems("1"), ""); err == nil {
		t.Error("empty source accepted")
	}
}
