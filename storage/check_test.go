package storage

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crmbot/crm"
)

// fixture writes a closed database with enough companies that their bucket spans
// several pages, and returns its path. The same inputs give the same file layout.
func fixture(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "crm.db")
	db, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	update(t, db, func(tx crm.Tx) error {
		for i := 1; i <= 300; i++ {
			if err := tx.PutCompany(&crm.Company{ID: uint64(i), Name: fmt.Sprintf("Company %03d d.o.o.", i), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return legacy(tx).putBlob("ns", "k", []byte("v"))
	})
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// bucketRootPage finds the root page of a top-level bucket with the package's walker.
func bucketRootPage(t *testing.T, path, name string) (uint64, uint32) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, _ := f.Stat()
	p, _, err := openPager(path, f, fi.Size(), false)
	if err != nil {
		t.Fatal(err)
	}
	var root uint64
	p.walk(p.meta.root, nil, func(k, v []byte, bucket bool) error {
		if string(k) == name {
			root, _, _ = bucketRoot(v)
		}
		return nil
	})
	if root == 0 {
		t.Fatalf("bucket %s is inline or missing", name)
	}
	return root, p.meta.pageSize
}

// damage applies one deterministic kind of damage to a copy of a sound file.
func damage(t *testing.T, path, kind string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	switch kind {
	case "truncated":
		b = b[:len(b)*2/5]
	case "meta-flipped": // one bit in each meta page: neither checksum holds
		b[16+40] ^= 0x04
		b[4096+16+40] ^= 0x10
	case "branch-flipped": // a child pointer of the companies' branch page points far away
		root, ps := bucketRootPage(t, path, "companies")
		off := int(root)*int(ps) + pageHeaderSize + 8 + 7
		b[off] ^= 0x40
	case "flags-flipped": // the companies' root page no longer says what it is
		root, ps := bucketRootPage(t, path, "companies")
		b[int(root)*int(ps)+8] ^= 0x08
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestCheckRefusesWhatIsNotADatabase(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty.db")
	os.WriteFile(empty, nil, 0o600)
	text := filepath.Join(dir, "notes.txt")
	os.WriteFile(text, []byte(strings.Repeat("not a database\n", 1000)), 0o600)
	for _, tc := range []struct {
		name, path string
		opts       Options
		problem    FileProblem
		want       string
	}{
		{"missing, must exist", filepath.Join(dir, "typo.db"), Options{MustExist: true}, FileMissing, "does not exist"},
		{"missing, read-only", filepath.Join(dir, "typo.db"), Options{ReadOnly: true}, FileMissing, "does not exist"},
		{"empty", empty, Options{}, FileEmpty, "empty file"},
		{"text", text, Options{}, FileDamaged, "bad magic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Open(tc.path, tc.opts)
			var fe *FileError
			if !errors.As(err, &fe) || fe.Problem != tc.problem || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Open = %v, want a %d FileError saying %q", err, tc.problem, tc.want)
			}
			if _, err := os.Stat(filepath.Join(dir, "typo.db")); err == nil {
				t.Fatal("a refused open created the file")
			}
		})
	}
}

func TestDamagedFilesAreRefusedAndDiagnosed(t *testing.T) {
	for _, tc := range []struct {
		kind, want string
		readable   bool // Scan can still read every bucket but companies
	}{
		{"truncated", "the file is truncated", false},
		{"meta-flipped", "both meta pages are invalid", false},
		{"branch-flipped", "bucket companies", true},
		{"flags-flipped", "bucket companies", true},
	} {
		t.Run(tc.kind, func(t *testing.T) {
			path := fixture(t)
			damage(t, path, tc.kind)
			_, err := Open(path, Options{})
			var fe *FileError
			if !errors.As(err, &fe) || fe.ExitCode() != 3 || !strings.Contains(err.Error(), tc.want) ||
				!strings.Contains(err.Error(), "run crmbot doctor "+path) {
				t.Fatalf("Open = %v, want damaged: %s", err, tc.want)
			}
			start := time.Now()
			d, err := Scan(path, 10*time.Second)
			if tc.kind == "meta-flipped" {
				if err == nil {
					t.Fatal("Scan read a file without a valid meta page")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if d.Sound() {
				t.Fatalf("Scan found nothing wrong: %+v", d)
			}
			if time.Since(start) > 5*time.Second {
				t.Fatalf("Scan took %s on a small file", time.Since(start))
			}
			if !tc.readable {
				return
			}
			for _, b := range d.Buckets {
				if (b.Name == "companies") != (b.Err != "") {
					t.Errorf("bucket %s: %q", b.Name, b.Err)
				}
			}
			out := filepath.Join(t.TempDir(), "salvaged.db")
			if _, err := Salvage(path, out, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			db, err := Open(out, Options{MustExist: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			mustVerify(t, db)
			st, _ := db.Stats()
			if st.Companies >= 300 {
				t.Errorf("salvage kept %d companies from a damaged bucket", st.Companies)
			}
			view(t, db, func(tx crm.Tx) error {
				if v, _ := legacy(tx).blob("ns", "k"); string(v) != "v" {
					t.Errorf("salvage lost a blob: %q", v)
				}
				return nil
			})
		})
	}
}

func TestCheckAcceptsSoundFileAndReadOnlyLeavesItAlone(t *testing.T) {
	path := fixture(t)
	if err := Check(path); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	db, err := Open(path, Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	st, _ := db.Stats()
	db.Close()
	after, _ := os.ReadFile(path)
	if st.Companies != 300 || string(before) != string(after) {
		t.Fatalf("read-only open: %d companies, file changed: %v", st.Companies, string(before) != string(after))
	}
	d, err := Scan(path, time.Minute)
	if err != nil || !d.Sound() {
		t.Fatalf("Scan of a sound file: %v %+v", err, d)
	}
}

// BenchmarkCheck measures the structural check every Open runs first.
func BenchmarkCheck(b *testing.B) {
	path := filepath.Join(b.TempDir(), "crm.db")
	db, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	update(b, db, func(tx crm.Tx) error {
		for i := 1; i <= 5000; i++ {
			if err := tx.PutCompany(&crm.Company{ID: uint64(i), Name: fmt.Sprintf("Company %05d d.o.o.", i), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	b.ReportAllocs()
	for b.Loop() {
		if err := Check(path); err != nil {
			b.Fatal(err)
		}
	}
}

// TestCycleIsRefusedNotFollowed: a branch page that points to itself would make
// bbolt loop forever; Open refuses the file and Scan ends.
func TestCycleIsRefusedNotFollowed(t *testing.T) {
	path := fixture(t)
	root, ps := bucketRootPage(t, path, "companies")
	b, _ := os.ReadFile(path)
	off := int(root)*int(ps) + pageHeaderSize + 8 // the first child's page id
	le.PutUint64(b[off:], root)
	os.WriteFile(path, b, 0o600)
	if _, err := Open(path, Options{}); err == nil || !strings.Contains(err.Error(), "is damaged") {
		t.Fatalf("Open = %v", err)
	}
	d, err := Scan(path, 10*time.Second)
	if err != nil || d.Sound() {
		t.Fatalf("Scan = %+v, %v", d, err)
	}
}

// BenchmarkOpenScan measures the page scan Open adds for files up to 16 MiB.
func BenchmarkOpenScan(b *testing.B) {
	path := filepath.Join(b.TempDir(), "crm.db")
	db, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		b.Fatal(err)
	}
	update(b, db, func(tx crm.Tx) error {
		for i := 1; i <= 20000; i++ {
			if err := tx.PutCompany(&crm.Company{ID: uint64(i), Name: fmt.Sprintf("Company %05d d.o.o.", i), CreatedAt: t0}); err != nil {
				return err
			}
		}
		return nil
	})
	db.Close()
	fi, _ := os.Stat(path)
	b.Logf("file: %.1f MiB", float64(fi.Size())/(1<<20))
	b.ReportAllocs()
	for b.Loop() {
		if err := scanSmall(path); err != nil {
			b.Fatal(err)
		}
	}
}
