package crm_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

var testFunnelRank = map[crm.Stage]int{crm.StageNew: 0, crm.StageMeeting: 1, crm.StageProposal: 2, crm.StageDeliberating: 3}

// conversionFromAudit is BuildConversion as it was before the change index: the
// audit log read entry by entry and every changed interest (and its company) looked
// up. It is the oracle the index must agree with.
func conversionFromAudit(tx crm.Tx, from, to time.Time, f crm.ReportFilter) (*crm.Conversion, error) {
	cv := &crm.Conversion{From: from, To: to, LostBy: map[crm.LossReason]int{}, PerOwner: map[uint64]*crm.Tally{},
		PerSource: map[string]*crm.Tally{}, PerSize: map[crm.CompanySize]*crm.Tally{}, Reached: map[crm.Stage]int{}}
	type life struct {
		opened bool
		last   *crm.Change // the last stage change in the period
		rank   int         // the furthest open stage reached in the period
	}
	lives := map[uint64]*life{}
	var order []uint64 // the interests changed in the period
	err := crm.WalkChanges(tx, from, to, func(ch crm.Change) error {
		l := lives[ch.InterestID]
		if l == nil {
			l = &life{rank: -1}
			lives[ch.InterestID] = l
			order = append(order, ch.InterestID)
		}
		if ch.Opened {
			l.opened = true
			l.rank = max(l.rank, testFunnelRank[crm.StageNew])
			return nil
		}
		c := ch
		l.last = &c
		if r, ok := testFunnelRank[ch.Stage]; ok {
			l.rank = max(l.rank, r)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	companies := map[uint64]*crm.Company{}
	company := func(id uint64) (*crm.Company, error) {
		if co, ok := companies[id]; ok {
			return co, nil
		}
		co, err := tx.Company(id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			co, err = &crm.Company{ID: id}, nil
		}
		if err != nil {
			return nil, err
		}
		companies[id] = co
		return co, nil
	}
	pick := func(m map[string]*crm.Tally, k string) *crm.Tally {
		if m[k] == nil {
			m[k] = &crm.Tally{}
		}
		return m[k]
	}
	// Look the interests up in key order: a cursor-friendly walk of the B+tree
	// instead of random reads (the figures do not depend on the order).
	slices.Sort(order)
	for _, id := range order {
		l := lives[id]
		in, err := tx.Interest(id)
		if crm.ErrorCode(err) == crm.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, err
		}
		if (f.Owner != 0 && in.OwnerID != f.Owner) || (f.Segment != "" && in.Segment != f.Segment) {
			continue
		}
		co := &crm.Company{ID: in.CompanyID}
		if f.Size != "" || !f.NoSizes {
			if co, err = company(in.CompanyID); err != nil {
				return nil, err
			}
		}
		if f.Size != "" && co.Size != f.Size {
			continue
		}
		final := crm.Stage("")
		if l.last != nil {
			final = l.last.Stage
		}
		for st, r := range testFunnelRank {
			if r <= l.rank || final == crm.StageWon {
				cv.Reached[st]++
			}
		}
		if !l.opened && final != crm.StageWon && final != crm.StageLost {
			continue // moved along in the period, but neither opened nor closed
		}
		if cv.PerOwner[in.OwnerID] == nil {
			cv.PerOwner[in.OwnerID] = &crm.Tally{}
		}
		groups := []*crm.Tally{&cv.Total, cv.PerOwner[in.OwnerID], pick(cv.PerSource, strings.ToLower(strings.TrimSpace(in.Source)))}
		if !f.NoSizes {
			if cv.PerSize[co.Size] == nil {
				cv.PerSize[co.Size] = &crm.Tally{}
			}
			groups = append(groups, cv.PerSize[co.Size])
		}
		for _, g := range groups {
			if l.opened {
				g.Opened++
			}
			switch final {
			case crm.StageWon:
				g.Won++
				if in.Value > 0 {
					if g.WonValue == nil {
						g.WonValue = map[string]int64{}
					}
					g.WonValue[in.Currency] += in.Value
				}
			case crm.StageLost:
				g.Lost++
			}
		}
		switch final {
		case crm.StageWon:
			cv.DaysToWon = append(cv.DaysToWon, l.last.At.Sub(in.CreatedAt).Hours()/24)
			cv.Reached[crm.StageWon]++
		case crm.StageLost:
			cv.LostBy[l.last.Loss]++
		}
	}
	return cv, nil
}

// TestConversionFromTheChangeIndex: whatever happens to interests after their
// changes (reassigned, edited, their company resized), a period's figures read from
// the change index are those the audit log and the records give.
func TestConversionFromTheChangeIndex(t *testing.T) {
	db := storagetest.Open(t)
	ctx := context.Background()
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	rnd := rand.New(rand.NewPCG(3, 4))
	sizes := append([]crm.CompanySize{""}, crm.CompanySizes...)
	sources := []string{"", "Web", "web ", "call"}
	at := t0
	step := func() time.Time { at = at.Add(time.Duration(rnd.IntN(72)+1) * time.Hour); return at }
	err := db.Update(ctx, func(tx crm.Tx) error {
		for c := 1; c <= 5; c++ {
			if err := tx.PutCompany(&crm.Company{Name: fmt.Sprintf("Firma %d", c), Size: sizes[rnd.IntN(len(sizes))]}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < 300; n++ {
		err := db.Update(ctx, func(tx crm.Tx) error {
			switch k := rnd.IntN(10); {
			case k < 3 || n < 5: // a new interest
				in := &crm.Interest{Kind: crm.KindInterest, CompanyID: uint64(rnd.IntN(5) + 1), OwnerID: uint64(rnd.IntN(3) + 1),
					Segment: crm.SegmentCorporate, Stage: crm.StageNew, Value: int64(rnd.IntN(3)) * 100, Currency: "EUR",
					Source: sources[rnd.IntN(len(sources))], CreatedAt: step()}
				if err := tx.PutInterest(in); err != nil {
					return err
				}
				return tx.AddAudit(&crm.AuditEntry{At: in.CreatedAt, Entity: "interest", EntityID: in.ID, Action: "create"})
			case k < 7: // a stage change
				in, err := tx.Interest(uint64(rnd.IntN(100) + 1))
				if crm.ErrorCode(err) == crm.ENOTFOUND {
					return nil
				} else if err != nil {
					return err
				}
				st := crm.Stages[rnd.IntN(len(crm.Stages))]
				detail := string(in.Stage) + "→" + string(st)
				if st == crm.StageLost {
					detail += "/" + string(crm.LossReasons[rnd.IntN(len(crm.LossReasons))])
				}
				in.Stage = st
				if err := tx.AddAudit(&crm.AuditEntry{At: step(), Entity: "interest", EntityID: in.ID, Action: "stage", Detail: detail, Refused: rnd.IntN(20) == 0}); err != nil {
					return err
				}
				return tx.PutInterest(in)
			case k < 9: // reassigned or edited
				in, err := tx.Interest(uint64(rnd.IntN(100) + 1))
				if crm.ErrorCode(err) == crm.ENOTFOUND {
					return nil
				} else if err != nil {
					return err
				}
				in.OwnerID, in.Value, in.Source = uint64(rnd.IntN(3)+1), int64(rnd.IntN(5))*50, sources[rnd.IntN(len(sources))]
				if rnd.IntN(2) == 0 {
					in.Segment = crm.SegmentRetail
				}
				return tx.PutInterest(in)
			default: // a company resized
				co, err := tx.Company(uint64(rnd.IntN(5) + 1))
				if err != nil {
					return err
				}
				co.Size = sizes[rnd.IntN(len(sizes))]
				return tx.PutCompany(co)
			}
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	periods := [][2]time.Time{{t0, at.Add(time.Hour)}, {t0.AddDate(0, 1, 0), t0.AddDate(0, 2, 0)}, {t0.AddDate(0, 2, 10), t0.AddDate(0, 5, 3)}}
	filters := []crm.ReportFilter{{}, {Owner: 2}, {Segment: crm.SegmentRetail}, {Size: crm.SizeLarge, NoSizes: true}, {NoSizes: true}}
	err = db.View(ctx, func(tx crm.Tx) error {
		for _, p := range periods {
			for _, f := range filters {
				want, err := conversionFromAudit(tx, p[0], p[1], f)
				if err != nil {
					return err
				}
				got, err := crm.BuildConversion(tx, p[0], p[1], f)
				if err != nil {
					return err
				}
				slices.Sort(want.DaysToWon)
				slices.Sort(got.DaysToWon)
				if !reflect.DeepEqual(got, want) {
					t.Errorf("%v–%v %+v:\n got %s\nwant %s", p[0], p[1], f, show(got), show(want))
				}
				if want.Total.Opened+want.Total.Won+want.Total.Lost == 0 && f == (crm.ReportFilter{}) {
					t.Errorf("%v–%v: nothing to compare", p[0], p[1])
				}
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func show(c *crm.Conversion) string {
	var b strings.Builder
	fmt.Fprintf(&b, "total %+v lost %v reached %v days %v", c.Total, c.LostBy, c.Reached, c.DaysToWon)
	for id, t := range c.PerOwner {
		fmt.Fprintf(&b, " owner%d %+v", id, *t)
	}
	for k, t := range c.PerSource {
		fmt.Fprintf(&b, " source%q %+v", k, *t)
	}
	for k, t := range c.PerSize {
		fmt.Fprintf(&b, " size%q %+v", k, *t)
	}
	return b.String()
}
