package storage

import (
	"context"
	"reflect"
	"strconv"
	"testing"
	"time"

	"crmbot/crm"
)

func TestRoundTripAndReopen(t *testing.T) {
	db := mustOpen(t)
	path := db.Path()
	u := &crm.User{Name: "Ana", Role: crm.RoleManager, Segment: crm.SegmentCorporate, TZ: "Europe/Zagreb",
		Identities: []crm.Identity{"console:ana", "telegram:1"}, CreatedAt: t0}
	co := &crm.Company{Name: "ACME d.o.o.", Size: crm.SizeMedium, Website: "acme.hr", CreatedAt: t0}
	ct := &crm.Contact{FullName: "Đurić Marko", Email: "marko@acme.hr", Phone: "+38512345678", Mobile: "+385912345678", CreatedAt: t0}
	in := &crm.Interest{Kind: crm.KindInterest, OwnerID: 1, Segment: crm.SegmentCorporate, Stage: crm.StageNew,
		Value: 5000, Currency: "EUR", Next: crm.NextAction{What: "call", Due: t0.Add(24 * time.Hour)},
		CreatedAt: t0, UpdatedAt: t0, LastActivityAt: t0}
	it := &crm.Interaction{Kind: crm.InteractionCall, AuthorID: 1, At: t0, Text: "first call"}
	au := &crm.AuditEntry{At: t0, ActorID: 1, Entity: "interest", Action: "create"}
	inv := &crm.Invite{Code: "abc123", UserID: 1, CreatedBy: 1, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour)}
	update(t, db, func(tx crm.Tx) error {
		for _, step := range []func() error{
			func() error { return tx.PutUser(u) },
			func() error { return tx.PutCompany(co) },
			func() error { ct.CompanyID = co.ID; return tx.PutContact(ct) },
			func() error { in.CompanyID, in.ContactID = co.ID, ct.ID; return tx.PutInterest(in) },
			func() error { it.InterestID = in.ID; return tx.AddInteraction(it) },
			func() error { au.EntityID = in.ID; return tx.AddAudit(au) },
			func() error { return tx.PutInvite(inv) },
			func() error { return tx.SetIdempotency("tg:42", "#1") },
			func() error { return legacy(tx).putBlob("dialog", "console:ana", []byte("state")) },
		} {
			if err := step(); err != nil {
				return err
			}
		}
		return nil
	})
	if u.ID != 1 || co.ID != 1 || ct.ID != 1 || in.ID != 1 || it.ID != 1 || au.ID != 1 {
		t.Fatalf("ids not assigned from 1: %d %d %d %d %d %d", u.ID, co.ID, ct.ID, in.ID, it.ID, au.ID)
	}
	db.Close()
	db = mustOpenPath(t, path)

	view(t, db, func(tx crm.Tx) error {
		check := func(name string, got any, err error, want any) {
			t.Helper()
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s = %+v, want %+v", name, got, want)
			}
		}
		gu, err := tx.User(u.ID)
		check("User", gu, err, u)
		gu, err = tx.UserByIdentity("telegram:1")
		check("UserByIdentity", gu, err, u)
		us, err := tx.Users()
		check("Users", us, err, []*crm.User{u})
		gco, err := tx.Company(co.ID)
		check("Company", gco, err, co)
		cos, err := tx.CompaniesByName("  acme   D.O.O.")
		check("CompaniesByName", cos, err, []*crm.Company{co})
		gct, err := tx.Contact(ct.ID)
		check("Contact", gct, err, ct)
		cts, err := tx.ContactsByEmail("marko@acme.hr")
		check("ContactsByEmail", cts, err, []*crm.Contact{ct})
		cts, err = tx.ContactsByPhone("+385912345678")
		check("ContactsByPhone mobile", cts, err, []*crm.Contact{ct})
		cts, err = tx.ContactsByPhone("+38512345678")
		check("ContactsByPhone phone", cts, err, []*crm.Contact{ct})
		cts, err = tx.ContactsByCompany(co.ID)
		check("ContactsByCompany", cts, err, []*crm.Contact{ct})
		gin, err := tx.Interest(in.ID)
		check("Interest", gin, err, in)
		ins, err := tx.InterestsByCompany(co.ID, 0)
		check("InterestsByCompany", ins, err, []*crm.Interest{in})
		ins, err = tx.InterestsByContact(ct.ID, 0)
		check("InterestsByContact", ins, err, []*crm.Interest{in})
		var all []*crm.Interest
		err = tx.ForEachInterest(func(i *crm.Interest) error { all = append(all, i); return nil })
		check("ForEachInterest", all, err, []*crm.Interest{in})
		its, err := tx.Timeline(in.ID, 0)
		check("Timeline", its, err, []*crm.Interaction{it})
		aus, err := tx.AuditOf("interest", in.ID, 0)
		check("AuditOf", aus, err, []*crm.AuditEntry{au})
		res, ok, err := tx.Idempotency("tg:42")
		check("Idempotency", []any{res, ok}, err, []any{"#1", true})
		blob, err := legacy(tx).blob("dialog", "console:ana")
		check("Blob", blob, err, []byte("state"))
		return nil
	})
	mustVerify(t, db)
	s, err := db.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if s.Users != 1 || s.Companies != 1 || s.Contacts != 1 || s.Interests != 1 || s.Interactions != 1 ||
		s.Audit != 1 || s.Invites != 1 || s.Idempotency != 1 || s.Size == 0 {
		t.Errorf("Stats = %+v", s)
	}
}

