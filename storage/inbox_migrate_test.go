package storage

import (
	"context"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// A version-3 file's Telegram inbox, polling offset and Slack event log (blobs) move
// into the inbox at the upgrade: the pending update and event are replayed, the
// offset is the cursor, a handled Slack event and command stay deduped, and the
// blob namespaces are gone.
func TestMigrateInboxFromBlobs(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "crm.db")
	db, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Now().Add(-time.Hour).Unix()
	err = db.Update(ctx, func(tx crm.Tx) error {
		put := func(ns, k, v string) {
			if err == nil {
				err = legacy(tx).putBlob(ns, k, []byte(v))
			}
		}
		put("tg_inbox", "00000000000000000042", `{"update_id":42}`)
		put("tg_inbox", "00000000000000000007", `{"update_id":7}`)
		put("tg_inbox", "00000000000000000099", `{"update_id":99}`) // missing from the list
		put("tg", "inbox", `["00000000000000000042","00000000000000000007"]`)
		put("tg", "offset", "43")
		raw := `{"type":"event_callback","event_id":"EvPending"}`
		put("slack_events", "EvPending", `{"at":`+itoa(at)+`,"raw":`+raw+`}`)
		put("slack_events", "EvDone", `{"at":`+itoa(at)+`,"done":true}`)
		put("slack_events", "cmd:T123", `{"at":`+itoa(at)+`,"done":true}`)
		put("slack", "pending", `["EvPending"]`)
		put("slack_event_hours", "2026113008", `["EvPending","EvDone"]`)
		put("elsewhere", "key", "kept")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	// Back to version 3, without the inbox's buckets, as the previous crmbot left it.
	err = db.bolt.Update(func(btx *bolt.Tx) error {
		for _, b := range [][]byte{bucketInbox, bucketInboxSeen, bucketInboxCursor, idxInboxSeenAt} {
			if err := btx.DeleteBucket(b); err != nil {
				return err
			}
		}
		return btx.Bucket(bucketMeta).Put(keySchemaVersion, u64(3))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = mustOpenPath(t, path)
	in := db.Inbox(InboxOptions{})
	tg, err := in.Pending(ctx, "telegram")
	if err != nil {
		t.Fatal(err)
	}
	if len(tg) != 3 || tg[0].ID != "42" || tg[1].ID != "7" || string(tg[1].Body) != `{"update_id":7}` || tg[2].ID != "99" {
		t.Errorf("telegram pending = %+v, want 42 then 7 (arrival order), then 99 (not listed)", tg)
	}
	if c, _ := in.Cursor(ctx, "telegram"); c != "43" {
		t.Errorf("telegram cursor = %q, want 43", c)
	}
	sl, err := in.Pending(ctx, "slack")
	if err != nil || len(sl) != 1 || sl[0].ID != "EvPending" {
		t.Errorf("slack pending = %+v, %v", sl, err)
	}
	es, err := in.Accept(ctx, "slack", []crm.InboxItem{{ID: "EvDone", Body: []byte("{}")}}, "")
	if err != nil || len(es) != 0 {
		t.Errorf("a retry of an event handled before the upgrade: %+v, %v; want dropped", es, err)
	}
	es, err = in.Accept(ctx, "slack-cmd", []crm.InboxItem{{ID: "T123"}}, "")
	if err != nil || len(es) != 0 {
		t.Errorf("a retry of a command handled before the upgrade: %+v, %v; want dropped", es, err)
	}
	db.View(ctx, func(tx crm.Tx) error {
		for _, nk := range [][2]string{{"tg", "offset"}, {"tg_inbox", "00000000000000000042"}, {"slack_events", "EvDone"}, {"slack", "pending"}} {
			if b, _ := legacy(tx).blob(nk[0], nk[1]); b != nil {
				t.Errorf("blob %s/%s survived the move", nk[0], nk[1])
			}
		}
		if b, _ := legacy(tx).blob("elsewhere", "key"); string(b) != "kept" {
			t.Errorf("another namespace was touched: %q", b)
		}
		return nil
	})
	if problems, err := db.Verify(ctx); err != nil || len(problems) > 0 {
		t.Errorf("verify after the migration: %v %v", problems, err)
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
