package storage

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// bucketRoots returns the root page of each index bucket: bbolt copies every page it
// changes, so a bucket whose root page is the same after a commit was not written.
func bucketRoots(t *testing.T, db *DB) map[string]uint64 {
	t.Helper()
	roots := map[string]uint64{}
	err := db.bolt.View(func(btx *bolt.Tx) error {
		for _, name := range indexBuckets {
			roots[string(name)] = uint64(btx.Bucket(name).Root())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return roots
}

// TestReindexTouchesOnlyChangedEntries: a change rewrites the index trees whose
// entries it changes and no other (and moves no pipeline counter it need not).
func TestReindexTouchesOnlyChangedEntries(t *testing.T) {
	db := mustOpen(t)
	putParties(t, db)
	// Enough interests that no index bucket is stored inline in its parent (an
	// inline bucket has no root page of its own to compare).
	for n := 0; n < 300; n++ {
		update(t, db, func(tx crm.Tx) error {
			return tx.PutInterest(newInterest(uint64(1+n%3), crm.StageNew, 100, t0.Add(time.Duration(n)*time.Hour), t0))
		})
	}
	for _, tc := range []struct {
		name    string
		change  func(*crm.Interest)
		touched [][]byte
	}{
		{"nothing", func(*crm.Interest) {}, nil},
		// The due indexes carry a copy of the record, so any change rewrites them.
		{"need", func(i *crm.Interest) { i.Need = "a bigger van" }, [][]byte{idxInterestDue, idxInterestOwnerDue}},
		{"activity", func(i *crm.Interest) { i.LastActivityAt = t0.Add(time.Hour) },
			[][]byte{idxInterestDue, idxInterestOwnerDue, idxInterestIdle, idxInterestOwnIdle, idxInterestFacetIdle}},
		{"stage", func(i *crm.Interest) { i.Stage = crm.StageMeeting },
			[][]byte{idxInterestDue, idxInterestOwnerDue, idxInterestOpen}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := bucketRoots(t, db)
			update(t, db, func(tx crm.Tx) error {
				i, err := tx.Interest(150)
				if err != nil {
					return err
				}
				tc.change(i)
				return tx.PutInterest(i)
			})
			after := bucketRoots(t, db)
			for _, name := range indexBuckets {
				if bytes.Equal(name, bucketPipeline) {
					continue // a few cells: stored inline in its parent, no root page
				}
				want := false
				for _, x := range tc.touched {
					want = want || bytes.Equal(x, name)
				}
				if got := before[string(name)] != after[string(name)]; got != want {
					t.Errorf("%s written: %v, want %v", name, got, want)
				}
			}
			mustVerify(t, db)
		})
	}
}

// freelistPage is the freelist page the file's current meta names (noFreelist: none).
func freelistPage(t *testing.T, path string) uint64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	p, _, err := openPager(path, f, fi.Size(), false)
	if err != nil {
		t.Fatal(err)
	}
	return p.meta.freelist
}

// TestFreelistWrittenAtCloseOnly: commits skip the freelist, Close writes it (so the
// next Open reads it instead of walking the file), and a file left without one (a
// crash) opens, takes writes and verifies clean.
func TestFreelistWrittenAtCloseOnly(t *testing.T) {
	path := filepath.Join(t.TempDir(), "crm.db")
	db := mustOpenPath(t, path)
	for n := range 50 {
		update(t, db, func(tx crm.Tx) error {
			return tx.PutCompany(&crm.Company{Name: fmt.Sprintf("Free %d d.o.o.", n), CreatedAt: t0})
		})
	}
	if got := freelistPage(t, path); got != noFreelist {
		t.Errorf("after a commit the meta names freelist page %d, want none", got)
	}
	// The file as a crash would leave it: no freelist on disk.
	crashed := filepath.Join(t.TempDir(), "crashed.db")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(crashed, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if got := freelistPage(t, path); got == noFreelist {
		t.Error("after Close the meta names no freelist page")
	}
	if err := db.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	for _, p := range []string{path, crashed} {
		db := mustOpenPath(t, p)
		update(t, db, func(tx crm.Tx) error {
			for n := range 50 { // frees pages: the rebuilt list must be right
				c := &crm.Company{ID: uint64(n + 1), Name: fmt.Sprintf("Renamed %d d.o.o.", n), CreatedAt: t0}
				if err := tx.PutCompany(c); err != nil {
					return err
				}
			}
			return nil
		})
		mustVerify(t, db)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
	}
}

// TestContactsByPhoneExact: the term index holds a phone's national significant
// number too, which can read as another country's number in full (Croatian
// 98 123 4567 and Iranian +98 1234567 are both the digits 981234567): only the number
// itself matches.
func TestContactsByPhoneExact(t *testing.T) {
	db := mustOpen(t)
	putParties(t, db)
	update(t, db, func(tx crm.Tx) error {
		if err := tx.PutContact(&crm.Contact{CompanyID: 1, FullName: "Ana Horvat", Mobile: "+385981234567", CreatedAt: t0}); err != nil {
			return err
		}
		return tx.PutContact(&crm.Contact{CompanyID: 1, FullName: "Reza Ahmadi", Phone: "+981234567", CreatedAt: t0})
	})
	view(t, db, func(tx crm.Tx) error {
		for phone, want := range map[string]string{"+385981234567": "Ana Horvat", "+981234567": "Reza Ahmadi"} {
			cs, err := tx.ContactsByPhone(phone)
			if err != nil {
				return err
			}
			if len(cs) != 1 || cs[0].FullName != want {
				t.Errorf("ContactsByPhone(%s) = %v, want only %s", phone, cs, want)
			}
		}
		return nil
	})
	mustVerify(t, db)
}
