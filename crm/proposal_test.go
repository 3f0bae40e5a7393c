package crm_test

import (
	"testing"
	"time"

	"crmbot/crm"
)

func TestProposalTermsChecklistAndSent(t *testing.T) {
	f := setup(t)
	id := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"}).Interest.ID
	valid := time.Date(2026, 12, 31, 0, 0, 0, 0, time.UTC)
	good := crm.ProposalTerms{Value: 12000, Currency: "eur", Delivery: crm.LeadTime{N: 3, Unit: crm.DeliveryWeeks}, ValidUntil: valid}
	for _, tt := range []struct {
		name string
		ch   crm.StageChange
		key  string
	}{
		{"no value", crm.StageChange{Stage: crm.StageProposal, Proposal: &crm.ProposalTerms{Delivery: good.Delivery, ValidUntil: valid}}, "err.proposal_value"},
		{"no delivery", crm.StageChange{Stage: crm.StageProposal, Proposal: &crm.ProposalTerms{Value: 1, ValidUntil: valid}}, "err.proposal_delivery"},
		{"bad unit", crm.StageChange{Stage: crm.StageProposal, Proposal: &crm.ProposalTerms{Value: 1, Delivery: crm.LeadTime{N: 2, Unit: "year"}, ValidUntil: valid}}, "err.proposal_delivery"},
		{"no validity", crm.StageChange{Stage: crm.StageProposal, Proposal: &crm.ProposalTerms{Value: 1, Delivery: good.Delivery}}, "err.proposal_valid"},
		{"validity past", crm.StageChange{Stage: crm.StageProposal, Proposal: &crm.ProposalTerms{Value: 1, Delivery: good.Delivery, ValidUntil: valid.AddDate(-1, 0, 0)}}, "err.proposal_valid_past"},
		{"not proposal", crm.StageChange{Stage: crm.StageMeeting, Proposal: &good}, "err.proposal_not_proposal"},
	} {
		_, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, tt.ch)
		if e := crm.AsError(err); e == nil || e.Key != tt.key {
			t.Errorf("%s: got %v, want %s", tt.name, err, tt.key)
		}
	}
	if _, err := f.svc.ProposalSent(f.ctx, crm.Op{Actor: f.ana}, id); crm.AsError(err) == nil || crm.AsError(err).Key != "err.proposal_no_terms" {
		t.Errorf("sent without terms: %v", err)
	}
	in, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, crm.StageChange{Stage: crm.StageProposal, Proposal: &good})
	if err != nil {
		t.Fatal(err)
	}
	p := in.Proposal
	if p == nil || p.Value != 12000 || p.Currency != "EUR" || p.Delivery != good.Delivery || !p.ValidUntil.Equal(valid) {
		t.Fatalf("stored %+v", p)
	}
	if got := len(p.Unchecked()); got != 5 {
		t.Errorf("a new proposal has %d unchecked items, want 5", got)
	}
	if in, err = f.svc.CheckProposal(f.ctx, crm.Op{Actor: f.ana}, id, crm.CheckSpecs|crm.CheckPrice, true); err != nil {
		t.Fatal(err)
	}
	if in, err = f.svc.CheckProposal(f.ctx, crm.Op{Actor: f.ana}, id, crm.CheckPrice, false); err != nil {
		t.Fatal(err)
	}
	if u := in.Proposal.Unchecked(); len(u) != 4 || u[0] != crm.CheckPrice {
		t.Errorf("unchecked after +specs,+price,-price: %v", u)
	}
	if _, err := f.svc.CheckProposal(f.ctx, crm.Op{Actor: f.luka}, id, crm.CheckSpecs, true); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("another manager checked an item: %v", err)
	}
	// Moving to proposal with terms when already there stores them (one more
	// "proposal" audit), and no stage move is audited.
	good.Value = 11500
	if in, err = f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, crm.StageChange{Stage: crm.StageProposal, Proposal: &good}); err != nil || in.Proposal.Value != 11500 {
		t.Fatalf("terms at proposal: %+v %v", in, err)
	}
	// Correcting the terms keeps the checklist.
	good.Value = 11000
	if in, err = f.svc.SetProposal(f.ctx, crm.Op{Actor: f.ana}, id, good); err != nil || in.Proposal.Value != 11000 || in.Proposal.Checked != crm.CheckSpecs {
		t.Fatalf("SetProposal: %+v %v", in.Proposal, err)
	}
	if in, err = f.svc.ProposalSent(f.ctx, crm.Op{Actor: f.ana}, id); err != nil || !in.Proposal.Sent() {
		t.Fatalf("sent: %+v %v", in, err)
	}
	if _, err := f.svc.ProposalSent(f.ctx, crm.Op{Actor: f.ana}, id); crm.AsError(err) == nil || crm.AsError(err).Key != "err.proposal_already_sent" {
		t.Errorf("sent twice: %v", err)
	}
	// What was stored reads back from the file.
	var got *crm.Interest
	if err := f.db.View(f.ctx, func(tx crm.Tx) error { got, err = tx.Interest(id); return err }); err != nil {
		t.Fatal(err)
	}
	if got.Proposal == nil || got.Proposal.Value != 11000 || !got.Proposal.Sent() || got.Proposal.Checked != crm.CheckSpecs {
		t.Errorf("read back %+v", got.Proposal)
	}
	actions := map[string]int{}
	for _, e := range f.audit(id) {
		if !e.Refused {
			actions[e.Action]++
		}
	}
	if actions["stage"] != 1 || actions["proposal"] != 3 || actions["proposal_check"] != 2 || actions["proposal_sent"] != 1 {
		t.Errorf("audit: %v", actions)
	}
}

