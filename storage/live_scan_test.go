package storage

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"crmbot/crm"
)

// crmbot doctor runs Scan with plain reads and no lock. On a database a
// running crmbot is writing, the scan reads pages from different transactions and
// reports a sound file as damaged ("unexpected page type 0x10 in a tree"), so doctor
// exits 3 and advises --salvage. A file held by a writer must be refused as in use
// (as Open does), or scanned under the lock — never reported damaged.
func TestScanOfALiveDatabaseNeverReportsDamage(t *testing.T) {
	path := fixture(t)
	db, err := Open(path, Options{Now: func() time.Time { return t0 }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		defer close(done)
		for i := 1000; !stop.Load(); i++ {
			update(t, db, func(tx crm.Tx) error {
				for j := 0; j < 20; j++ {
					id := uint64(i*20 + j)
					if err := tx.PutCompany(&crm.Company{ID: id, Name: fmt.Sprintf("Company %d d.o.o.", id), CreatedAt: t0}); err != nil {
						return err
					}
				}
				return nil
			})
		}
	}()
	defer func() { stop.Store(true); <-done }()
	deadline := time.Now().Add(5 * time.Second)
	for n := 0; time.Now().Before(deadline); n++ {
		d, err := Scan(path, time.Minute)
		if err != nil {
			return // refused (in use): fine
		}
		if !d.Sound() {
			t.Fatalf("scan %d of a sound database being written reports damage: %v %+v", n, d.Problems, d.Buckets)
		}
	}
}
