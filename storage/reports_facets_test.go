package storage

import (
	"context"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// facetFixture: two companies (1 large, 2 small), owners 1 and 2, interests of both
// segments at open and closed stages.
func facetFixture(t *testing.T) *DB {
	t.Helper()
	db := mustOpen(t)
	update(t, db, func(tx crm.Tx) error {
		if err := tx.PutCompany(&crm.Company{ID: 1, Name: "Large d.o.o.", Size: crm.SizeLarge}); err != nil {
			return err
		}
		if err := tx.PutCompany(&crm.Company{ID: 2, Name: "Small obrt", Size: crm.SizeSmall}); err != nil {
			return err
		}
		if err := tx.PutContact(&crm.Contact{ID: 1, CompanyID: 1, FullName: "Ana Anić"}); err != nil {
			return err
		}
		for _, c := range []struct {
			owner, company uint64
			seg            crm.Segment
			stage          crm.Stage
			value          int64
			due, last      time.Duration // from t0
		}{
			{1, 1, crm.SegmentCorporate, crm.StageNew, 100, -time.Hour, -20 * 24 * time.Hour},
			{1, 1, crm.SegmentCorporate, crm.StageProposal, 200, time.Hour, -30 * 24 * time.Hour},
			{1, 2, crm.SegmentCorporate, crm.StageNew, 10, -2 * time.Hour, -40 * 24 * time.Hour},
			{2, 2, crm.SegmentRetail, crm.StageMeeting, 5, -time.Hour, -time.Hour},
			{2, 1, crm.SegmentRetail, crm.StageWon, 1000, 0, -50 * 24 * time.Hour},
		} {
			i := newInterest(c.owner, c.stage, c.value, time.Time{}, t0.Add(c.last))
			if c.due != 0 {
				i.Next = crm.NextAction{What: "call", Due: t0.Add(c.due)}
			}
			i.CompanyID, i.Segment = c.company, c.seg
			if err := tx.PutInterest(i); err != nil {
				return err
			}
		}
		return nil
	})
	return db
}

func TestFacetQueries(t *testing.T) {
	db := facetFixture(t)
	large := crm.Facet{Size: crm.SizeLarge}
	corporate := crm.Facet{Segment: crm.SegmentCorporate}
	view(t, db, func(tx crm.Tx) error {
		for _, c := range []struct {
			f    crm.Facet
			want []crm.PipelineCell
		}{
			{large, []crm.PipelineCell{{OwnerID: 1, Stage: crm.StageNew, Count: 1, Value: 100}, {OwnerID: 1, Stage: crm.StageProposal, Count: 1, Value: 200}, {OwnerID: 2, Stage: crm.StageWon, Count: 1, Value: 1000}}},
			{corporate, []crm.PipelineCell{{OwnerID: 1, Stage: crm.StageNew, Count: 2, Value: 110}, {OwnerID: 1, Stage: crm.StageProposal, Count: 1, Value: 200}}},
			{crm.Facet{Segment: crm.SegmentRetail, Size: crm.SizeSmall}, []crm.PipelineCell{{OwnerID: 2, Stage: crm.StageMeeting, Count: 1, Value: 5}}},
		} {
			got, err := tx.PipelineOf(c.f)
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("PipelineOf(%+v) = %+v, want %+v", c.f, got, c.want)
			}
		}
		// The facets of everything add up to the kept pipeline.
		all, _ := tx.PipelineOf(crm.Facet{})
		plain, _ := tx.Pipeline()
		if !reflect.DeepEqual(all, plain) {
			t.Errorf("PipelineOf(any) = %+v, Pipeline = %+v", all, plain)
		}
		due, err := tx.CountDueBeforeOf(corporate, t0)
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(due, map[uint64]int{1: 2}) {
			t.Errorf("overdue corporate: %v", due)
		}
		due, _ = tx.CountDueBeforeOf(crm.Facet{}, t0)
		plainDue, _ := tx.CountDueBefore(t0)
		if !reflect.DeepEqual(due, plainDue) {
			t.Errorf("overdue of any facet %v, CountDueBefore %v", due, plainDue)
		}
		idle, err := tx.IdleOf(crm.Facet{}, 0, t0.AddDate(0, 0, -14), 1)
		if err != nil {
			return err
		}
		if len(idle) != 1 || idle[0].OwnerID != 1 || idle[0].Count != 3 || len(idle[0].Oldest) != 1 || idle[0].Oldest[0].ID != 3 {
			t.Errorf("idle: %+v", idle)
		}
		idle, _ = tx.IdleOf(large, 0, t0.AddDate(0, 0, -14), 5)
		if len(idle) != 1 || idle[0].Count != 2 || ids(idle[0].Oldest)[0] != 2 || ids(idle[0].Oldest)[1] != 1 {
			t.Errorf("idle large: %+v", idle)
		}
		idle, _ = tx.IdleOf(crm.Facet{}, 2, t0, 5)
		if len(idle) != 1 || idle[0].OwnerID != 2 || idle[0].Count != 1 {
			t.Errorf("idle of owner 2: %+v", idle)
		}
		return nil
	})
}