func TestNotFound(t *testing.T) {
	db := mustOpen(t)
	tests := []struct {
		name, key string
		call      func(crm.Tx) error
	}{
		{"User", "err.user_not_found", func(tx crm.Tx) error { _, err := tx.User(7); return err }},
		{"UserByIdentity", "err.user_not_found", func(tx crm.Tx) error { _, err := tx.UserByIdentity("x:1"); return err }},
		{"Company", "err.company_not_found", func(tx crm.Tx) error { _, err := tx.Company(7); return err }},
		{"Contact", "err.contact_not_found", func(tx crm.Tx) error { _, err := tx.Contact(7); return err }},
		{"Interest", "err.interest_not_found", func(tx crm.Tx) error { _, err := tx.Interest(7); return err }},
		{"TakeInvite", "err.invite_not_found", func(tx crm.Tx) error { _, err := tx.TakeInvite("nope"); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := db.Update(context.Background(), tt.call)
			e := crm.AsError(err)
			if e == nil || e.Code != crm.ENOTFOUND || e.Key != tt.key {
				t.Errorf("err = %v, want %s %s", err, crm.ENOTFOUND, tt.key)
			}
		})
	}
}

func TestUserIdentities(t *testing.T) {
	db := mustOpen(t)
	ana := &crm.User{Name: "Ana", Identities: []crm.Identity{"console:ana", "telegram:1"}}
	bo := &crm.User{Name: "Bo", Identities: []crm.Identity{"console:bo"}}
	update(t, db, func(tx crm.Tx) error {
		if err := tx.PutUser(ana); err != nil {
			return err
		}
		return tx.PutUser(bo)
	})
	// Dropping an identity frees it; another user's identity is a conflict.
	ana.Identities = []crm.Identity{"console:ana"}
	update(t, db, func(tx crm.Tx) error { return tx.PutUser(ana) })
	err := db.Update(context.Background(), func(tx crm.Tx) error {
		bo.Identities = append(bo.Identities, "console:ana")
		return tx.PutUser(bo)
	})
	if crm.ErrorCode(err) != crm.ECONFLICT {
		t.Errorf("taking another user's identity: err = %v", err)
	}
	view(t, db, func(tx crm.Tx) error {
		if _, err := tx.UserByIdentity("telegram:1"); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("dropped identity still resolves: %v", err)
		}
		if u, err := tx.UserByIdentity("console:ana"); err != nil || u.ID != ana.ID {
			t.Errorf("console:ana = %v, %v", u, err)
		}
		return nil
	})
	mustVerify(t, db)
}

func TestTakeInviteOnce(t *testing.T) {
	db := mustOpen(t)
	update(t, db, func(tx crm.Tx) error { return tx.PutInvite(&crm.Invite{Code: "K1", UserID: 3}) })
	update(t, db, func(tx crm.Tx) error {
		inv, err := tx.TakeInvite("K1")
		if err != nil || inv.UserID != 3 {
			t.Errorf("first TakeInvite = %v, %v", inv, err)
		}
		return nil
	})
	err := db.Update(context.Background(), func(tx crm.Tx) error { _, err := tx.TakeInvite("K1"); return err })
	if crm.ErrorCode(err) != crm.ENOTFOUND {
		t.Errorf("second TakeInvite: err = %v", err)
	}
}

