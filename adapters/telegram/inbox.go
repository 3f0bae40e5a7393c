package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"crmbot/crm"
	"crmbot/metrics"
)

// The inbox makes update delivery crash-safe. Every update Telegram hands over is
// written, with the polling offset, in one transaction before the next getUpdates
// (which confirms the batch to Telegram) or before the webhook request is answered
// 200. An update leaves the inbox only after it was handled, so a crash loses
// nothing; what is left is handled at the next start. The engine's idempotency key
// (tg:u:<update_id>) keeps a re-handled update from acting twice.
//
// Layout, in the store's blobs:
//
//	tg_inbox/<update_id, 20 digits>  the raw update JSON
//	tg/inbox                         JSON list of pending keys, in arrival order
//	tg/offset                        the next getUpdates offset
//
// The pending list keeps the arrival order even when update_id goes down (Telegram
// picks a random id after a week of silence); crm.Tx has no cursor over blobs.
// Each accepted update_id is also recorded as idempotency key tg:in:<id>, so a
// redelivered webhook update is dropped (the storage prunes old keys).
const (
	nsInbox   = "tg_inbox"
	nsState   = "tg"
	keyOffset = "offset"
	keyList   = "inbox"
)

type inbox struct {
	store crm.Store
}

// entry is one update waiting to be handled.
type entry struct {
	key string // the tg_inbox key
	raw json.RawMessage
}

func inboxKey(updateID int64) string { return fmt.Sprintf("%020d", updateID) }

func seenKey(updateID int64) string { return "tg:in:" + strconv.FormatInt(updateID, 10) }

func readList(tx crm.Tx) ([]string, error) {
	b, err := tx.Blob(nsState, keyList)
	if err != nil || len(b) == 0 {
		return nil, err
	}
	var l []string
	if err := json.Unmarshal(b, &l); err != nil {
		return nil, fmt.Errorf("telegram inbox list: %w", err)
	}
	return l, nil
}

func writeList(tx crm.Tx, l []string) error {
	b, err := json.Marshal(l)
	if err != nil {
		return err
	}
	return tx.PutBlob(nsState, keyList, b)
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
// offset, all in one transaction. It returns the stored entries, in order.
func (in *inbox) accept(ctx context.Context, ups []rawUpdate, offset int64) ([]entry, error) {
	var out []entry
	err := in.store.Update(ctx, func(tx crm.Tx) error {
		out = out[:0]
		stored := false
		list, err := readList(tx)
		if err != nil {
			return err
		}
		for _, u := range ups {
			_, seen, err := tx.Idempotency(seenKey(u.id))
			if err != nil {
				return err
			}
			if seen {
				continue
			}
			if err := tx.SetIdempotency(seenKey(u.id), ""); err != nil {
				return err
			}
			if u.stranger {
				out = append(out, entry{raw: u.raw}) // key "": in memory only
				continue
			}
			k := inboxKey(u.id)
			if err := tx.PutBlob(nsInbox, k, u.raw); err != nil {
				return err
			}
			list = append(list, k)
			stored = true
			out = append(out, entry{key: k, raw: u.raw})
		}
		if stored {
			if err := writeList(tx, list); err != nil {
				return err
			}
		}
		if offset > 0 {
			return tx.PutBlob(nsState, keyOffset, []byte(strconv.FormatInt(offset, 10)))
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("telegram: store updates: %w", err)
	}
	return out, nil
}

// pending returns the entries left in the inbox, in arrival order.
func (in *inbox) pending(ctx context.Context) ([]entry, error) {
	var out []entry
	err := in.store.View(ctx, func(tx crm.Tx) error {
		list, err := readList(tx)
		if err != nil {
			return err
		}
		for _, k := range list {
			raw, err := tx.Blob(nsInbox, k)
			if err != nil {
				return err
			}
			if raw != nil {
				out = append(out, entry{key: k, raw: raw})
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("telegram: read inbox: %w", err)
	}
	return out, nil
}

// done removes a handled entry.
func (in *inbox) done(ctx context.Context, key string) error {
	if key == "" {
		return nil // a stranger's update, never stored
	}
	err := in.store.Update(ctx, func(tx crm.Tx) error {
		list, err := readList(tx)
		if err != nil {
			return err
		}
		if i := slices.Index(list, key); i >= 0 {
			list = slices.Delete(list, i, i+1)
			if err := writeList(tx, list); err != nil {
				return err
			}
		}
		return tx.DeleteBlob(nsInbox, key)
	})
	if err != nil {
		return fmt.Errorf("telegram: remove handled update: %w", err)
	}
	return nil
}

// offset returns the stored polling offset, 0 when none.
func (in *inbox) offset(ctx context.Context) (int64, error) {
	var off int64
	err := in.store.View(ctx, func(tx crm.Tx) error {
		b, err := tx.Blob(nsState, keyOffset)
		if err != nil || len(b) == 0 {
			return err
		}
		off, err = strconv.ParseInt(string(b), 10, 64)
		return err
	})
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
