package bot

// refuseChange asks the service whether the user may change interest id (action names
// the change, for the audit of a refusal) and returns the refusal, or nil. Commands
// that ask questions (/log, /next, /stage, /lost, /edit) call it before the first one,
// so nothing typed in answer is lost to a refusal at the end. A number the user may not
// see (own-only mode) is answered as one that does not exist, as the card does: a
// question must not confirm that it exists.
func (c *conv) refuseChange(id uint64, action string) []Reply {
	if err := c.e.svc.MayChange(c.ctx, c.op(), id, action); err != nil {
		return c.fail(err)
	}
	return nil
}
