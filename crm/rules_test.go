package crm

import (
	"testing"
	"time"
)

func TestValidateR1(t *testing.T) {
	tests := []struct {
		name string
		in   NewInterest
		key  string // "" = valid
	}{
		{"name and company are enough", NewInterest{ContactName: "Marko", CompanyName: "Acme"}, ""},
		{"no name", NewInterest{CompanyName: "Acme"}, "err.name_required"},
		{"blank name", NewInterest{ContactName: "  ", CompanyName: "Acme"}, "err.name_required"},
		{"no company", NewInterest{ContactName: "Marko"}, "err.company_required"},
		{"bad email", NewInterest{ContactName: "M", CompanyName: "A", Email: "marko@"}, "err.bad_email"},
		{"bad phone", NewInterest{ContactName: "M", CompanyName: "A", Phone: "12"}, "err.bad_phone"},
		{"bad size", NewInterest{ContactName: "M", CompanyName: "A", CompanySize: "huge"}, "err.bad_size"},
		{"bad kind", NewInterest{ContactName: "M", CompanyName: "A", Kind: "rumour"}, "err.bad_kind"},
		{"negative value", NewInterest{ContactName: "M", CompanyName: "A", Value: -1}, "err.bad_value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.in.Validate("HR")
			got := ""
			if e := AsError(err); e != nil {
				got = e.Key
			} else if err != nil {
				t.Fatalf("not a crm error: %v", err)
			}
			if got != tt.key {
				t.Fatalf("Validate: got %q, want %q", got, tt.key)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	phones := []struct{ in, region, want string }{
		{"+385 91 234 5678", "HR", "+385912345678"},
		{"091 234 5678", "HR", "+385912345678"},
		{"00385 91 234 5678", "US", "+385912345678"},
		{"(01) 610-1111", "HR", "+38516101111"},
		{"8 (495) 123-45-67", "RU", "+74951234567"},
	}
	for _, p := range phones {
		got, err := NormalizePhone(p.in, p.region)
		if err != nil || got != p.want {
			t.Errorf("NormalizePhone(%q, %s) = %q, %v; want %q", p.in, p.region, got, err, p.want)
		}
	}
	emails := []struct{ in, want string }{
		{" Marko.Duric@ACME.hr ", "marko.duric@acme.hr"},
		{"", ""},
	}
	for _, e := range emails {
		got, err := NormalizeEmail(e.in)
		if err != nil || got != e.want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", e.in, got, err, e.want)
		}
	}
	for _, bad := range []string{"marko", "marko@", "@acme.hr", "marko@acme", "a b@c.hr"} {
		if _, err := NormalizeEmail(bad); ErrorCode(err) != EINVALID {
			t.Errorf("NormalizeEmail(%q): want EINVALID, got %v", bad, err)
		}
	}
	folds := map[string]string{"Đurić": "duric", "ŁÓDŹ": "lodz", "Šećer": "secer", "Ärger": "arger", "Ёлка": "елка"}
	for in, want := range folds {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
	if got := NormalizeWebsite("https://www.Acme.hr/"); got != "acme.hr" {
		t.Errorf("NormalizeWebsite = %q", got)
	}
}

// 25 November 2026 is a Wednesday.
var wed = time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)

func TestCadenceR4(t *testing.T) {
	zg, _ := time.LoadLocation("Europe/Zagreb")
	tests := []struct {
		name   string
		now    time.Time
		stage  Stage
		reason DeliberationReason
		want   string // local time in Zagreb
	}{
		{"new: next working day", wed, StageNew, "", "2026-11-26 10:00 Thu"},
		{"new on a Friday: Monday", wed.AddDate(0, 0, 2), StageNew, "", "2026-11-30 10:00 Mon"},
		{"decision-maker: 3 working days", wed, StageDeliberating, DeliberationDecisionMaker, "2026-11-30 10:00 Mon"},
		{"comparing: a week", wed, StageDeliberating, DeliberationComparing, "2026-12-02 10:00 Wed"},
		{"budget: 30 days, off the weekend", wed, StageDeliberating, DeliberationBudget, "2026-12-25 10:00 Fri"},
		{"budget from a Monday", time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC), StageDeliberating, DeliberationBudget, "2026-12-30 10:00 Wed"},
		{"proposal: 3 working days", wed, StageProposal, "", "2026-11-30 10:00 Mon"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := DefaultCadence.DefaultNext(tt.stage, tt.reason, tt.now, zg)
			if got := n.Due.In(zg).Format("2006-01-02 15:04 Mon"); got != tt.want {
				t.Fatalf("due %s, want %s", got, tt.want)
			}
			if !IsWorkingDay(n.Due.In(zg)) {
				t.Fatalf("due on a weekend: %v", n.Due)
			}
			if n.What == "" {
				t.Fatal("no what")
			}
		})
	}
}

