package storage_test

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
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

// clock is a settable clock for the database (Options.Now).
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func newClock() *clock { return &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)} }

func items(ids ...string) []crm.InboxItem {
	var out []crm.InboxItem
	for _, id := range ids {
		out = append(out, crm.InboxItem{ID: id, Body: []byte(`{"id":"` + id + `"}`)})
	}
	return out
}

func ids(es []crm.InboxEntry) []string {
	var out []string
	for _, e := range es {
		out = append(out, e.ID)
	}
	return out
}

func mustAccept(t *testing.T, in *storage.Inbox, source string, its []crm.InboxItem, cursor string) []crm.InboxEntry {
	t.Helper()
	es, err := in.Accept(context.Background(), source, its, cursor)
	if err != nil {
		t.Fatal(err)
	}
	return es
}

func mustPending(t *testing.T, in *storage.Inbox, source string) []crm.InboxEntry {
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
func TestInboxAcceptDedupe(t *testing.T) {
	ctx := context.Background()
	in := storagetest.Open(t).Inbox(storage.InboxOptions{})
	first := mustAccept(t, in, "telegram", items("1", "2", "2"), "3")
	if got := ids(first); !slices.Equal(got, []string{"1", "2", "2"}) {
		t.Fatalf("first accept = %v", got)
	}
	if first[1].Seq != first[2].Seq || first[0].Seq == first[1].Seq || first[0].Seq == 0 {
		t.Fatalf("seqs = %d %d %d: the id repeated in one batch must be one entry", first[0].Seq, first[1].Seq, first[2].Seq)
	}
	if err := in.Done(ctx, first[0].Seq); err != nil {
		t.Fatal(err)
	}
	again := mustAccept(t, in, "telegram", items("1", "2", "4"), "")
	if got := ids(again); !slices.Equal(got, []string{"2", "4"}) {
		t.Errorf("redelivery accept = %v, want [2 4] (1 is done, 2 still pending)", got)
	}
	if again[0].Seq != first[1].Seq || string(again[0].Body) != `{"id":"2"}` {
		t.Errorf("pending redelivery = %+v, want seq %d with its stored body", again[0], first[1].Seq)
	}
	if got := ids(mustAccept(t, in, "slack", items("1"), "")); !slices.Equal(got, []string{"1"}) {
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
func TestInboxTransient(t *testing.T) {
	in := storagetest.Open(t).Inbox(storage.InboxOptions{})
	es := mustAccept(t, in, "telegram", []crm.InboxItem{{ID: "9", Body: []byte("secret words"), Transient: true}}, "")
	if len(es) != 1 || es[0].Seq != 0 || string(es[0].Body) != "secret words" {
		t.Fatalf("transient accept = %+v", es)
	}
	if p := mustPending(t, in, "telegram"); len(p) != 0 {
		t.Errorf("a transient item is pending: %+v", p)
	}
	if es := mustAccept(t, in, "telegram", []crm.InboxItem{{ID: "9", Transient: true}}, ""); len(es) != 0 {
		t.Errorf("transient redelivery accepted again: %+v", es)
	}
}

// Crash and replay: what was accepted and not done is pending after the file is
// closed and opened again, in arrival order (not id order), with its cursor; what
// was done is not; and a redelivery after the restart is not a second entry.
func TestInboxReplayAfterReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crm.db")
	db, err := storage.Open(path, storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	in := db.Inbox(storage.InboxOptions{})
	es := mustAccept(t, in, "telegram", items("900", "5", "6"), "7") // ids restart low: arrival order counts
	mustAccept(t, in, "slack", items("Ev1"), "")
	if err := in.Done(ctx, es[1].Seq); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil { // the crash: nothing else is written
		t.Fatal(err)
	}

	in = storagetest.OpenAt(t, path, storage.Options{}).Inbox(storage.InboxOptions{})
	p := mustPending(t, in, "telegram")
	if got := ids(p); !slices.Equal(got, []string{"900", "6"}) {
		t.Fatalf("pending after reopen = %v, want [900 6]", got)
	}
	if string(p[0].Body) != `{"id":"900"}` || p[0].Seq != es[0].Seq {
		t.Errorf("replayed entry = %+v", p[0])
	}
	if got := ids(mustPending(t, in, "slack")); !slices.Equal(got, []string{"Ev1"}) {
		t.Errorf("slack pending = %v", got)
	}
	if c, _ := in.Cursor(ctx, "telegram"); c != "7" {
		t.Errorf("cursor after reopen = %q, want 7", c)
	}
	re := mustAccept(t, in, "telegram", items("6", "5"), "")
	if got := ids(re); !slices.Equal(got, []string{"6"}) || re[0].Seq != es[2].Seq {
		t.Errorf("redelivery after reopen = %+v, want only 6 with its old seq", re)
	}
	for _, e := range p {
		if err := in.Done(ctx, e.Seq); err != nil {
			t.Fatal(err)
		}
	}
	if p := mustPending(t, in, "telegram"); len(p) != 0 {
		t.Errorf("pending after done = %v", ids(p))
	}
}

// Done inside a write transaction (the message's own write) removes the entry, and
// the adapter's Done after it is then a no-op.
func TestInboxDoneInTx(t *testing.T) {
	ctx := context.Background()
	db := storagetest.Open(t)
	in := db.Inbox(storage.InboxOptions{})
	es := mustAccept(t, in, "slack", items("Ev1", "Ev2"), "")
	err := db.Update(ctx, func(tx crm.Tx) error {
		d, ok := tx.(crm.InboxTx)
		if !ok {
			t.Fatal("storage's transaction does not implement crm.InboxTx")
		}
		return d.InboxDone(es[0].Seq)
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Done(ctx, es[0].Seq); err != nil {
		t.Errorf("Done after InboxDone: %v", err)
	}
	if got := ids(mustPending(t, in, "slack")); !slices.Equal(got, []string{"Ev2"}) {
		t.Errorf("pending = %v, want [Ev2]", got)
	}
}

// Concurrent Done calls (many chats finishing at once) all land; bbolt's Batch
// groups them into shared commits.
func TestInboxConcurrentDone(t *testing.T) {
	ctx := context.Background()
	in := storagetest.Open(t).Inbox(storage.InboxOptions{})
	var its []crm.InboxItem
	for i := range 40 {
		its = append(its, items(fmt.Sprint(i))...)
	}
	es := mustAccept(t, in, "telegram", its, "")
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
	if p := mustPending(t, in, "telegram"); len(p) != 0 {
		t.Errorf("%d entries still pending", len(p))
	}
}

// Pruning forgets ids past the retention, so a very late redelivery is accepted
// again; it never drops an entry that is still work, and drops a body-less marker
// (a request that cannot be replayed) with its id. Ids within the retention stay.
func TestInboxPrune(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := storagetest.OpenAt(t, filepath.Join(t.TempDir(), "crm.db"), storage.Options{Now: clk.now})
	in := db.Inbox(storage.InboxOptions{Retention: time.Hour})
	done := mustAccept(t, in, "slack", items("old-done"), "")
	mustAccept(t, in, "slack", items("old-pending"), "")
	mustAccept(t, in, "slack-cmd", []crm.InboxItem{{ID: "trigger"}}, "")
	if err := in.Done(ctx, done[0].Seq); err != nil {
		t.Fatal(err)
	}
	clk.add(50 * time.Minute)
	mustAccept(t, in, "slack", items("recent"), "")
	clk.add(20 * time.Minute) // the first three are 70 min old, "recent" 20

	n, err := in.Prune(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("pruned %d ids, want 2 (old-done and the marker)", n)
	}
	got := ids(mustAccept(t, in, "slack", items("old-done", "old-pending", "recent"), ""))
	if !slices.Equal(got, []string{"old-done", "old-pending", "recent"}) {
		t.Errorf("after pruning = %v", got)
	}
	// old-done is new again (forgotten); old-pending and recent come back as the
	// pending entries they still are. The marker is gone with its id:
	if es := mustAccept(t, in, "slack-cmd", []crm.InboxItem{{ID: "trigger"}}, ""); len(es) != 1 || es[0].Seq == 0 {
		t.Errorf("a pruned marker's id: %+v, want accepted as new", es)
	}
	p := ids(mustPending(t, in, "slack"))
	if !slices.Equal(p, []string{"old-pending", "recent", "old-done"}) {
		t.Errorf("pending = %v", p)
	}
}

// Accept prunes as it goes, a slice at a time, with the injected clock: no
// maintenance job is needed for the seen keys to stay bounded.
func TestInboxAcceptPrunes(t *testing.T) {
	ctx := context.Background()
	clk := newClock()
	db := storagetest.OpenAt(t, filepath.Join(t.TempDir(), "crm.db"), storage.Options{Now: clk.now})
	in := db.Inbox(storage.InboxOptions{Retention: time.Hour})
	es := mustAccept(t, in, "telegram", items("1", "2"), "")
	for _, e := range es {
		in.Done(ctx, e.Seq)
	}
	clk.add(2 * time.Hour)
	mustAccept(t, in, "telegram", items("3"), "") // prunes 1 and 2
	if n, _ := in.Prune(ctx); n != 0 {
		t.Errorf("Prune after Accept found %d more to prune, want 0", n)
	}
}

// Bad input is refused whole: nothing of the batch is written.
func TestInboxRefusesEmptyIDs(t *testing.T) {
	ctx := context.Background()
	in := storagetest.Open(t).Inbox(storage.InboxOptions{})
	_, err := in.Accept(ctx, "telegram", []crm.InboxItem{{ID: "1", Body: []byte("x")}, {Body: []byte("y")}}, "5")
	if err == nil || !strings.Contains(err.Error(), "no id") {
		t.Fatalf("err = %v", err)
	}
	if p := mustPending(t, in, "telegram"); len(p) != 0 {
		t.Errorf("a refused batch left %d entries", len(p))
	}
	if c, _ := in.Cursor(ctx, "telegram"); c != "" {
		t.Errorf("a refused batch moved the cursor to %q", c)
	}
	if _, err := in.Accept(ctx, "", items("1"), ""); err == nil {
		t.Error("empty source accepted")
	}
}

// BenchmarkInboxAcceptDone is one update's inbox cost: accept (with its cursor)
// and done.
func BenchmarkInboxAcceptDone(b *testing.B) {
	ctx := context.Background()
	in := storagetest.Open(b).Inbox(storage.InboxOptions{})
	body := []byte(`{"update_id":1,"message":{"message_id":1,"from":{"id":1},"chat":{"id":1,"type":"private"},"text":"/log 42 call: agreed a demo"}}`)
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		id := fmt.Sprint(i)
		es, err := in.Accept(ctx, "telegram", []crm.InboxItem{{ID: id, Body: body}}, id)
		if err != nil {
			b.Fatal(err)
		}
		if err := in.Done(ctx, es[0].Seq); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInboxDone is the done mark alone, one caller at a time (a quiet bot).
func BenchmarkInboxDone(b *testing.B) {
	ctx := context.Background()
	in := storagetest.Open(b).Inbox(storage.InboxOptions{})
	var its []crm.InboxItem
	for i := range 5000 {
		its = append(its, crm.InboxItem{ID: fmt.Sprint(i), Body: []byte("{}")})
	}
	es, err := in.Accept(ctx, "telegram", its, "")
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	i := 0
	for b.Loop() {
		if err := in.Done(ctx, es[i%len(es)].Seq); err != nil {
			b.Fatal(err)
		}
		i++
	}
}

// BenchmarkInboxDoneConcurrent is the done mark with 50 chats finishing at once:
// their marks share commits.
func BenchmarkInboxDoneConcurrent(b *testing.B) {
	ctx := context.Background()
	in := storagetest.Open(b).Inbox(storage.InboxOptions{})
	var its []crm.InboxItem
	for i := range 20000 {
		its = append(its, crm.InboxItem{ID: fmt.Sprint(i), Body: []byte("{}")})
	}
	es, err := in.Accept(ctx, "telegram", its, "")
	if err != nil {
		b.Fatal(err)
	}
	var next atomicCounter
	b.ReportAllocs()
	b.ResetTimer()
	b.SetParallelism(25) // 50 goroutines on 2 cores
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if err := in.Done(ctx, es[next.add()%len(es)].Seq); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

type atomicCounter struct {
	mu sync.Mutex
	n  int
}

func (c *atomicCounter) add() int { c.mu.Lock(); defer c.mu.Unlock(); c.n++; return c.n - 1 }
