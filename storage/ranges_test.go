package storage

import (
	"slices"
	"testing"
	"time"

	"crmbot/crm"
)

// DueAfter walks the due index in chunks: each resumes strictly after the position the
// last one ended on, so equal due times are neither repeated nor skipped.
func TestDueAfterResumes(t *testing.T) {
	db := mustOpen(t)
	t0 := time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) // shadows the package's t0: due times from here
	update(t, db, func(tx crm.Tx) error {
		for _, d := range []time.Duration{0, 0, 0, time.Hour, time.Hour, 2 * time.Hour, 3 * time.Hour} {
			if err := tx.PutInterest(newInterest(1, crm.StageNew, 0, t0.Add(d), t0)); err != nil {
				return err
			}
		}
		// Without a next step: not in the due index.
		in := newInterest(1, crm.StageNew, 0, time.Time{}, t0)
		return tx.PutInterest(in)
	})
	for _, tc := range []struct {
		chunk int
		to    time.Duration
		want  []uint64
	}{
		{1, 3 * time.Hour, []uint64{1, 2, 3, 4, 5, 6}},
		{2, 3 * time.Hour, []uint64{1, 2, 3, 4, 5, 6}},
		{3, 10 * time.Hour, []uint64{1, 2, 3, 4, 5, 6, 7}},
		{100, time.Hour, []uint64{1, 2, 3}},
	} {
		var got []uint64
		var pos crm.DuePos
		for n := 0; n < 20; n++ {
			var chunk []*crm.Interest
			view(t, db, func(tx crm.Tx) error {
				var err error
				chunk, err = tx.DueAfter(pos, t0.Add(tc.to), tc.chunk)
				return err
			})
			for _, in := range chunk {
				got = append(got, in.ID)
				pos = crm.PosOf(in)
			}
			if len(chunk) < tc.chunk {
				break
			}
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("chunk %d to +%v: %v, want %v", tc.chunk, tc.to, got, tc.want)
		}
	}
}
