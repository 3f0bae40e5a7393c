package crm_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

type fixture struct {
	t    *testing.T
	db   crm.Store
	svc  *crm.Service
	now  time.Time
	ctx  context.Context
	adm  *crm.User
	ana  *crm.User
	luka *crm.User
}

func setup(t *testing.T) *fixture {
	t.Helper()
	db := storagetest.OpenStore(t)
	var err error
	f := &fixture{t: t, db: db, now: time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC), ctx: context.Background()}
	f.svc = crm.NewService(db, func() time.Time { return f.now }, crm.Config{})
	if f.adm, err = f.svc.EnsureAdmin(f.ctx, "console:admin", "Admin"); err != nil {
		t.Fatal(err)
	}
	f.ana = f.mustUser("Ana Horvat", crm.RoleManager, crm.SegmentCorporate)
	f.luka = f.mustUser("Luka Marić", crm.RoleManager, crm.SegmentCorporate)
	return f
}

func (f *fixture) mustUser(name string, r crm.Role, s crm.Segment) *crm.User {
	u, err := f.svc.AddUser(f.ctx, crm.Op{Actor: f.adm}, name, r, s, "Europe/Zagreb")
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) create(actor *crm.User, key string, n crm.NewInterest) *crm.Created {
	f.t.Helper()
	c, err := f.svc.CreateInterest(f.ctx, crm.Op{Actor: actor, Key: key}, n)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

func (f *fixture) audit(id uint64) []*crm.AuditEntry {
	var out []*crm.AuditEntry
	if err := f.db.View(f.ctx, func(tx crm.Tx) error {
		var err error
		out, err = tx.AuditOf("interest", id, 0)
		return err
	}); err != nil {
		f.t.Fatal(err)
	}
	return out
}

func TestCreateDeduplicates(t *testing.T) { storagetest.Each(t, testCreateDeduplicates) }

func testCreateDeduplicates(t *testing.T) {
	f := setup(t)
	first := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko Đurić", CompanyName: "Acme d.o.o.", Email: "Marko@Acme.hr", Phone: "091 234 5678"})
	if len(first.Links) != 0 || first.Interest.ID != 1 || first.Contact.Email != "marko@acme.hr" || first.Contact.Phone != "+385912345678" {
		t.Fatalf("first: %+v %+v", first.Links, first.Contact)
	}
	tests := []struct {
		name string
		in   crm.NewInterest
		want []string // Link.What + "/" + Link.By
	}{
		{"same email, same name", crm.NewInterest{ContactName: "MARKO ĐURIĆ", CompanyName: "acme d.o.o.", Email: "MARKO@acme.hr"}, []string{"contact/email", "open_interest/"}},
		{"same email, other name, linked by decision", crm.NewInterest{ContactName: "M. Đurić", CompanyName: "Acme", Email: "MARKO@acme.hr", Link: crm.LinkExisting, LinkContactID: 1}, []string{"contact/email", "company/contact", "open_interest/"}},
		{"same phone written differently, linked by an import", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme d.o.o.", Phone: "+385 91 234 5678", Link: crm.LinkAuto}, []string{"contact/phone", "open_interest/"}},
		{"same company name, other person", crm.NewInterest{ContactName: "Ivana Kovač", CompanyName: "ACME D.O.O."}, []string{"company/name", "open_interest/"}},
		{"a stranger company", crm.NewInterest{ContactName: "Goran", CompanyName: "Kos Trade"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := f.create(f.ana, "", tt.in)
			var got []string
			for _, l := range c.Links {
				by := l.By
				if l.What == "open_interest" {
					by = ""
				}
				if l.What != "open_interest" || len(got) == 0 || got[len(got)-1] != "open_interest/" {
					got = append(got, l.What+"/"+by)
				}
			}
			if len(got) != len(tt.want) {
				t.Fatalf("links %v, want %v", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("links %v, want %v", got, tt.want)
				}
			}
		})
	}
	st := storagetest.Records(t, f.db)
	if st.Companies != 2 || st.Contacts != 3 {
		t.Fatalf("companies %d contacts %d, want 2 and 3 (de-duplicated)", st.Companies, st.Contacts)
	}
}

// A known phone under another name is asked about, never silently linked: the typed
// name and company would be lost.
func TestCreateDuplicateAsks(t *testing.T) { storagetest.Each(t, testCreateDuplicateAsks) }

func testCreateDuplicateAsks(t *testing.T) {
	f := setup(t)
	f.create(f.ana, "", crm.NewInterest{ContactName: "Marko Đurić", CompanyName: "Acme d.o.o.", Phone: "091 987 6543"})
	typed := crm.NewInterest{ContactName: "Netko", CompanyName: "Nova firma", Phone: "091 987 6543"}
	_, err := f.svc.CreateInterest(f.ctx, crm.Op{Actor: f.ana}, typed)
	var dup *crm.DuplicateError
	if !errors.As(err, &dup) || crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("err = %v, want a DuplicateError", err)
	}
	want := crm.Match{ContactID: 1, Contact: "Marko Đurić", CompanyID: 1, Company: "Acme d.o.o.", By: "phone", Value: "+385919876543"}
	if dup.Match != want {
		t.Fatalf("match %+v, want %+v", dup.Match, want)
	}
	if st := storagetest.Records(t, f.db); st.Interests != 1 || st.Contacts != 1 {
		t.Fatalf("a refused create wrote: %+v", st)
	}
	tests := []struct {
		name                string
		link                crm.LinkDecision
		linkTo              uint64
		contact, company    string
		contacts, companies int
		wantConflict        bool
	}{
		{"a stale choice asks again", crm.LinkExisting, 99, "", "", 1, 1, true},
		{"new contact: the typed values win", crm.LinkNew, 0, "Netko", "Nova firma", 2, 2, false},
		{"link to the existing contact", crm.LinkExisting, 1, "Marko Đurić", "Acme d.o.o.", 2, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := typed
			n.Link, n.LinkContactID = tt.link, tt.linkTo
			res, err := f.svc.CreateInterest(f.ctx, crm.Op{Actor: f.ana}, n)
			if tt.wantConflict {
				if !errors.As(err, &dup) {
					t.Fatalf("err = %v, want a DuplicateError", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.Contact.FullName != tt.contact || res.Company.Name != tt.company {
				t.Fatalf("created for %s (%s), want %s (%s)", res.Contact.FullName, res.Company.Name, tt.contact, tt.company)
			}
			if st := storagetest.Records(t, f.db); st.Contacts != tt.contacts || st.Companies != tt.companies {
				t.Fatalf("contacts %d companies %d, want %d and %d", st.Contacts, st.Companies, tt.contacts, tt.companies)
			}
		})
	}
}

func TestIdempotencyKey(t *testing.T) { storagetest.Each(t, testIdempotencyKey) }

func testIdempotencyKey(t *testing.T) {
	f := setup(t)
	a := f.create(f.ana, "tg:u:1", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"})
	b := f.create(f.ana, "tg:u:1", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"})
	if !b.Duplicate || b.Interest.ID != a.Interest.ID {
		t.Fatalf("redelivery created %d (dup %v), want %d", b.Interest.ID, b.Duplicate, a.Interest.ID)
	}
	for i := 0; i < 2; i++ {
		if _, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.ana, Key: "tg:u:2"}, a.Interest.ID, crm.InteractionCall, "hello", nil); err != nil {
			t.Fatal(err)
		}
	}
	card, err := f.svc.Card(f.ctx, f.ana, a.Interest.ID, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(card.Timeline) != 2 { // created + one call
		t.Fatalf("timeline has %d entries, want 2", len(card.Timeline))
	}
	st := storagetest.Records(t, f.db)
	if st.Interests != 1 {
		t.Fatalf("%d interests, want 1", st.Interests)
	}
}

func TestRefusedAttemptsAreAudited(t *testing.T) { storagetest.Each(t, testRefusedAttemptsAreAudited) }

func testRefusedAttemptsAreAudited(t *testing.T) {
	f := setup(t)
	c := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"})
	id := c.Interest.ID
	if _, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.luka}, id, crm.InteractionCall, "not mine", nil); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("another manager logged: %v", err)
	}
	if _, err := f.svc.Reassign(f.ctx, crm.Op{Actor: f.ana}, id, f.luka.ID); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("a manager reassigned: %v", err)
	}
	var refused []string
	for _, e := range f.audit(id) {
		if e.Refused {
			refused = append(refused, e.Action)
		}
	}
	if len(refused) != 2 || refused[0] != "log" || refused[1] != "assign" {
		t.Fatalf("refused attempts audited: %v", refused)
	}
	in, _ := f.svc.Card(f.ctx, f.adm, id, 0)
	if in.Interest.OwnerID != f.ana.ID || len(in.Timeline) != 1 {
		t.Fatal("a refused attempt changed something")
	}
	// A head's reassignment works, is audited, and moves the pipeline counts.
	if _, err := f.svc.Reassign(f.ctx, crm.Op{Actor: f.adm}, id, f.luka.ID); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.Pipeline(f.ctx, f.adm, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range p.Rows {
		want := 0
		if r.Owner.ID == f.luka.ID {
			want = 1
		}
		if r.OpenCount() != want {
			t.Errorf("%s has %d open, want %d", r.Owner.Name, r.OpenCount(), want)
		}
	}
}

func TestLogKeepsOrSchedulesNext(t *testing.T) { storagetest.Each(t, testLogKeepsOrSchedulesNext) }

func testLogKeepsOrSchedulesNext(t *testing.T) {
	f := setup(t)
	c := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"})
	id := c.Interest.ID
	// The default follow-up is tomorrow: a note today keeps it.
	l, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.ana}, id, crm.InteractionNote, "sent a brochure", nil)
	if err != nil || l.Scheduled || !l.Interest.Next.Due.Equal(c.Interest.Next.Due) {
		t.Fatalf("future next action not kept: %+v %v", l, err)
	}
	// When it falls due and the manager logs the call, the cadence schedules the next.
	f.now = c.Interest.Next.Due.Add(time.Hour)
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, crm.StageChange{Stage: crm.StageDeliberating, Deliberation: crm.DeliberationComparing, Next: &crm.NextAction{What: "call", Due: f.now.Add(time.Minute)}}); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(2 * time.Minute)
	l, err = f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.ana}, id, crm.InteractionCall, "still comparing", nil)
	if err != nil || !l.Scheduled || l.Interest.Next.What != "next.comparing" {
		t.Fatalf("cadence not applied: %+v %v", l.Interest.Next, err)
	}
	if d := l.Interest.Next.Due.Sub(f.now); d < 6*24*time.Hour || d > 9*24*time.Hour {
		t.Fatalf("comparing follow-up in %v, want about a week", d)
	}
	// A closed interest accepts notes (R9) but no next step (R8).
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, crm.StageChange{Stage: crm.StageLost, Loss: crm.LossNotProspective}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.ana}, id, crm.InteractionEmail, "newsletter", nil); err != nil {
		t.Fatalf("note on a closed interest: %v", err)
	}
	if _, err := f.svc.SetNext(f.ctx, crm.Op{Actor: f.ana}, id, crm.NextAction{What: "call", Due: f.now.Add(time.Hour)}); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("next step on a closed interest: %v", err)
	}
	due := 0
	f.db.View(f.ctx, func(tx crm.Tx) error {
		ins, err := tx.DueBefore(0, f.now.AddDate(1, 0, 0), 0)
		due = len(ins)
		return err
	})
	if due != 0 {
		t.Fatalf("R8: a not-prospective client still has %d follow-ups", due)
	}
}

