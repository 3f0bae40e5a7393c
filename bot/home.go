package bot

import (
	"context"

	"crmbot/crm"
)

// FollowUpLine is an interest's next step as every platform shows it, in u's
// language and time zone: "Wed 2 Dec 10:00 — first call back", flagged when it is
// overdue. A step the cadence set is stored as a catalog key ("next.new"); this is
// where it becomes words, so an adapter drawing its own view (Slack's App Home)
// shows the same text as the chat.
func (e *Engine) FollowUpLine(u *crm.User, in *crm.Interest) string {
	c := &conv{ctx: context.Background(), e: e, u: u, lang: u.Lang}
	if c.lang == "" {
		c.lang = DefaultLang
	}
	return c.nextLine(in)
}
