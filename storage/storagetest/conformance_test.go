package storagetest_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// The conformance suite: what crm.Store and crm.Tx promise, checked on every backend
// alike (bbolt always, PostgreSQL when a server is configured).

var t0 = time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)

func update(t *testing.T, db crm.Store, fn func(crm.Tx) error) {
	t.Helper()
	if err := db.Update(context.Background(), fn); err != nil {
		t.Fatalf("update: %v", err)
	}
}

func view(t *testing.T, db crm.Store, fn func(crm.Tx) error) {
	t.Helper()
	if err := db.View(context.Background(), fn); err != nil {
		t.Fatalf("view: %v", err)
	}
}

func ids[T any](t *testing.T, vs []*T) []uint64 {
	t.Helper()
	out := []uint64{}
	for _, v := range vs {
		out = append(out, reflect.ValueOf(v).Elem().FieldByName("ID").Uint())
	}
	return out
}

func wantIDs[T any](t *testing.T, what string, got []*T, err error, want ...uint64) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	if want == nil {
		want = []uint64{}
	}
	if g := ids(t, got); !reflect.DeepEqual(g, want) {
		t.Errorf("%s = %v, want %v", what, g, want)
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Errorf("%s: err = %v, want ENOTFOUND", what, err)
	}
}

func TestUsersAndInvites(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		a := &crm.User{Name: "Ana", Role: crm.RoleAdmin, Segment: crm.SegmentCorporate, TZ: "Europe/Zagreb",
			Identities: []crm.Identity{"telegram:1", "slack:U1"}, CreatedAt: t0}
		b := &crm.User{Name: "Bo", Role: crm.RoleManager, Identities: []crm.Identity{"telegram:2"}, CreatedAt: t0}
		update(t, db, func(tx crm.Tx) error {
			if err := tx.PutUser(a); err != nil {
				return err
			}
			return tx.PutUser(b)
		})
		if a.ID != 1 || b.ID != 2 {
			t.Fatalf("ids = %d, %d; want 1, 2", a.ID, b.ID)
		}
		// A failed transaction uses up no id.
		boom := errors.New("boom")
		if err := db.Update(context.Background(), func(tx crm.Tx) error {
			if err := tx.PutUser(&crm.User{Name: "Gone"}); err != nil {
				return err
			}
			return boom
		}); !errors.Is(err, boom) {
			t.Fatalf("update returned %v, want fn's error", err)
		}
		view(t, db, func(tx crm.Tx) error {
			u, err := tx.UserByIdentity("slack:U1")
			if err != nil || u.ID != 1 || u.Name != "Ana" || u.TZ != "Europe/Zagreb" || !u.CreatedAt.Equal(t0) {
				t.Errorf("UserByIdentity(slack:U1) = %+v, %v", u, err)
			}
			_, err = tx.UserByIdentity("telegram:9")
			wantNotFound(t, "UserByIdentity(telegram:9)", err)
			_, err = tx.User(3)
			wantNotFound(t, "User(3) after a rolled-back create", err)
			us, err := tx.Users()
			wantIDs(t, "Users", us, err, 1, 2)
			return nil
		})
		// Identities move with the record; one linked to another user is a conflict.
		update(t, db, func(tx crm.Tx) error {
			b.Identities = []crm.Identity{"telegram:3"}
			return tx.PutUser(b)
		})
		err := db.Update(context.Background(), func(tx crm.Tx) error {
			b.Identities = append(b.Identities, "slack:U1")
			return tx.PutUser(b)
		})
		if crm.ErrorCode(err) != crm.ECONFLICT {
			t.Errorf("PutUser with another user's identity: %v, want ECONFLICT", err)
		}
		view(t, db, func(tx crm.Tx) error {
			_, err := tx.UserByIdentity("telegram:2")
			wantNotFound(t, "old identity", err)
			u, err := tx.UserByIdentity("telegram:3")
			if err != nil || u.ID != 2 {
				t.Errorf("new identity → %+v, %v", u, err)
			}
			u, err = tx.UserByIdentity("slack:U1")
			if err != nil || u.ID != 1 {
				t.Errorf("slack:U1 after the refused change → %+v, %v", u, err)
			}
			return nil
		})
		// An explicit id (an import) is kept, and later ids come after it.
		update(t, db, func(tx crm.Tx) error {
			if err := tx.PutUser(&crm.User{ID: 10, Name: "Imported"}); err != nil {
				return err
			}
			u := &crm.User{Name: "Next"}
			if err := tx.PutUser(u); err != nil {
				return err
			}
			if u.ID != 11 {
				t.Errorf("id after an imported 10 = %d, want 11", u.ID)
			}
			return nil
		})

		inv := &crm.Invite{Code: "ABC123", UserID: 2, CreatedBy: 1, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
		update(t, db, func(tx crm.Tx) error { return tx.PutInvite(inv) })
		err = db.Update(context.Background(), func(tx crm.Tx) error { return tx.PutInvite(&crm.Invite{}) })
		if crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("PutInvite without a code: %v, want EINVALID", err)
		}
		update(t, db, func(tx crm.Tx) error {
			got, err := tx.Invite("ABC123")
			if err != nil || got.UserID != 2 || !got.ExpiresAt.Equal(inv.ExpiresAt) {
				t.Errorf("Invite = %+v, %v", got, err)
			}
			got, err = tx.TakeInvite("ABC123")
			if err != nil || got.UserID != 2 {
				t.Errorf("TakeInvite = %+v, %v", got, err)
			}
			_, err = tx.TakeInvite("ABC123")
			wantNotFound(t, "second TakeInvite", err)
			_, err = tx.Invite("ABC123")
			wantNotFound(t, "Invite after TakeInvite", err)
			return nil
		})
	})
}

