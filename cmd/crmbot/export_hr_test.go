package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// crmbot export --excel writes files a Croatian Excel opens (semicolons, UTF-8 BOM),
// and a Croatian Excel's Windows-1250 contact list imports with --encoding or without.
func TestExcelExportAndCroatianImport(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	out, err := runCmd(t, "", "export", "--db", db, "--format", "csv", "--excel", "--out", filepath.Join(dir, "excel"))
	if err != nil {
		t.Fatalf("export --excel: %v\n%s", err, out)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "excel", "contacts.csv"))
	if !bytes.HasPrefix(b, []byte("\ufeffid;company_id;full_name;")) || !strings.Contains(string(b), "Marko Đurić") {
		t.Errorf("contacts.csv: %q", b[:min(len(b), 80)])
	}
	// The Excel export restores as well as the plain one.
	if out, err := runCmd(t, "", "import", "--db", filepath.Join(dir, "fromexcel.db"), "--format", "csv", filepath.Join(dir, "excel")); err != nil {
		t.Fatalf("import of the excel export: %v\n%s", err, out)
	}
	sample := filepath.Join("..", "..", "crm", "exchange", "testdata", "hr", "kontakti-windows1250-semicolon.csv")
	for _, enc := range []string{"", "windows-1250"} {
		args := []string{"import", "--db", db, "--format", "csv", "--kind", "contacts", "--dry-run"}
		if enc != "" {
			args = append(args, "--encoding", enc)
		}
		out, err := runCmd(t, "", append(args, sample)...)
		if err != nil || !strings.Contains(out, "Đuro Šimić at company") || !strings.Contains(out, "Željka Čačić") {
			t.Errorf("--encoding %q: %v\n%s", enc, err, out)
		}
	}
	out, err = runCmd(t, "", "import", "--db", db, "--format", "csv", "--kind", "contacts", "--encoding", "utf-8", sample)
	if err == nil || !strings.Contains(err.Error(), "--encoding windows-1250") {
		t.Errorf("utf-8 on a Windows-1250 file: %v\n%s", err, out)
	}
}

// CRMBOT_LANG sets the language of people who chose none; an unknown one stops the
// start with the languages there are.
func TestCrmbotLang(t *testing.T) {
	db := filepath.Join(t.TempDir(), "crm.db")
	t.Setenv("CRMBOT_LANG", "hr")
	out, err := runCmd(t, "/cancel\n", "chat", "--db", db)
	if err != nil || !strings.Contains(out, "Nema se što prekinuti.") {
		t.Errorf("CRMBOT_LANG=hr: %v\n%s", err, out)
	}
	t.Setenv("CRMBOT_LANG", "xx")
	if _, err := runCmd(t, "", "chat", "--db", db); err == nil || !strings.Contains(err.Error(), "use one of en, hr") {
		t.Errorf("CRMBOT_LANG=xx: %v", err)
	}
}
