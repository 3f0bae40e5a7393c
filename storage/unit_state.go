package storage

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// The typed state of the conversation engine and the team's settings, each in a
// bucket of its own (they were namespaces of the untyped blob bucket before schema
// version 6; see migrateTypedState).
var (
	// bucketDialogs: identity → the bot's dialogue state, opaque here.
	bucketDialogs = []byte("dialogs")
	// bucketSettings: keySettingsTeam → crm.TeamSettings as JSON.
	bucketSettings = []byte("settings")
)

var keySettingsTeam = []byte("team")

// Dialog returns a copy of the stored dialogue state (bolt's memory is valid only
// inside the transaction), nil when there is none.
func (t *tx) Dialog(id crm.Identity) ([]byte, error) {
	v := t.btx.Bucket(bucketDialogs).Get([]byte(id))
	if v == nil {
		return nil, nil
	}
	return append([]byte{}, v...), nil
}

func (t *tx) PutDialog(id crm.Identity, state []byte) error {
	if id == "" {
		return fmt.Errorf("dialog: empty identity")
	}
	if state == nil {
		state = empty
	}
	return t.btx.Bucket(bucketDialogs).Put([]byte(id), state)
}

// DeleteDialog removes the state; a missing one is not an error.
func (t *tx) DeleteDialog(id crm.Identity) error {
	return t.btx.Bucket(bucketDialogs).Delete([]byte(id))
}

func (t *tx) Settings() (crm.TeamSettings, error) {
	var s crm.TeamSettings
	v := t.btx.Bucket(bucketSettings).Get(keySettingsTeam)
	if v == nil {
		return s, nil
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return s, fmt.Errorf("settings: %w", err)
	}
	return s, nil
}

func (t *tx) PutSettings(s crm.TeamSettings) error {
	if s == (crm.TeamSettings{}) {
		return t.btx.Bucket(bucketSettings).Delete(keySettingsTeam)
	}
	b, err := json.Marshal(s)
	if err != nil {
		return err
	}
	return t.btx.Bucket(bucketSettings).Put(keySettingsTeam, b)
}

// The blob namespaces and keys the typed state lived under before version 6.
const (
	blobNSDialog         = "dialog"
	blobNSSettings       = "settings"
	blobKeyChannel       = "dept_channel" // {"target":…, "set_by":…}
	blobKeyLegacyChannel = "head_channel" // the bare chat id, from before the record
	blobKeyEscalations   = "escalations"  // "channel", or absent (private)
)

// migrateTypedState (version 6) creates the dialogue and settings buckets and moves
// into them what the blob namespaces "dialog" and "settings" held, so an upgrade
// keeps every dialogue in progress and the department channel.
func migrateTypedState(btx *bolt.Tx) error {
	for _, name := range [][]byte{bucketDialogs, bucketSettings} {
		if _, err := btx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	blobs := btx.Bucket(bucketBlobs)
	if blobs == nil {
		return nil
	}
	if old := blobs.Bucket([]byte(blobNSDialog)); old != nil {
		dialogs := btx.Bucket(bucketDialogs)
		if err := old.ForEach(func(k, v []byte) error { return dialogs.Put(k, v) }); err != nil {
			return fmt.Errorf("move dialogues: %w", err)
		}
		if err := blobs.DeleteBucket([]byte(blobNSDialog)); err != nil {
			return err
		}
	}
	old := blobs.Bucket([]byte(blobNSSettings))
	if old == nil {
		return nil
	}
	var ts crm.TeamSettings
	if b := old.Get([]byte(blobKeyChannel)); b != nil {
		var ch struct {
			Target crm.Identity `json:"target"`
			SetBy  uint64       `json:"set_by"`
		}
		if json.Unmarshal(b, &ch) == nil {
			ts.Channel, ts.ChannelSetBy = ch.Target, ch.SetBy
		}
	} else if b := old.Get([]byte(blobKeyLegacyChannel)); len(b) > 0 {
		ts.Channel = crm.Identity(b)
	}
	ts.EscalationsNamed = string(old.Get([]byte(blobKeyEscalations))) == "channel"
	t := &tx{btx: btx}
	if err := t.PutSettings(ts); err != nil {
		return err
	}
	return blobs.DeleteBucket([]byte(blobNSSettings))
}