func TestFind(t *testing.T) {
	db := mustOpen(t)
	update(t, db, func(tx crm.Tx) error {
		for _, name := range []string{"ACME d.o.o.", "Acme Trade", "Beta Systems", "Zagrebačka banka", "Acmex"} {
			if err := tx.PutCompany(&crm.Company{Name: name}); err != nil {
				return err
			}
		}
		for _, c := range []*crm.Contact{
			{FullName: "Đurić Marko", Email: "marko.duric@acme.hr", Mobile: "+385912345678"},
			{FullName: "Ana Horvat", Email: "ana@beta.hr", Phone: "+38514567890"},
			{FullName: "Marko Marković", Email: "mm@zaba.hr"},
		} {
			if err := tx.PutContact(c); err != nil {
				return err
			}
		}
		return nil
	})
	companies := func(cs []*crm.Company) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name)
		}
		return out
	}
	contacts := func(cs []*crm.Contact) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.FullName)
		}
		return out
	}
	tests := []struct {
		query string
		limit int
		want  []string
	}{
		{"acme", 0, []string{"ACME d.o.o.", "Acme Trade", "Acmex"}},
		{"acme", 2, []string{"ACME d.o.o.", "Acme Trade"}},
		{"ACME d", 0, []string{"ACME d.o.o."}},
		{"tr ac", 0, []string{"Acme Trade"}},
		{"zagrebacka", 0, []string{"Zagrebačka banka"}},
		{"gamma", 0, nil},
		{"  ", 0, nil},
	}
	for _, tt := range tests {
		view(t, db, func(tx crm.Tx) error {
			cs, err := tx.FindCompanies(tt.query, tt.limit)
			if got := companies(cs); err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FindCompanies(%q, %d) = %q, %v; want %q", tt.query, tt.limit, got, err, tt.want)
			}
			return nil
		})
	}
	contactTests := []struct {
		query string
		want  []string
	}{
		{"duric", []string{"Đurić Marko"}},
		{"ĐURIĆ", []string{"Đurić Marko"}},
		{"marko", []string{"Đurić Marko", "Marko Marković"}},
		{"mar mark", []string{"Đurić Marko", "Marko Marković"}}, // one name word may match several query words
		{"marko mar ana", nil},
		{"marko.d", []string{"Đurić Marko"}}, // no '@': name words "marko" and "d"
		{"marko.duric@", []string{"Đurić Marko"}},
		{"ana@b", []string{"Ana Horvat"}},
		{"+385 91", []string{"Đurić Marko"}},
		{"385", []string{"Ana Horvat", "Đurić Marko"}}, // in digit order
		{"091 234", []string{"Đurić Marko"}},
		{"00385 1 456", []string{"Ana Horvat"}},
		{"999", nil},
	}
	for _, tt := range contactTests {
		view(t, db, func(tx crm.Tx) error {
			cs, err := tx.FindContacts(tt.query, 0)
			if got := contacts(cs); err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("FindContacts(%q) = %q, %v; want %q", tt.query, got, err, tt.want)
			}
			return nil
		})
	}
}

func TestRenameReindexes(t *testing.T) {
	db := mustOpen(t)
	co := &crm.Company{Name: "Old Name"}
	ct := &crm.Contact{FullName: "Ivo Ivić", Email: "ivo@old.hr", Phone: "+38511111111", CompanyID: 1}
	update(t, db, func(tx crm.Tx) error {
		if err := tx.PutCompany(co); err != nil {
			return err
		}
		return tx.PutContact(ct)
	})
	co.Name = "New Name"
	ct.FullName, ct.Email, ct.Phone, ct.CompanyID = "Ivo Novak", "ivo@new.hr", "+38522222222", 2
	update(t, db, func(tx crm.Tx) error {
		if err := tx.PutCompany(co); err != nil {
			return err
		}
		return tx.PutContact(ct)
	})
	view(t, db, func(tx crm.Tx) error {
		for q, want := range map[string]int{"old": 0, "new": 1, "name": 1} {
			if cs, _ := tx.FindCompanies(q, 0); len(cs) != want {
				t.Errorf("FindCompanies(%q) = %d companies, want %d", q, len(cs), want)
			}
		}
		if cs, _ := tx.CompaniesByName("old name"); len(cs) != 0 {
			t.Errorf("old name still indexed")
		}
		for q, want := range map[string]int{"ivic": 0, "novak": 1, "ivo@old": 0, "ivo@new": 1, "3851111": 0, "3852222": 1} {
			if cs, _ := tx.FindContacts(q, 0); len(cs) != want {
				t.Errorf("FindContacts(%q) = %d contacts, want %d", q, len(cs), want)
			}
		}
		if cs, _ := tx.ContactsByCompany(1); len(cs) != 0 {
			t.Errorf("contact still under old company")
		}
		if cs, _ := tx.ContactsByEmail("ivo@old.hr"); len(cs) != 0 {
			t.Errorf("old email still indexed")
		}
		if cs, _ := tx.ContactsByPhone("+38511111111"); len(cs) != 0 {
			t.Errorf("old phone still indexed")
		}
		return nil
	})
	mustVerify(t, db)
}

