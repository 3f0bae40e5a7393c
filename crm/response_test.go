package crm_test

import (
	"testing"
	"time"

	"crmbot/crm"
)

func TestAddWorkingTime(t *testing.T) {
	zg, _ := time.LoadLocation("Europe/Zagreb")
	w := crm.DefaultWorkSchedule
	at := func(d, h, m int) time.Time { return time.Date(2026, 11, d, h, m, 0, 0, zg) }
	for _, tt := range []struct {
		from time.Time
		d    time.Duration
		want time.Time
	}{
		{at(25, 10, 0), 2 * time.Hour, at(25, 12, 0)},           // Wednesday, inside
		{at(25, 17, 0), 2 * time.Hour, at(26, 10, 0)},           // across the evening
		{at(27, 17, 30), 2 * time.Hour, at(30, 10, 30)},         // Friday → Monday
		{at(28, 11, 0), 2 * time.Hour, at(30, 11, 0)},           // Saturday: from Monday's start
		{at(25, 7, 0), 30 * time.Minute, at(25, 9, 30)},         // before hours
		{at(25, 9, 0), 18 * time.Hour, at(26, 18, 0)},           // two whole days
		{at(25, 9, 0), 9*time.Hour + time.Minute, at(26, 9, 1)}, // a day and a minute
	} {
		if got := w.AddWorkingTime(tt.from, tt.d, zg); !got.Equal(tt.want) {
			t.Errorf("%v + %v = %v, want %v", tt.from, tt.d, got, tt.want)
		}
	}
	if got := (crm.WorkSchedule{}).AddWorkingTime(at(25, 1, 0), time.Hour, zg); !got.Equal(at(25, 2, 0)) {
		t.Errorf("no working days: %v", got)
	}
	for _, tt := range []struct {
		a, b time.Time
		want time.Duration
	}{
		{at(25, 10, 0), at(25, 12, 0), 2 * time.Hour},
		{at(27, 17, 0), at(30, 10, 0), 2 * time.Hour}, // Friday evening → Monday
		{at(25, 19, 0), at(26, 8, 0), 0},              // all outside hours
		{at(25, 12, 0), at(25, 11, 0), 0},
		{at(25, 9, 0), at(26, 18, 0), 18 * time.Hour},
	} {
		if got := w.WorkingTimeBetween(tt.a, tt.b, zg); got != tt.want {
			t.Errorf("working time %v → %v = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestFirstResponse(t *testing.T) {
	f := setup(t)
	// Wednesday 16:04 in Zagreb: two working hours end Thursday 09:04.
	in := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"}).Interest
	zg, _ := time.LoadLocation("Europe/Zagreb")
	if want := time.Date(2026, 11, 26, 9, 4, 0, 0, zg); !in.ResponseDue.Equal(want) {
		t.Fatalf("due %v, want %v", in.ResponseDue, want)
	}
	if crm.Unanswered(in, in.ResponseDue) || !crm.Unanswered(in, in.ResponseDue.Add(time.Second)) {
		t.Error("Unanswered is wrong at the due time")
	}
	// A head's touch is not the owner's response.
	if err := f.svc.SetResponseTarget(f.ctx, crm.Op{Actor: f.ana}, time.Hour); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("a manager set the target: %v", err)
	}
	if err := f.svc.SetResponseTarget(f.ctx, crm.Op{Actor: f.adm}, time.Minute); crm.ErrorCode(err) != crm.EINVALID {
		t.Errorf("a one-minute target: %v", err)
	}
	if err := f.svc.SetResponseTarget(f.ctx, crm.Op{Actor: f.adm}, 4*time.Hour); err != nil {
		t.Fatal(err)
	}
	if d, _ := f.svc.ResponseTarget(f.ctx); d != 4*time.Hour {
		t.Errorf("target %v", d)
	}
	f.now = f.now.Add(3 * time.Hour)
	lg, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.ana}, in.ID, crm.InteractionCall, "called back", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !lg.Interest.FirstResponseAt.Equal(f.now) || crm.Unanswered(lg.Interest, f.now.Add(24*time.Hour)) {
		t.Fatalf("first response %v", lg.Interest.FirstResponseAt)
	}
	f.now = f.now.Add(time.Hour)
	if _, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.ana}, in.ID, crm.InteractionNote, "again", nil); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range f.audit(in.ID) {
		if e.Action == "first_response" {
			got = append(got, e.Detail)
		}
	}
	// Created 16:04, answered 19:04 in Zagreb: 1 h 56 min of working time.
	if len(got) != 1 || got[0] != "6960" {
		t.Errorf("first_response audits %v, want one of 6960 s", got)
	}
	var fr *crm.FirstResponses
	if err := f.db.View(f.ctx, func(tx crm.Tx) error {
		fr, err = crm.BuildFirstResponses(tx, f.now.Add(-24*time.Hour), f.now.Add(time.Hour), 0)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if st := fr.PerOwner[f.ana.ID]; st.N != 1 || st.Median != 6960*time.Second || fr.Total.N != 1 {
		t.Errorf("first responses %+v", fr)
	}
	if err := f.db.View(f.ctx, func(tx crm.Tx) error {
		fr, err = crm.BuildFirstResponses(tx, f.now.Add(-24*time.Hour), f.now.Add(time.Hour), f.luka.ID)
		return err
	}); err != nil || fr.Total.N != 0 {
		t.Errorf("Luka's first responses: %+v %v", fr, err)
	}
	// With the new target, a new inquiry is due four working hours on.
	in2 := f.create(f.luka, "", crm.NewInterest{ContactName: "Iva", CompanyName: "Beta"}).Interest
	if want := f.luka.Schedule().AddWorkingTime(f.now, 4*time.Hour, zg); !in2.ResponseDue.Equal(want) {
		t.Errorf("due %v, want %v", in2.ResponseDue, want)
	}
}

// An inquiry from the HTTP API is due for its first response like a /new: in its
// owner's working time, and the owner's first log is recorded.
func TestInquiryFirstResponse(t *testing.T) {
	f := setup(t)
	r, err := f.svc.CreateInquiry(f.ctx, crm.Op{Actor: f.adm}, crm.Inquiry{Name: "Iva Kos", Company: "Beta d.o.o."}, nil)
	if err != nil {
		t.Fatal(err)
	}
	var in *crm.Interest
	if err := f.db.View(f.ctx, func(tx crm.Tx) error { in, err = tx.Interest(r.InterestID); return err }); err != nil {
		t.Fatal(err)
	}
	owner := f.ana
	if in.OwnerID == f.luka.ID {
		owner = f.luka
	}
	zg, _ := time.LoadLocation("Europe/Zagreb")
	if want := time.Date(2026, 11, 26, 9, 4, 0, 0, zg); !in.ResponseDue.Equal(want) || !in.ConfirmedAt.Equal(f.now) {
		t.Fatalf("due %v (want %v), confirmed %v", in.ResponseDue, want, in.ConfirmedAt)
	}
	// The admin's touch is not the owner's response.
	if _, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.adm}, in.ID, crm.InteractionNote, "routed", nil); err != nil {
		t.Fatal(err)
	}
	lg, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.adm}, in.ID, crm.InteractionNote, "again", nil)
	if err != nil || !lg.Interest.FirstResponseAt.IsZero() {
		t.Fatalf("an admin's note counted as the first response: %v", err)
	}
	f.now = f.now.Add(time.Hour)
	if lg, err = f.svc.LogInteraction(f.ctx, crm.Op{Actor: owner}, in.ID, crm.InteractionCall, "called", nil); err != nil || !lg.Interest.FirstResponseAt.Equal(f.now) {
		t.Fatalf("owner's call: %v", err)
	}
}
