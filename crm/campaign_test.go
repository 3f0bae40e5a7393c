package crm_test

import (
	"testing"
	"time"

	"crmbot/crm"
)

func TestCampaignMemberEmailDue(t *testing.T) {
	by := time.Date(2026, 11, 30, 15, 4, 0, 0, time.UTC)
	before, after := by.Add(-time.Minute), by
	tests := []struct {
		name string
		m    crm.CampaignMember
		now  time.Time
		want bool
	}{
		{"not called, time left", crm.CampaignMember{Email: "a@b.hr", CallBy: by}, before, false},
		{"not called, time ran out", crm.CampaignMember{Email: "a@b.hr", CallBy: by}, after, true},
		{"accepted", crm.CampaignMember{Email: "a@b.hr", CallBy: by, Outcome: crm.CallAccepted, CalledAt: before}, before, true},
		{"no answer", crm.CampaignMember{Email: "a@b.hr", CallBy: by, Outcome: crm.CallNoAnswer, CalledAt: before}, before, true},
		{"logged later than now", crm.CampaignMember{Email: "a@b.hr", CallBy: by, Outcome: crm.CallAccepted, CalledAt: after}, before, false},
		{"declined: never", crm.CampaignMember{Email: "a@b.hr", CallBy: by, Outcome: crm.CallDeclined}, after, false},
		{"not prospective: from the campaign's creation (R8)", crm.CampaignMember{Email: "a@b.hr", CallBy: before, NoCall: true}, before, true},
		{"no address", crm.CampaignMember{CallBy: by, Outcome: crm.CallAccepted}, after, false},
		{"already emailed", crm.CampaignMember{Email: "a@b.hr", CallBy: by, Outcome: crm.CallAccepted, EmailedAt: before}, after, false},
	}
	for _, tc := range tests {
		if got := tc.m.EmailDue(tc.now); got != tc.want {
			t.Errorf("%s: EmailDue = %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The audience: filters as /pipeline's; not-prospective clients in for email only
// (R8); other losses out; one member per contact; nothing stored before the
// confirmed create, and a repeated create (same key) makes one campaign.
func TestCampaignAudienceAndCreate(t *testing.T) {
	f := setup(t)
	mk := func(owner *crm.User, name, co, email string, size crm.CompanySize) uint64 {
		return f.create(owner, "", crm.NewInterest{ContactName: name, CompanyName: co, Email: email, CompanySize: size}).Interest.ID
	}
	big := mk(f.ana, "Marko Đurić", "Acme d.o.o.", "marko@acme.hr", crm.SizeLarge)
	small := mk(f.ana, "Iva Kos", "Mala d.o.o.", "iva@mala.hr", crm.SizeSmall)
	comp := mk(f.luka, "Zora Lis", "Lis d.o.o.", "zora@lis.hr", crm.SizeLarge)
	delib := mk(f.luka, "Petar Ban", "Banka d.d.", "", crm.SizeLarge)
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, small, crm.StageChange{Stage: crm.StageLost, Loss: crm.LossNotProspective}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.luka}, comp, crm.StageChange{Stage: crm.StageLost, Loss: crm.LossCompetitor}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.luka}, delib, crm.StageChange{Stage: crm.StageDeliberating, Deliberation: crm.DeliberationBudget}); err != nil {
		t.Fatal(err)
	}
	at := f.now.AddDate(0, 2, 0)
	tests := []struct {
		name   string
		filter crm.CampaignFilter
		want   crm.Audience
	}{
		{"everyone", crm.CampaignFilter{}, crm.Audience{Members: 3, Calls: 2, NotProspective: 1, NoEmail: 1}},
		{"large", crm.CampaignFilter{Size: crm.SizeLarge}, crm.Audience{Members: 2, Calls: 2, NoEmail: 1}},
		{"small: the not-prospective only", crm.CampaignFilter{Size: crm.SizeSmall}, crm.Audience{Members: 1, NotProspective: 1}},
		{"deliberating on budget", crm.CampaignFilter{Deliberation: crm.DeliberationBudget}, crm.Audience{Members: 1, Calls: 1, NoEmail: 1}},
		{"stage new", crm.CampaignFilter{Stage: crm.StageNew}, crm.Audience{Members: 1, Calls: 1}},
		{"retail: nobody", crm.CampaignFilter{Segment: crm.SegmentRetail}, crm.Audience{}},
	}
	for _, tc := range tests {
		a, err := f.svc.SeminarAudience(f.ctx, f.adm, crm.NewCampaign{Name: "S", At: at, Filter: tc.filter})
		if err != nil || a != tc.want {
			t.Errorf("%s: %+v %v, want %+v", tc.name, a, err, tc.want)
		}
	}
	if _, err := f.svc.SeminarAudience(f.ctx, f.ana, crm.NewCampaign{Name: "S", At: at}); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("a manager counted an audience: %v", err)
	}
	if _, err := f.svc.SeminarAudience(f.ctx, f.adm, crm.NewCampaign{Name: "S", At: f.now.Add(-time.Hour)}); crm.ErrorCode(err) != crm.EINVALID {
		t.Fatalf("a seminar in the past: %v", err)
	}
	if cs, _ := f.svc.Campaigns(f.ctx); len(cs) != 0 {
		t.Fatal("counting the audience created a campaign")
	}
	op := crm.Op{Actor: f.adm, Key: "msg-1"}
	for i := 0; i < 2; i++ {
		c, a, err := f.svc.CreateCampaign(f.ctx, op, crm.NewCampaign{Name: "S", At: at}, nil)
		if err != nil || c.ID != 1 || a.Members != 3 {
			t.Fatalf("create #%d: %+v %+v %v", i, c, a, err)
		}
	}
	if cs, _ := f.svc.Campaigns(f.ctx); len(cs) != 1 {
		t.Fatalf("a redelivered create made %d campaigns", len(cs))
	}
	_, ms, err := f.svc.CampaignOf(f.ctx, f.ana, 1)
	if err != nil || len(ms) != 3 || ms[0].InterestID != big || ms[0].CallBy.Weekday() != time.Monday {
		t.Fatalf("members %+v %v (the call is due three working days after a Wednesday: Monday)", ms, err)
	}
	if _, err := f.svc.LogCampaignCall(f.ctx, crm.Op{Actor: f.ana}, 1, small, crm.CallAccepted); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("a call logged to a not-prospective client: %v", err)
	}
	if _, err := f.svc.LogCampaignCall(f.ctx, crm.Op{Actor: f.ana}, 1, delib, crm.CallAccepted); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("a manager logged another's call: %v", err)
	}
}
