package storage

import (
	"fmt"
	"reflect"
	"sort"
	"testing"
	"time"

	"crmbot/crm"
)

func newInterest(owner uint64, stage crm.Stage, value int64, due, last time.Time) *crm.Interest {
	i := &crm.Interest{Kind: crm.KindInterest, CompanyID: 1, ContactID: 1, OwnerID: owner, Segment: crm.SegmentCorporate,
		Stage: stage, Value: value, LastActivityAt: last, CreatedAt: t0}
	if !due.IsZero() {
		i.Next = crm.NextAction{What: "call", Due: due}
	}
	return i
}

// putParties stores the companies and the contact that newInterest's interests name,
// so that Verify finds no interest pointing at a missing record.
func putParties(t *testing.T, db *DB, companies ...uint64) {
	t.Helper()
	update(t, db, func(tx crm.Tx) error {
		for _, id := range append([]uint64{1}, companies...) {
			if err := tx.PutCompany(&crm.Company{ID: id, Name: fmt.Sprintf("Party %d d.o.o.", id), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return tx.PutContact(&crm.Contact{ID: 1, CompanyID: 1, FullName: "Ana Anić", CreatedAt: t0})
	})
}

func ids(is []*crm.Interest) []uint64 {
	out := []uint64{}
	for _, i := range is {
		out = append(out, i.ID)
	}
	return out
}

// checkQueries compares every interest query with the answer computed by brute force
// from the records, for each owner and a range of times, and runs Verify.
func checkQueries(t *testing.T, db *DB) {
	t.Helper()
	view(t, db, func(tx crm.Tx) error {
		var all []*crm.Interest
		if err := tx.ForEachInterest(func(i *crm.Interest) error { all = append(all, i); return nil }); err != nil {
			return err
		}
		owners := []uint64{0, 1, 2, 3}
		times := []time.Time{t0.Add(-time.Hour), t0, t0.Add(time.Hour), t0.Add(25 * time.Hour), t0.Add(100 * time.Hour)}
		filter := func(keep func(*crm.Interest) bool, less func(a, b *crm.Interest) bool) []uint64 {
			var out []*crm.Interest
			for _, i := range all {
				if keep(i) {
					out = append(out, i)
				}
			}
			sort.SliceStable(out, func(a, b int) bool { return less(out[a], out[b]) })
			return ids(out)
		}
		for _, owner := range owners {
			ownerOK := func(i *crm.Interest) bool { return owner == 0 || i.OwnerID == owner }
			for n, at := range times {
				if owner == 0 && n > 0 {
					from := times[n-1]
					got, err := tx.DueBetween(from, at, 0)
					want := filter(func(i *crm.Interest) bool {
						return i.Open() && !i.Next.IsZero() && !i.Next.Due.Before(from) && i.Next.Due.Before(at)
					}, func(a, b *crm.Interest) bool { return a.Next.Due.Before(b.Next.Due) })
					if err != nil || !reflect.DeepEqual(ids(got), want) {
						t.Errorf("DueBetween(%v, %v) = %v, %v; want %v", from, at, ids(got), err, want)
					}
				}
				got, err := tx.DueBefore(owner, at, 0)
				want := filter(func(i *crm.Interest) bool {
					return ownerOK(i) && i.Open() && !i.Next.IsZero() && i.Next.Due.Before(at)
				}, func(a, b *crm.Interest) bool { return a.Next.Due.Before(b.Next.Due) })
				if err != nil || !reflect.DeepEqual(ids(got), want) {
					t.Errorf("DueBefore(%d, %v) = %v, %v; want %v", owner, at, ids(got), err, want)
				}
				got, err = tx.IdleSince(owner, at, 0)
				want = filter(func(i *crm.Interest) bool {
					return ownerOK(i) && i.Open() && i.LastActivityAt.Before(at)
				}, func(a, b *crm.Interest) bool { return a.LastActivityAt.Before(b.LastActivityAt) })
				if err != nil || !reflect.DeepEqual(ids(got), want) {
					t.Errorf("IdleSince(%d, %v) = %v, %v; want %v", owner, at, ids(got), err, want)
				}
			}
			if owner == 0 {
				continue
			}
			for _, stage := range append([]crm.Stage{""}, crm.Stages...) {
				got, err := tx.OpenInterests(owner, stage, 0)
				want := filter(func(i *crm.Interest) bool {
					return i.OwnerID == owner && i.Open() && (stage == "" || i.Stage == stage)
				}, func(a, b *crm.Interest) bool {
					sa, _ := stageByte(a.Stage)
					sb, _ := stageByte(b.Stage)
					return sa < sb
				})
				if err != nil || !reflect.DeepEqual(ids(got), want) {
					t.Errorf("OpenInterests(%d, %q) = %v, %v; want %v", owner, stage, ids(got), err, want)
				}
			}
		}
		for _, at := range times {
			got, err := tx.CountDueBefore(at)
			want := map[uint64]int{}
			for _, i := range all {
				if i.Open() && !i.Next.IsZero() && i.Next.Due.Before(at) {
					want[i.OwnerID]++
				}
			}
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("CountDueBefore(%v) = %v, %v; want %v", at, got, err, want)
			}
		}
		got, err := tx.Pipeline()
		cells := map[[2]any]crm.PipelineCell{}
		for _, i := range all {
			k := [2]any{i.OwnerID, i.Stage}
			c := cells[k]
			c.OwnerID, c.Stage = i.OwnerID, i.Stage
			c.Count++
			c.Value += i.Value
			cells[k] = c
		}
		want := []crm.PipelineCell{}
		for _, c := range cells {
			want = append(want, c)
		}
		sort.Slice(want, func(a, b int) bool {
			sa, _ := stageByte(want[a].Stage)
			sb, _ := stageByte(want[b].Stage)
			return want[a].OwnerID < want[b].OwnerID || want[a].OwnerID == want[b].OwnerID && sa < sb
		})
		if err != nil || !reflect.DeepEqual(append([]crm.PipelineCell{}, got...), want) {
			t.Errorf("Pipeline = %+v, %v; want %+v", got, err, want)
		}
		return nil
	})
	mustVerify(t, db)
}

func TestInterestIndexes(t *testing.T) {
	db := mustOpen(t)
	putParties(t, db)
	h := time.Hour
	is := []*crm.Interest{
		newInterest(1, crm.StageNew, 100, t0.Add(2*h), t0.Add(-3*h)),
		newInterest(1, crm.StageMeeting, 200, t0.Add(-h), t0.Add(-2*h)),
		newInterest(2, crm.StageNew, 300, t0.Add(30*h), t0.Add(-5*h)),
		newInterest(2, crm.StageProposal, 400, time.Time{}, t0),
		newInterest(1, crm.StageDeliberating, 500, t0.Add(-2*h), t0.Add(-10*h)),
	}
	update(t, db, func(tx crm.Tx) error {
		for _, i := range is {
			if err := tx.PutInterest(i); err != nil {
				return err
			}
		}
		return nil
	})
	checkQueries(t, db)

	steps := []struct {
		name   string
		change func()
	}{
		{"reassign", func() { is[0].OwnerID = 2 }},
		{"stage", func() { is[1].Stage = crm.StageProposal }},
		{"due later", func() { is[4].Next.Due = t0.Add(50 * h) }},
		{"due cleared", func() { is[2].Next = crm.NextAction{} }},
		{"due set", func() { is[3].Next = crm.NextAction{What: "x", Due: t0.Add(-3 * h)} }},
		{"value", func() { is[3].Value = 999 }},
		{"activity", func() { is[4].LastActivityAt = t0.Add(h) }},
		{"won", func() { is[1].Stage, is[1].Next, is[1].ClosedAt = crm.StageWon, crm.NextAction{}, t0 }},
		{"lost keeps a stale due", func() { is[0].Stage, is[0].LossReason = crm.StageLost, crm.LossCompetitor }},
		{"reopen and reassign", func() { is[1].Stage, is[1].OwnerID = crm.StageNew, 3 }},
		{"reassign closed", func() { is[0].OwnerID = 3 }},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			s.change() // cumulative: each step starts from the state the last one left
			update(t, db, func(tx crm.Tx) error {
				for _, i := range is {
					if err := tx.PutInterest(i); err != nil {
						return err
					}
				}
				return nil
			})
			checkQueries(t, db)
		})
	}
}