func TestCompaniesAndContacts(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		cs := []*crm.Company{
			{Name: "Acme d.o.o.", OIB: "12345678903", CreatedAt: t0},
			{Name: "ACME  d.o.o. ", CreatedAt: t0},
			{Name: "Šumarija Zagreb", CreatedAt: t0},
			{Name: "Zagrebačka banka", CreatedAt: t0},
			{Name: "Acme Trade", CreatedAt: t0},
		}
		ks := []*crm.Contact{
			{CompanyID: 1, FullName: "Ivana Horvat", Email: "ivana@acme.hr", Phone: "+38512345678", CreatedAt: t0},
			{CompanyID: 1, FullName: "Marko Horvat", Mobile: "+385912345678", CreatedAt: t0},
			{CompanyID: 3, FullName: "Đuro Šimić", Email: "duro@sume.hr", Phone: "+385912345678", CreatedAt: t0},
		}
		update(t, db, func(tx crm.Tx) error {
			for _, c := range cs {
				if err := tx.PutCompany(c); err != nil {
					return err
				}
			}
			for _, c := range ks {
				if err := tx.PutContact(c); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, db, func(tx crm.Tx) error {
			c, err := tx.Company(3)
			if err != nil || c.Name != "Šumarija Zagreb" {
				t.Errorf("Company(3) = %+v, %v", c, err)
			}
			_, err = tx.Company(99)
			wantNotFound(t, "Company(99)", err)
			got, err := tx.CompaniesByName("acme D.O.O.")
			wantIDs(t, "CompaniesByName", got, err, 1, 2)
			got, err = tx.CompaniesByName("  ")
			wantIDs(t, "CompaniesByName(blank)", got, err)
			c, err = tx.CompanyByOIB("12345678903")
			if err != nil || c.ID != 1 {
				t.Errorf("CompanyByOIB = %+v, %v", c, err)
			}
			_, err = tx.CompanyByOIB("")
			wantNotFound(t, "CompanyByOIB(\"\")", err)
			_, err = tx.CompanyByOIB("99999999999")
			wantNotFound(t, "CompanyByOIB(other)", err)
			for _, tc := range []struct {
				q     string
				limit int
				want  []uint64
			}{
				{"acme", 0, []uint64{1, 2, 5}},
				{"ac", 2, []uint64{1, 2}},
				{"sum", 0, []uint64{3}}, // diacritics folded
				{"zagreb", 0, []uint64{3, 4}},
				{"zag ban", 0, []uint64{4}}, // every word must match
				{"acme tr", 0, []uint64{5}},
				{"nothing", 0, nil},
				{"", 0, nil},
			} {
				got, err := tx.FindCompanies(tc.q, tc.limit)
				wantIDs(t, fmt.Sprintf("FindCompanies(%q, %d)", tc.q, tc.limit), got, err, tc.want...)
			}
			k, err := tx.Contact(1)
			if err != nil || k.FullName != "Ivana Horvat" || k.Email != "ivana@acme.hr" {
				t.Errorf("Contact(1) = %+v, %v", k, err)
			}
			_, err = tx.Contact(99)
			wantNotFound(t, "Contact(99)", err)
			gk, err := tx.ContactsByEmail("ivana@acme.hr")
			wantIDs(t, "ContactsByEmail", gk, err, 1)
			gk, err = tx.ContactsByEmail("")
			wantIDs(t, "ContactsByEmail(\"\")", gk, err)
			gk, err = tx.ContactsByPhone("+385912345678")
			wantIDs(t, "ContactsByPhone (phone or mobile)", gk, err, 2, 3)
			gk, err = tx.ContactsByCompany(1)
			wantIDs(t, "ContactsByCompany", gk, err, 1, 2)
			for _, tc := range []struct {
				q     string
				limit int
				want  []uint64
			}{
				{"horvat", 0, []uint64{1, 2}},
				{"horvat", 1, []uint64{1}},
				{"mar hor", 0, []uint64{2}},
				{"duro", 0, []uint64{3}},
				{"ivana@", 0, []uint64{1}},
				{"IVANA@ACME", 0, []uint64{1}},
				{"091 234", 0, []uint64{2, 3}},  // national form
				{"38591", 0, []uint64{2, 3}},    // E.164 digits
				{"00385 1 234", 0, []uint64{1}}, // international prefix
				{"zzz", 0, nil},
			} {
				got, err := tx.FindContacts(tc.q, tc.limit)
				wantIDs(t, fmt.Sprintf("FindContacts(%q, %d)", tc.q, tc.limit), got, err, tc.want...)
			}
			var all []uint64
			if err := tx.ForEachCompany(func(c *crm.Company) error { all = append(all, c.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(all, []uint64{1, 2, 3, 4, 5}) {
				t.Errorf("ForEachCompany ids = %v", all)
			}
			all = nil
			if err := tx.ForEachContact(func(c *crm.Contact) error { all = append(all, c.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(all, []uint64{1, 2, 3}) {
				t.Errorf("ForEachContact ids = %v", all)
			}
			return nil
		})
		// A change replaces the old search keys.
		update(t, db, func(tx crm.Tx) error {
			cs[0].Name, cs[0].OIB = "Beta", ""
			if err := tx.PutCompany(cs[0]); err != nil {
				return err
			}
			ks[0].FullName, ks[0].Email, ks[0].Phone, ks[0].CompanyID = "Iva Kos", "iva@beta.hr", "", 4
			return tx.PutContact(ks[0])
		})
		view(t, db, func(tx crm.Tx) error {
			got, err := tx.FindCompanies("acme", 0)
			wantIDs(t, "FindCompanies(acme) after rename", got, err, 2, 5)
			got, err = tx.FindCompanies("beta", 0)
			wantIDs(t, "FindCompanies(beta)", got, err, 1)
			_, err = tx.CompanyByOIB("12345678903")
			wantNotFound(t, "CompanyByOIB after the OIB was cleared", err)
			gk, err := tx.FindContacts("horvat", 0)
			wantIDs(t, "FindContacts(horvat) after rename", gk, err, 2)
			gk, err = tx.ContactsByEmail("ivana@acme.hr")
			wantIDs(t, "ContactsByEmail(old)", gk, err)
			gk, err = tx.ContactsByCompany(4)
			wantIDs(t, "ContactsByCompany(4)", gk, err, 1)
			gk, err = tx.FindContacts("385 1 234", 0)
			wantIDs(t, "FindContacts(old phone)", gk, err)
			return nil
		})
	})
}

func interest(owner uint64, stage crm.Stage, due time.Time, value int64) *crm.Interest {
	return &crm.Interest{Kind: crm.KindInterest, CompanyID: 1, ContactID: 1, OwnerID: owner, Segment: crm.SegmentCorporate,
		Stage: stage, Value: value, Next: crm.NextAction{What: "call", Due: due}, CreatedAt: t0, UpdatedAt: t0,
		LastActivityAt: due.Add(-48 * time.Hour)}
}

// seedClients stores companies 1 and 2 and a contact at each (1, 2): interests refer
// to them, and Verify reports an interest whose client does not exist.
func seedClients(t *testing.T, db crm.Store) {
	t.Helper()
	update(t, db, func(tx crm.Tx) error {
		for i := 1; i <= 2; i++ {
			if err := tx.PutCompany(&crm.Company{Name: fmt.Sprint("Client ", i), CreatedAt: t0}); err != nil {
				return err
			}
			if err := tx.PutContact(&crm.Contact{CompanyID: uint64(i), FullName: fmt.Sprint("Person ", i), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
}

func TestInterests(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		seedClients(t, db)
		h := time.Hour
		in := []*crm.Interest{
			interest(1, crm.StageNew, t0.Add(3*h), 100),        // 1
			interest(1, crm.StageMeeting, t0.Add(1*h), 200),    // 2
			interest(2, crm.StageNew, t0.Add(2*h), 300),        // 3
			interest(1, crm.StageNew, t0.Add(1*h), 0),          // 4: same due as 2
			interest(2, crm.StageProposal, t0.Add(10*h), 50),   // 5
			interest(1, crm.StageWon, t0.Add(1*h), 1000),       // 6: closed
			interest(1, crm.StageDeliberating, time.Time{}, 0), // 7: no next action
		}
		in[6].LastActivityAt = t0.Add(-100 * h)
		in[4].ContactID, in[4].CompanyID = 2, 2
		update(t, db, func(tx crm.Tx) error {
			for _, i := range in {
				if err := tx.PutInterest(i); err != nil {
					return err
				}
			}
			return nil
		})
		err := db.Update(context.Background(), func(tx crm.Tx) error {
			return tx.PutInterest(interest(1, "bogus", t0, 0))
		})
		if crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("PutInterest with an unknown stage: %v, want EINVALID", err)
		}
		view(t, db, func(tx crm.Tx) error {
			got, err := tx.Interest(2)
			if err != nil || got.Stage != crm.StageMeeting || got.Value != 200 || !got.Next.Due.Equal(t0.Add(h)) {
				t.Errorf("Interest(2) = %+v, %v", got, err)
			}
			_, err = tx.Interest(99)
			wantNotFound(t, "Interest(99)", err)
			l, err := tx.InterestsByCompany(1, 0)
			wantIDs(t, "InterestsByCompany", l, err, 1, 2, 3, 4, 6, 7)
			l, err = tx.InterestsByCompany(1, 2)
			wantIDs(t, "InterestsByCompany limit 2", l, err, 1, 2)
			l, err = tx.InterestsByContact(2, 0)
			wantIDs(t, "InterestsByContact", l, err, 5)
			l, err = tx.OpenInterests(1, "", 0)
			wantIDs(t, "OpenInterests(1)", l, err, 1, 4, 2, 7) // stage order, then id
			l, err = tx.OpenInterests(1, crm.StageNew, 1)
			wantIDs(t, "OpenInterests(1, new, 1)", l, err, 1)
			l, err = tx.OpenInterests(1, crm.StageWon, 0)
			wantIDs(t, "OpenInterests(1, won)", l, err)
			l, err = tx.DueBefore(0, t0.Add(3*h), 0)
			wantIDs(t, "DueBefore(all, +3h)", l, err, 2, 4, 3)
			l, err = tx.DueBefore(0, t0.Add(24*h), 2)
			wantIDs(t, "DueBefore(all, +24h, 2)", l, err, 2, 4)
			l, err = tx.DueBefore(1, t0.Add(24*h), 0)
			wantIDs(t, "DueBefore(1, +24h)", l, err, 2, 4, 1)
			l, err = tx.DueBetween(t0.Add(2*h), t0.Add(10*h), 0)
			wantIDs(t, "DueBetween(+2h, +10h)", l, err, 3, 1)
			l, err = tx.DueBetween(time.Time{}, t0.Add(2*h), 0)
			wantIDs(t, "DueBetween(zero, +2h)", l, err, 2, 4)
			l, err = tx.DueAfter(crm.DuePos{}, t0.Add(24*h), 2)
			wantIDs(t, "DueAfter(start)", l, err, 2, 4)
			l, err = tx.DueAfter(crm.PosOf(l[1]), t0.Add(24*h), 2)
			wantIDs(t, "DueAfter(#4)", l, err, 3, 1)
			l, err = tx.DueAfter(crm.DuePos{Due: t0.Add(h), ID: 2}, t0.Add(3*h), 0)
			wantIDs(t, "DueAfter(#2, +3h)", l, err, 4, 3)
			counts, err := tx.CountDueBefore(t0.Add(3 * h))
			if err != nil || !reflect.DeepEqual(counts, map[uint64]int{1: 2, 2: 1}) {
				t.Errorf("CountDueBefore = %v, %v", counts, err)
			}
			counts, err = tx.CountDueBefore(t0)
			if err != nil || counts == nil || len(counts) != 0 {
				t.Errorf("CountDueBefore(nothing due) = %#v, %v; want an empty map", counts, err)
			}
			l, err = tx.IdleSince(0, t0, 0)
			wantIDs(t, "IdleSince(all)", l, err, 7, 2, 4, 3, 1, 5)
			l, err = tx.IdleSince(2, t0, 1)
			wantIDs(t, "IdleSince(2, 1)", l, err, 3)
			var all []uint64
			if err := tx.ForEachInterest(func(i *crm.Interest) error { all = append(all, i.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(all, []uint64{1, 2, 3, 4, 5, 6, 7}) {
				t.Errorf("ForEachInterest ids = %v", all)
			}
			p, err := tx.Pipeline()
			want := []crm.PipelineCell{
				{OwnerID: 1, Stage: crm.StageNew, Count: 2, Value: 100},
				{OwnerID: 1, Stage: crm.StageMeeting, Count: 1, Value: 200},
				{OwnerID: 1, Stage: crm.StageDeliberating, Count: 1},
				{OwnerID: 1, Stage: crm.StageWon, Count: 1, Value: 1000},
				{OwnerID: 2, Stage: crm.StageNew, Count: 1, Value: 300},
				{OwnerID: 2, Stage: crm.StageProposal, Count: 1, Value: 50},
			}
			if err != nil || !reflect.DeepEqual(p, want) {
				t.Errorf("Pipeline =\n %v, %v\nwant\n %v", p, err, want)
			}
			return nil
		})
		// Moves: #2 won (leaves the due and open lists), #3 to owner 1 with a new value,
		// #1 re-dated, #7 value changed in place.
		update(t, db, func(tx crm.Tx) error {
			in[1].Stage, in[1].ClosedAt = crm.StageWon, t0
			in[2].OwnerID, in[2].Value = 1, 333
			in[0].Next.Due = t0.Add(-h)
			in[6].Value = 7
			for _, i := range []*crm.Interest{in[1], in[2], in[0], in[6]} {
				if err := tx.PutInterest(i); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, db, func(tx crm.Tx) error {
			l, err := tx.DueBefore(0, t0.Add(24*h), 0)
			wantIDs(t, "DueBefore after the moves", l, err, 1, 4, 3, 5)
			l, err = tx.OpenInterests(2, "", 0)
			wantIDs(t, "OpenInterests(2) after the moves", l, err, 5)
			l, err = tx.IdleSince(1, t0.Add(24*h), 0)
			wantIDs(t, "IdleSince(1) after the moves", l, err, 7, 4, 3, 1)
			p, err := tx.Pipeline()
			want := []crm.PipelineCell{
				{OwnerID: 1, Stage: crm.StageNew, Count: 3, Value: 433},
				{OwnerID: 1, Stage: crm.StageDeliberating, Count: 1, Value: 7},
				{OwnerID: 1, Stage: crm.StageWon, Count: 2, Value: 1200},
				{OwnerID: 2, Stage: crm.StageProposal, Count: 1, Value: 50},
			}
			if err != nil || !reflect.DeepEqual(p, want) {
				t.Errorf("Pipeline after the moves =\n %v, %v\nwant\n %v", p, err, want)
			}
			return nil
		})
	})
}

func TestTimelineAndAudit(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		update(t, db, func(tx crm.Tx) error {
			for i, at := range []time.Duration{3, 1, 2, 1} { // added out of time order
				it := &crm.Interaction{InterestID: 7, Kind: crm.InteractionCall, AuthorID: 1, At: t0.Add(at * time.Hour), Text: fmt.Sprint("call ", i)}
				if err := tx.AddInteraction(it); err != nil {
					return err
				}
			}
			if err := tx.AddInteraction(&crm.Interaction{InterestID: 8, At: t0}); err != nil {
				return err
			}
			for i := 0; i < 4; i++ {
				e := &crm.AuditEntry{At: t0.Add(time.Duration(i) * time.Minute), ActorID: 1, Entity: "interest", EntityID: 7, Action: "stage"}
				if i == 2 {
					e.Entity, e.EntityID = "user", 7
				}
				if err := tx.AddAudit(e); err != nil {
					return err
				}
			}
			return nil
		})
		err := db.Update(context.Background(), func(tx crm.Tx) error {
			return tx.AddInteraction(&crm.Interaction{ID: 2, InterestID: 7, At: t0})
		})
		if crm.ErrorCode(err) != crm.ECONFLICT {
			t.Errorf("AddInteraction with a used id: %v, want ECONFLICT", err)
		}
		err = db.Update(context.Background(), func(tx crm.Tx) error {
			return tx.AddAudit(&crm.AuditEntry{ID: 1, Entity: "x"})
		})
		if crm.ErrorCode(err) != crm.ECONFLICT {
			t.Errorf("AddAudit with a used id: %v, want ECONFLICT", err)
		}
		view(t, db, func(tx crm.Tx) error {
			tl, err := tx.Timeline(7, 0)
			wantIDs(t, "Timeline", tl, err, 2, 4, 3, 1) // time order, ties by id
			if err == nil && tl[0].Text != "call 1" {
				t.Errorf("Timeline[0].Text = %q", tl[0].Text)
			}
			tl, err = tx.Timeline(7, 2)
			wantIDs(t, "Timeline limit 2 (the latest, oldest first)", tl, err, 3, 1)
			tl, err = tx.Timeline(9, 0)
			wantIDs(t, "Timeline(none)", tl, err)
			a, err := tx.AuditOf("interest", 7, 0)
			wantIDs(t, "AuditOf", a, err, 1, 2, 4)
			a, err = tx.AuditOf("interest", 7, 2)
			wantIDs(t, "AuditOf limit 2", a, err, 2, 4)
			var since []uint64
			if err := tx.AuditSince(t0.Add(time.Minute), func(e *crm.AuditEntry) error { since = append(since, e.ID); return nil }); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(since, []uint64{2, 3, 4}) {
				t.Errorf("AuditSince(+1m) = %v", since)
			}
			return nil
		})
	})
}

func TestIdempotency(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		update(t, db, func(tx crm.Tx) error {
			if _, ok, err := tx.Idempotency("tg:1"); ok || err != nil {
				t.Errorf("Idempotency(new) = %v, %v", ok, err)
			}
			if err := tx.SetIdempotency("tg:1", "42"); err != nil {
				return err
			}
			if err := tx.SetIdempotency("", "x"); err == nil {
				t.Error("SetIdempotency with an empty key succeeded")
			}
			return nil
		})
		update(t, db, func(tx crm.Tx) error {
			if r, ok, err := tx.Idempotency("tg:1"); r != "42" || !ok || err != nil {
				t.Errorf("Idempotency(tg:1) = %q, %v, %v", r, ok, err)
			}
			if err := tx.SetIdempotency("tg:1", "43"); err != nil {
				return err
			}
			if r, _, _ := tx.Idempotency("tg:1"); r != "43" {
				t.Errorf("Idempotency after a second set = %q", r)
			}
			return nil
		})
	})
}

func TestOutbox(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		msg := func(key string, target crm.Identity, nb time.Duration) *crm.OutboxMessage {
			return &crm.OutboxMessage{Key: key, Target: target, Payload: []byte(`{"t":"` + key + `"}`), Created: t0, NotBefore: t0.Add(nb)}
		}
		update(t, db, func(tx crm.Tx) error {
			for _, m := range []*crm.OutboxMessage{
				msg("nudge:1", "telegram:1", 2*time.Minute),
				msg("nudge:2", "telegram:2", time.Minute),
				msg("nudge:3", "slack:U1", 0),
				msg("digest:1", "telegram:1", time.Minute),
				msg("later", "telegram:1", time.Hour),
			} {
				ok, err := tx.Enqueue(m)
				if err != nil || !ok {
					t.Errorf("Enqueue(%s) = %v, %v", m.Key, ok, err)
				}
				if m.State != crm.OutboxPending {
					t.Errorf("Enqueue(%s) left state %q", m.Key, m.State)
				}
			}
			if ok, err := tx.Enqueue(msg("nudge:1", "telegram:9", 0)); ok || err != nil {
				t.Errorf("Enqueue(same key) = %v, %v; want false", ok, err)
			}
			if _, err := tx.Enqueue(&crm.OutboxMessage{}); err == nil {
				t.Error("Enqueue without a key succeeded")
			}
			return nil
		})
		var keys = func(ms []*crm.OutboxMessage) []string {
			out := []string{}
			for _, m := range ms {
				out = append(out, m.Key)
			}
			return out
		}
		update(t, db, func(tx crm.Tx) error {
			p, err := tx.PendingOutbox("telegram", t0.Add(2*time.Minute), 0)
			if want := []string{"digest:1", "nudge:2", "nudge:1"}; err != nil || !reflect.DeepEqual(keys(p), want) {
				t.Errorf("PendingOutbox(telegram) = %v, %v; want %v", keys(p), err, want)
			}
			if len(p) > 0 && string(p[0].Payload) != `{"t":"digest:1"}` {
				t.Errorf("payload = %q", p[0].Payload)
			}
			p, _ = tx.PendingOutbox("telegram", t0.Add(2*time.Minute), 1)
			if want := []string{"digest:1"}; !reflect.DeepEqual(keys(p), want) {
				t.Errorf("PendingOutbox limit 1 = %v", keys(p))
			}
			m, err := tx.OutboxMessage("nudge:1")
			if err != nil || m.Target != "telegram:1" {
				t.Errorf("OutboxMessage = %+v, %v", m, err)
			}
			_, err = tx.OutboxMessage("nope")
			wantNotFound(t, "OutboxMessage(nope)", err)
			m.State, m.SentAt, m.Attempts = crm.OutboxSent, t0, 1
			if err := tx.UpdateOutbox(m); err != nil {
				return err
			}
			d, _ := tx.OutboxMessage("digest:1")
			d.Attempts, d.NotBefore, d.LastError = 1, t0.Add(30*time.Minute), "429"
			if err := tx.UpdateOutbox(d); err != nil {
				return err
			}
			err = tx.UpdateOutbox(msg("ghost", "telegram:1", 0))
			wantNotFound(t, "UpdateOutbox(ghost)", err)
			return nil
		})
		update(t, db, func(tx crm.Tx) error {
			p, _ := tx.PendingOutbox("telegram", t0.Add(2*time.Minute), 0)
			if want := []string{"nudge:2"}; !reflect.DeepEqual(keys(p), want) {
				t.Errorf("PendingOutbox after sent and backoff = %v, want %v", keys(p), want)
			}
			m, _ := tx.OutboxMessage("nudge:1")
			if m.State != crm.OutboxSent || m.Attempts != 1 || !m.SentAt.Equal(t0) {
				t.Errorf("sent message = %+v", m)
			}
			if ok, _ := tx.Enqueue(msg("nudge:1", "telegram:1", 0)); ok {
				t.Error("a sent key was enqueued again")
			}
			// Only messages no longer pending are pruned.
			n, err := tx.PruneOutbox(t0.Add(time.Second), 0)
			if err != nil || n != 1 {
				t.Errorf("PruneOutbox = %d, %v; want 1", n, err)
			}
			_, err = tx.OutboxMessage("nudge:1")
			wantNotFound(t, "pruned message", err)
			if _, err := tx.OutboxMessage("nudge:2"); err != nil {
				t.Errorf("a pending message was pruned: %v", err)
			}
			return nil
		})
	})
}

// TestConcurrentUpdates: writers that touch the same counters and sequences at once
// all succeed (PostgreSQL retries serialization failures) and none is lost.
func TestConcurrentUpdates(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		seedClients(t, db)
		const n = 20
		errs := make(chan error, n)
		for w := 0; w < n; w++ {
			go func() {
				errs <- db.Update(context.Background(), func(tx crm.Tx) error {
					if err := tx.PutInterest(interest(1, crm.StageNew, t0, 10)); err != nil {
						return err
					}
					return tx.SetIdempotency("same", "x")
				})
			}()
		}
		for w := 0; w < n; w++ {
			if err := <-errs; err != nil {
				t.Errorf("concurrent update: %v", err)
			}
		}
		view(t, db, func(tx crm.Tx) error {
			p, err := tx.Pipeline()
			want := []crm.PipelineCell{{OwnerID: 1, Stage: crm.StageNew, Count: n, Value: 10 * n}}
			if err != nil || !reflect.DeepEqual(p, want) {
				t.Errorf("Pipeline = %v, %v; want %v", p, err, want)
			}
			// Every writer got an id of its own (PostgreSQL may skip the ids of retried
			// attempts: only distinct, not consecutive, is promised under concurrency).
			l, err := tx.OpenInterests(1, "", 0)
			got := map[uint64]bool{}
			for _, i := range l {
				got[i.ID] = true
			}
			if err != nil || len(l) != n || len(got) != n {
				t.Errorf("OpenInterests: %d interests with %d distinct ids %v, %v; want %d", len(l), len(got), ids(t, l), err, n)
			}
			return nil
		})
	})
}

// TestCancelled: a cancelled context stops View and Update before fn runs.
func TestCancelled(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ran := false
		if err := db.Update(ctx, func(crm.Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
			t.Errorf("Update(cancelled) = %v, ran %v", err, ran)
		}
		if err := db.View(ctx, func(crm.Tx) error { ran = true; return nil }); !errors.Is(err, context.Canceled) || ran {
			t.Errorf("View(cancelled) = %v, ran %v", err, ran)
		}
	})
}

// TestForEachUsesTheTransaction: the callbacks of ForEach* and AuditSince may read
// through the same transaction (the mailing list looks up each contact's company),
// also past the first page of a backend that reads in pages.
func TestForEachUsesTheTransaction(t *testing.T) {
	storagetest.Run(t, func(t *testing.T, db crm.Store) {
		const n = 1100
		update(t, db, func(tx crm.Tx) error {
			for i := 0; i < n; i++ {
				c := &crm.Company{Name: fmt.Sprint("Company ", i), CreatedAt: t0}
				if err := tx.PutCompany(c); err != nil {
					return err
				}
				if err := tx.AddAudit(&crm.AuditEntry{At: t0, Entity: "company", EntityID: c.ID, Action: "create"}); err != nil {
					return err
				}
			}
			return nil
		})
		view(t, db, func(tx crm.Tx) error {
			seen, last := 0, uint64(0)
			err := tx.ForEachCompany(func(c *crm.Company) error {
				if c.ID <= last {
					t.Fatalf("ForEachCompany: id %d after %d", c.ID, last)
				}
				last = c.ID
				again, err := tx.Company(c.ID)
				if err != nil || again.Name != c.Name {
					return fmt.Errorf("Company(%d) inside ForEachCompany = %+v, %v", c.ID, again, err)
				}
				seen++
				return nil
			})
			if err != nil || seen != n {
				t.Errorf("ForEachCompany: %d companies, %v; want %d", seen, err, n)
			}
			seen = 0
			err = tx.AuditSince(t0, func(e *crm.AuditEntry) error {
				if _, err := tx.Company(e.EntityID); err != nil {
					return err
				}
				seen++
				return nil
			})
			if err != nil || seen != n {
				t.Errorf("AuditSince: %d entries, %v; want %d", seen, err, n)
			}
			// Searches whose prefix a thousand names share, past any page size.
			all, err := tx.FindCompanies("comp", 0)
			if err != nil || len(all) != n || all[0].ID != 1 || all[n-1].ID != n {
				t.Errorf("FindCompanies(comp, 0): %d companies, %v", len(all), err)
			}
			some, err := tx.FindCompanies("comp", 30)
			if err != nil || len(some) != 30 || some[29].ID != 30 {
				t.Errorf("FindCompanies(comp, 30): %d companies, %v", len(some), err)
			}
			tens, err := tx.FindCompanies("company 10", 0) // Company 10, 100–109, 1000–1099 (ids one more)
			if err != nil || len(tens) != 111 {
				t.Errorf("FindCompanies(company 10, 0): %d companies, %v; want 111", len(tens), err)
			}
			stop := errors.New("stop")
			seen = 0
			err = tx.ForEachCompany(func(*crm.Company) error { seen++; return stop })
			if !errors.Is(err, stop) || seen != 1 {
				t.Errorf("ForEachCompany with fn failing: %v after %d; want fn's error after 1", err, seen)
			}
			return nil
		})
	})
}
