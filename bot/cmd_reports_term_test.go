package bot_test

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

var closedRe = regexp.MustCompile(`won (\d+) · lost (\d+)`)

// Every report counts each interest once, in its state at the period's end: deals
// moved back after being won (or moved many times) are counted the same way by
// /pipeline, /pipeline with any period and /conversion; and every period the README
// lists is honoured.
func TestReportsAgreeAfterReopening(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin, err := h.svc.Authenticate(ctx, "console:admin")
	if err != nil {
		t.Fatal(err)
	}
	op := crm.Op{Actor: admin}
	paths := [][]crm.Stage{
		{crm.StageWon, crm.StageProposal},                                            // won, then reopened: open
		{crm.StageWon, crm.StageLost},                                                // won, then lost: lost
		{crm.StageLost, crm.StageMeeting, crm.StageWon, crm.StageLost, crm.StageWon}, // won at the end
		{crm.StageMeeting, crm.StageProposal, crm.StageWon},                          // won
		{crm.StageMeeting},                                                           // open
	}
	for i, path := range paths {
		c, err := h.svc.CreateInterest(ctx, op, crm.NewInterest{ContactName: fmt.Sprintf("Contact %d", i), CompanyName: fmt.Sprintf("Company %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		for _, st := range path {
			h.clock.t = h.clock.t.Add(time.Hour)
			ch := crm.StageChange{Stage: st, Reopen: true} // the path moves closed ones back on purpose
			if st == crm.StageLost {
				ch.Loss = crm.LossCompetitor
			}
			if _, err := h.svc.SetStage(ctx, op, c.Interest.ID, ch); err != nil {
				t.Fatalf("#%d → %s: %v", c.Interest.ID, st, err)
			}
		}
	}
	year := h.clock.t.Format("2006")
	month := h.clock.t.Format("2006-01")
	for _, cmd := range []string{"/pipeline", "/pipeline 30d", "/pipeline 4w", "/pipeline " + year, "/pipeline " + month} {
		r := h.say(cmd)
		m := closedRe.FindStringSubmatch(r.Text)
		if m == nil || m[1] != "2" || m[2] != "1" {
			t.Errorf("%s: want won 2 · lost 1 in\n%s", cmd, r.Text)
		}
	}
	for _, cmd := range []string{"/conversion", "/conversion 30d", "/conversion 4w", "/conversion " + year, "/conversion " + month} {
		r := h.say(cmd)
		m := totalsRe.FindStringSubmatch(r.Text)
		if m == nil || m[1] != "5" || m[2] != "2" || m[3] != "1" {
			t.Errorf("%s: want opened 5 · won 2 · lost 1 in\n%s", cmd, r.Text)
		}
	}
	// Another year is another year, not 2025 days.
	last := h.clock.t.AddDate(-1, 0, 0).Format("2006")
	if r := h.say("/conversion " + last); totalsRe.FindString(r.Text) != "Opened 0 · won 0 · lost 0" {
		t.Errorf("/conversion %s counted this year:\n%s", last, r.Text)
	}
	if r := h.say("/pipeline " + last); closedRe.MatchString(r.Text) {
		t.Errorf("/pipeline %s counted this year:\n%s", last, r.Text)
	}
	a := storagetest.Activity(t, h.db, h.clock.t.AddDate(0, 0, -30), h.clock.t.Add(time.Second))
	if a.Opened != 5 || a.Won != 2 || a.Lost != 1 || a.LostBy[crm.LossCompetitor] != 1 {
		t.Errorf("the digest's figures: %+v", a)
	}
}
