package storagetest

import (
	"context"
	"testing"
	"time"

	"crmbot/crm"
)

// RunCampaigns runs the seminar campaigns' storage suite (crm.CampaignStore) against
// the store open returns: a fresh, empty database.
func RunCampaigns(t *testing.T, open func(t testing.TB) crm.Store) {
	t.Run("round trip", func(t *testing.T) { campaignRoundTrip(t, open) })
}

func campaignRoundTrip(t *testing.T, open func(t testing.TB) crm.Store) {
	ctx := context.Background()
	db := open(t)
	at := time.Date(2027, 2, 10, 13, 0, 0, 0, time.UTC)
	// A database from before campaigns has no buckets: reads are empty, not errors.
	err := db.View(ctx, func(tx crm.Tx) error {
		cs, err := tx.Campaigns()
		if err != nil || len(cs) != 0 {
			t.Fatalf("campaigns %v %v", cs, err)
		}
		if _, err := tx.Campaign(1); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatalf("campaign 1: %v", err)
		}
		if _, err := tx.CampaignMember(1, 1); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Fatalf("member: %v", err)
		}
		ms, err := tx.CampaignMembers(1)
		if err != nil || len(ms) != 0 {
			t.Fatalf("members %v %v", ms, err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Update(ctx, func(tx crm.Tx) error {
		for _, name := range []string{"A", "B"} {
			c := &crm.Campaign{Name: name, At: at, FallbackDays: 3, Filter: crm.CampaignFilter{Segment: crm.SegmentCorporate}}
			if err := tx.PutCampaign(c); err != nil {
				return err
			}
			// Members are added out of order and must come back in interest order,
			// each campaign's alone (ids 255 and 256 test the big-endian key).
			for _, iid := range []uint64{256, 7, 255} {
				if err := tx.PutCampaignMember(&crm.CampaignMember{CampaignID: c.ID, InterestID: iid, Name: name, CallBy: at}); err != nil {
					return err
				}
			}
		}
		return tx.PutCampaignMember(&crm.CampaignMember{InterestID: 1})
	})
	if err == nil {
		t.Fatal("a member without a campaign id was stored")
	}
	var bID uint64 // ids are the store's to assign (PostgreSQL's sequences may skip)
	err = db.Update(ctx, func(tx crm.Tx) error {
		for _, name := range []string{"A", "B"} {
			c := &crm.Campaign{Name: name, At: at, FallbackDays: 3}
			if err := tx.PutCampaign(c); err != nil {
				return err
			}
			bID = c.ID
			for _, iid := range []uint64{256, 7, 255} {
				if err := tx.PutCampaignMember(&crm.CampaignMember{CampaignID: c.ID, InterestID: iid, Name: name, CallBy: at}); err != nil {
					return err
				}
			}
		}
		m, err := tx.CampaignMember(bID, 7)
		if err != nil {
			return err
		}
		m.Outcome = crm.CallAccepted
		return tx.PutCampaignMember(m)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(ctx, func(tx crm.Tx) error {
		cs, err := tx.Campaigns()
		if err != nil || len(cs) != 2 || cs[0].Name != "A" || cs[1].ID != bID || cs[0].ID >= bID || !cs[1].At.Equal(at) {
			t.Fatalf("campaigns %+v %v", cs, err)
		}
		ms, err := tx.CampaignMembers(bID)
		if err != nil {
			return err
		}
		var ids []uint64
		for _, m := range ms {
			if m.Name != "B" {
				t.Fatalf("campaign B lists a member of %s", m.Name)
			}
			ids = append(ids, m.InterestID)
		}
		if len(ids) != 3 || ids[0] != 7 || ids[1] != 255 || ids[2] != 256 {
			t.Fatalf("members in order %v, want [7 255 256]", ids)
		}
		if ms[0].Outcome != crm.CallAccepted {
			t.Fatalf("the update was lost: %+v", ms[0])
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
