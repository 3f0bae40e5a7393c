package storage

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// moveSchedulerState (version 4) moves the scheduler's state out of the untyped
// blobs (namespace "scheduler": marks as unix nanoseconds, the pass as JSON, one
// "skipnote:<user id>" per note) into its own bucket, typed, and deletes the old
// namespace. A value that does not read is dropped: the outbox's keys still dedupe
// every decision, so the cost is a re-read, never a second message.
func moveSchedulerState(btx *bolt.Tx) error {
	if _, err := btx.CreateBucketIfNotExists(bucketScheduler); err != nil {
		return err
	}
	blobs := btx.Bucket(bucketBlobs)
	if blobs == nil {
		return nil
	}
	old := blobs.Bucket([]byte("scheduler"))
	if old == nil {
		return nil
	}
	t := &tx{btx: btx}
	st := &crm.SchedulerState{}
	mark := func(k string) time.Time {
		n, err := strconv.ParseInt(string(old.Get([]byte(k))), 10, 64)
		if err != nil {
			return time.Time{}
		}
		return time.Unix(0, n).UTC()
	}
	st.Alive, st.Nudge, st.Esc, st.HeadDigest = mark("alive"), mark("nudge_mark"), mark("esc_mark"), mark("headdigest_mark")
	if v := old.Get([]byte("pass")); v != nil {
		p := &crm.ScanPass{}
		if json.Unmarshal(v, p) == nil {
			st.Pass = p
		}
	}
	if err := t.PutSchedulerState(st); err != nil {
		return err
	}
	err := old.ForEach(func(k, v []byte) error {
		id, ok := strings.CutPrefix(string(k), "skipnote:")
		if !ok {
			return nil
		}
		uid, err := strconv.ParseUint(id, 10, 64)
		n := &crm.SkipNote{}
		if err != nil || json.Unmarshal(v, n) != nil {
			return nil
		}
		return t.PutSkipNote(uid, n)
	})
	if err != nil {
		return err
	}
	return blobs.DeleteBucket([]byte("scheduler"))
}