func TestTimelineLatest(t *testing.T) {
	db := mustOpen(t)
	// Interactions of two neighbouring interests, logged out of time order: the
	// timeline is by time, not by id, and never leaks into the next interest.
	update(t, db, func(tx crm.Tx) error {
		for n := 0; n < 10; n++ {
			for _, interest := range []uint64{1, 2, 3} {
				at := t0.Add(time.Duration((n*7)%10) * time.Hour)
				if err := tx.AddInteraction(&crm.Interaction{InterestID: interest, At: at, Text: strconv.Itoa((n * 7) % 10)}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	texts := func(its []*crm.Interaction) string {
		s := ""
		for _, it := range its {
			s += it.Text
		}
		return s
	}
	for _, tt := range []struct {
		interest uint64
		limit    int
		want     string
	}{
		{2, 0, "0123456789"},
		{2, 3, "789"},
		{2, 10, "0123456789"},
		{2, 50, "0123456789"},
		{3, 1, "9"},
		{1, 4, "6789"},
		{4, 5, ""},
	} {
		view(t, db, func(tx crm.Tx) error {
			its, err := tx.Timeline(tt.interest, tt.limit)
			if got := texts(its); err != nil || got != tt.want {
				t.Errorf("Timeline(%d, %d) = %q, %v; want %q", tt.interest, tt.limit, got, err, tt.want)
			}
			return nil
		})
	}
}

func TestAuditOf(t *testing.T) {
	db := mustOpen(t)
	update(t, db, func(tx crm.Tx) error {
		for n, e := range []struct {
			entity string
			id     uint64
		}{{"interest", 1}, {"interest", 2}, {"interest", 1}, {"user", 1}, {"interest", 1}} {
			if err := tx.AddAudit(&crm.AuditEntry{Entity: e.entity, EntityID: e.id, Action: strconv.Itoa(n)}); err != nil {
				return err
			}
		}
		return nil
	})
	view(t, db, func(tx crm.Tx) error {
		for _, tt := range []struct {
			entity string
			id     uint64
			limit  int
			want   string
		}{{"interest", 1, 0, "024"}, {"interest", 1, 2, "24"}, {"interest", 2, 0, "1"}, {"user", 1, 0, "3"}, {"user", 2, 0, ""}} {
			es, err := tx.AuditOf(tt.entity, tt.id, tt.limit)
			got := ""
			for _, e := range es {
				got += e.Action
			}
			if err != nil || got != tt.want {
				t.Errorf("AuditOf(%s, %d, %d) = %q, %v; want %q", tt.entity, tt.id, tt.limit, got, err, tt.want)
			}
		}
		return nil
	})
}

func TestIdempotency(t *testing.T) {
	now := t0
	db, err := Open(t.TempDir()+"/crm.db", Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	update(t, db, func(tx crm.Tx) error {
		if _, ok, err := tx.Idempotency("k1"); ok || err != nil {
			t.Errorf("new key: ok = %v, err = %v", ok, err)
		}
		return tx.SetIdempotency("k1", "#1")
	})
	now = t0.Add(40 * 24 * time.Hour)
	update(t, db, func(tx crm.Tx) error { return tx.SetIdempotency("k2", "#2") })
	n, err := db.PruneIdempotency(now.Add(-30 * 24 * time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("PruneIdempotency = %d, %v; want 1", n, err)
	}
	view(t, db, func(tx crm.Tx) error {
		if _, ok, _ := tx.Idempotency("k1"); ok {
			t.Error("k1 survived pruning")
		}
		if r, ok, _ := tx.Idempotency("k2"); !ok || r != "#2" {
			t.Errorf("k2 = %q, %v", r, ok)
		}
		return nil
	})
	// Setting a key again moves it in the time index rather than leaving a stale entry.
	update(t, db, func(tx crm.Tx) error { return tx.SetIdempotency("k2", "#3") })
	mustVerify(t, db)
}

func TestBlobs(t *testing.T) {
	db := mustOpen(t)
	view(t, db, func(tx crm.Tx) error {
		if v, err := legacy(tx).blob("nope", "k"); v != nil || err != nil {
			t.Errorf("missing namespace: %v, %v", v, err)
		}
		return nil
	})
	update(t, db, func(tx crm.Tx) error {
		if err := legacy(tx).putBlob("ns", "a", []byte("1")); err != nil {
			return err
		}
		if err := legacy(tx).putBlob("ns", "empty", nil); err != nil {
			return err
		}
		if err := legacy(tx).deleteBlob("other", "a"); err != nil {
			return err
		}
		return legacy(tx).putBlob("ns", "b", []byte("2"))
	})
	update(t, db, func(tx crm.Tx) error { return legacy(tx).deleteBlob("ns", "b") })
	view(t, db, func(tx crm.Tx) error {
		for k, want := range map[string][]byte{"a": []byte("1"), "b": nil, "c": nil, "empty": {}} {
			if v, err := legacy(tx).blob("ns", k); err != nil || !reflect.DeepEqual(v, want) {
				t.Errorf("Blob(ns, %s) = %q, %v; want %q", k, v, err, want)
			}
		}
		return nil
	})
}
