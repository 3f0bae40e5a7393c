package serverfiles

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestExportWritesNewPrivateFilesOnly(t *testing.T) {
	d := Dirs{ExportDir: filepath.Join(t.TempDir(), "exports")}
	write := func(w io.Writer) error { _, err := io.WriteString(w, "a,b\n"); return err }
	path, err := d.Export("list.csv", write)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 || fi.Size() != 4 {
		t.Fatalf("%s: %v %v", path, fi, err)
	}
	if _, err := d.Export("list.csv", write); !errors.Is(err, os.ErrExist) {
		t.Fatalf("second write over the first: %v", err)
	}
	// A write that fails leaves no partial file.
	if _, err := d.Export("broken.csv", func(w io.Writer) error { io.WriteString(w, "half"); return errors.New("disk full") }); err == nil {
		t.Fatal("a failed write reported success")
	}
	if _, err := os.Stat(filepath.Join(d.ExportDir, "broken.csv")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("partial file left: %v", err)
	}
	set, err := d.ExportSet("set", func(create func(string) (io.WriteCloser, error)) error {
		f, err := create("../escape.csv") // a name is a name in the set, never a path out of it
		if err != nil {
			return err
		}
		return f.Close()
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(set, "escape.csv")); err != nil {
		t.Fatalf("file of the set: %v", err)
	}
}

type fakeDB struct{ copies []string }

func (f *fakeDB) BackupFile(path string) (int64, error) {
	f.copies = append(f.copies, path)
	return 42, os.WriteFile(path, []byte("copy"), 0o600)
}

func TestBackupAndDisabledDirs(t *testing.T) {
	db := &fakeDB{}
	d := Dirs{BackupDir: filepath.Join(t.TempDir(), "b"), DB: db}
	path, size, err := d.Backup("crmbot-1.db")
	if err != nil || size != 42 || len(db.copies) != 1 || db.copies[0] != path {
		t.Fatalf("backup: %s %d %v %v", path, size, err, db.copies)
	}
	var off Dirs
	if off.CanExport() || off.CanBackup() || (Dirs{BackupDir: "x"}).CanBackup() {
		t.Fatal("unconfigured directories enabled")
	}
	if _, err := off.Export("x", nil); err == nil {
		t.Fatal("export without a directory")
	}
}
