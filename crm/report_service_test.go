package crm_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// TestReportsFromCountersAgreeWithTheRecords: the filtered pipeline and /stale read
// kept counters and indexes; whatever the writes (new interests, stage moves, owners
// changed, companies resized), they say what counting the records one by one says.
func TestReportsFromCountersAgreeWithTheRecords(t *testing.T) {
	db := storagetest.Open(t)
	ctx := context.Background()
	now := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	svc := crm.NewService(db, func() time.Time { return now }, crm.Config{})
	rnd := rand.New(rand.NewPCG(1, 2))
	sizes := append([]crm.CompanySize{""}, crm.CompanySizes...)
	segments := []crm.Segment{crm.SegmentCorporate, crm.SegmentRetail}
	admin := &crm.User{Name: "Admin", Role: crm.RoleAdmin}
	err := db.Update(ctx, func(tx crm.Tx) error {
		for _, u := range []*crm.User{admin, {Name: "Ana", Role: crm.RoleManager}, {Name: "Ivo", Role: crm.RoleManager}} {
			if err := tx.PutUser(u); err != nil {
				return err
			}
		}
		for c := 1; c <= 8; c++ {
			if err := tx.PutCompany(&crm.Company{Name: fmt.Sprintf("Firma %d", c), Size: sizes[rnd.IntN(len(sizes))]}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for round := 0; round < 4; round++ {
		err := db.Update(ctx, func(tx crm.Tx) error {
			for n := 0; n < 40; n++ {
				in := &crm.Interest{}
				if id := uint64(rnd.IntN(120) + 1); round > 0 {
					if old, err := tx.Interest(id); err == nil {
						in = old
					}
				}
				in.Kind, in.CompanyID, in.OwnerID = crm.KindInterest, uint64(rnd.IntN(8)+1), uint64(rnd.IntN(2)+2)
				in.Segment, in.Stage, in.Value = segments[rnd.IntN(2)], crm.Stages[rnd.IntN(len(crm.Stages))], int64(rnd.IntN(1000))
				in.LastActivityAt = now.Add(-time.Duration(rnd.IntN(60*24)) * time.Hour)
				in.Next = crm.NextAction{}
				if in.Stage.Open() {
					in.Next = crm.NextAction{What: "call", Due: now.Add(time.Duration(rnd.IntN(20*24)-10*24) * time.Hour)}
				}
				if err := tx.PutInterest(in); err != nil {
					return err
				}
			}
			co, err := tx.Company(uint64(rnd.IntN(8) + 1))
			if err != nil {
				return err
			}
			co.Size = sizes[rnd.IntN(len(sizes))]
			return tx.PutCompany(co)
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range []crm.Facet{{}, {Segment: crm.SegmentRetail}, {Size: crm.SizeLarge}, {Segment: crm.SegmentCorporate, Size: crm.SizeUnknown}} {
			// Count the records one by one.
			type row struct{ open, overdue, won, stale int }
			want := map[uint64]*row{}
			var value int64
			err := db.View(ctx, func(tx crm.Tx) error {
				return tx.ForEachInterest(func(in *crm.Interest) error {
					co, err := tx.Company(in.CompanyID)
					if err != nil || !f.Match(in.Segment, co.Size) {
						return err
					}
					r := want[in.OwnerID]
					if r == nil {
						r = &row{}
						want[in.OwnerID] = r
					}
					switch {
					case in.Stage == crm.StageWon:
						r.won++
					case in.Stage.Open():
						r.open++
						value += in.Value
						if in.Next.Due.Before(now) {
							r.overdue++
						}
						if in.LastActivityAt.Before(now.AddDate(0, 0, -14)) {
							r.stale++
						}
					}
					return nil
				})
			})
			if err != nil {
				t.Fatal(err)
			}
			rep, err := svc.PipelineReport(ctx, admin, crm.PipelineQuery{Facet: f})
			if err != nil {
				t.Fatal(err)
			}
			var gotValue int64
			for _, r := range rep.Rows {
				w := want[r.Owner.ID]
				if w == nil {
					w = &row{}
				}
				if r.OpenCount() != w.open || r.Overdue != w.overdue || r.Won != w.won {
					t.Errorf("round %d %+v %s: open %d overdue %d won %d, the records say %+v", round, f, r.Owner.Name, r.OpenCount(), r.Overdue, r.Won, *w)
				}
				gotValue += r.Value
			}
			if gotValue != value {
				t.Errorf("round %d %+v: value %d, the records say %d", round, f, gotValue, value)
			}
			st, err := svc.Stale(ctx, admin, crm.StaleQuery{Facet: f, Before: now.AddDate(0, 0, -14), Shown: 3})
			if err != nil {
				t.Fatal(err)
			}
			stale := 0
			for _, w := range want {
				stale += w.stale
			}
			if st.Total != stale || stale == 0 && f.Any() {
				t.Errorf("round %d %+v: %d stale in all, the records say %d", round, f, st.Total, stale)
			}
			for _, g := range st.Groups {
				if g.Count != want[g.OwnerID].stale || len(g.Lines) != min(3, g.Count) {
					t.Errorf("round %d %+v %s: %d stale (%d shown), the records say %d", round, f, g.Name, g.Count, len(g.Lines), want[g.OwnerID].stale)
				}
				for i := 1; i < len(g.Lines); i++ {
					if g.Lines[i].Interest.LastActivityAt.Before(g.Lines[i-1].Interest.LastActivityAt) {
						t.Errorf("round %d %+v %s: not the longest forgotten first", round, f, g.Name)
					}
				}
			}
		}
	}
}

// A manager asking for someone else's report is refused; their own is theirs only.
func TestReportsManagersSeeTheirOwn(t *testing.T) {
	db := storagetest.Open(t)
	ctx := context.Background()
	svc := crm.NewService(db, time.Now, crm.Config{})
	ana := &crm.User{Name: "Ana", Role: crm.RoleManager}
	ivo := &crm.User{Name: "Ivo", Role: crm.RoleManager}
	if err := db.Update(ctx, func(tx crm.Tx) error {
		if err := tx.PutUser(ana); err != nil {
			return err
		}
		return tx.PutUser(ivo)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.PipelineReport(ctx, ana, crm.PipelineQuery{Owner: ivo.ID}); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("pipeline of another: %v", err)
	}
	if _, err := svc.Stale(ctx, ana, crm.StaleQuery{Owner: ivo.ID, Before: time.Now()}); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("stale of another: %v", err)
	}
	if _, err := svc.ConversionReport(ctx, ana, crm.ReportFilter{Owner: ivo.ID}, time.Now().AddDate(0, -1, 0), time.Now()); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("conversion of another: %v", err)
	}
	rep, err := svc.PipelineReport(ctx, ana, crm.PipelineQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Rows) != 1 || rep.Rows[0].Owner.ID != ana.ID {
		t.Errorf("a manager's pipeline shows %d rows", len(rep.Rows))
	}
}
