package crm

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Users returns the team, ordered by name.
func (s *Service) Users(ctx context.Context) ([]*User, error) {
	var out []*User
	err := s.view(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Users()
		return err
	})
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, err
}

// UserByName finds a team member by name (case- and diacritics-insensitive, a unique
// prefix of the name or of any word of it is enough; "@" is ignored).
func (s *Service) UserByName(ctx context.Context, name string) (*User, error) {
	q := Fold(strings.TrimPrefix(strings.TrimSpace(name), "@"))
	if q == "" {
		return nil, Errorf(EINVALID, "err.user_name_required")
	}
	users, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	var exact, prefix []*User
	for _, u := range users {
		f := Fold(u.Name)
		switch {
		case f == q:
			exact = append(exact, u)
		case strings.HasPrefix(f, q) || strings.HasPrefix(strings.ReplaceAll(f, " ", ""), q):
			prefix = append(prefix, u)
		default:
			for _, w := range Words(u.Name) {
				if strings.HasPrefix(w, q) {
					prefix = append(prefix, u)
					break
				}
			}
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) == 0 && len(prefix) == 1:
		return prefix[0], nil
	case len(exact)+len(prefix) == 0:
		return nil, Errorf(ENOTFOUND, "err.user_not_found", name)
	}
	return nil, Errorf(EINVALID, "err.user_ambiguous", name)
}

// UserPatch changes some fields of a user; nil fields stay as they are.
type UserPatch struct {
	Name    *string
	Role    *Role
	Segment *Segment
	TZ      *string
	Lang    *string
}

// AddUser adds a team member (admins only).
func (s *Service) AddUser(ctx context.Context, op Op, name string, role Role, seg Segment, tz string) (*User, error) {
	u, _, err := s.AddUserBack(ctx, op, name, role, seg, tz)
	return u, err
}

// AddUserBack is AddUser that also brings back someone removed (/team remove) under
// the same name: Disabled is cleared, role, segment and time zone set as given, and
// their history kept; back reports it. An active person of that name is refused.
func (s *Service) AddUserBack(ctx context.Context, op Op, name string, role Role, seg Segment, tz string) (u *User, back bool, err error) {
	if op.Actor.Role != RoleAdmin {
		return nil, false, s.refused(ctx, op, "user", 0, "add", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, false, Errorf(EINVALID, "err.user_name_required")
	}
	if err := CheckLength(FieldName, name); err != nil {
		return nil, false, err
	}
	if !role.Valid() {
		return nil, false, Errorf(EINVALID, "err.bad_role", string(role))
	}
	if !seg.Valid() {
		return nil, false, Errorf(EINVALID, "err.bad_segment", string(seg))
	}
	if tz == "" {
		tz = s.Config.DefaultTZ
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return nil, false, Errorf(EINVALID, "err.bad_tz", tz)
	}
	err = s.update(ctx, func(tx Tx) error {
		u, back = nil, false // fn may run again (Store.Update): nothing carries over
		if id, ok, err := replay(tx, op); err != nil {
			return err
		} else if ok {
			u, err = tx.User(id)
			return err
		}
		users, err := tx.Users()
		if err != nil {
			return err
		}
		for _, x := range users {
			if Fold(x.Name) == Fold(name) {
				if !x.Disabled {
					return Errorf(ECONFLICT, "err.user_exists", name)
				}
				u, back = x, true
				if err := s.reactivate(tx, op, x, role, seg, tz); err != nil {
					return err
				}
				return remember(tx, op, u.ID)
			}
		}
		u = &User{Name: name, Role: role, Segment: seg, TZ: tz, CreatedAt: s.now()}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		if err := tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "add", Detail: fmt.Sprintf("%s %s", role, seg)}); err != nil {
			return err
		}
		return remember(tx, op, u.ID)
	})
	return u, back, err
}

// UpdateUser changes a user's name, role, segment, time zone or language. Admins change
// anyone; everyone may change their own time zone and language. R13 holds on segment.
func (s *Service) UpdateUser(ctx context.Context, op Op, userID uint64, p UserPatch) (*User, error) {
	self := userID == op.Actor.ID
	if op.Actor.Role != RoleAdmin && (!self || p.Name != nil || p.Role != nil || p.Segment != nil) {
		return nil, s.refused(ctx, op, "user", userID, "update", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	if p.TZ != nil {
		if _, err := time.LoadLocation(*p.TZ); err != nil || *p.TZ == "" {
			return nil, Errorf(EINVALID, "err.bad_tz", *p.TZ)
		}
	}
	if p.Role != nil && !p.Role.Valid() {
		return nil, Errorf(EINVALID, "err.bad_role", string(*p.Role))
	}
	if p.Name != nil {
		if err := CheckLength(FieldName, *p.Name); err != nil {
			return nil, err
		}
	}
	var u *User
	err := s.update(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.User(userID); err != nil {
			return err
		}
		var changes []string
		if p.Segment != nil {
			open, err := tx.OpenInterests(u.ID, "", 0)
			if err != nil {
				return err
			}
			if err := CheckUserSegment(u, *p.Segment, len(open)); err != nil {
				return err
			}
			u.Segment = *p.Segment
			changes = append(changes, "segment="+string(*p.Segment))
		}
		if p.Role != nil {
			if u.ID == op.Actor.ID && *p.Role != RoleAdmin {
				return Errorf(ECONFLICT, "err.demote_self")
			}
			u.Role = *p.Role
			changes = append(changes, "role="+string(*p.Role))
		}
		if p.Name != nil && strings.TrimSpace(*p.Name) != "" {
			u.Name = strings.TrimSpace(*p.Name)
			changes = append(changes, "name")
		}
		if p.TZ != nil {
			u.TZ = *p.TZ
			changes = append(changes, "tz="+*p.TZ)
		}
		if p.Lang != nil {
			u.Lang = *p.Lang
			changes = append(changes, "lang="+*p.Lang)
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "update", Detail: strings.Join(changes, " ")})
	})
	return u, err
}

