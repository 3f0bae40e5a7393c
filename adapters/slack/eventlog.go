package slack

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"crmbot/crm"
)

// The event log makes Events API delivery exactly-once for the engine. Slack retries
// an event it thinks failed (at once, after a minute, after five; hourly for a day
// with Delayed Events) with the same event_id, and the first retry can arrive while
// the first delivery is still being handled. So an event_id is recorded when it is
// accepted, with the raw event, before the 200 goes out; it is marked done once the
// engine has handled it. A retry of a done event is dropped; a retry of one that is
// recorded but not in flight (the process died before finishing) is handled; and
// Run hands the unfinished ones of the previous run back to the engine, since Slack
// does not retry an event it got a 200 for.
//
// Layout, in the store's blobs (crm.Tx has no cursor over blobs, hence the lists):
//
//	slack_events/<event_id>          eventRecord JSON
//	slack_event_hours/<YYYYMMDDHH>   JSON list of the event_ids accepted that hour
//	slack/event_hours                JSON list of {hour, count}, oldest first
//	slack/pending                    JSON list of event_ids not yet done
//
// Pruning drops whole hours older than the retention, and the oldest hours while
// more than max event_ids are kept, so the log stays bounded in size.
const (
	nsEvents     = "slack_events"
	nsEventHours = "slack_event_hours"
	nsState      = "slack"
	keyHours     = "event_hours"
	keyPending   = "pending"
)

type eventRecord struct {
	At   int64           `json:"at"` // unix seconds of acceptance
	Done bool            `json:"done,omitempty"`
	Raw  json.RawMessage `json:"raw,omitempty"` // kept until done, for replay
}

type hourCount struct {
	Hour  string `json:"h"`
	Count int    `json:"n"`
}

type eventLog struct {
	store     crm.Store
	retention time.Duration
	max       int
}

// eventState is what the log knew of an event_id when it was offered.
type eventState int

const (
	eventNew     eventState = iota // first seen: recorded now
	eventPending                   // recorded before, never finished
	eventDone                      // handled already
)

func getJSON(tx crm.Tx, ns, key string, v any) (bool, error) {
	b, err := tx.Blob(ns, key)
	if err != nil || b == nil {
		return false, err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return false, fmt.Errorf("slack event log %s/%s: %w", ns, key, err)
	}
	return true, nil
}

func putJSON(tx crm.Tx, ns, key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return tx.PutBlob(ns, key, b)
}

// begin records event id (with its raw body) unless it is known, and says what was
// known.
func (l *eventLog) begin(ctx context.Context, id string, raw []byte, now time.Time) (eventState, error) {
	st := eventNew
	err := l.store.Update(ctx, func(tx crm.Tx) error {
		var rec eventRecord
		found, err := getJSON(tx, nsEvents, id, &rec)
		if err != nil {
			return err
		}
		if found {
			st = eventPending
			if rec.Done {
				st = eventDone
			}
			return nil
		}
		st = eventNew
		if err := putJSON(tx, nsEvents, id, eventRecord{At: now.Unix(), Raw: raw}); err != nil {
			return err
		}
		var pending []string
		if _, err := getJSON(tx, nsState, keyPending, &pending); err != nil {
			return err
		}
		if err := putJSON(tx, nsState, keyPending, append(pending, id)); err != nil {
			return err
		}
		hour := now.UTC().Format("2006010215")
		var ids []string
		if _, err := getJSON(tx, nsEventHours, hour, &ids); err != nil {
			return err
		}
		if err := putJSON(tx, nsEventHours, hour, append(ids, id)); err != nil {
			return err
		}
		var hours []hourCount
		if _, err := getJSON(tx, nsState, keyHours, &hours); err != nil {
			return err
		}
		if n := len(hours); n > 0 && hours[n-1].Hour == hour {
			hours[n-1].Count++
		} else {
			hours = append(hours, hourCount{Hour: hour, Count: 1})
		}
		if hours, err = l.prune(tx, hours, now); err != nil {
			return err
		}
		return putJSON(tx, nsState, keyHours, hours)
	})
	return st, err
}

// prune drops the hours past the retention, and the oldest ones while more than max
// event_ids are kept (never the current hour).
func (l *eventLog) prune(tx crm.Tx, hours []hourCount, now time.Time) ([]hourCount, error) {
	cutoff := now.UTC().Add(-l.retention).Format("2006010215")
	total := 0
	for _, h := range hours {
		total += h.Count
	}
	var dropped []string
	for len(hours) > 1 && (hours[0].Hour < cutoff || total > l.max) {
		h := hours[0]
		var ids []string
		if _, err := getJSON(tx, nsEventHours, h.Hour, &ids); err != nil {
			return nil, err
		}
		for _, id := range ids {
			if err := tx.DeleteBlob(nsEvents, id); err != nil {
				return nil, err
			}
		}
		if err := tx.DeleteBlob(nsEventHours, h.Hour); err != nil {
			return nil, err
		}
		dropped = append(dropped, ids...)
		total -= h.Count
		hours = hours[1:]
	}
	if len(dropped) > 0 {
		// An event too old to keep is not replayed either.
		var pending []string
		if _, err := getJSON(tx, nsState, keyPending, &pending); err != nil {
			return nil, err
		}
		pending = slices.DeleteFunc(pending, func(id string) bool { return slices.Contains(dropped, id) })
		if err := putJSON(tx, nsState, keyPending, pending); err != nil {
			return nil, err
		}
	}
	return hours, nil
}

// finish marks event id handled and forgets its body.
func (l *eventLog) finish(ctx context.Context, id string) error {
	return l.store.Update(ctx, func(tx crm.Tx) error {
		var rec eventRecord
		found, err := getJSON(tx, nsEvents, id, &rec)
		if err != nil {
			return err
		}
		if found {
			rec.Done, rec.Raw = true, nil
			if err := putJSON(tx, nsEvents, id, rec); err != nil {
				return err
			}
		}
		var pending []string
		if _, err := getJSON(tx, nsState, keyPending, &pending); err != nil {
			return err
		}
		if i := slices.Index(pending, id); i >= 0 {
			return putJSON(tx, nsState, keyPending, slices.Delete(pending, i, i+1))
		}
		return nil
	})
}

// pending returns the raw bodies of the events accepted and never finished.
func (l *eventLog) pending(ctx context.Context) (map[string][]byte, []string, error) {
	out := map[string][]byte{}
	var order []string
	err := l.store.View(ctx, func(tx crm.Tx) error {
		var ids []string
		if _, err := getJSON(tx, nsState, keyPending, &ids); err != nil {
			return err
		}
		for _, id := range ids {
			var rec eventRecord
			found, err := getJSON(tx, nsEvents, id, &rec)
			if err != nil {
				return err
			}
			if found && !rec.Done && len(rec.Raw) > 0 {
				out[id] = rec.Raw
				order = append(order, id)
			}
		}
		return nil
	})
	return out, order, err
}
