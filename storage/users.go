package storage

import (
	"crmbot/crm"
)

// userEntries: each identity resolves to the user.
func userEntries(u *crm.User) []entry {
	es := make([]entry, 0, len(u.Identities))
	for _, id := range u.Identities {
		es = append(es, entry{idxUserIdentity, []byte(id), u64(u.ID)})
	}
	return es
}

func (t *tx) User(id uint64) (*crm.User, error) {
	u, err := load[crm.User](t.btx, bucketUsers, id)
	if err == nil && u == nil {
		err = notFound("user", id)
	}
	return u, err
}

func (t *tx) UserByIdentity(id crm.Identity) (*crm.User, error) {
	v := t.btx.Bucket(idxUserIdentity).Get([]byte(id))
	if v == nil {
		return nil, notFound("user", string(id))
	}
	return t.User(getU64(v))
}

// Users returns every user in id order. A team is small, so this is a full scan.
func (t *tx) Users() ([]*crm.User, error) {
	var out []*crm.User
	err := t.btx.Bucket(bucketUsers).ForEach(func(k, v []byte) error {
		u := new(crm.User)
		if err := decode(v, u); err != nil {
			return err
		}
		out = append(out, u)
		return nil
	})
	return out, err
}

// PutUser stores u. An identity already linked to another user is a conflict: the
// identity index must resolve to exactly one person.
func (t *tx) PutUser(u *crm.User) error {
	b := t.btx.Bucket(bucketUsers)
	if err := nextID(b, &u.ID); err != nil {
		return err
	}
	idx := t.btx.Bucket(idxUserIdentity)
	for _, id := range u.Identities {
		if v := idx.Get([]byte(id)); v != nil && getU64(v) != u.ID {
			return crm.Errorf(crm.ECONFLICT, "err.identity_taken", string(id))
		}
	}
	old, err := load[crm.User](t.btx, bucketUsers, u.ID)
	if err != nil {
		return err
	}
	var oldEntries []entry
	if old != nil {
		oldEntries = userEntries(old)
	}
	if err := store(t.btx, bucketUsers, u.ID, u); err != nil {
		return err
	}
	return t.reindex(oldEntries, userEntries(u))
}

func (t *tx) PutInvite(inv *crm.Invite) error {
	if inv.Code == "" {
		return crm.Errorf(crm.EINVALID, "err.invite_code_required")
	}
	data, err := encode(inv)
	if err != nil {
		return err
	}
	return t.btx.Bucket(bucketInvites).Put([]byte(inv.Code), data)
}

func (t *tx) Invite(code string) (*crm.Invite, error) {
	data := t.btx.Bucket(bucketInvites).Get([]byte(code))
	if data == nil {
		return nil, notFound("invite", code)
	}
	inv := new(crm.Invite)
	if err := decode(data, inv); err != nil {
		return nil, err
	}
	return inv, nil
}

func (t *tx) TakeInvite(code string) (*crm.Invite, error) {
	b := t.btx.Bucket(bucketInvites)
	data := b.Get([]byte(code))
	if data == nil {
		return nil, notFound("invite", code)
	}
	inv := new(crm.Invite)
	if err := decode(data, inv); err != nil {
		return nil, err
	}
	if err := b.Delete([]byte(code)); err != nil {
		return nil, err
	}
	return inv, nil
}
