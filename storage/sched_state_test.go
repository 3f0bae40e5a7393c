package storage_test

import (
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// The scheduler's state round-trips typed: an empty database reads as a zero state
// and no notes; what is put reads back; a nil note deletes it; each note is its
// person's own.
func TestSchedulerStateRoundTrip(t *testing.T) {
	db := storagetest.Open(t)
	at := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	err := db.View(t.Context(), func(tx crm.Tx) error {
		st, err := tx.SchedulerState()
		if err != nil || st == nil || !st.Alive.IsZero() || st.Pass != nil {
			t.Errorf("empty state: %+v %v", st, err)
		}
		if n, err := tx.SkipNote(1); err != nil || n != nil {
			t.Errorf("empty note: %+v %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(t.Context(), func(tx crm.Tx) error {
		p := &crm.ScanPass{ID: 7, Nudge: crm.DuePos{Due: at, ID: 3}}
		p.Init()
		p.EscFolded[2] = map[uint64]int{5: 9}
		if err := tx.PutSchedulerState(&crm.SchedulerState{Alive: at, Esc: at.Add(-time.Hour), Pass: p}); err != nil {
			return err
		}
		for _, id := range []uint64{1, 2} {
			if err := tx.PutSkipNote(id, &crm.SkipNote{Date: at.AddDate(0, 0, -int(id)), From: at, To: at}); err != nil {
				return err
			}
		}
		return tx.PutSkipNote(1, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(t.Context(), func(tx crm.Tx) error {
		st, err := tx.SchedulerState()
		if err != nil || !st.Alive.Equal(at) || !st.Esc.Equal(at.Add(-time.Hour)) || st.Pass == nil || st.Pass.Nudge.ID != 3 || st.Pass.EscFolded[2][5] != 9 {
			t.Errorf("state read back: %+v %v", st, err)
		}
		if n, err := tx.SkipNote(1); err != nil || n != nil {
			t.Errorf("deleted note 1: %+v %v", n, err)
		}
		if n, err := tx.SkipNote(2); err != nil || n == nil || !n.Date.Equal(at.AddDate(0, 0, -2)) {
			t.Errorf("note 2: %+v %v", n, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
