package crm_test

import (
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// A due date past the horizon is refused wherever it comes from (the Slack form and
// imports do not go through the bot's grammar), and nothing is changed.
func TestHorizonRefusesFarDues(t *testing.T) { storagetest.Each(t, testHorizonRefusesFarDues) }

func testHorizonRefusesFarDues(t *testing.T) {
	f := setup(t)
	c := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko Đurić", CompanyName: "Acme d.o.o."})
	id := c.Interest.ID
	before := c.Interest.Next.Due
	far := crm.Horizon(f.now).Add(time.Minute)
	tests := []struct {
		name string
		call func(due time.Time) (*crm.Interest, error)
	}{
		{"SetNext", func(due time.Time) (*crm.Interest, error) {
			return f.svc.SetNext(f.ctx, crm.Op{Actor: f.ana}, id, crm.NextAction{What: "call", Due: due})
		}},
		{"Snooze", func(due time.Time) (*crm.Interest, error) { return f.svc.Snooze(f.ctx, crm.Op{Actor: f.ana}, id, due) }},
	}
	for _, tt := range tests {
		for _, due := range []time.Time{far, time.Date(275817, 1, 1, 0, 0, 0, 0, time.UTC)} {
			_, err := tt.call(due)
			if ce := crm.AsError(err); ce == nil || ce.Key != "err.due_too_far" {
				t.Errorf("%s(%v) = %v, want err.due_too_far", tt.name, due, err)
			}
		}
		in, err := tt.call(crm.Horizon(f.now).Add(-time.Minute))
		if err != nil {
			t.Fatalf("%s just inside the horizon: %v", tt.name, err)
		}
		if in.Next.Due.Equal(before) {
			t.Errorf("%s inside the horizon changed nothing", tt.name)
		}
	}
	cd, err := f.svc.Card(f.ctx, f.ana, id, 0)
	if err != nil {
		t.Fatal(err)
	}
	if cd.Interest.Next.Due.After(crm.Horizon(f.now)) {
		t.Errorf("stored due %v is beyond the horizon", cd.Interest.Next.Due)
	}
}
