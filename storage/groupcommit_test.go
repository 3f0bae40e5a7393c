package storage

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// commitCount is the id of the last committed write transaction: bolt numbers
// them, and a rolled-back one takes no number.
func commitCount(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	err := db.bolt.View(func(btx *bolt.Tx) error { n = int(btx.ID()); return nil })
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// holdCommitter starts an Update whose fn blocks until release is called, so that
// the calls started meanwhile queue up behind it. waitQueued(n) returns once n
// calls are queued.
func holdCommitter(t *testing.T, db *DB) (release func(), waitQueued func(n int), done <-chan error) {
	t.Helper()
	started, unblock := make(chan struct{}), make(chan struct{})
	errc := make(chan error, 1)
	go func() {
		errc <- db.Update(context.Background(), func(tx crm.Tx) error {
			close(started)
			<-unblock
			return tx.PutCompany(&crm.Company{Name: "Holder d.o.o.", CreatedAt: t0})
		})
	}()
	<-started
	waitQueued = func(n int) {
		for {
			db.commits.mu.Lock()
			q := len(db.commits.queue)
			db.commits.mu.Unlock()
			if q >= n {
				return
			}
			runtime.Gosched()
		}
	}
	return func() { close(unblock) }, waitQueued, errc
}

// TestGroupCommitSharesOneCommit: the writers that queue while a commit is in
// progress go to disk together in the next ones, at most MaxBatchSize to a commit, and
// every write lands.
func TestGroupCommitSharesOneCommit(t *testing.T) {
	for _, tc := range []struct {
		maxBatch, commits int
	}{
		{0, 1 + 1},  // the holder's commit, then all 50 (default 64 a commit)
		{1, 1 + 50}, // sharing off
		{7, 1 + 8},  // 50 in commits of 7
	} {
		t.Run(fmt.Sprintf("max=%d", tc.maxBatch), func(t *testing.T) {
			db, err := Open(filepath.Join(t.TempDir(), "crm.db"), Options{Now: func() time.Time { return t0 }, MaxBatchSize: tc.maxBatch})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db.Close() })
			shareCommits(t, db, tc.commits)
		})
	}
}

func shareCommits(t *testing.T, db *DB, wantCommits int) {
	t.Helper()
	before := commitCount(t, db)
	release, waitQueued, held := holdCommitter(t, db)
	const writers = 50
	var wg sync.WaitGroup
	ids := make([]uint64, writers)
	errs := make([]error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = db.Update(context.Background(), func(tx crm.Tx) error {
				c := &crm.Company{Name: fmt.Sprintf("Writer %d d.o.o.", w), CreatedAt: t0}
				if err := tx.PutCompany(c); err != nil {
					return err
				}
				ids[w] = c.ID
				return nil
			})
		}()
	}
	waitQueued(writers)
	release()
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	for w, err := range errs {
		if err != nil {
			t.Fatalf("writer %d: %v", w, err)
		}
	}
	if got := commitCount(t, db) - before; got != wantCommits {
		t.Errorf("%d commits for 51 writers, want %d", got, wantCommits)
	}
	seen := map[uint64]bool{}
	view(t, db, func(tx crm.Tx) error {
		for w, id := range ids {
			c, err := tx.Company(id)
			if err != nil {
				return err
			}
			if want := fmt.Sprintf("Writer %d d.o.o.", w); c.Name != want || seen[id] {
				return fmt.Errorf("company %d is %q (seen before: %v), want %q", id, c.Name, seen[id], want)
			}
			seen[id] = true
		}
		return nil
	})
	mustVerify(t, db)
}

