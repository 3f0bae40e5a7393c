package crm

// The inbox is the durable queue in front of the engine: every platform update or
// event is accepted into it before the platform is told it arrived, handled, and then
// marked done. Storage implements it; the adapters see it through bot.Inbox. These are
// its values, kept here (like OutboxMessage) so that storage and bot share them
// without importing each other.

// InboxItem is one update or event offered to the inbox.
type InboxItem struct {
	// ID is the platform's own id for it (a Telegram update_id, a Slack event_id, a
	// slash command's trigger_id): a redelivery with the same ID from the same
	// source is accepted once.
	ID string
	// Body is what a restart needs to handle it again (the raw update). It is kept
	// until the entry is done. An empty Body remembers the ID only, for requests
	// that cannot be replayed (a slash command): the entry then marks it in flight.
	Body []byte
	// Transient keeps nothing but the ID against redelivery: the item is handled from
	// memory and never written (a stranger's message, whose words must leave no trace).
	Transient bool
}

// InboxEntry is an accepted item waiting to be handled.
type InboxEntry struct {
	// Seq identifies the entry for Done; 0 for a Transient item, which has no entry.
	Seq  uint64
	ID   string
	Body []byte
}
