package postgres

import (
	"encoding/json"
	"errors"

	"github.com/jackc/pgx/v5"

	"crmbot/crm"
)

func (t *tx) User(id uint64) (*crm.User, error) {
	return getOne[crm.User](t, notFound("user", id), `SELECT data FROM users WHERE id = $1`, int64(id))
}

func (t *tx) UserByIdentity(id crm.Identity) (*crm.User, error) {
	return getOne[crm.User](t, notFound("user", string(id)),
		`SELECT u.data FROM user_identities i JOIN users u ON u.id = i.user_id WHERE i.identity = $1`, string(id))
}

// Users returns every user in id order. A team is small, so this is a full scan.
func (t *tx) Users() ([]*crm.User, error) {
	return list[crm.User](t, `SELECT data FROM users ORDER BY id`)
}

// PutUser stores u and its identities. An identity already linked to another user is
// a conflict: the identity index must resolve to exactly one person.
func (t *tx) PutUser(u *crm.User) error {
	explicit := u.ID != 0
	if err := t.nextID("users", &u.ID); err != nil {
		return err
	}
	ids := identities(u)
	var taken string
	err := t.q.QueryRow(t.ctx, `SELECT identity FROM user_identities WHERE identity = ANY($1) AND user_id <> $2 LIMIT 1`,
		ids, int64(u.ID)).Scan(&taken)
	if err == nil {
		return crm.Errorf(crm.ECONFLICT, "err.identity_taken", taken)
	}
	if !errors.Is(err, pgx.ErrNoRows) {
		return err
	}
	data, err := json.Marshal(u)
	if err != nil {
		return err
	}
	var inserted bool
	if err := t.q.QueryRow(t.ctx, `INSERT INTO users (id, data) VALUES ($1, $2)
		ON CONFLICT (id) DO UPDATE SET data = EXCLUDED.data RETURNING xmax = 0`, int64(u.ID), data).Scan(&inserted); err != nil {
		return err
	}
	if inserted && explicit {
		if err := t.raiseSeq("users", u.ID); err != nil {
			return err
		}
	}
	if _, err := t.q.Exec(t.ctx, `DELETE FROM user_identities WHERE user_id = $1`, int64(u.ID)); err != nil {
		return err
	}
	_, err = t.q.Exec(t.ctx, `INSERT INTO user_identities (identity, user_id)
		SELECT DISTINCT unnest($1::text[]), $2::int8`, ids, int64(u.ID))
	return err
}

func (t *tx) PutInvite(inv *crm.Invite) error {
	if inv.Code == "" {
		return crm.Errorf(crm.EINVALID, "err.invite_code_required")
	}
	data, err := json.Marshal(inv)
	if err != nil {
		return err
	}
	_, err = t.q.Exec(t.ctx, `INSERT INTO invites (code, data) VALUES ($1, $2)
		ON CONFLICT (code) DO UPDATE SET data = EXCLUDED.data`, inv.Code, data)
	return err
}

func (t *tx) Invite(code string) (*crm.Invite, error) {
	return getOne[crm.Invite](t, notFound("invite", code), `SELECT data FROM invites WHERE code = $1`, code)
}

func (t *tx) TakeInvite(code string) (*crm.Invite, error) {
	return getOne[crm.Invite](t, notFound("invite", code), `DELETE FROM invites WHERE code = $1 RETURNING data`, code)
}
