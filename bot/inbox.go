package bot

import (
	"context"

	"crmbot/crm"
)

// Inbox is the durable queue every platform adapter puts its updates and events
// through: Accept before the platform is told they arrived (Telegram's next
// getUpdates, the webhook's or Slack's 200), handle, then Done. storage.Inbox
// implements it; the adapters hold nothing else of the database.
//
//   - Accept stores items from source, and cursor (unless "") as the source's new
//     cursor, in one transaction. It returns what to handle: the items not seen
//     before, and those seen but not done yet (a redelivery; skip the Seqs already
//     being handled). Items seen and done are dropped.
//   - Pending returns the entries of source left undone by a previous run, in
//     arrival order, to be handled before anything new.
//   - Cursor returns source's stored cursor ("" when none).
//   - Done marks an entry handled, once its replies were delivered: an entry cut short
//     by a crash is handed back by Pending and handled again, and the engine answers it
//     with the replies it kept with the change (marking it done in the change's own
//     transaction would lose them).
type Inbox interface {
	Accept(ctx context.Context, source string, items []crm.InboxItem, cursor string) ([]crm.InboxEntry, error)
	Pending(ctx context.Context, source string) ([]crm.InboxEntry, error)
	Cursor(ctx context.Context, source string) (string, error)
	Done(ctx context.Context, seq uint64) error
}
