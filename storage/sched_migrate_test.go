package storage

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// Migration 4 moves the scheduler's state from the untyped blobs into its typed
// bucket: the marks, the pass in progress (with its counts) and the skip notes come
// through, unreadable values are dropped, and the old namespace is gone.
func TestMigration4MovesSchedulerState(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v3.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	alive := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)
	nano := func(t time.Time) []byte { return []byte(strconv.FormatInt(t.UnixNano(), 10)) }
	// Make it a version-3 file as the previous crmbot left it.
	err = db.bolt.Update(func(btx *bolt.Tx) error {
		if err := btx.DeleteBucket(bucketScheduler); err != nil {
			return err
		}
		if err := btx.Bucket(bucketMeta).Put(keySchemaVersion, u64(3)); err != nil {
			return err
		}
		ns, err := btx.Bucket(bucketBlobs).CreateBucket([]byte("scheduler"))
		if err != nil {
			return err
		}
		for k, v := range map[string][]byte{
			"alive":           nano(alive),
			"nudge_mark":      nano(alive.Add(-time.Minute)),
			"esc_mark":        []byte("not a number"),
			"headdigest_mark": nano(alive.Add(-24 * time.Hour)),
			"pass":            []byte(`{"id":42,"nudge":{"due":"2026-11-25T08:00:00Z","id":7},"folded":{"3":12},"esc_ran":true}`),
			"skipnote:3":      []byte(`{"date":"2026-11-24T07:30:00Z","from":"2026-11-24T06:00:00Z","to":"2026-11-24T10:00:00Z"}`),
			"skipnote:4":      []byte(`{broken`),
		} {
			if err := ns.Put([]byte(k), v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.View(t.Context(), func(tx crm.Tx) error {
		st, err := tx.SchedulerState()
		if err != nil {
			return err
		}
		if !st.Alive.Equal(alive) || !st.Nudge.Equal(alive.Add(-time.Minute)) || !st.Esc.IsZero() || !st.HeadDigest.Equal(alive.Add(-24*time.Hour)) {
			t.Errorf("marks: %+v", st)
		}
		if p := st.Pass; p == nil || p.ID != 42 || p.Nudge.ID != 7 || p.Folded[3] != 12 || !p.EscRan {
			t.Errorf("pass: %+v", st.Pass)
		}
		if n, err := tx.SkipNote(3); err != nil || n == nil || n.Date.Hour() != 7 {
			t.Errorf("skip note 3: %+v %v", n, err)
		}
		if n, err := tx.SkipNote(4); err != nil || n != nil {
			t.Errorf("unreadable skip note 4 kept: %+v %v", n, err)
		}
		if b, err := legacy(tx).blob("scheduler", "alive"); err != nil || b != nil {
			t.Errorf("old blob left behind: %q %v", b, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := db.Verify(t.Context()); err != nil || len(problems) > 0 {
		t.Fatalf("Verify after the migration: %v %q", err, problems)
	}
}