func TestApplyStageInvariant(t *testing.T) {
	manual := &NextAction{What: "send proposal", Due: wed.Add(48 * time.Hour)}
	for _, to := range Stages {
		for _, dr := range append([]DeliberationReason{""}, DeliberationReasons...) {
			in := &Interest{Stage: StageNew, Next: NextAction{What: "next.new", Due: wed.Add(-time.Hour)}}
			ApplyStage(in, to, dr, LossCompetitor, nil, DefaultCadence, wed, time.UTC)
			if to.Open() && in.Next.IsZero() {
				t.Errorf("%s/%s: open interest without a next action", to, dr)
			}
			if !to.Open() && (!in.Next.IsZero() || in.ClosedAt.IsZero()) {
				t.Errorf("%s: closed interest keeps a next action (R8) or has no ClosedAt", to)
			}
			if to.Open() && !in.Next.Due.After(wed) {
				t.Errorf("%s: next action not in the future: %v", to, in.Next.Due)
			}
		}
	}
	// An explicit next action wins; a user's own future one is kept; a default is renewed.
	in := &Interest{Stage: StageNew}
	ApplyStage(in, StageMeeting, "", "", manual, DefaultCadence, wed, time.UTC)
	if in.Next != *manual {
		t.Errorf("explicit next action not applied: %+v", in.Next)
	}
	ApplyStage(in, StageProposal, "", "", nil, DefaultCadence, wed, time.UTC)
	if in.Next != *manual {
		t.Errorf("user's future next action replaced: %+v", in.Next)
	}
	in.Next.What = "next.meeting"
	ApplyStage(in, StageDeliberating, DeliberationBudget, "", nil, DefaultCadence, wed, time.UTC)
	if in.Next.What != "next.budget" {
		t.Errorf("cadence default not renewed on stage change: %+v", in.Next)
	}
}

func TestCheckStageR6(t *testing.T) {
	mgr := &User{ID: 1, Role: RoleManager}
	head := &User{ID: 2, Role: RoleHead}
	open := &Interest{ID: 7, OwnerID: 1, Stage: StageProposal}
	lost := &Interest{ID: 8, OwnerID: 1, Stage: StageLost, LossReason: LossCompetitor}
	tests := []struct {
		name  string
		actor *User
		in    *Interest
		to    Stage
		dr    DeliberationReason
		lr    LossReason
		key   string
	}{
		{"lost needs a reason", mgr, open, StageLost, "", "", "err.need_loss_reason"},
		{"lost with a reason", mgr, open, StageLost, "", LossUnreachable, ""},
		{"deliberating needs a reason", mgr, open, StageDeliberating, "", "", "err.need_deliberation_reason"},
		{"deliberating with a reason", mgr, open, StageDeliberating, DeliberationBudget, "", ""},
		{"unknown stage", mgr, open, "sideways", "", "", "err.bad_stage"},
		{"same stage", mgr, open, StageProposal, "", "", "err.same_stage"},
		{"a manager cannot reopen", mgr, lost, StageMeeting, "", "", "err.reopen_forbidden"},
		{"a head can reopen", head, lost, StageMeeting, "", "", ""},
		{"won from any open stage", mgr, open, StageWon, "", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := CheckStage(tt.actor, tt.in, tt.to, tt.dr, tt.lr)
			got := ""
			if e := AsError(err); e != nil {
				got = e.Key
			}
			if got != tt.key {
				t.Fatalf("got %q, want %q", got, tt.key)
			}
		})
	}
}

func TestPermissionsR10R12R13(t *testing.T) {
	ana := &User{ID: 1, Name: "Ana", Role: RoleManager, Segment: SegmentCorporate}
	luka := &User{ID: 2, Name: "Luka", Role: RoleManager, Segment: SegmentCorporate}
	ivan := &User{ID: 3, Name: "Ivan", Role: RoleManager, Segment: SegmentRetail}
	head := &User{ID: 4, Name: "Petra", Role: RoleHead, Segment: SegmentCorporate}
	gone := &User{ID: 5, Name: "Gone", Role: RoleManager, Segment: SegmentCorporate, Disabled: true}
	in := &Interest{ID: 9, OwnerID: ana.ID, Segment: SegmentCorporate, Stage: StageNew}
	won := &Interest{ID: 10, OwnerID: ana.ID, Segment: SegmentCorporate, Stage: StageWon}

	if !CanChange(ana, in) || CanChange(luka, in) || !CanChange(head, in) {
		t.Error("R10: owner and leads change; other managers do not")
	}
	if !CanSee(luka, in, false) || CanSee(luka, in, true) || !CanSee(head, in, true) {
		t.Error("R10: everyone reads by default; own-only narrows managers only")
	}
	tests := []struct {
		name      string
		actor, to *User
		in        *Interest
		code      string
	}{
		{"R12: a head reassigns", head, luka, in, ""},
		{"R12: a manager may not", ana, luka, in, EFORBIDDEN},
		{"R13: not across segments", head, ivan, in, EINVALID},
		{"not to an inactive user", head, gone, in, EINVALID},
		{"not a closed interest", head, luka, won, ECONFLICT},
		{"not to the owner", head, ana, in, ECONFLICT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ErrorCode(CheckReassign(tt.actor, tt.to, tt.in)); got != tt.code {
				t.Fatalf("got %q, want %q", got, tt.code)
			}
		})
	}
	if ErrorCode(CheckUserSegment(ana, SegmentRetail, 1)) != ECONFLICT {
		t.Error("R13: a salesperson with open corporate interests cannot switch to retail")
	}
	if CheckUserSegment(ana, SegmentRetail, 0) != nil {
		t.Error("R13: without open interests the switch is allowed")
	}
}