// TestGroupCommitFailureIsolated: a fn that fails after writing, or panics, gets its
// own error (or panic) and none of its writes; the fns batched with it are committed,
// those before it after running again on a fresh transaction.
func TestGroupCommitFailureIsolated(t *testing.T) {
	db := mustOpen(t)
	release, waitQueued, held := holdCommitter(t, db)
	errBoom := errors.New("boom")
	var runs [4]atomic.Int32
	put := func(n int, name string, fail error, panics bool) func(crm.Tx) error {
		return func(tx crm.Tx) error {
			runs[n].Add(1)
			if err := tx.PutCompany(&crm.Company{Name: name, CreatedAt: t0}); err != nil {
				return err
			}
			if panics {
				panic("kaboom")
			}
			return fail
		}
	}
	fns := []func(crm.Tx) error{
		put(0, "Kept One", nil, false),
		put(1, "Failed Two", errBoom, false),
		put(2, "Panicked Three", nil, true),
		put(3, "Kept Four", nil, false),
	}
	results := make([]any, len(fns))
	var wg sync.WaitGroup
	for i, fn := range fns {
		waitQueued(i) // queue them in this order
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if r := recover(); r != nil {
					results[i] = r
				}
			}()
			results[i] = db.Update(context.Background(), fn)
		}()
	}
	waitQueued(len(fns))
	release()
	wg.Wait()
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	if results[0] != nil || results[3] != nil {
		t.Errorf("kept writes: %v, %v; want no errors", results[0], results[3])
	}
	if err, _ := results[1].(error); !errors.Is(err, errBoom) {
		t.Errorf("failed write returned %v, want boom", results[1])
	}
	if results[2] != "kaboom" {
		t.Errorf("panicking write: the caller got %v, want its panic", results[2])
	}
	// Runs: one rolled back with Two's failure, one with Three's panic, then the
	// commit; Two and Three ran once; Four once.
	want := [4]int32{3, 1, 1, 1}
	for i := range runs {
		if got := runs[i].Load(); got != want[i] {
			t.Errorf("fn %d ran %d times, want %d", i, got, want[i])
		}
	}
	view(t, db, func(tx crm.Tx) error {
		for name, want := range map[string]int{"Kept One": 1, "Failed Two": 0, "Panicked Three": 0, "Kept Four": 1, "Holder d.o.o.": 1} {
			cs, err := tx.CompaniesByName(name)
			if err != nil {
				return err
			}
			if len(cs) != want {
				t.Errorf("%d companies named %q, want %d", len(cs), name, want)
			}
		}
		return nil
	})
	mustVerify(t, db)
}

// TestGroupCommitLoneWriterFails: with nobody else writing, a failing fn behaves as
// with bolt's Update: its error, nothing written, run once.
func TestGroupCommitLoneWriterFails(t *testing.T) {
	db := mustOpen(t)
	runs := 0
	err := db.Update(context.Background(), func(tx crm.Tx) error {
		runs++
		if err := tx.PutCompany(&crm.Company{Name: "Alone d.o.o.", CreatedAt: t0}); err != nil {
			return err
		}
		return crm.Errorf(crm.EINVALID, "err.bad_stage", "x")
	})
	if crm.ErrorCode(err) != crm.EINVALID || runs != 1 {
		t.Fatalf("got %v after %d runs, want EINVALID after 1", err, runs)
	}
	view(t, db, func(tx crm.Tx) error {
		cs, err := tx.CompaniesByName("Alone d.o.o.")
		if err == nil && len(cs) != 0 {
			err = fmt.Errorf("the failed write left %d companies", len(cs))
		}
		return err
	})
}

// TestGroupCommitManyWriters: writers that succeed, fail after writing or panic, all at
// once. Exactly the writes that reported success are in the database, each once.
func TestGroupCommitManyWriters(t *testing.T) {
	db := mustOpen(t)
	const writers, each = 20, 10
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := map[string]bool{}
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range each {
				name := fmt.Sprintf("W%d-%d d.o.o.", w, n)
				fate := (w*7 + n*3) % 10 // 0: fails, 1: panics, else succeeds
				var err error
				func() {
					defer func() {
						if r := recover(); r != nil && fate != 1 {
							t.Errorf("%s: unexpected panic %v", name, r)
						}
					}()
					err = db.Update(context.Background(), func(tx crm.Tx) error {
						if err := tx.PutCompany(&crm.Company{Name: name, CreatedAt: t0}); err != nil {
							return err
						}
						switch fate {
						case 0:
							return errors.New("refused")
						case 1:
							panic("boom")
						}
						return nil
					})
					if err == nil && fate > 1 {
						mu.Lock()
						ok[name] = true
						mu.Unlock()
					}
				}()
				if (err != nil) != (fate == 0) && fate != 1 {
					t.Errorf("%s: fate %d, error %v", name, fate, err)
				}
			}
		}()
	}
	wg.Wait()
	got := map[string]int{}
	view(t, db, func(tx crm.Tx) error {
		for id := uint64(1); ; id++ {
			c, err := tx.Company(id)
			if crm.ErrorCode(err) == crm.ENOTFOUND {
				if id > writers*each { // past every id a write could have taken
					return nil
				}
				continue
			}
			if err != nil {
				return err
			}
			got[c.Name]++
		}
	})
	for name := range ok {
		if got[name] != 1 {
			t.Errorf("%s: stored %d times, want once", name, got[name])
		}
	}
	for name, n := range got {
		if !ok[name] {
			t.Errorf("%s: stored %d times, but its write failed", name, n)
		}
	}
	if len(ok) != writers*each*8/10 {
		t.Errorf("%d writes succeeded, want %d", len(ok), writers*each*8/10)
	}
	mustVerify(t, db)
}
