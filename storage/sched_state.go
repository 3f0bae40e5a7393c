package storage

import (
	"encoding/json"
	"fmt"

	"crmbot/crm"
)

// bucketScheduler holds the scheduler's state: its marks and the pass in progress
// under keySchedState (JSON: read and written once per scan chunk, a few hundred
// bytes), and the skip notes under "skip" | user id.
var (
	bucketScheduler = []byte("scheduler")
	keySchedState   = []byte("state")
	prefixSkipNote  = []byte("skip")
)

func skipNoteKey(userID uint64) []byte {
	return append(append([]byte{}, prefixSkipNote...), u64(userID)...)
}

// SchedulerState implements crm.SchedulerStore.
func (t *tx) SchedulerState() (*crm.SchedulerState, error) {
	st := &crm.SchedulerState{}
	v := t.btx.Bucket(bucketScheduler).Get(keySchedState)
	if v == nil {
		return st, nil
	}
	if err := json.Unmarshal(v, st); err != nil {
		// Unreadable: start afresh. The outbox's keys still dedupe every decision,
		// so this costs a re-read of the look-back, never a second message.
		return &crm.SchedulerState{}, nil
	}
	return st, nil
}

// PutSchedulerState implements crm.SchedulerStore.
func (t *tx) PutSchedulerState(st *crm.SchedulerState) error {
	b, err := json.Marshal(st)
	if err != nil {
		return fmt.Errorf("scheduler state: %w", err)
	}
	return t.btx.Bucket(bucketScheduler).Put(keySchedState, b)
}

// SkipNote implements crm.SchedulerStore.
func (t *tx) SkipNote(userID uint64) (*crm.SkipNote, error) {
	v := t.btx.Bucket(bucketScheduler).Get(skipNoteKey(userID))
	if v == nil {
		return nil, nil
	}
	n := &crm.SkipNote{}
	if err := json.Unmarshal(v, n); err != nil {
		return nil, nil // a note is a courtesy: an unreadable one is dropped
	}
	return n, nil
}

// PutSkipNote implements crm.SchedulerStore.
func (t *tx) PutSkipNote(userID uint64, n *crm.SkipNote) error {
	b := t.btx.Bucket(bucketScheduler)
	if n == nil {
		return b.Delete(skipNoteKey(userID))
	}
	v, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("skip note: %w", err)
	}
	return b.Put(skipNoteKey(userID), v)
}
