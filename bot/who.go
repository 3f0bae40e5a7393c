package bot

import (
	"context"

	"crmbot/crm"
)

// Person is what the engine tells an adapter about a platform identity, so the
// adapter never authenticates on its own.
type Person struct {
	// Known is true when the identity is linked to someone on the team.
	Known bool
	// Member is Known, or an admin from Options.Admins who joins on first contact.
	Member bool
	// Name is their name on the team; "" for a stranger.
	Name string
	// Lang is the language answers to them are worded in: their own, or the
	// default for a stranger.
	Lang string
}

// Who says who id is. It only reads. An error is a failure to find out (the
// database), never "not on the team".
func (e *Engine) Who(ctx context.Context, id crm.Identity) (Person, error) {
	u, err := e.svc.Authenticate(ctx, id)
	switch {
	case crm.ErrorCode(err) == crm.EUNAUTHORIZED:
		return Person{Member: e.isAdmin(id), Lang: e.defLang}, nil
	case err != nil:
		return Person{Lang: e.defLang}, err
	}
	return Person{Known: true, Member: true, Name: u.Name, Lang: e.userLang(u)}, nil
}

// SetReachable records whether a platform delivers to id: someone who blocked the
// bot is unreachable, so nudges to them stop, and reachable again when they write.
// Adapters report it here rather than to the crm.Service, which they never hold.
func (e *Engine) SetReachable(ctx context.Context, id crm.Identity, reachable bool) error {
	return e.svc.SetReachable(ctx, id, reachable)
}
