package crm

import "context"

// TeamSettings are the settings the team shares, changed in chat by its leads.
type TeamSettings struct {
	// Channel is the department's channel: where the department digest and the
	// escalation counts go ("" when none was set in chat: the configured default).
	Channel Identity `json:"channel,omitempty"`
	// ChannelSetBy is the lead who set the channel: the department digest follows
	// their digest time, zone and working days.
	ChannelSetBy uint64 `json:"channel_set_by,omitempty"`
	// EscalationsNamed posts escalations in the channel naming the client and the
	// manager (an admin's choice); by default the channel gets only counts. It
	// outlives the channel being turned off.
	EscalationsNamed bool `json:"escalations_named,omitempty"`
}

// Settings returns the team's settings.
func (s *Service) Settings(ctx context.Context) (TeamSettings, error) {
	var out TeamSettings
	err := s.view(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Settings()
		return err
	})
	return out, err
}

// SetChannel makes target the department's channel ("" turns it off). Heads and
// admins only.
func (s *Service) SetChannel(ctx context.Context, op Op, target Identity) error {
	if op.Actor == nil || !op.Actor.IsLead() {
		return Errorf(EFORBIDDEN, "group.lead_only")
	}
	return s.update(ctx, func(tx Tx) error {
		ts, err := tx.Settings()
		if err != nil {
			return err
		}
		ts.Channel, ts.ChannelSetBy = target, op.Actor.ID
		if target == "" {
			ts.ChannelSetBy = 0
		}
		return tx.PutSettings(ts)
	})
}

// SetEscalationsNamed chooses whether the department channel gets escalations naming
// the client and the manager (named) or only counts. Admins only.
func (s *Service) SetEscalationsNamed(ctx context.Context, op Op, named bool) error {
	if op.Actor == nil || op.Actor.Role != RoleAdmin {
		return Errorf(EFORBIDDEN, "err.admin_only")
	}
	return s.update(ctx, func(tx Tx) error {
		ts, err := tx.Settings()
		if err != nil {
			return err
		}
		ts.EscalationsNamed = named
		return tx.PutSettings(ts)
	})
}

// MoveChannel records that a chat now has another id (a Telegram group upgraded to a
// supergroup): the department channel follows it.
func (s *Service) MoveChannel(ctx context.Context, from, to Identity) error {
	return s.update(ctx, func(tx Tx) error {
		ts, err := tx.Settings()
		if err != nil || ts.Channel != from {
			return err
		}
		ts.Channel = to
		return tx.PutSettings(ts)
	})
}

// Dialog returns the stored dialogue state of identity id, nil when none. Inside a
// message's unit of work, MessageUnit.Dialog has it already.
func (s *Service) Dialog(ctx context.Context, id Identity) ([]byte, error) {
	var out []byte
	err := s.view(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Dialog(id)
		return err
	})
	return out, err
}

// SaveDialog stores the dialogue state of identity id; nil deletes it.
func (s *Service) SaveDialog(ctx context.Context, id Identity, state []byte) error {
	return s.update(ctx, func(tx Tx) error {
		if state == nil {
			return tx.DeleteDialog(id)
		}
		return tx.PutDialog(id, state)
	})
}

// User returns the team member with that id.
func (s *Service) User(ctx context.Context, id uint64) (*User, error) {
	var out *User
	err := s.view(ctx, func(tx Tx) error {
		var err error
		out, err = tx.User(id)
		return err
	})
	return out, err
}
