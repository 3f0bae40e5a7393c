package crm

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"time"
)

// Removed is the outcome of RemoveUser: who was removed, which platforms were
// unlinked, and the open interests that are still theirs until a head reassigns them.
type Removed struct {
	User      *User
	Platforms []string // of the unlinked identities ("telegram", "slack")
	Open      []*Summary
}

// RemoveUser deactivates a team member (admins only) when they leave: no more nudges
// or digests (Disabled), their identities unlinked so they can no longer use the bot
// on any platform, and nothing else touched — their interests, interactions and audit
// entries keep naming them, so history stays true. Their open interests stay theirs
// until reassigned; the result lists them. Removing oneself is refused: the last
// admin could lock everyone out.
func (s *Service) RemoveUser(ctx context.Context, op Op, userID uint64) (*Removed, error) {
	if op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "user", userID, "remove", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	if userID == op.Actor.ID {
		return nil, Errorf(EINVALID, "err.remove_self")
	}
	var out *Removed
	err := s.update(ctx, func(tx Tx) error {
		out = &Removed{} // fn may run again (Store.Update): start afresh each time
		_, dup, err := replay(tx, op)
		if err != nil {
			return err
		}
		u, err := tx.User(userID)
		if err != nil {
			return err
		}
		if !dup {
			if u.Disabled && len(u.Identities) == 0 {
				return Errorf(ECONFLICT, "err.already_removed", u.Name)
			}
			for _, id := range u.Identities {
				out.Platforms = append(out.Platforms, id.Platform())
			}
			if err := dropPending(tx, u.Identities, s.now()); err != nil {
				return err
			}
			u.Disabled, u.Identities, u.Unreachable = true, nil, nil
			if err := tx.PutUser(u); err != nil {
				return err
			}
			detail := "identities=" + strings.Join(out.Platforms, ",")
			if err := tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "remove", Detail: detail}); err != nil {
				return err
			}
			if err := remember(tx, op, u.ID); err != nil {
				return err
			}
		}
		out.User = u
		open, err := tx.OpenInterests(u.ID, "", 0)
		if err != nil {
			return err
		}
		names, err := userNames(tx)
		if err != nil {
			return err
		}
		for _, in := range open {
			sm, err := summarize(tx, in, names)
			if err != nil {
				return fmt.Errorf("interest %d: %w", in.ID, err)
			}
			out.Open = append(out.Open, sm)
		}
		return nil
	})
	if err != nil {
		return nil, s.refused(ctx, op, "user", userID, "remove", err)
	}
	return out, nil
}

// reactivate brings back u, removed earlier, with the role, segment and time zone an
// admin's /team add gives: their interests and history were kept, so only Disabled is
// cleared. R13 holds: a new segment is refused while they still own open interests of
// the old one.
func (s *Service) reactivate(tx Tx, op Op, u *User, role Role, seg Segment, tz string) error {
	if seg != u.Segment {
		open, err := tx.OpenInterests(u.ID, "", 0)
		if err != nil {
			return err
		}
		if err := CheckUserSegment(u, seg, len(open)); err != nil {
			return err
		}
	}
	u.Disabled, u.Role, u.Segment, u.TZ = false, role, seg, tz
	if err := tx.PutUser(u); err != nil {
		return err
	}
	return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "reactivate", Detail: fmt.Sprintf("%s %s", role, seg)})
}

// OpenOf returns one owner's open interests, by stage along the path (R3) and then
// by next step: what a head reads to see how one manager is doing. Managers may ask
// only for their own.
func (s *Service) OpenOf(ctx context.Context, viewer *User, ownerID uint64) ([]*Summary, error) {
	if !viewer.IsLead() && ownerID != viewer.ID {
		return nil, Errorf(EFORBIDDEN, "err.pipeline_forbidden")
	}
	var out []*Summary
	err := s.view(ctx, func(tx Tx) error {
		var err error
		out, err = OpenSummaries(tx, ownerID)
		return err
	})
	return out, err
}

// OpenSummaries lists an owner's open interests in a transaction, stage by stage
// (OpenStages order), each stage by next step; it reads the owner's open index, never
// the whole database.
func OpenSummaries(tx Tx, ownerID uint64) ([]*Summary, error) {
	names, err := userNames(tx)
	if err != nil {
		return nil, err
	}
	var out []*Summary
	for _, st := range OpenStages {
		ins, err := tx.OpenInterests(ownerID, st, 0)
		if err != nil {
			return nil, err
		}
		sort.SliceStable(ins, func(i, j int) bool { return ins[i].Next.Due.Before(ins[j].Next.Due) })
		for _, in := range ins {
			sm, err := summarize(tx, in, names)
			if err != nil {
				return nil, err
			}
			out = append(out, sm)
		}
	}
	return out, nil
}

// dropPending marks the pushes still waiting for ids (a nudge held until working
// hours, a retry) as skipped: someone who left must not receive client data after
// they were removed.
func dropPending(tx Tx, ids []Identity, now time.Time) error {
	gone := map[Identity]bool{}
	platforms := map[string]bool{}
	for _, id := range ids {
		gone[id], platforms[id.Platform()] = true, true
	}
	for p := range platforms {
		pending, err := tx.PendingOutbox(p, now.AddDate(100, 0, 0), 0)
		if err != nil {
			return err
		}
		for _, m := range pending {
			if !gone[m.Target] {
				continue
			}
			m.State, m.LastError = OutboxSkipped, "recipient removed from the team"
			if err := tx.UpdateOutbox(m); err != nil {
				return err
			}
		}
	}
	return nil
}
