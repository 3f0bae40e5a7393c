package storage

import (
	"context"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

func TestDialogAndSettingsRoundTrip(t *testing.T) {
	db := mustOpen(t)
	ctx := context.Background()
	want := crm.TeamSettings{Channel: "telegram:-100", ChannelSetBy: 3, EscalationsNamed: true}
	update(t, db, func(tx crm.Tx) error {
		if err := tx.PutDialog("console:ana", []byte(`{"flow":"new"}`)); err != nil {
			return err
		}
		if err := tx.PutDialog("console:bo", []byte(`{"flow":"log"}`)); err != nil {
			return err
		}
		return tx.PutSettings(want)
	})
	update(t, db, func(tx crm.Tx) error { return tx.DeleteDialog("console:bo") })
	err := db.View(ctx, func(tx crm.Tx) error {
		if b, err := tx.Dialog("console:ana"); err != nil || string(b) != `{"flow":"new"}` {
			t.Errorf("Dialog(ana) = %q, %v", b, err)
		}
		if b, err := tx.Dialog("console:bo"); err != nil || b != nil {
			t.Errorf("deleted Dialog(bo) = %q, %v", b, err)
		}
		if got, err := tx.Settings(); err != nil || got != want {
			t.Errorf("Settings = %+v, %v; want %+v", got, err, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The zero settings are no record at all.
	update(t, db, func(tx crm.Tx) error { return tx.PutSettings(crm.TeamSettings{}) })
	db.View(ctx, func(tx crm.Tx) error {
		if got, err := tx.Settings(); err != nil || got != (crm.TeamSettings{}) {
			t.Errorf("Settings after reset = %+v, %v", got, err)
		}
		return nil
	})
	mustVerify(t, db)
}

// Version 4 moves the dialogues and the settings out of the blob namespaces they
// were kept in, so an upgrade keeps a dialogue in progress and the department channel.
func TestMigration4MovesBlobsToTypedState(t *testing.T) {
	for _, c := range []struct {
		name     string
		settings map[string]string
		want     crm.TeamSettings
	}{
		{"record", map[string]string{"dept_channel": `{"target":"slack:T1/C2","set_by":7}`, "escalations": "channel"},
			crm.TeamSettings{Channel: "slack:T1/C2", ChannelSetBy: 7, EscalationsNamed: true}},
		{"legacy bare id", map[string]string{"head_channel": "telegram:-42"}, crm.TeamSettings{Channel: "telegram:-42"}},
		{"escalations only", map[string]string{"escalations": "channel"}, crm.TeamSettings{EscalationsNamed: true}},
		{"none", nil, crm.TeamSettings{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "v3.db")
			db := mustOpenPath(t, path)
			update(t, db, func(tx crm.Tx) error {
				if err := legacy(tx).putBlob("dialog", "telegram:9", []byte(`{"flow":"log"}`)); err != nil {
					return err
				}
				for k, v := range c.settings {
					if err := legacy(tx).putBlob("settings", k, []byte(v)); err != nil {
						return err
					}
				}
				return nil
			})
			// Make it a version 3 file: no typed buckets, the state in blobs.
			err := db.bolt.Update(func(btx *bolt.Tx) error {
				for _, name := range [][]byte{bucketDialogs, bucketSettings} {
					if err := btx.DeleteBucket(name); err != nil {
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
			db.View(context.Background(), func(tx crm.Tx) error {
				if b, err := tx.Dialog("telegram:9"); err != nil || string(b) != `{"flow":"log"}` {
					t.Errorf("moved dialogue = %q, %v", b, err)
				}
				if got, err := tx.Settings(); err != nil || got != c.want {
					t.Errorf("moved settings = %+v, %v; want %+v", got, err, c.want)
				}
				return nil
			})
			db.bolt.View(func(btx *bolt.Tx) error {
				for _, ns := range []string{"dialog", "settings"} {
					if btx.Bucket(bucketBlobs).Bucket([]byte(ns)) != nil {
						t.Errorf("blob namespace %q left behind", ns)
					}
				}
				return nil
			})
			mustVerify(t, db)
		})
	}
}
