package crm

import "context"

// MayChange reads interest id and answers as a change of it would, without changing
// anything: nil when op.Actor may change it, else the same refusal (audited the same
// way) that the change itself would give. The bot asks it before the first question of
// a dialogue, so nothing typed in answer is lost to a refusal at the end. In own-only
// mode an interest the actor may not see is worded as one that does not exist.
func (s *Service) MayChange(ctx context.Context, op Op, id uint64, action string) error {
	err := s.view(ctx, func(tx Tx) error {
		in, err := tx.Interest(id)
		if err != nil {
			return err
		}
		if !CanChange(op.Actor, in) {
			if !CanSee(op.Actor, in, s.Config.ManagersSeeOwnOnly) {
				return Errorf(EFORBIDDEN, "err.interest_not_found", in.ID)
			}
			return Errorf(EFORBIDDEN, "err.not_owner", in.ID)
		}
		return nil
	})
	return s.refused(ctx, op, "interest", id, action, err)
}
