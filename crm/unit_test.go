package crm_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"crmbot/crm"
)

// retryStore runs every write twice, the first attempt rolled back after fn
// succeeded: what a group commit does to a caller whose batch failed because of
// another's function.
type retryStore struct {
	crm.Store
	writes int // Update calls
}

var errOtherFailed = errors.New("another function in the batch failed")

func (r *retryStore) Update(ctx context.Context, fn func(crm.Tx) error) error {
	r.writes++
	first := true
	err := r.Store.Update(ctx, func(tx crm.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if first {
			first = false
			return errOtherFailed
		}
		return nil
	})
	if errors.Is(err, errOtherFailed) {
		err = r.Store.Update(ctx, fn)
	}
	return err
}

func TestMessageWritesOnceAndSurvivesARerun(t *testing.T) {
	f := setup(t)
	c := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko Đurić", CompanyName: "Acme d.o.o."})
	rs := &retryStore{Store: f.db}
	svc := crm.NewService(rs, func() time.Time { return f.now }, crm.Config{})
	if _, err := svc.LinkIdentity(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID, "console:ana"); err != nil {
		t.Fatal(err)
	}
	rs.writes = 0
	runs := 0
	meta := crm.MessageMeta{Identity: "console:ana", Key: "req:1"}
	err := svc.Message(f.ctx, meta, func(ctx context.Context, u *crm.MessageUnit) error {
		runs++
		if usr, err := u.User(); err != nil || usr.ID != f.ana.ID {
			t.Errorf("unit user = %v, %v", usr, err)
		}
		if _, err := svc.LogInteraction(ctx, crm.Op{Actor: f.ana, Key: "1"}, c.Interest.ID, crm.InteractionCall, "talked", nil); err != nil {
			return err
		}
		u.SetDialog([]byte(`{"flow":"log"}`))
		u.Remember("the replies")
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Read-only first, then the write the store ran twice.
	if runs != 3 {
		t.Errorf("the handler ran %d times, want 3", runs)
	}
	var timeline int
	var dialog []byte
	var kept string
	var perOp bool
	f.db.View(f.ctx, func(tx crm.Tx) error {
		its, _ := tx.Timeline(c.Interest.ID, 0)
		timeline = len(its)
		dialog, _ = tx.Dialog("console:ana")
		kept, _, _ = tx.Idempotency("req:1")
		_, perOp, _ = tx.Idempotency("1")
		return nil
	})
	if timeline != 2 { // created + the call, once
		t.Errorf("timeline has %d entries, want 2", timeline)
	}
	if string(dialog) != `{"flow":"log"}` || kept != "the replies" {
		t.Errorf("dialogue %q, replies %q", dialog, kept)
	}
	if perOp {
		t.Error("the per-operation key was recorded besides the message's")
	}
	if rs.writes != 1 {
		t.Errorf("%d writes, want 1", rs.writes)
	}

	// A redelivery runs the handler once, read-only, and writes nothing.
	rs.writes, runs = 0, 0
	err = svc.Message(f.ctx, meta, func(ctx context.Context, u *crm.MessageUnit) error {
		runs++
		if r, ok := u.Replay(); !ok || r != "the replies" {
			t.Errorf("Replay() = %q, %v", r, ok)
		}
		return nil
	})
	if err != nil || runs != 1 || rs.writes != 0 {
		t.Errorf("redelivery: err %v, %d runs, %d writes", err, runs, rs.writes)
	}
}

// A panic in the handler inside the write is raised again in the caller, with the
// write rolled back.
func TestMessagePanicInWrite(t *testing.T) {
	f := setup(t)
	c := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko Đurić", CompanyName: "Acme d.o.o."})
	defer func() {
		if r := recover(); r != "boom" {
			t.Fatalf("recovered %v, want boom", r)
		}
		var n int
		f.db.View(f.ctx, func(tx crm.Tx) error {
			its, _ := tx.Timeline(c.Interest.ID, 0)
			n = len(its)
			return nil
		})
		if n != 1 {
			t.Errorf("timeline has %d entries after the panic, want 1", n)
		}
	}()
	f.svc.Message(f.ctx, crm.MessageMeta{Identity: "console:admin"}, func(ctx context.Context, u *crm.MessageUnit) error {
		if _, err := f.svc.LogInteraction(ctx, crm.Op{Actor: f.ana}, c.Interest.ID, crm.InteractionCall, "talked", nil); err != nil {
			return err
		}
		panic("boom")
	})
}

func TestTeamSettings(t *testing.T) {
	f := setup(t)
	if err := f.svc.SetChannel(f.ctx, crm.Op{Actor: f.ana}, "telegram:-1"); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("a manager set the channel: %v", err)
	}
	if err := f.svc.SetEscalationsNamed(f.ctx, crm.Op{Actor: f.ana}, true); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("a manager chose the escalation mode: %v", err)
	}
	steps := []struct {
		name string
		do   func() error
		want crm.TeamSettings
	}{
		{"set", func() error { return f.svc.SetChannel(f.ctx, crm.Op{Actor: f.adm}, "telegram:-1") },
			crm.TeamSettings{Channel: "telegram:-1", ChannelSetBy: f.adm.ID}},
		{"named", func() error { return f.svc.SetEscalationsNamed(f.ctx, crm.Op{Actor: f.adm}, true) },
			crm.TeamSettings{Channel: "telegram:-1", ChannelSetBy: f.adm.ID, EscalationsNamed: true}},
		{"moved elsewhere: not ours", func() error { return f.svc.MoveChannel(f.ctx, "telegram:-7", "telegram:-1007") },
			crm.TeamSettings{Channel: "telegram:-1", ChannelSetBy: f.adm.ID, EscalationsNamed: true}},
		{"moved", func() error { return f.svc.MoveChannel(f.ctx, "telegram:-1", "telegram:-1001") },
			crm.TeamSettings{Channel: "telegram:-1001", ChannelSetBy: f.adm.ID, EscalationsNamed: true}},
		// The escalation mode outlives the channel.
		{"off", func() error { return f.svc.SetChannel(f.ctx, crm.Op{Actor: f.adm}, "") },
			crm.TeamSettings{EscalationsNamed: true}},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if got, err := f.svc.Settings(f.ctx); err != nil || got != s.want {
			t.Errorf("%s: settings %+v, %v; want %+v", s.name, got, err, s.want)
		}
	}
}
