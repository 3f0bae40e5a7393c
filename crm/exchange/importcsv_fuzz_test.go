package exchange_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/crm/exchange"
	"crmbot/storage"
)

// FuzzImportCSV: any file, read with any built-in mapping as any kind, is either
// refused as a whole with a clear (EINVALID) error or reported row by row, without a
// panic; a dry run writes nothing. Seeds: the HubSpot and Pipedrive samples and
// testdata/fuzz/FuzzImportCSV.
func FuzzImportCSV(f *testing.F) {
	for _, name := range []string{"hubspot_contacts.csv", "pipedrive_deals.csv"} {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(string(b), uint8(0), uint8(1))
		f.Add(string(b), uint8(2), uint8(2))
	}
	f.Add("name,company,email,value\nMarko,Acme,marko@acme.hr,\"12,500.00\"\n", uint8(0), uint8(0))
	// One database per fuzzing process: dry runs leave it as it was.
	db, err := storage.Open(filepath.Join(f.TempDir(), "crm.db"), storage.Options{})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { db.Close() })
	ctx := context.Background()
	svc := crm.NewService(db, func() time.Time { return time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC) }, crm.Config{})
	adm, err := svc.EnsureAdmin(ctx, "console:admin", "Admin")
	if err != nil {
		f.Fatal(err)
	}
	kinds := []exchange.ImportKind{exchange.ImportInterests, exchange.ImportCompanies, exchange.ImportContacts}
	mappings := []exchange.Mapping{nil, exchange.Mappings["hubspot"], exchange.Mappings["pipedrive"]}
	f.Fuzz(func(t *testing.T, data string, kind, mapping uint8) {
		opt := exchange.ImportOptions{Kind: kinds[int(kind)%len(kinds)], Mapping: mappings[int(mapping)%len(mappings)], Actor: adm, DryRun: true}
		rep, err := exchange.ImportCSV(ctx, svc, strings.NewReader(data), opt)
		if err != nil {
			if crm.ErrorCode(err) != crm.EINVALID {
				t.Fatalf("ImportCSV: %v, want a file refused as invalid", err)
			}
			return
		}
		if rep.Created+rep.Merged+rep.Rejected != len(rep.Rows) {
			t.Fatalf("report counts %d+%d+%d for %d rows", rep.Created, rep.Merged, rep.Rejected, len(rep.Rows))
		}
		for _, r := range rep.Rows {
			switch r.Action {
			case exchange.RowCreate, exchange.RowMerge:
			case exchange.RowReject:
				if r.Reason == "" {
					t.Fatalf("line %d rejected without a reason: %+v", r.Line, r)
				}
			default:
				t.Fatalf("line %d: action %q", r.Line, r.Action)
			}
		}
		if err := db.View(ctx, func(tx crm.Tx) error {
			return tx.ForEachInterest(func(in *crm.Interest) error {
				t.Fatalf("a dry run stored interest #%d", in.ID)
				return nil
			})
		}); err != nil {
			t.Fatal(err)
		}
	})
}
