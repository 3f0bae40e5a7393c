package postgres

// The typed state beside the records: the bot's dialogues, the team's settings, the
// scheduler's state and skip notes (crm.SchedulerStore), and the HTTP API's tokens,
// webhooks and inquiry routing (crm.APIStore). Each is small and read whole.

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"

	"crmbot/crm"
)

// The names of the settings table's singletons.
const (
	settingTeam      = "team"
	settingScheduler = "scheduler"
	settingRouting   = "inquiry_routing"
)

// setting decodes the singleton name into v; ok is false when there is none.
func (t *tx) setting(name string, v any) (ok bool, err error) {
	var data []byte
	err = t.q.QueryRow(t.ctx, `SELECT data FROM settings WHERE name = $1`, name).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if err := json.Unmarshal(data, v); err != nil {
		return false, fmt.Errorf("%s: %w", name, err)
	}
	return true, nil
}

func (t *tx) putSetting(name string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	_, err = t.q.Exec(t.ctx, `INSERT INTO settings (name, data) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET data = EXCLUDED.data`, name, data)
	return err
}

// Dialog returns the stored dialogue state, nil when there is none.
func (t *tx) Dialog(id crm.Identity) ([]byte, error) {
	var v []byte
	err := t.q.QueryRow(t.ctx, `SELECT state FROM dialogs WHERE identity = $1`, string(id)).Scan(&v)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if v == nil {
		v = []byte{} // stored, if empty: not the nil of "none"
	}
	return v, nil
}

func (t *tx) PutDialog(id crm.Identity, state []byte) error {
	if id == "" {
		return fmt.Errorf("dialog: empty identity")
	}
	if state == nil {
		state = []byte{}
	}
	_, err := t.q.Exec(t.ctx, `INSERT INTO dialogs (identity, state) VALUES ($1, $2)
		ON CONFLICT (identity) DO UPDATE SET state = EXCLUDED.state`, string(id), state)
	return err
}

// DeleteDialog removes the state; a missing one is not an error.
func (t *tx) DeleteDialog(id crm.Identity) error {
	_, err := t.q.Exec(t.ctx, `DELETE FROM dialogs WHERE identity = $1`, string(id))
	return err
}

func (t *tx) Settings() (crm.TeamSettings, error) {
	var s crm.TeamSettings
	_, err := t.setting(settingTeam, &s)
	return s, err
}

// PutSettings stores s; the zero settings are stored as none, as on bbolt.
func (t *tx) PutSettings(s crm.TeamSettings) error {
	if s == (crm.TeamSettings{}) {
		_, err := t.q.Exec(t.ctx, `DELETE FROM settings WHERE name = $1`, settingTeam)
		return err
	}
	return t.putSetting(settingTeam, s)
}

// SchedulerState implements crm.SchedulerStore: a zero state when none, or when the
// stored one cannot be read (the outbox's keys still dedupe every decision, so a
// fresh start re-reads, never re-sends).
func (t *tx) SchedulerState() (*crm.SchedulerState, error) {
	st := &crm.SchedulerState{}
	if _, err := t.setting(settingScheduler, st); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		if errors.As(err, &se) || errors.As(err, &te) {
			return &crm.SchedulerState{}, nil
		}
		return nil, err
	}
	return st, nil
}

func (t *tx) PutSchedulerState(st *crm.SchedulerState) error {
	return t.putSetting(settingScheduler, st)
}

// SkipNote implements crm.SchedulerStore: nil when none.
func (t *tx) SkipNote(userID uint64) (*crm.SkipNote, error) {
	var data []byte
	err := t.q.QueryRow(t.ctx, `SELECT data FROM skip_notes WHERE user_id = $1`, int64(userID)).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	n := &crm.SkipNote{}
	if json.Unmarshal(data, n) != nil {
		return nil, nil // a note is a courtesy: an unreadable one is dropped
	}
	return n, nil
}

// PutSkipNote stores the note; nil deletes it.
func (t *tx) PutSkipNote(userID uint64, n *crm.SkipNote) error {
	if n == nil {
		_, err := t.q.Exec(t.ctx, `DELETE FROM skip_notes WHERE user_id = $1`, int64(userID))
		return err
	}
	data, err := json.Marshal(n)
	if err != nil {
		return fmt.Errorf("skip note: %w", err)
	}
	_, err = t.q.Exec(t.ctx, `INSERT INTO skip_notes (user_id, data) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET data = EXCLUDED.data`, int64(userID), data)
	return err
}

// putByID stores v under id in table (id, data), assigning the id from the table's
// sequence when *id is 0.
func (t *tx) putByID(table string, id *uint64, v any) error {
	explicit := *id != 0
	if err := t.nextID(table, id); err != nil {
		return err
	}
	if explicit {
		if err := t.raiseSeq(table, *id); err != nil {
			return err
		}
	}
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("%s: %w", table, err)
	}
	_, err = t.q.Exec(t.ctx, fmt.Sprintf(`INSERT INTO %s (id, data) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data`, table), int64(*id), data)
	return err
}

// APITokens implements crm.APIStore.
func (t *tx) APITokens() ([]*crm.APIToken, error) {
	return list[crm.APIToken](t, `SELECT data FROM api_tokens ORDER BY id`)
}

// PutAPIToken implements crm.APIStore.
func (t *tx) PutAPIToken(tok *crm.APIToken) error { return t.putByID("api_tokens", &tok.ID, tok) }

// Webhooks implements crm.APIStore.
func (t *tx) Webhooks() ([]*crm.Webhook, error) {
	return list[crm.Webhook](t, `SELECT data FROM webhooks ORDER BY id`)
}

// PutWebhook implements crm.APIStore.
func (t *tx) PutWebhook(w *crm.Webhook) error { return t.putByID("webhooks", &w.ID, w) }

// DeleteWebhook implements crm.APIStore.
func (t *tx) DeleteWebhook(id uint64) error {
	_, err := t.q.Exec(t.ctx, `DELETE FROM webhooks WHERE id = $1`, int64(id))
	return err
}

// InquiryRouting implements crm.APIStore: empty rules when none were set.
func (t *tx) InquiryRouting() (*crm.InquiryRouting, error) {
	r := &crm.InquiryRouting{}
	if _, err := t.setting(settingRouting, r); err != nil {
		return nil, err
	}
	return r, nil
}

// PutInquiryRouting implements crm.APIStore.
func (t *tx) PutInquiryRouting(r *crm.InquiryRouting) error { return t.putSetting(settingRouting, r) }

// AuditAfter implements crm.APIStore: ids are assigned in order, so the feed is an
// index range past the last id seen.
func (t *tx) AuditAfter(id uint64, limit int) ([]*crm.AuditEntry, error) {
	return list[crm.AuditEntry](t, `SELECT data FROM audit WHERE id > $1 ORDER BY id LIMIT $2`, int64(id), limitArg(limit))
}
