package storage_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

// bboltInbox opens the bbolt database's inbox for the inbox suite. A database left
// open is verified and closed at the end of the test (storagetest.OpenAt); one
// closed by the test (a crash) is not touched again.
var bboltInbox = storagetest.InboxBackend{
	Open: func(t testing.TB, path string, now func() time.Time, retention time.Duration) (storagetest.Inbox, crm.Store, func()) {
		t.Helper()
		db, err := storage.Open(path, storage.Options{Now: now})
		if err != nil {
			t.Fatal(err)
		}
		closed := false
		t.Cleanup(func() {
			if closed {
				return
			}
			if problems, err := db.Verify(context.Background()); err != nil || len(problems) > 0 {
				t.Errorf("verify: %v %v", problems, err)
			}
			db.Close()
		})
		return db.Inbox(storage.InboxOptions{Retention: retention}), db, func() {
			closed = true
			if err := db.Close(); err != nil {
				t.Fatal(err)
			}
		}
	},
}

// TestInbox runs the inbox suite on bbolt: accept with cursor, dedupe, transient
// items, crash and replay (the file reopened between accept and done), done inside a
// write transaction, concurrent done, pruning with an injected clock, refusals.
func TestInbox(t *testing.T) { storagetest.RunInbox(t, bboltInbox) }

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
