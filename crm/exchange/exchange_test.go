package exchange_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/crm/exchange"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

var update = flag.Bool("update", false, "rewrite the golden exports in testdata/")

type fixture struct {
	t   *testing.T
	db  *storage.DB
	svc *crm.Service
	now time.Time
	ctx context.Context
	adm *crm.User
	ana *crm.User
}

func open(t *testing.T) *fixture {
	t.Helper()
	db := storagetest.Open(t)
	f := &fixture{t: t, db: db, now: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), ctx: context.Background()}
	f.svc = crm.NewService(db, func() time.Time { return f.now }, crm.Config{DefaultRegion: "HR", Currency: "EUR"})
	return f
}

// dataset fills a small fixed department: a head, two managers, interests at every
// kind of end, interactions with commas, quotes and line breaks, an opted-out contact.
func dataset(t *testing.T) *fixture {
	f := open(t)
	var err error
	if f.adm, err = f.svc.EnsureAdmin(f.ctx, "console:admin", "Admin"); err != nil {
		t.Fatal(err)
	}
	if f.ana, err = f.svc.AddUser(f.ctx, crm.Op{Actor: f.adm}, "Ana Horvat", crm.RoleManager, crm.SegmentCorporate, "Europe/Zagreb"); err != nil {
		t.Fatal(err)
	}
	luka, err := f.svc.AddUser(f.ctx, crm.Op{Actor: f.adm}, "Luka Marić", crm.RoleManager, crm.SegmentRetail, "Europe/Zagreb")
	if err != nil {
		t.Fatal(err)
	}
	mk := func(u *crm.User, n crm.NewInterest) uint64 {
		t.Helper()
		f.now = f.now.Add(time.Hour)
		c, err := f.svc.CreateInterest(f.ctx, crm.Op{Actor: u}, n)
		if err != nil {
			t.Fatal(err)
		}
		return c.Interest.ID
	}
	a := mk(f.ana, crm.NewInterest{ContactName: "Marko Đurić", CompanyName: "Acme d.o.o.", Email: "marko@acme.hr", Phone: "+385 91 234 5678", CompanySize: crm.SizeLarge, Need: "video conferencing, 3 offices", Source: "fair", Value: 45000})
	b := mk(f.ana, crm.NewInterest{ContactName: "Iva Kovač", CompanyName: "Beta d.d.", Email: "iva@beta.hr", CompanySize: crm.SizeMedium, Need: `a "smart" meeting room`, Source: "web"})
	c := mk(luka, crm.NewInterest{ContactName: "Petra Novak", CompanyName: "Gama obrt", Phone: "01 2345 678", CompanySize: crm.SizeSmall, Kind: crm.KindPotentialDeal, Need: "model X, cat. 322-223", Source: "web", Value: 900})
	d := mk(luka, crm.NewInterest{ContactName: "Ivo Ban", CompanyName: "Delta d.o.o.", Email: "ivo@delta.hr", CompanySize: crm.SizeSmall, Source: "call"})
	f.now = f.now.Add(24 * time.Hour)
	if _, err := f.svc.LogInteraction(f.ctx, crm.Op{Actor: f.ana}, a, crm.InteractionCall, "wants 40 seats,\nasks for \"premium\" support", nil); err != nil {
		t.Fatal(err)
	}
	f.now = f.now.Add(24 * time.Hour)
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, a, crm.StageChange{Stage: crm.StageWon, Note: "signed"}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: f.ana}, b, crm.StageChange{Stage: crm.StageDeliberating, Deliberation: crm.DeliberationBudget}); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.SetStage(f.ctx, crm.Op{Actor: luka}, c, crm.StageChange{Stage: crm.StageLost, Loss: crm.LossNotProspective}); err != nil {
		t.Fatal(err)
	}
	_ = d
	// Ivo asked not to be mailed.
	if err := f.db.Update(f.ctx, func(tx crm.Tx) error {
		ct, err := tx.ContactsByEmail("ivo@delta.hr")
		if err != nil {
			return err
		}
		ct[0].OptOut = true
		return tx.PutContact(ct[0])
	}); err != nil {
		t.Fatal(err)
	}
	return f
}

