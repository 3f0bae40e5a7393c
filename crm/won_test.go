package crm_test

import (
	"testing"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

func TestWonValueIsStoredAndAudited(t *testing.T) {
	storagetest.Each(t, testWonValueIsStoredAndAudited)
}

func testWonValueIsStoredAndAudited(t *testing.T) {
	f := setup(t)
	c := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme", Value: 12000})
	id := c.Interest.ID
	for _, tt := range []struct {
		ch  crm.StageChange
		key string
	}{
		{crm.StageChange{Stage: crm.StageWon, Won: &crm.WonValue{Value: 0}}, "err.bad_won_value"},
		{crm.StageChange{Stage: crm.StageWon, Won: &crm.WonValue{Value: 5, Currency: "E1"}}, "err.bad_currency"},
		{crm.StageChange{Stage: crm.StageProposal, Won: &crm.WonValue{Value: 5}}, "err.won_value_not_won"},
	} {
		_, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, tt.ch)
		if e := crm.AsError(err); e == nil || e.Key != tt.key {
			t.Errorf("%+v: got %v, want %s", tt.ch, err, tt.key)
		}
	}
	in, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, crm.StageChange{Stage: crm.StageWon, Won: &crm.WonValue{Value: 30000, Currency: "usd"}})
	if err != nil {
		t.Fatal(err)
	}
	if in.Value != 30000 || in.Currency != "USD" || in.Stage != crm.StageWon {
		t.Fatalf("stored %d %s at %s", in.Value, in.Currency, in.Stage)
	}
	found := false
	for _, e := range f.audit(id) {
		if e.Action == "value" {
			found = e.Detail == "12000 EUR→30000 USD" && e.ActorID == f.ana.ID
		}
	}
	if !found {
		t.Errorf("no audit of the value change: %+v", f.audit(id))
	}
}
