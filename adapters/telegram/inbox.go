package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"crmbot/crm"
	"crmbot/metrics"
)

// The inbox makes update delivery crash-safe. Every update Telegram hands over is
// accepted into the durable inbox (bot.Inbox, source "telegram"), with the polling
// offset as the source's cursor, in one transaction before the next getUpdates
// (which confirms the batch to Telegram) or before the webhook request is answered
// 200. An update leaves the inbox only after it was handled, so a crash loses
// nothing; what is left is handled at the next start, in arrival order (even when
// update_id went down: Telegram picks a random id after a week of silence). The
// inbox drops a redelivered update_id; the engine's idempotency key (tg:u:<id>)
// keeps a re-handled update from acting twice.
const inboxSource = "telegram"

// entry is one update waiting to be handled.
type entry struct {
	seq uint64 // the inbox entry; 0 for a stranger's update, never stored
	raw json.RawMessage
}

// rawUpdate is an update as received, with its id.
type rawUpdate struct {
	id  int64
	raw json.RawMessage
	// stranger: the sender is not on the team. The update is handled (refused, or an
	// invite redeemed) but never stored: a stranger's text must leave no trace in
	// the file, and a lost refusal is harmless. Only its id is kept, against
	// redelivery.
	stranger bool
}

// accept stores updates not seen before and, when offset > 0, the next polling
// offset, all in one transaction. It returns the entries to handle, in order.
func (a *Adapter) accept(ctx context.Context, ups []rawUpdate, offset int64) ([]entry, error) {
	items := make([]crm.InboxItem, len(ups))
	for i, u := range ups {
		items[i] = crm.InboxItem{ID: strconv.FormatInt(u.id, 10), Body: u.raw, Transient: u.stranger}
	}
	cursor := ""
	if offset > 0 {
		cursor = strconv.FormatInt(offset, 10)
	}
	es, err := a.inbox.Accept(ctx, inboxSource, items, cursor)
	if err != nil {
		return nil, fmt.Errorf("telegram: store updates: %w", err)
	}
	return entries(es), nil
}

func entries(es []crm.InboxEntry) []entry {
	out := make([]entry, len(es))
	for i, e := range es {
		out[i] = entry{seq: e.Seq, raw: e.Body}
	}
	return out
}

// pending returns the entries left in the inbox, in arrival order.
func (a *Adapter) pending(ctx context.Context) ([]entry, error) {
	es, err := a.inbox.Pending(ctx, inboxSource)
	if err != nil {
		return nil, fmt.Errorf("telegram: read inbox: %w", err)
	}
	return entries(es), nil
}

// done marks a handled entry done.
func (a *Adapter) done(ctx context.Context, seq uint64) error {
	if err := a.inbox.Done(ctx, seq); err != nil {
		return fmt.Errorf("telegram: remove handled update: %w", err)
	}
	return nil
}

// offset returns the stored polling offset, 0 when none.
func (a *Adapter) offset(ctx context.Context) (int64, error) {
	c, err := a.inbox.Cursor(ctx, inboxSource)
	if err != nil || c == "" {
		return 0, err
	}
	off, err := strconv.ParseInt(c, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("telegram: read offset: %w", err)
	}
	return off, nil
}

// Gate tells team members from strangers; *bot.Engine satisfies it.
type Gate interface {
	Member(ctx context.Context, id crm.Identity) (bool, error)
}

// senderProbe reads who sent an update, for the Gate.
type senderProbe struct {
	Message *struct {
		From *struct{ ID int64 } `json:"from"`
	} `json:"message"`
	CallbackQuery *struct {
		From *struct{ ID int64 } `json:"from"`
	} `json:"callback_query"`
}

// markStrangers sets stranger on the messages and button presses whose sender is
// not on the team. When the check itself fails the update is kept as a member's:
// storing one stranger's message is better than losing a member's.
func (a *Adapter) markStrangers(ctx context.Context, ups []rawUpdate) {
	g, ok := a.engine.(Gate)
	if !ok {
		for range ups {
			metrics.UpdateReceived("telegram")
		}
		return
	}
	for i := range ups {
		metrics.UpdateReceived("telegram")
		var p senderProbe
		if json.Unmarshal(ups[i].raw, &p) != nil {
			continue
		}
		var from int64
		switch {
		case p.Message != nil && p.Message.From != nil:
			from = p.Message.From.ID
		case p.CallbackQuery != nil && p.CallbackQuery.From != nil:
			from = p.CallbackQuery.From.ID
		default:
			continue // chat member changes and the like carry no one's words
		}
		member, err := g.Member(ctx, identity(from))
		if err == nil && !member {
			ups[i].stranger = true
			a.strangers.Add(1)
			metrics.Stranger("telegram")
		}
	}
}