func TestInvitesAndStrangers(t *testing.T) { storagetest.Each(t, testInvitesAndStrangers) }

func testInvitesAndStrangers(t *testing.T) {
	f := setup(t)
	stranger := crm.Identity("telegram:555")
	if _, err := f.svc.Authenticate(f.ctx, stranger); crm.ErrorCode(err) != crm.EUNAUTHORIZED {
		t.Fatalf("stranger: %v", err)
	}
	if _, err := f.svc.RedeemInvite(f.ctx, stranger, "WRONG"); crm.ErrorCode(err) != crm.EINVALID {
		t.Fatalf("wrong code: %v", err)
	}
	if _, err := f.svc.CreateInvite(f.ctx, crm.Op{Actor: f.ana}, f.ana.ID); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Fatalf("a manager made an invite: %v", err)
	}
	inv, err := f.svc.CreateInvite(f.ctx, crm.Op{Actor: f.adm}, f.ana.ID)
	if err != nil {
		t.Fatal(err)
	}
	u, err := f.svc.RedeemInvite(f.ctx, stranger, " "+inv.Code+" ")
	if err != nil || u.ID != f.ana.ID {
		t.Fatalf("redeem: %v %v", u, err)
	}
	if got, err := f.svc.Authenticate(f.ctx, stranger); err != nil || got.ID != f.ana.ID {
		t.Fatalf("linked identity does not resolve to Ana: %v", err)
	}
	if _, err := f.svc.RedeemInvite(f.ctx, "slack:T1/U1", inv.Code); crm.ErrorCode(err) != crm.EINVALID {
		t.Fatalf("a used code worked again: %v", err)
	}
	inv2, _ := f.svc.CreateInvite(f.ctx, crm.Op{Actor: f.adm}, f.luka.ID)
	f.now = f.now.Add(8 * 24 * time.Hour)
	if _, err := f.svc.RedeemInvite(f.ctx, "slack:T1/U2", inv2.Code); crm.ErrorCode(err) != crm.EINVALID {
		t.Fatalf("an expired code worked: %v", err)
	}
	users, _ := f.svc.Users(f.ctx)
	if len(users) != 3 {
		t.Fatalf("%d users: strangers must leave nothing behind", len(users))
	}
}