func TestFreshData(t *testing.T) {
	f := setup(t)
	id := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"}).Interest.ID
	in, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, crm.StageChange{Stage: crm.StageDeliberating, Deliberation: crm.DeliberationBudget})
	if err != nil {
		t.Fatal(err)
	}
	if !in.ConfirmedAt.Equal(f.now) {
		t.Fatalf("created unconfirmed: %v", in.ConfirmedAt)
	}
	day := 24 * time.Hour
	for _, tt := range []struct {
		stage crm.Stage
		age   time.Duration
		want  bool
	}{
		{crm.StageDeliberating, 89 * day, false},
		{crm.StageDeliberating, 90 * day, true},
		{crm.StageProposal, 91 * day, true},
		{crm.StageMeeting, 200 * day, false},
		{crm.StageWon, 200 * day, false},
	} {
		x := *in
		x.Stage = tt.stage
		if got := crm.Stale(&x, f.now.Add(tt.age), 0); got != tt.want {
			t.Errorf("%s after %v: stale %v, want %v", tt.stage, tt.age, got, tt.want)
		}
	}
	if crm.Stale(in, f.now.Add(31*day), 30*day) != true {
		t.Error("a 30-day setting is not kept")
	}
	f.now = f.now.Add(100 * day)
	if in, err = f.svc.ConfirmData(f.ctx, crm.Op{Actor: f.ana}, id); err != nil || !in.ConfirmedAt.Equal(f.now) {
		t.Fatalf("confirm: %v %v", in, err)
	}
	f.now = f.now.Add(100 * day)
	if ed, err := f.svc.Edit(f.ctx, crm.Op{Actor: f.ana}, id, crm.EditPosition, "CFO"); err != nil || !ed.Interest.ConfirmedAt.Equal(f.now) {
		t.Fatalf("an edit of client data does not confirm: %v", err)
	}
	f.now = f.now.Add(day)
	if ed, err := f.svc.Edit(f.ctx, crm.Op{Actor: f.ana}, id, crm.EditSource, "fair"); err != nil || ed.Interest.ConfirmedAt.Equal(f.now) {
		t.Fatalf("an edit of the source confirmed client data: %v", err)
	}
	n := 0
	for _, e := range f.audit(id) {
		if e.Action == "confirm" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("%d confirm audits, want 1", n)
	}
}