func TestReassignMovesCounters(t *testing.T) {
	db := mustOpen(t)
	i := newInterest(1, crm.StageMeeting, 700, t0, t0)
	update(t, db, func(tx crm.Tx) error { return tx.PutInterest(i) })
	i.OwnerID = 2
	update(t, db, func(tx crm.Tx) error { return tx.PutInterest(i) })
	view(t, db, func(tx crm.Tx) error {
		got, err := tx.Pipeline()
		want := []crm.PipelineCell{{OwnerID: 2, Stage: crm.StageMeeting, Count: 1, Value: 700}}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("Pipeline = %+v, %v; want %+v", got, err, want)
		}
		if got, _ := tx.OpenInterests(1, "", 0); len(got) != 0 {
			t.Errorf("old owner still has %v", ids(got))
		}
		if got, _ := tx.DueBefore(1, t0.Add(time.Hour), 0); len(got) != 0 {
			t.Errorf("old owner still has due %v", ids(got))
		}
		return nil
	})
}

func TestPutInterestRejectsUnknownStage(t *testing.T) {
	db := mustOpen(t)
	err := db.Update(t.Context(), func(tx crm.Tx) error {
		return tx.PutInterest(newInterest(1, "bogus", 1, t0, t0))
	})
	if crm.ErrorCode(err) != crm.EINVALID {
		t.Errorf("err = %v, want %s", err, crm.EINVALID)
	}
}

