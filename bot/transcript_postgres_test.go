package bot_test

import (
	"path/filepath"
	"strings"
	"testing"

	"crmbot/storage/storagetest"
)

// TestTranscriptsPostgres runs every transcript again with the service on PostgreSQL:
// the same conversation must give the same replies on both backends. With -update it
// does nothing (TestTranscripts rewrites the files, once).
func TestTranscriptsPostgres(t *testing.T) {
	if *update {
		t.Skip("-update rewrites the transcripts from the bbolt run")
	}
	files, _ := filepath.Glob("testdata/*.txt")
	storagetest.OnPostgres(t, func(t *testing.T) {
		for _, f := range files {
			t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
				t.Parallel() // each has a schema of its own
				runTranscript(t, f)
			})
		}
	})
}
