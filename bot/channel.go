package bot

import (
	"encoding/json"

	"crmbot/crm"
)

// deptChannel is the department's channel: where the department digest and the
// escalation counts go. SetBy is the head (or admin) who typed /channel there: the
// department digest follows their digest time, zone and working days. Named says
// escalations are posted there naming the client and the manager (an admin's choice,
// /settings escalations channel); by default the channel gets only counts.
type deptChannel struct {
	Target crm.Identity `json:"target"`
	SetBy  uint64       `json:"set_by,omitempty"`
	Named  bool         `json:"-"` // kept apart: it outlives /channel off
}

const (
	nsSettings = "settings"
	// keyChannel holds the typed channel record; keyLegacyChannel the bare chat id
	// written before the record existed, still read so an upgrade keeps the channel.
	keyChannel       = "dept_channel"
	keyLegacyChannel = "head_channel"
	keyEscalations   = "escalations" // "channel" or absent (private)
)

func loadChannel(tx crm.Tx) (deptChannel, error) {
	var ch deptChannel
	b, err := tx.Blob(nsSettings, keyChannel)
	if err != nil {
		return ch, err
	}
	if b != nil {
		if err := json.Unmarshal(b, &ch); err != nil {
			return ch, err
		}
	} else if b, err = tx.Blob(nsSettings, keyLegacyChannel); err != nil {
		return ch, err
	} else if len(b) > 0 {
		ch.Target = crm.Identity(b)
	}
	mode, err := tx.Blob(nsSettings, keyEscalations)
	if err != nil {
		return ch, err
	}
	ch.Named = string(mode) == "channel"
	return ch, nil
}

func putChannel(tx crm.Tx, ch deptChannel) error {
	if err := tx.DeleteBlob(nsSettings, keyLegacyChannel); err != nil {
		return err
	}
	if ch.Target == "" {
		return tx.DeleteBlob(nsSettings, keyChannel)
	}
	b, err := json.Marshal(ch)
	if err != nil {
		return err
	}
	return tx.PutBlob(nsSettings, keyChannel, b)
}