func TestInterestLimitsAndIDs(t *testing.T) {
	db := mustOpen(t)
	putParties(t, db, 9)
	update(t, db, func(tx crm.Tx) error {
		for n := 0; n < 5; n++ {
			if err := tx.PutInterest(newInterest(1, crm.StageNew, 1, t0.Add(time.Duration(5-n)*time.Hour), t0)); err != nil {
				return err
			}
		}
		// An imported interest keeps its number and later numbers follow it.
		if err := tx.PutInterest(&crm.Interest{ID: 100, OwnerID: 1, Stage: crm.StageWon, CompanyID: 9, ContactID: 1}); err != nil {
			return err
		}
		i := newInterest(1, crm.StageNew, 1, time.Time{}, t0)
		if err := tx.PutInterest(i); err != nil {
			return err
		}
		if i.ID != 101 {
			t.Errorf("id after import = %d, want 101", i.ID)
		}
		return nil
	})
	view(t, db, func(tx crm.Tx) error {
		for _, tt := range []struct {
			name string
			got  func() ([]*crm.Interest, error)
			want []uint64
		}{
			{"DueBefore limit", func() ([]*crm.Interest, error) { return tx.DueBefore(0, t0.Add(10*time.Hour), 2) }, []uint64{5, 4}},
			{"OpenInterests limit", func() ([]*crm.Interest, error) { return tx.OpenInterests(1, crm.StageNew, 3) }, []uint64{1, 2, 3}},
			{"OpenInterests closed stage", func() ([]*crm.Interest, error) { return tx.OpenInterests(1, crm.StageWon, 0) }, []uint64{}},
			{"ByCompany limit", func() ([]*crm.Interest, error) { return tx.InterestsByCompany(1, 4) }, []uint64{1, 2, 3, 4}},
			{"ByCompany closed", func() ([]*crm.Interest, error) { return tx.InterestsByCompany(9, 0) }, []uint64{100}},
			{"IdleSince limit", func() ([]*crm.Interest, error) { return tx.IdleSince(1, t0.Add(time.Second), 1) }, []uint64{1}},
		} {
			got, err := tt.got()
			if err != nil || !reflect.DeepEqual(ids(got), tt.want) {
				t.Errorf("%s = %v, %v; want %v", tt.name, ids(got), err, tt.want)
			}
		}
		return nil
	})
	checkQueries(t, db)
}
