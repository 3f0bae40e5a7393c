package storage

import (
	"context"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// TestVerifyLostIndexIsCapped: an index emptied by damage (here 300 interactions'
// entries) is reported as missing keys, listed up to maxProblems and then summed up,
// and a rebuild brings it back; a sound file reports nothing.
func TestVerifyLostIndexIsCapped(t *testing.T) {
	db := mustOpen(t)
	seed(t, db)
	update(t, db, func(tx crm.Tx) error {
		for n := 0; n < 300; n++ {
			if err := tx.AddInteraction(&crm.Interaction{InterestID: 1, At: t0.Add(time.Duration(n) * time.Minute), Text: "call"}); err != nil {
				return err
			}
		}
		return nil
	})
	ctx := context.Background()
	if problems, err := db.Verify(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("sound file: %v %v", problems, err)
	}
	db = corrupt(t, db, func(btx *bolt.Tx) error {
		if err := btx.DeleteBucket(idxInteraction); err != nil {
			return err
		}
		_, err := btx.CreateBucket(idxInteraction)
		return err
	})
	problems, err := db.Verify(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != maxProblems+1 || !strings.Contains(problems[0], "idx_interaction: missing key") || !strings.Contains(problems[maxProblems], "more problems") {
		t.Fatalf("got %d problems, first %q, last %q", len(problems), problems[0], problems[len(problems)-1])
	}
	if err := db.Rebuild(ctx); err != nil {
		t.Fatal(err)
	}
	if problems, err := db.Verify(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("after rebuild: %v %v", problems, err)
	}
}

// TestVerifyNamesTheWrongValue: a value that differs is reported with the value
// found and the one the record implies, as before prints were used.
func TestVerifyNamesTheWrongValue(t *testing.T) {
	db := mustOpen(t)
	seed(t, db)
	db = corrupt(t, db, func(btx *bolt.Tx) error {
		return btx.Bucket(idxUserIdentity).Put([]byte("console:ana"), u64(99))
	})
	problems, err := db.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 1 || !strings.Contains(problems[0], "idx_user_identity: key") || !strings.Contains(problems[0], "has value 0000000000000063, want 0000000000000001") {
		t.Fatalf("problems: %q", problems)
	}
}
