package crm_test

import (
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// reactivations counts the "reactivate" audit entries about user id.
func reactivations(t *testing.T, f *fixture, id uint64) []string {
	t.Helper()
	var out []string
	err := f.db.View(f.ctx, func(tx crm.Tx) error {
		return tx.AuditSince(time.Time{}, func(a *crm.AuditEntry) error {
			if a.Entity == "user" && a.EntityID == id && a.Action == "reactivate" {
				out = append(out, a.Detail)
			}
			return nil
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Someone removed comes back with /team add under the same name: the same user, their
// interests still theirs, audited; an active name is still refused.
func TestAddUserBackAfterRemove(t *testing.T) { storagetest.Each(t, testAddUserBackAfterRemove) }

func testAddUserBackAfterRemove(t *testing.T) {
	f := setup(t)
	open := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"}).Interest.ID
	if _, _, err := f.svc.AddUserBack(f.ctx, crm.Op{Actor: f.adm}, "ana horvat", crm.RoleManager, crm.SegmentCorporate, ""); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("an active name added twice: %v", err)
	}
	if _, err := f.svc.RemoveUser(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.AddUserBack(f.ctx, crm.Op{Actor: f.luka}, "Ana Horvat", crm.RoleManager, crm.SegmentCorporate, ""); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("a manager brought someone back: %v", err)
	}
	// R13: she still owns a corporate interest, so she cannot come back as retail.
	if _, _, err := f.svc.AddUserBack(f.ctx, crm.Op{Actor: f.adm}, "Ana Horvat", crm.RoleManager, crm.SegmentRetail, ""); err == nil {
		t.Fatal("came back in another segment while owning open interests of hers")
	}
	u, back, err := f.svc.AddUserBack(f.ctx, crm.Op{Actor: f.adm}, "Ana Horvat", crm.RoleHead, crm.SegmentCorporate, "Europe/Zagreb")
	if err != nil {
		t.Fatal(err)
	}
	if !back || u.ID != f.ana.ID || u.Disabled || u.Role != crm.RoleHead {
		t.Errorf("back=%v user=%+v, want Ana (id %d) active as head", back, u, f.ana.ID)
	}
	card, err := f.svc.Card(f.ctx, u, open, 0)
	if err != nil || card.Interest.OwnerID != f.ana.ID {
		t.Errorf("her interest: %v %+v", err, card)
	}
	if got := reactivations(t, f, f.ana.ID); len(got) != 1 || got[0] != "head corporate" {
		t.Errorf("audit: %q", got)
	}
}

// An invite redeemed by someone removed brings them back: the next message is let in.
func TestRedeemInviteBringsBack(t *testing.T) { storagetest.Each(t, testRedeemInviteBringsBack) }

func testRedeemInviteBringsBack(t *testing.T) {
	f := setup(t)
	if _, err := f.svc.RemoveUser(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID); err != nil {
		t.Fatal(err)
	}
	inv, err := f.svc.CreateInvite(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.RedeemInvite(f.ctx, "telegram:555", inv.Code); err != nil {
		t.Fatal(err)
	}
	u, err := f.svc.Authenticate(f.ctx, "telegram:555")
	if err != nil || u.ID != f.ana.ID || u.Disabled {
		t.Fatalf("after the invite: %v %+v", err, u)
	}
	if got := reactivations(t, f, f.ana.ID); len(got) != 1 || got[0] != "invite" {
		t.Errorf("audit: %q", got)
	}
}
