package crm

import (
	"context"
	"strings"
)

// CheckInvite returns the invite under code while it can still be redeemed (not used,
// not expired), without using it: someone already linked who sends a code is told
// what it is for, and the code stays valid for the platform it was meant for.
func (s *Service) CheckInvite(ctx context.Context, code string) (*Invite, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	var inv *Invite
	err := s.view(ctx, func(tx Tx) error {
		var err error
		inv, err = tx.Invite(code)
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(EINVALID, "err.bad_invite")
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.now().After(inv.ExpiresAt) {
		return nil, Errorf(EINVALID, "err.bad_invite")
	}
	return inv, nil
}
