package exchange_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"crmbot/crm"
	"crmbot/crm/exchange"
)

// A contact list from a Croatian Excel imports the same whatever it was saved as:
// Windows-1250 or UTF-8 (with or without a byte-order mark), semicolons or commas,
// Croatian headers; names keep their diacritics and companies de-duplicate by OIB.
func TestImportCroatianSpreadsheets(t *testing.T) {
	files, _ := filepath.Glob("testdata/hr/kontakti-*.csv")
	if len(files) != 4 {
		t.Fatalf("fixtures: %v", files)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			f := dataset(t)
			in, err := os.Open(file)
			if err != nil {
				t.Fatal(err)
			}
			defer in.Close()
			rep, err := exchange.ImportCSV(f.ctx, f.svc, in, exchange.ImportOptions{Kind: exchange.ImportContacts, Actor: f.ana})
			if err != nil {
				t.Fatal(err)
			}
			if rep.Created != 4 || rep.Rejected != 0 {
				t.Fatalf("report %+v", rep.Rows)
			}
			got := map[string]string{}
			var oibCompanies int
			err = f.db.View(f.ctx, func(tx crm.Tx) error {
				for _, email := range []string{"josip@juric.hr", "ivana.kovac@bsplit.hr", "duro@simic.hr", "zeljka@juric.hr"} {
					cs, err := tx.ContactsByEmail(email)
					if err != nil || len(cs) != 1 {
						t.Errorf("%s: %v %v", email, cs, err)
						continue
					}
					co, err := tx.Company(cs[0].CompanyID)
					if err != nil {
						return err
					}
					got[email] = cs[0].FullName + " | " + cs[0].Position + " | " + co.Name + " | " + co.OIB + " | " + cs[0].Phone + " | " + cs[0].Mobile
				}
				c, err := tx.CompanyByOIB("69435151530")
				if err == nil && c.Name == "Jurić d.o.o." {
					oibCompanies++
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{
				"josip@juric.hr":        "Josip Jurić | Direktor | Jurić d.o.o. | 69435151530 | +38516543210 | +385918765432",
				"ivana.kovac@bsplit.hr": "Ivana Kovač | Voditeljica nabave | Brodogradilište Split d.d. |  | +385215550101 | ",
				"duro@simic.hr":         "Đuro Šimić | Vlasnik | Šimić obrt | 33392005961 |  | +385987654321",
				"zeljka@juric.hr":       "Željka Čačić | Referentica nabave | Jurić d.o.o. | 69435151530 |  | +385951112222",
			}
			for k, w := range want {
				if got[k] != w {
					t.Errorf("%s:\n got  %s\n want %s", k, got[k], w)
				}
			}
			if oibCompanies != 1 {
				t.Error("Jurić d.o.o. not found by its OIB")
			}
		})
	}
}

func TestImportEncodingOption(t *testing.T) {
	f := dataset(t)
	b, err := os.ReadFile("testdata/hr/kontakti-windows1250-semicolon.csv")
	if err != nil {
		t.Fatal(err)
	}
	// Told it is UTF-8, a Windows-1250 file is refused with what to type instead.
	_, err = exchange.ImportCSV(f.ctx, f.svc, bytes.NewReader(b), exchange.ImportOptions{Kind: exchange.ImportContacts, Actor: f.ana, Encoding: "utf-8", DryRun: true})
	if e := crm.AsError(err); e == nil || e.Key != "err.bad_csv" || !strings.Contains(e.Args[1].(string), "--encoding windows-1250") {
		t.Errorf("utf-8 on a Windows-1250 file: %v", err)
	}
	rep, err := exchange.ImportCSV(f.ctx, f.svc, bytes.NewReader(b), exchange.ImportOptions{Kind: exchange.ImportContacts, Actor: f.ana, Encoding: "windows-1250", DryRun: true})
	if err != nil || rep.Created != 4 || !strings.Contains(rep.Rows[2].Detail, "Đuro Šimić") {
		t.Errorf("windows-1250: %+v %v", rep, err)
	}
	if _, err := exchange.ImportCSV(f.ctx, f.svc, bytes.NewReader(b), exchange.ImportOptions{Kind: exchange.ImportContacts, Actor: f.ana, Encoding: "latin9"}); crm.AsError(err) == nil {
		t.Errorf("unknown encoding accepted: %v", err)
	}
	// A bad OIB rejects its row, with the reason.
	rep, err = exchange.ImportCSV(f.ctx, f.svc, strings.NewReader("Ime;Prezime;Tvrtka;OIB\nAna;Kos;Kos obrt;12345678901\n"), exchange.ImportOptions{Kind: exchange.ImportContacts, Actor: f.ana, DryRun: true})
	if err != nil || rep.Rejected != 1 || rep.Rows[0].Reason != "err.bad_oib" {
		t.Errorf("bad OIB: %+v %v", rep, err)
	}
}

// --excel: semicolons and a byte-order mark, and RestoreCSV reads it back.
func TestExportExcelStyleRoundTrip(t *testing.T) {
	f := dataset(t)
	dir := t.TempDir()
	if _, err := exchange.ExportCSVStyle(f.ctx, crm.NewService(f.db, nil, crm.Config{}), func(name string) (io.WriteCloser, error) {
		return os.Create(filepath.Join(dir, name))
	}, nil, exchange.ExcelStyle); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "companies.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\ufeffid;name;size;")) {
		t.Errorf("companies.csv starts %q", b[:min(len(b), 30)])
	}
	g := open(t)
	n, err := exchange.RestoreCSV(g.ctx, g.db, func(name string) (io.ReadCloser, error) {
		return os.Open(filepath.Join(dir, name))
	}, nil)
	if err != nil || n.Companies == 0 || n.Interactions == 0 {
		t.Fatalf("restore of an Excel export: %+v %v", n, err)
	}
	verify(t, g.db)
}