func exportJSON(t *testing.T, st crm.Store) []byte {
	t.Helper()
	var b bytes.Buffer
	if _, err := exchange.ExportJSON(context.Background(), crm.NewService(st, nil, crm.Config{}), &b, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func exportCSV(t *testing.T, st crm.Store, dir string) {
	t.Helper()
	if _, err := exchange.ExportCSV(context.Background(), crm.NewService(st, nil, crm.Config{}), func(name string) (io.WriteCloser, error) {
		return os.Create(filepath.Join(dir, name))
	}, nil); err != nil {
		t.Fatal(err)
	}
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./crm/exchange -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (run with -update after a deliberate change)\n--- got\n%s", name, got)
	}
}

func TestExportGolden(t *testing.T) {
	f := dataset(t)
	golden(t, "dump.json", exportJSON(t, f.db))
	dir := t.TempDir()
	exportCSV(t, f.db, dir)
	for _, name := range exchange.CSVFiles {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		golden(t, name, b)
	}
}

func TestJSONRoundTripIsByteIdentical(t *testing.T) {
	f := dataset(t)
	first := exportJSON(t, f.db)
	g := open(t)
	n, err := exchange.RestoreJSON(g.ctx, g.db, bytes.NewReader(first), nil)
	if err != nil {
		t.Fatal(err)
	}
	if n.Interests != 4 || n.Users != 3 || n.Audit == 0 {
		t.Fatalf("restored %+v", n)
	}
	if second := exportJSON(t, g.db); !bytes.Equal(first, second) {
		t.Fatalf("export → import → export differs\n--- first\n%s\n--- second\n%s", first, second)
	}
	verify(t, g.db)
	// What the reports read survives: the pipeline counters and the audit log.
	var before, after *crm.Activity
	for _, x := range []struct {
		db  *storage.DB
		out **crm.Activity
	}{{f.db, &before}, {g.db, &after}} {
		if err := x.db.View(f.ctx, func(tx crm.Tx) error {
			var err error
			*x.out, err = crm.ActivitySince(tx, time.Time{}, f.now.Add(time.Hour))
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(before, after) {
		t.Errorf("activity after restore %+v, want %+v", after, before)
	}
	// A second restore into a database that has data is refused.
	if _, err := exchange.RestoreJSON(g.ctx, g.db, bytes.NewReader(first), nil); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Fatalf("restore into a non-empty database: %v", err)
	}
}

func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(bytes.NewReader(b)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestCSVRoundTripIsFieldIdentical(t *testing.T) {
	f := dataset(t)
	d1, d2 := t.TempDir(), t.TempDir()
	exportCSV(t, f.db, d1)
	g := open(t)
	if _, err := exchange.RestoreCSV(g.ctx, g.db, func(name string) (io.ReadCloser, error) {
		return os.Open(filepath.Join(d1, name))
	}, nil); err != nil {
		t.Fatal(err)
	}
	verify(t, g.db)
	exportCSV(t, g.db, d2)
	for _, name := range exchange.CSVFiles {
		a, b := readCSV(t, filepath.Join(d1, name)), readCSV(t, filepath.Join(d2, name))
		if len(a) < 2 {
			t.Errorf("%s: no records", name)
		}
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: fields differ after the round trip\n%v\n%v", name, a, b)
		}
	}
}

func verify(t *testing.T, db *storage.DB) {
	t.Helper()
	if problems, err := db.Verify(context.Background()); err != nil || len(problems) > 0 {
		t.Fatalf("database inconsistent: %v %v", err, problems)
	}
}

func TestRestoreOfABrokenFileChangesNothing(t *testing.T) {
	f := dataset(t)
	dump := exportJSON(t, f.db)
	g := open(t)
	empty := exportJSON(t, g.db)
	for name, broken := range map[string][]byte{
		"truncated":     dump[:len(dump)/2],
		"unknown field": bytes.Replace(dump, []byte(`"format"`), []byte(`"shape":1,"format"`), 1),
		// Valid JSON, but the second interest's owner id is gone: the stage is bad.
		"bad record": bytes.Replace(dump, []byte(`"stage":"won"`), []byte(`"stage":"finished"`), 1),
	} {
		if _, err := exchange.RestoreJSON(g.ctx, g.db, bytes.NewReader(broken), nil); err == nil {
			t.Errorf("%s: restored without an error", name)
		}
		if got := exportJSON(t, g.db); !bytes.Equal(got, empty) {
			t.Errorf("%s: a failed restore changed the database", name)
		}
	}
}

type expectRow struct {
	line   int
	action string
	reason string
}

func TestImportHubSpotAndPipedrive(t *testing.T) {
	cases := []struct {
		file, mapping string
		kind          exchange.ImportKind
		want          []expectRow
	}{
		{"hubspot_contacts.csv", "hubspot", exchange.ImportInterests, []expectRow{
			{2, "create", ""}, // Marko is known, but his interest is closed: a new one
			{3, "create", ""},
			{4, "merge", ""}, // Marko again, by email in other case: now open
			{5, "reject", "err.bad_email"},
			{6, "reject", "err.bad_phone"},
			{7, "reject", "err.company_required"},
			{8, "create", ""}, // new person at Acme: the company is linked by name
			{9, "create", ""},
			{10, "merge", ""}, // Luka again, by phone written without the country code
		}},
		{"pipedrive_deals.csv", "pipedrive", exchange.ImportInterests, []expectRow{
			{2, "create", ""},
			{3, "create", ""},
			{4, "merge", ""},
			{5, "reject", "err.company_required"},
			{6, "reject", "err.name_required"},
			{7, "reject", "err.bad_email"},
			{8, "reject", "err.bad_phone"},
			{9, "create", ""},
		}},
		{"hubspot_contacts.csv", "hubspot", exchange.ImportContacts, []expectRow{
			{2, "merge", ""}, // Marko is in the database already
			{3, "create", ""}, {4, "merge", ""},
			{5, "reject", "err.bad_email"}, {6, "reject", "err.bad_phone"}, {7, "reject", "err.company_required"},
			{8, "create", ""}, {9, "create", ""}, {10, "merge", ""},
		}},
		{"pipedrive_deals.csv", "pipedrive", exchange.ImportCompanies, []expectRow{
			{2, "create", ""}, {3, "create", ""}, {4, "merge", ""}, {5, "reject", "err.company_required"},
			{6, "create", ""}, {7, "create", ""}, {8, "merge", ""}, {9, "merge", ""},
		}},
	}
	for _, tc := range cases {
		t.Run(tc.mapping+"_"+string(tc.kind), func(t *testing.T) {
			f := dataset(t)
			before := exportJSON(t, f.db)
			run := func(dry bool) *exchange.ImportReport {
				in, err := os.Open(filepath.Join("testdata", tc.file))
				if err != nil {
					t.Fatal(err)
				}
				defer in.Close()
				rep, err := exchange.ImportCSV(f.ctx, f.svc, in, exchange.ImportOptions{Kind: tc.kind, Mapping: exchange.Mappings[tc.mapping], DryRun: dry, Actor: f.ana})
				if err != nil {
					t.Fatal(err)
				}
				return rep
			}
			dry := run(true)
			var got []expectRow
			for _, r := range dry.Rows {
				got = append(got, expectRow{r.Line, r.Action, r.Reason})
				if r.Detail == "" {
					t.Errorf("line %d: no detail", r.Line)
				}
			}
			if !reflect.DeepEqual(got, tc.want) {
				for _, r := range dry.Rows {
					t.Logf("%d %s %s %s", r.Line, r.Action, r.Reason, r.Detail)
				}
				t.Fatalf("dry run rows\n got %v\nwant %v", got, tc.want)
			}
			if after := exportJSON(t, f.db); !bytes.Equal(before, after) {
				t.Fatal("the dry run changed the database")
			}
			real := run(false)
			real.DryRun = true
			if !reflect.DeepEqual(real, dry) {
				t.Fatalf("the real run did not do what the dry run said\n dry %+v\nreal %+v", dry, real)
			}
			// Exactly that was applied: the counts in the database moved by the report.
			var interests, contacts, companies int
			if err := f.db.View(f.ctx, func(tx crm.Tx) error {
				tx.ForEachInterest(func(*crm.Interest) error { interests++; return nil })
				tx.ForEachContact(func(*crm.Contact) error { contacts++; return nil })
				return tx.ForEachCompany(func(*crm.Company) error { companies++; return nil })
			}); err != nil {
				t.Fatal(err)
			}
			switch tc.kind {
			case exchange.ImportInterests:
				if interests != 4+dry.Created {
					t.Errorf("%d interests, want %d", interests, 4+dry.Created)
				}
			case exchange.ImportContacts:
				if interests != 4 || contacts != 4+dry.Created {
					t.Errorf("%d interests, %d contacts, want 4 and %d", interests, contacts, 4+dry.Created)
				}
			case exchange.ImportCompanies:
				if contacts != 4 || companies != 4+dry.Created {
					t.Errorf("%d contacts, %d companies, want 4 and %d", contacts, companies, 4+dry.Created)
				}
			}
			verify(t, f.db)
		})
	}
}

func TestImportCSVDetails(t *testing.T) {
	f := dataset(t)
	in, _ := os.Open(filepath.Join("testdata", "pipedrive_deals.csv"))
	defer in.Close()
	luka := "Luka Marić"
	rep, err := exchange.ImportCSV(f.ctx, f.svc, in, exchange.ImportOptions{Kind: exchange.ImportInterests, Mapping: exchange.Mappings["pipedrive"], Actor: f.ana})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rep.Rows[0].Detail, "owner "+luka) {
		t.Errorf("the Deal - Owner column did not pick the owner: %s", rep.Rows[0].Detail)
	}
	// Row 1: 12,500.00 EUR; row 8: 1.250,00 — both read as whole units.
	if err := f.db.View(f.ctx, func(tx crm.Tx) error {
		a, err := tx.Interest(5)
		if err != nil {
			return err
		}
		if a.Value != 12500 || a.Need != "Video wall for HQ" || a.Source != "Web forms" {
			t.Errorf("interest 5: %+v", a)
		}
		ct, _ := tx.Contact(a.ContactID)
		if ct.Phone != "+38515550101" || ct.Position != "Facility manager" {
			t.Errorf("contact: %+v", ct)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rep.Summary() != "imported interests: 3 created, 1 merged, 4 rejected" {
		t.Errorf("summary %q", rep.Summary())
	}
}

func TestMalformedImportChangesNothing(t *testing.T) {
	f := dataset(t)
	before := exportJSON(t, f.db)
	good, err := os.ReadFile(filepath.Join("testdata", "hubspot_contacts.csv"))
	if err != nil {
		t.Fatal(err)
	}
	for name, bad := range map[string]string{
		// A quote left open on the last line: the rows before it are fine, but the
		// file as a whole is not, so none of them may land.
		"open quote":    string(good) + "110,Zora,\"Unclosed,zora@x.hr,,,,Zeta,,,,,,,\n",
		"extra field":   string(good) + "111,A,B,a@b.hr,,,,C,,,,,,,,extra\n",
		"no name field": "Foo,Bar\n1,2\n",
	} {
		_, err := exchange.ImportCSV(f.ctx, f.svc, strings.NewReader(bad), exchange.ImportOptions{Kind: exchange.ImportInterests, Mapping: exchange.Mappings["hubspot"], Actor: f.ana})
		if crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("%s: %v, want an invalid-file error", name, err)
		}
		if after := exportJSON(t, f.db); !bytes.Equal(before, after) {
			t.Errorf("%s: a malformed file changed the database", name)
		}
	}
}

func TestParseMapping(t *testing.T) {
	m, err := exchange.ParseMapping(strings.NewReader("# ours\nname = Full name\ncompany = Org|Organisation\n"))
	if err != nil || m["name"] != "Full name" || m["company"] != "Org|Organisation" {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := exchange.ParseMapping(strings.NewReader("shoe size = Foot\n")); err == nil {
		t.Fatal("an unknown field was accepted")
	}
	f := dataset(t)
	rep, err := exchange.ImportCSV(f.ctx, f.svc, strings.NewReader("Full name,Org,E-mail\nNina Kos,Kos obrt,nina@kos.hr\n"),
		exchange.ImportOptions{Kind: exchange.ImportContacts, Mapping: exchange.Mapping{"name": "Full name", "company": "Org", "email": "E-mail"}, Actor: f.ana, DryRun: true})
	if err != nil || rep.Created != 1 {
		t.Fatalf("%+v %v", rep, err)
	}
}

func TestMailingList(t *testing.T) {
	f := dataset(t)
	list, err := exchange.MailingList(f.ctx, crm.NewService(f.db, nil, crm.Config{}), exchange.MailingFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var emails []string
	for _, r := range list {
		emails = append(emails, r.Contact.Email)
	}
	// Petra has no email; Ivo opted out. Marko (won) and Iva (deliberating) stay.
	if want := []string{"marko@acme.hr", "iva@beta.hr"}; !reflect.DeepEqual(emails, want) {
		t.Fatalf("mailing list %v, want %v", emails, want)
	}
	// A not-prospective client stays on the list (R8).
	if err := f.db.Update(f.ctx, func(tx crm.Tx) error {
		ct, _ := tx.ContactsByPhone("+38512345678")
		ct[0].Email = "petra@gama.hr"
		return tx.PutContact(ct[0])
	}); err != nil {
		t.Fatal(err)
	}
	list, _ = exchange.MailingList(f.ctx, crm.NewService(f.db, nil, crm.Config{}), exchange.MailingFilter{Segment: crm.SegmentRetail})
	if len(list) != 1 || list[0].Contact.Email != "petra@gama.hr" {
		t.Fatalf("retail list %+v", list)
	}
	list, _ = exchange.MailingList(f.ctx, crm.NewService(f.db, nil, crm.Config{}), exchange.MailingFilter{Size: crm.SizeLarge})
	if len(list) != 1 || list[0].Company.Name != "Acme d.o.o." {
		t.Fatalf("large list %+v", list)
	}
	var b bytes.Buffer
	if err := exchange.WriteMailingCSV(&b, list); err != nil || b.String() != "email,name,position,company,size\nmarko@acme.hr,Marko Đurić,,Acme d.o.o.,large\n" {
		t.Fatalf("%q %v", b.String(), err)
	}
}
