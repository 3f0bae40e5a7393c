package crm_test

import (
	"context"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// Record re-checks, in its write, what was read without a transaction: a decision
// another scan made since (its key, or a key it names in Unless) is not recorded
// again, and the skip note and the department digest's mark go with the decision
// that was recorded, and only with it.
func TestRecordRechecksKeys(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	svc := crm.NewService(storagetest.Open(t), func() time.Time { return now }, crm.Config{})
	msg := func(key string) *crm.OutboxMessage {
		return &crm.OutboxMessage{Key: key, Target: "console:ana", Created: now, NotBefore: now, State: crm.OutboxPending}
	}
	note := &crm.SkipNote{Date: now.Add(-24 * time.Hour), From: now.Add(-30 * time.Hour), To: now}
	rec, err := svc.Record(ctx,
		crm.Decision{Msg: msg("digest:7:skip:2026-11-29:08:30"), NoteUser: 7, Note: note},
		crm.Decision{Msg: msg("headdigest:2026-11-30"), HeadDigest: now},
	)
	if err != nil || !rec[0] || !rec[1] {
		t.Fatalf("first record: %v %v", rec, err)
	}
	rec, err = svc.Record(ctx,
		crm.Decision{Msg: msg("headdigest:2026-11-30"), HeadDigest: now.Add(time.Hour)},                   // its own key
		crm.Decision{Unless: []string{"digest:7:skip:2026-11-29:08:30"}, Msg: msg("digest:7:2026-11-29")}, // skipped since
		crm.Decision{Unless: []string{"digest:7:skip:2026-11-30:08:30"}, Msg: msg("digest:7:2026-11-30"), NoteUser: 7, ClearNote: true},
	)
	if err != nil || rec[0] || rec[1] || !rec[2] {
		t.Fatalf("second record: want only the undecided third, got %v %v", rec, err)
	}
	decided, _, marks, err := svc.Decided(ctx, func(map[uint64]*crm.User) []string {
		return []string{"digest:7:2026-11-29", "digest:7:2026-11-30", "headdigest:2026-11-30"}
	})
	if err != nil {
		t.Fatal(err)
	}
	if decided["digest:7:2026-11-29"] || !decided["digest:7:2026-11-30"] || !decided["headdigest:2026-11-30"] {
		t.Fatalf("decided: %v", decided)
	}
	if !marks.HeadDigest.Equal(now) {
		t.Fatalf("the department digest's mark moved with a decision not recorded: %v", marks.HeadDigest)
	}
	f, err := svc.DigestFacts(ctx, 0, func(*crm.User) crm.DigestQuery { return crm.DigestQuery{} })
	if crm.ErrorCode(err) != crm.ENOTFOUND || f != nil {
		t.Fatalf("facts of nobody: %v %v", f, err)
	}
}

// A delivery is retried with backoff until MaxAttempts, then given up: the target is
// marked unreachable and the admins are told, once.
func TestRecordDeliveryGivesUp(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	svc := crm.NewService(storagetest.Open(t), func() time.Time { return now }, crm.Config{})
	if _, err := svc.EnsureAdmin(ctx, "console:boss", "Boss"); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Record(ctx, crm.Decision{Msg: &crm.OutboxMessage{Key: "nudge:1:1", Target: "telegram:9", Created: now, NotBefore: now, State: crm.OutboxPending}}); err != nil {
		t.Fatal(err)
	}
	told := 0
	tell := func(name string, to crm.Identity, admins []*crm.User) []*crm.OutboxMessage {
		told++
		if name != "telegram:9" || len(admins) != 1 || admins[0].Name != "Boss" {
			t.Errorf("told %q about %s: %v", name, to, admins)
		}
		return []*crm.OutboxMessage{{Key: "unreachable:" + string(to) + ":1", Target: "console:boss", Created: now, NotBefore: now, State: crm.OutboxPending}}
	}
	d := crm.Delivery{Err: "timeout", MaxAttempts: 2, Backoff: func(int) time.Duration { return time.Minute }}
	if gaveUp, err := svc.RecordDelivery(ctx, "nudge:1:1", now, d, tell); err != nil || gaveUp {
		t.Fatalf("first failure: gave up %v, %v", gaveUp, err)
	}
	if p, err := svc.PendingOutbox(ctx, "telegram", now, 10); err != nil || len(p) != 0 {
		t.Fatalf("retried before its backoff: %v %v", p, err)
	}
	if p, err := svc.PendingOutbox(ctx, "telegram", now.Add(time.Minute), 10); err != nil || len(p) != 1 || p[0].Attempts != 1 {
		t.Fatalf("not retried after its backoff: %v %v", p, err)
	}
	if gaveUp, err := svc.RecordDelivery(ctx, "nudge:1:1", now, d, tell); err != nil || !gaveUp {
		t.Fatalf("second failure: gave up %v, %v", gaveUp, err)
	}
	// Recorded already: a late second sender changes nothing and tells nobody.
	if gaveUp, err := svc.RecordDelivery(ctx, "nudge:1:1", now, d, tell); err != nil || gaveUp || told != 1 {
		t.Fatalf("after the end: gave up %v, told %d, %v", gaveUp, told, err)
	}
	if p, err := svc.PendingOutbox(ctx, "console", now, 10); err != nil || len(p) != 1 || p[0].Key != "unreachable:telegram:9:1" {
		t.Fatalf("admin's notice: %v %v", p, err)
	}
}