// Moving a closed interest needs a confirmed Reopen, is for heads and admins only, and
// is audited as a reopen.
func TestReopenIsExplicit(t *testing.T) { storagetest.Each(t, testReopenIsExplicit) }

func testReopenIsExplicit(t *testing.T) {
	f := setup(t)
	id := f.create(f.ana, "", crm.NewInterest{ContactName: "Marko", CompanyName: "Acme"}).Interest.ID
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, id, crm.StageChange{Stage: crm.StageWon}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		actor   *crm.User
		reopen  bool
		wantKey string
	}{
		{"a manager may not reopen", f.ana, true, "err.reopen_forbidden"},
		{"a head must confirm", f.adm, false, "err.reopen_unconfirmed"},
		{"confirmed", f.adm, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in, err := f.svc.SetStage(f.ctx, crm.Op{Actor: tt.actor}, id, crm.StageChange{Stage: crm.StageMeeting, Reopen: tt.reopen})
			if tt.wantKey != "" {
				if e := crm.AsError(err); e == nil || e.Key != tt.wantKey {
					t.Fatalf("err = %v, want %s", err, tt.wantKey)
				}
				return
			}
			if err != nil || in.Stage != crm.StageMeeting || in.Next.IsZero() {
				t.Fatalf("reopen: %v %+v", err, in)
			}
		})
	}
	var actions []string
	for _, e := range f.audit(id) {
		if !e.Refused {
			actions = append(actions, e.Action+" "+e.Detail)
		}
	}
	if got := strings.Join(actions, "; "); !strings.Contains(got, "reopen won→meeting") {
		t.Fatalf("audit %q has no reopen", got)
	}
}
