package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/sync/semaphore"
)

// decodeID reads update_id from a raw update.
func decodeID(raw json.RawMessage) (int64, error) {
	var v struct {
		UpdateID *int64 `json:"update_id"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return 0, err
	}
	if v.UpdateID == nil {
		return 0, fmt.Errorf("no update_id")
	}
	return *v.UpdateID, nil
}

// chatOfRaw returns the chat an inbox entry belongs to (0 for an update this adapter
// cannot parse: it is then dropped by its handler, in a queue of its own).
func chatOfRaw(raw json.RawMessage) int64 {
	var u tgbotapi.Update
	if json.Unmarshal(raw, &u) != nil {
		return 0
	}
	chat, _ := chatOf(&u)
	return chat
}

// drainInbox queues what a previous run received but did not finish handling, before
// anything new, so each chat's updates stay in order.
func (a *Adapter) drainInbox(ctx context.Context) error {
	pending, err := a.pending(ctx)
	if err != nil {
		return err
	}
	if len(pending) > 0 {
		a.log.Info("telegram: handling updates left from the previous run", "count", len(pending))
	}
	for _, e := range pending {
		a.disp.add(chatOfRaw(e.raw), e, nil)
	}
	return nil
}

// poll is the long-polling loop. tgbotapi's GetUpdatesChan confirms updates to
// Telegram before they are handled and drops those whose id went down; this loop
// instead stores each batch and the next offset in one transaction, and only then
// asks for more, which is what confirms the batch. It returns when ctx is done.
func (a *Adapter) poll(ctx context.Context) error {
	offset, err := a.offset(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	// In-flight slots: when handling falls behind, polling pauses; unconfirmed
	// updates wait at Telegram rather than in memory.
	slots := semaphore.NewWeighted(int64(a.cfg.MaxInFlight))
	b := newBackoff()
	for ctx.Err() == nil {
		ups, err := a.getUpdates(ctx, offset)
		if err == nil && len(ups) > 0 {
			// The next offset follows the last update received, not the highest
			// id: after a week of silence Telegram restarts ids at a random value.
			next := ups[len(ups)-1].id + 1
			var accepted []entry
			a.markStrangers(ctx, ups)
			accepted, err = a.accept(ctx, ups, next)
			if err == nil {
				offset = next
				for _, e := range accepted {
					if err := slots.Acquire(ctx, 1); err != nil {
						return nil // shutdown: the rest is in the inbox
					}
					a.disp.add(chatOfRaw(e.raw), e, func() { slots.Release(1) })
				}
			}
		}
		if err == nil {
			b.Reset()
			continue
		}
		if ctx.Err() != nil {
			return nil
		}
		d := b.NextBackOff()
		if c := classify(err); c.kind == flood {
			d = c.retryAfter
		}
		a.log.Warn("telegram: getUpdates failed; retrying", "err", err, "in", d)
		if strings.Contains(err.Error(), "webhook is active") {
			a.deleteWebhook(ctx)
		}
		if err := a.cfg.Sleep(ctx, d); err != nil {
			return nil
		}
	}
	return nil
}

// getUpdates asks for the next batch. It goes through MakeRequest, not GetUpdates,
// to keep each update's raw JSON for the inbox (tgbotapi's Update drops fields it
// does not know, such as forward_origin).
func (a *Adapter) getUpdates(ctx context.Context, offset int64) ([]rawUpdate, error) {
	api := a.api.Load()
	allowed, _ := json.Marshal(allowedUpdates)
	params := tgbotapi.Params{
		"limit":           "100",
		"timeout":         strconv.Itoa(int(a.cfg.PollTimeout.Seconds())),
		"allowed_updates": string(allowed),
	}
	if offset != 0 {
		params["offset"] = strconv.FormatInt(offset, 10)
	}
	resp, err := a.withContext(ctx, api).MakeRequest("getUpdates", params)
	if err != nil {
		return nil, a.scrub(err)
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(resp.Result, &raws); err != nil {
		return nil, fmt.Errorf("telegram: getUpdates result: %w", err)
	}
	ups := make([]rawUpdate, 0, len(raws))
	for _, r := range raws {
		id, err := decodeID(r)
		if err != nil {
			return nil, fmt.Errorf("telegram: getUpdates result: %w", err)
		}
		ups = append(ups, rawUpdate{id: id, raw: r})
	}
	return ups, nil
}

// deleteWebhook removes a webhook left by an earlier webhook-mode run: while one is
// set, getUpdates answers 409. Pending updates are kept.
func (a *Adapter) deleteWebhook(ctx context.Context) {
	a.log.Warn("telegram: a webhook is set; deleting it to poll")
	if _, err := a.send.raw(ctx, "deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}); err != nil {
		a.log.Warn("telegram: deleteWebhook failed", "err", err)
	}
}
