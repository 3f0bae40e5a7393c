package storagetest

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"crmbot/storage"
	"crmbot/storage/benchdata"
)

// BenchDB opens a private copy of the dataset of storage/benchdata (100,000 interests
// at CRMBOT_BENCH_SCALE=1) in b.TempDir(): a benchmark may write to it. It reuses
// the storage benchmarks' cached file when there is one and otherwise generates it
// into os.TempDir() (a minute or two at full scale).
func BenchDB(b *testing.B) *storage.DB {
	b.Helper()
	scale, err := benchdata.Scale()
	if err != nil {
		b.Fatal(err)
	}
	size := benchdata.SizeAt(scale)
	src := benchdata.Find(os.TempDir(), size)
	if src == "" {
		// Schema 0 in the name: "not known here"; the storage benchmarks name theirs
		// with the real version and Find prefers theirs.
		src = filepath.Join(os.TempDir(), benchdata.FileName(0, size))
		start := time.Now()
		err := benchdata.Generate(src, size, func(path string) (benchdata.DB, error) {
			return storage.Open(path, storage.Options{Now: func() time.Time { return benchdata.Now }})
		})
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("generated %s in %v", src, time.Since(start).Round(time.Millisecond))
	}
	dst := filepath.Join(b.TempDir(), "crm.db")
	if err := copyFile(dst, src); err != nil {
		b.Fatal(err)
	}
	db, err := storage.Open(dst, storage.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

func copyFile(dst, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