// CreateInvite makes a one-time code that links the next identity redeeming it to user
// userID (admins only).
func (s *Service) CreateInvite(ctx context.Context, op Op, userID uint64) (*Invite, error) {
	if op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "invite", userID, "create", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	now := s.now()
	inv := &Invite{Code: newCode(), UserID: userID, CreatedBy: op.Actor.ID, CreatedAt: now, ExpiresAt: now.Add(s.Config.InviteTTL)}
	err := s.update(ctx, func(tx Tx) error {
		if _, err := tx.User(userID); err != nil {
			return err
		}
		if err := tx.PutInvite(inv); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "user", EntityID: userID, Action: "invite"})
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// RedeemInvite links identity id to the invite's user. An unknown or expired code
// changes nothing.
func (s *Service) RedeemInvite(ctx context.Context, id Identity, code string) (*User, error) {
	return s.RedeemInviteLang(ctx, id, code, "")
}

// RedeemInviteLang is RedeemInvite that sets the user's language to lang (the
// platform's hint) when they have none yet: the person who first links a Telegram
// account in Croatian reads Croatian from the welcome on.
func (s *Service) RedeemInviteLang(ctx context.Context, id Identity, code, lang string) (*User, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	var u *User
	err := s.update(ctx, func(tx Tx) error {
		if existing, err := tx.UserByIdentity(id); err == nil {
			return Errorf(ECONFLICT, "err.already_member", existing.Name)
		}
		inv, err := tx.TakeInvite(code)
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(EINVALID, "err.bad_invite")
		} else if err != nil {
			return err
		}
		if s.now().After(inv.ExpiresAt) {
			return Errorf(EINVALID, "err.bad_invite")
		}
		if u, err = tx.User(inv.UserID); err != nil {
			return err
		}
		u.Identities = append(u.Identities, id)
		if u.Lang == "" {
			u.Lang = lang
		}
		if u.Disabled {
			// An admin invited someone removed: redeeming brings them back, as
			// /team add with their name does, or the welcome would be followed by
			// "not on the team" at the next message.
			u.Disabled = false
			if err := tx.AddAudit(&AuditEntry{At: s.now(), ActorID: inv.CreatedBy, Entity: "user", EntityID: u.ID, Action: "reactivate", Detail: "invite"}); err != nil {
				return err
			}
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: u.ID, Entity: "user", EntityID: u.ID, Action: "link", Detail: id.Platform()})
	})
	if ErrorCode(err) == EINVALID {
		// A wrong code is remembered nowhere: the stranger stays a stranger.
		return nil, err
	}
	return u, err
}

// newCode returns an invite code that is easy to type: 8 characters without 0/O/1/I.
func newCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// SetReachable records whether the platform delivers to identity id. A platform that
// refuses for good (the user blocked the bot) makes it unreachable; the next message
// from that identity makes it reachable again.
func (s *Service) SetReachable(ctx context.Context, id Identity, reachable bool) error {
	return s.update(ctx, func(tx Tx) error {
		u, err := tx.UserByIdentity(id)
		if err != nil {
			return err
		}
		was := false
		kept := u.Unreachable[:0]
		for _, x := range u.Unreachable {
			if x == id {
				was = true
				continue
			}
			kept = append(kept, x)
		}
		u.Unreachable = kept
		if !reachable {
			u.Unreachable = append(u.Unreachable, id)
		}
		if was == !reachable {
			return nil // nothing changes
		}
		return tx.PutUser(u)
	})
}

// Reachable reports whether the platform is believed to deliver to id.
func (u *User) Reachable(id Identity) bool {
	for _, x := range u.Unreachable {
		if x == id {
			return false
		}
	}
	return true
}

// LinkIdentity attaches a platform identity to a user directly (admins only), for
// platforms where the admin can name the person (a Slack mention). An identity
// belongs to one user only.
func (s *Service) LinkIdentity(ctx context.Context, op Op, userID uint64, id Identity) (*User, error) {
	if op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "user", userID, "link", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	var u *User
	err := s.update(ctx, func(tx Tx) error {
		if other, err := tx.UserByIdentity(id); err == nil {
			if other.ID == userID {
				u = other
				return nil
			}
			return Errorf(ECONFLICT, "err.identity_taken", string(id), other.Name)
		}
		var err error
		if u, err = tx.User(userID); err != nil {
			return err
		}
		u.Identities = append(u.Identities, id)
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "link", Detail: id.Platform()})
	})
	return u, err
}
