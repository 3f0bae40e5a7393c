package scheduler_test

import (
	"context"
	"strings"
	"testing"

	"crmbot/bot/scheduler"
	"crmbot/crm"
)

// /start CODE from someone already linked here: the code is not used, and they are
// told what it is for; it still links the platform it was meant for.
func TestStartCodeFromLinkedPerson(t *testing.T) {
	e := newSchedEnv(t, at("2026-11-25 10:00"), scheduler.Config{})
	e.team()
	ctx := context.Background()
	admin, err := e.svc.Authenticate(ctx, "telegram:1")
	if err != nil {
		t.Fatal(err)
	}
	ana, err := e.svc.Authenticate(ctx, "telegram:2")
	if err != nil {
		t.Fatal(err)
	}
	oleg, err := e.svc.Authenticate(ctx, "telegram:3")
	if err != nil {
		t.Fatal(err)
	}
	own, err := e.svc.CreateInvite(ctx, crm.Op{Actor: admin}, ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	other, err := e.svc.CreateInvite(ctx, crm.Op{Actor: admin}, oleg.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ text, want string }{
		{"/start " + own.Code, "You are already on the team as Ana Horvat on telegram: this code is not needed here. It links you on another platform"},
		{"/start " + strings.ToLower(other.Code), "this invite is for someone else and was not used"},
		{"/start NOSUCHCODE", "no code is needed"},
	} {
		r := e.say("telegram:2", tc.text)
		if len(r) != 1 || !strings.Contains(r[0].Text, tc.want) {
			t.Errorf("%s: %+v, want %q", tc.text, r, tc.want)
		}
	}
	// Both codes are still valid where they were meant to be used.
	if u, err := e.svc.RedeemInvite(ctx, "slack:T1/UANA", own.Code); err != nil || u.ID != ana.ID {
		t.Fatalf("Ana's code after /start on Telegram: %v", err)
	}
	if u, err := e.svc.RedeemInvite(ctx, "slack:T1/UOLEG", other.Code); err != nil || u.ID != oleg.ID {
		t.Fatalf("Oleg's code after Ana sent it: %v", err)
	}
}
