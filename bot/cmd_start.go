package bot

import "crmbot/crm"

// startCode answers "/start CODE" (a Telegram deep link, or a pasted invite) from
// someone already linked here. The code is not used: if it is theirs, it is meant for
// another platform and stays valid for it; if it is someone else's, it must not link
// that person to this chat; if it is not valid, none is needed.
func (c *conv) startCode(code string) []Reply {
	inv, err := c.e.svc.CheckInvite(c.ctx, code)
	switch {
	case crm.ErrorCode(err) == crm.EINVALID:
		return []Reply{{Text: c.t("sched.start_linked_no_code", c.u.Name), Private: true}}
	case err != nil:
		return c.fail(err)
	case inv.UserID == c.u.ID:
		return []Reply{{Text: c.t("sched.start_linked_own_code", c.u.Name, c.req.Identity.Platform(), c.when(inv.ExpiresAt)), Private: true}}
	}
	return []Reply{{Text: c.t("sched.start_linked_other_code", c.u.Name), Private: true}}
}
