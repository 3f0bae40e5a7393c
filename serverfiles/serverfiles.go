// Package serverfiles writes the files that chat commands make on the server — the
// exports and mailing lists of /export and /mailing, the database copies of /backup —
// in the directories the operator configured. Every file is new (never written over
// an older one), readable by its owner only (they hold client data), and a failed
// write leaves nothing behind. The bot does no file I/O: it is handed a Dirs.
package serverfiles

import (
	"errors"
	"io"
	"os"
	"path/filepath"
)

// Backupper makes a consistent copy of the whole database, while it is in use, into a
// new file; (*storage.DB).BackupFile satisfies it.
type Backupper interface {
	BackupFile(path string) (int64, error)
}

// Dirs are the server's export and backup directories.
type Dirs struct {
	// ExportDir is where exports and mailing lists go (CRMBOT_EXPORT_DIR); "" disables them.
	ExportDir string
	// BackupDir is where database copies go (CRMBOT_BACKUP_DIR); "" or a nil DB disables them.
	BackupDir string
	DB        Backupper
}

var errOff = errors.New("serverfiles: directory not configured")

// CanExport reports whether exports may be written.
func (d Dirs) CanExport() bool { return d.ExportDir != "" }

// CanBackup reports whether database copies may be made.
func (d Dirs) CanBackup() bool { return d.BackupDir != "" && d.DB != nil }

// Export writes a new file name in the export directory (made if missing) with fn and
// returns its path.
func (d Dirs) Export(name string, fn func(io.Writer) error) (string, error) {
	if !d.CanExport() {
		return "", errOff
	}
	if err := os.MkdirAll(d.ExportDir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(d.ExportDir, name)
	return path, WriteNewFile(path, fn)
}

// ExportSet makes a new directory name in the export directory and runs fn, whose
// create makes new files in it; it returns the directory's path.
func (d Dirs) ExportSet(name string, fn func(create func(name string) (io.WriteCloser, error)) error) (string, error) {
	if !d.CanExport() {
		return "", errOff
	}
	path := filepath.Join(d.ExportDir, name)
	if err := os.MkdirAll(d.ExportDir, 0o700); err != nil {
		return "", err
	}
	if err := os.Mkdir(path, 0o700); err != nil {
		return "", err
	}
	return path, fn(func(name string) (io.WriteCloser, error) {
		return os.OpenFile(filepath.Join(path, filepath.Base(name)), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	})
}

// Backup copies the database into a new file name in the backup directory (made if
// missing) and returns its path and size.
func (d Dirs) Backup(name string) (string, int64, error) {
	if !d.CanBackup() {
		return "", 0, errOff
	}
	if err := os.MkdirAll(d.BackupDir, 0o700); err != nil {
		return "", 0, err
	}
	path := filepath.Join(d.BackupDir, name)
	size, err := d.DB.BackupFile(path)
	return path, size, err
}

// WriteNewFile writes a new file with fn: mode 0600 (exports hold client data), never
// over an existing file, and a failed write — including a failed close, where a full
// disk shows — leaves no partial file behind.
func WriteNewFile(path string, fn func(io.Writer) error) error {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = fn(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
	}
	return err
}
