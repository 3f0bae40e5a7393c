package crm

import "time"

// OutboxState is where a pushed message is in its delivery.
type OutboxState string

// Outbox states. Only pending messages are delivered; the others stay for a while as
// the record that their key was used, so the same push is never decided twice.
const (
	OutboxPending OutboxState = "pending"
	OutboxSent    OutboxState = "sent"
	OutboxFailed  OutboxState = "failed"  // given up: the target is unreachable
	OutboxSkipped OutboxState = "skipped" // decided too late to be useful (a missed digest)
	// OutboxFolded: decided, but counted into a summary instead of sent on its own
	// (a backlog must not become thousands of messages to one person).
	OutboxFolded OutboxState = "folded"
)

// OutboxMessage is a push the scheduler decided — a nudge, a digest, an escalation —
// written in the same transaction as the decision and delivered later by a sender.
// Its Key makes the decision idempotent: "nudge:42:1764320400", "digest:7:2026-11-30".
type OutboxMessage struct {
	Key       string      `json:"key"`
	Target    Identity    `json:"target"`  // a person's identity or a channel's ("telegram:-100…")
	Payload   []byte      `json:"payload"` // the rendered message, opaque to the store
	Created   time.Time   `json:"created"`
	NotBefore time.Time   `json:"not_before"` // not delivered earlier (working hours, backoff)
	Attempts  int         `json:"attempts,omitempty"`
	State     OutboxState `json:"state"`
	LastError string      `json:"last_error,omitempty"` // short, never a token or message text
	SentAt    time.Time   `json:"sent_at,omitempty"`
}

// Outbox is what the scheduler and the senders need from a transaction. It is part of
// Tx.
type Outbox interface {
	// Enqueue stores m unless a message with its key exists (in any state); it reports
	// whether m was stored.
	Enqueue(m *OutboxMessage) (bool, error)
	// OutboxMessage returns the message under key, ENOTFOUND when there is none.
	OutboxMessage(key string) (*OutboxMessage, error)
	// PendingOutbox returns pending messages for targets on platform whose NotBefore
	// is not after t, earliest first.
	PendingOutbox(platform string, t time.Time, limit int) ([]*OutboxMessage, error)
	// ClaimOutbox is PendingOutbox for a sender that will send what it gets: each
	// message returned is leased to by until until, and no other claim returns it
	// before the lease ends or the message is updated (UpdateOutbox ends the lease).
	// Two senders on one database (replicas; two leaders by mistake) thus never get
	// the same message at once. A backend used by one process may return
	// PendingOutbox: its one scheduler sends each platform's messages in one loop.
	ClaimOutbox(platform string, t time.Time, by string, until time.Time, limit int) ([]*OutboxMessage, error)
	// UpdateOutbox stores a changed message (state, attempts, NotBefore).
	UpdateOutbox(m *OutboxMessage) error
	// PruneOutbox deletes messages no longer pending created before t, at most limit
	// of them (<= 0: all), returning how many. Keys older than the scheduler's
	// look-back can no longer recur.
	PruneOutbox(t time.Time, limit int) (int, error)
}
