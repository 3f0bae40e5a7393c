package bot

import (
	"context"
	"errors"

	"crmbot/crm"
)

// Notifier delivers a pushed message (a nudge, a digest) to a person or a channel on
// one platform. Each adapter implements it; the scheduler's senders call it.
//
// Notify returns nil only once the platform accepted the message. An error wrapping
// ErrUnreachable is permanent (the user blocked the bot, the channel is gone) and is
// not retried; any other error is retried with backoff.
type Notifier interface {
	Notify(ctx context.Context, to crm.Identity, r Reply) error
}

// ErrUnreachable marks a permanent delivery failure.
var ErrUnreachable = errors.New("target unreachable")

// NotifierFunc adapts a function to Notifier.
type NotifierFunc func(ctx context.Context, to crm.Identity, r Reply) error

// Notify implements Notifier.
func (f NotifierFunc) Notify(ctx context.Context, to crm.Identity, r Reply) error {
	return f(ctx, to, r)
}