// A company's new size moves its interests to the new facet, in the same
// transaction, and Verify agrees with what the writer did.
func TestFacetsFollowCompanySize(t *testing.T) {
	db := facetFixture(t)
	update(t, db, func(tx crm.Tx) error {
		co, err := tx.Company(2)
		if err != nil {
			return err
		}
		co.Size = crm.SizeLarge
		return tx.PutCompany(co)
	})
	view(t, db, func(tx crm.Tx) error {
		cells, err := tx.PipelineOf(crm.Facet{Size: crm.SizeSmall})
		if err != nil || len(cells) != 0 {
			t.Errorf("small after the resize: %+v %v", cells, err)
		}
		due, _ := tx.CountDueBeforeOf(crm.Facet{Size: crm.SizeLarge}, t0)
		if !reflect.DeepEqual(due, map[uint64]int{1: 2, 2: 1}) {
			t.Errorf("overdue large: %v", due)
		}
		return nil
	})
	if problems, err := db.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("Verify: %v %q", err, problems)
	}
}

// Verify notices a facet counter or entry out of step, and Rebuild restores them.
func TestVerifyFacets(t *testing.T) {
	db := facetFixture(t)
	db = corrupt(t, db, func(btx *bolt.Tx) error {
		k, _ := btx.Bucket(idxInterestFacetIdle).Cursor().First()
		if err := btx.Bucket(idxInterestFacetIdle).Delete(k); err != nil {
			return err
		}
		k, _ = btx.Bucket(bucketPipelineFacet).Cursor().First()
		return btx.Bucket(bucketPipelineFacet).Put(k, encodeCell(7, 7))
	})
	problems, err := db.Verify(context.Background())
	if err != nil || len(problems) != 2 {
		t.Fatalf("Verify: %v %q", err, problems)
	}
	if err := db.Rebuild(context.Background()); err != nil {
		t.Fatal(err)
	}
	if problems, err := db.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("after Rebuild: %v %q", err, problems)
	}
}

// A version-3 file (no facet buckets) is upgraded with its facets derived from the
// interests and their companies, exactly as the writer would have kept them.
func TestMigration4DerivesFacets(t *testing.T) {
	db := facetFixture(t)
	path := db.Path()
	db.Close()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	err = bdb.Update(func(btx *bolt.Tx) error {
		for _, name := range [][]byte{idxInterestFacetDue, idxInterestFacetIdle, bucketPipelineFacet} {
			if err := btx.DeleteBucket(name); err != nil {
				return err
			}
		}
		return btx.Bucket(bucketMeta).Put(keySchemaVersion, u64(3))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	// Read-only, the v3 file is checked as a v3 file: no facets expected.
	ro, err := Open(path, Options{ReadOnly: true, MustExist: true})
	if err != nil {
		t.Fatal(err)
	}
	if problems, err := ro.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("v3 read-only: %v %q", err, problems)
	}
	ro.Close()
	db = mustOpenPath(t, path)
	if problems, err := db.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("after the migration: %v %q", err, problems)
	}
	view(t, db, func(tx crm.Tx) error {
		cells, err := tx.PipelineOf(crm.Facet{Segment: crm.SegmentRetail})
		if err != nil || len(cells) != 2 {
			t.Errorf("retail after the migration: %+v %v", cells, err)
		}
		return nil
	})
}
