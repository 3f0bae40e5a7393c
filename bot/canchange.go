package bot

import "crmbot/crm"

// refuseChange reads interest id and returns the refusal when the user may not change
// it, or nil. Commands that ask questions (/log, /next, /stage, /lost, /edit) call it
// before the first one, so nothing typed in answer is lost to a refusal at the end. A
// number the user may not see (own-only mode) is answered as one that does not exist,
// as the card does: a question must not confirm that it exists.
func (c *conv) refuseChange(id uint64) []Reply {
	card, err := c.e.svc.Card(c.ctx, c.u, id, 1)
	if err != nil {
		return c.fail(err)
	}
	if !crm.CanChange(c.u, card.Interest) {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.not_owner", id))
	}
	return nil
}
