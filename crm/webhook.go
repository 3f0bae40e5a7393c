package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// WebhookEvent is something another system can be told of by an outgoing webhook.
type WebhookEvent string

// Webhook events.
const (
	EventInterestCreated WebhookEvent = "interest.created"
	EventStageChanged    WebhookEvent = "interest.stage_changed"
	EventInterestWon     WebhookEvent = "interest.won"
	EventInterestLost    WebhookEvent = "interest.lost"
)

// WebhookEvents lists every event, in the order they are offered.
var WebhookEvents = []WebhookEvent{EventInterestCreated, EventStageChanged, EventInterestWon, EventInterestLost}

// ParseWebhookEvent accepts an event's full name or its last part ("won").
func ParseWebhookEvent(s string) (WebhookEvent, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	for _, e := range WebhookEvents {
		if s == string(e) || "interest."+s == string(e) || (s == "created" && e == EventInterestCreated) || (s == "stage" && e == EventStageChanged) {
			return e, true
		}
	}
	return "", false
}

// WebhookPlatform is the outbox target platform of webhook deliveries: a webhook's
// target is "webhook:<id>", delivered by the sender registered for this platform.
const WebhookPlatform = "webhook"

// Webhook is a URL that is told of events. Secret signs each delivery (HMAC-SHA256);
// unlike an API token it must be kept readable, since crmbot signs with it.
type Webhook struct {
	ID        uint64         `json:"id"`
	URL       string         `json:"url"`
	Events    []WebhookEvent `json:"events,omitempty"` // none: every event
	Secret    string         `json:"secret"`
	CreatedBy uint64         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
}

// Target is the outbox identity of the webhook's deliveries.
func (w *Webhook) Target() Identity {
	return Identity(WebhookPlatform + ":" + strconv.FormatUint(w.ID, 10))
}

// Wants reports whether the webhook subscribed to ev.
func (w *Webhook) Wants(ev WebhookEvent) bool {
	if len(w.Events) == 0 {
		return true
	}
	for _, e := range w.Events {
		if e == ev {
			return true
		}
	}
	return false
}

// WebhookID returns the webhook id of an outbox target "webhook:<id>".
func WebhookID(target Identity) (uint64, bool) {
	if target.Platform() != WebhookPlatform {
		return 0, false
	}
	id, err := strconv.ParseUint(string(target[len(WebhookPlatform)+1:]), 10, 64)
	return id, err == nil
}

// webhookSecretPrefix marks crmbot's signing secrets.
const webhookSecretPrefix = "whsec_"

// AddWebhook registers url for events (none: all) and generates its signing secret,
// returned in the result and shown once (admins only).
func (s *Service) AddWebhook(ctx context.Context, op Op, rawURL string, events []WebhookEvent) (*Webhook, error) {
	if op.Actor == nil || op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "webhook", 0, "create", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	rawURL = strings.TrimSpace(rawURL)
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(rawURL) > 500 || u.User != nil {
		return nil, Errorf(EINVALID, "err.webhook_url", clipRunes(rawURL, 80))
	}
	w := &Webhook{URL: rawURL, Events: events, Secret: newSecret(webhookSecretPrefix), CreatedBy: op.Actor.ID, CreatedAt: s.now()}
	err = s.Store.Update(ctx, func(tx Tx) error {
		if err := tx.PutWebhook(w); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: w.CreatedAt, ActorID: op.Actor.ID, Entity: "webhook", EntityID: w.ID, Action: "create", Detail: u.Host})
	})
	if err != nil {
		return nil, err
	}
	return w, nil
}

// Webhooks lists the registered webhooks (admins only).
func (s *Service) Webhooks(ctx context.Context, actor *User) ([]*Webhook, error) {
	if actor == nil || actor.Role != RoleAdmin {
		return nil, Errorf(EFORBIDDEN, "err.admin_only")
	}
	var out []*Webhook
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Webhooks()
		return err
	})
	return out, err
}

// RemoveWebhook deletes webhook id (admins only). Deliveries still pending for it fail
// permanently when their turn comes.
func (s *Service) RemoveWebhook(ctx context.Context, op Op, id uint64) (*Webhook, error) {
	if op.Actor == nil || op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "webhook", id, "remove", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	var out *Webhook
	err := s.Store.Update(ctx, func(tx Tx) error {
		w, err := findWebhook(tx, id)
		if err != nil {
			return err
		}
		out = w
		if err := tx.DeleteWebhook(id); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "webhook", EntityID: id, Action: "remove"})
	})
	return out, err
}

// WebhookForDelivery returns webhook id for its deliverer (no actor: the sender acts
// for the system). ENOTFOUND once it was removed.
func (s *Service) WebhookForDelivery(ctx context.Context, id uint64) (*Webhook, error) {
	var out *Webhook
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = findWebhook(tx, id)
		return err
	})
	return out, err
}

func findWebhook(tx Tx, id uint64) (*Webhook, error) {
	all, err := tx.Webhooks()
	if err != nil {
		return nil, err
	}
	for _, w := range all {
		if w.ID == id {
			return w, nil
		}
	}
	return nil, Errorf(ENOTFOUND, "err.webhook_not_found", id)
}

// WebhookBody is what a webhook receives (the JSON body of a delivery). ID is the
// same on every retry of one event, so a receiver dedupes on it.
type WebhookBody struct {
	ID       string       `json:"id"`
	Type     WebhookEvent `json:"type"`
	At       time.Time    `json:"at"`
	Interest *Interest    `json:"interest"`
	// From and To are the stages of a stage change.
	From Stage `json:"from,omitempty"`
	To   Stage `json:"to,omitempty"`
}

// eventsOf maps an audit entry to the webhook events it means: "create" → created;
// "stage" (detail "from→to[/reason]") → stage_changed, and won or lost.
func eventsOf(e *AuditEntry) (evs []WebhookEvent, from, to Stage) {
	if e.Entity != "interest" || e.Refused {
		return nil, "", ""
	}
	switch e.Action {
	case "create":
		return []WebhookEvent{EventInterestCreated}, "", StageNew
	case "stage":
		f, t, ok := strings.Cut(e.Detail, "→")
		if !ok {
			return nil, "", ""
		}
		t, _, _ = strings.Cut(t, "/")
		from, to = Stage(f), Stage(t)
		evs = []WebhookEvent{EventStageChanged}
		switch to {
		case StageWon:
			evs = append(evs, EventInterestWon)
		case StageLost:
			evs = append(evs, EventInterestLost)
		}
		return evs, from, to
	}
	return nil, "", ""
}

// eventSuffix is the short name of an event in its id.
func eventSuffix(ev WebhookEvent) string {
	_, s, _ := strings.Cut(string(ev), ".")
	return s
}

// enqueueWebhooks puts a delivery of each event entry e means into the outbox for
// every webhook that wants it, in the transaction that made the change: the event is
// delivered if and only if the change was committed.
func enqueueWebhooks(tx Tx, e *AuditEntry) error {
	evs, from, to := eventsOf(e)
	if len(evs) == 0 {
		return nil
	}
	hooks, err := tx.Webhooks()
	if err != nil || len(hooks) == 0 {
		return err
	}
	in, err := tx.Interest(e.EntityID)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		body := WebhookBody{ID: fmt.Sprintf("evt_%d_%s", e.ID, eventSuffix(ev)), Type: ev, At: e.At, Interest: in}
		if ev != EventInterestCreated {
			body.From, body.To = from, to
		}
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		// The sender decodes every outbox payload as a chat reply ({"Text": …}); a
		// webhook's body travels as that text, so the platforms' sender, with its
		// retries and backoff, delivers webhooks too.
		payload, err := json.Marshal(struct{ Text string }{string(data)})
		if err != nil {
			return err
		}
		for _, w := range hooks {
			if !w.Wants(ev) {
				continue
			}
			m := &OutboxMessage{Key: "webhook:" + strconv.FormatUint(w.ID, 10) + ":" + body.ID, Target: w.Target(), Payload: payload, Created: e.At, NotBefore: e.At}
			if _, err := tx.Enqueue(m); err != nil {
				return err
			}
		}
	}
	return nil
}

// eventStore wraps a Store so that every read-write transaction's audit entries also
// enqueue the webhook deliveries they mean. It is the one place events are raised:
// every change to an interest is audited, in its own transaction.
type eventStore struct{ Store }

func (s eventStore) Update(ctx context.Context, fn func(Tx) error) error {
	return s.Store.Update(ctx, func(tx Tx) error { return fn(eventTx{tx}) })
}

type eventTx struct{ Tx }

func (t eventTx) AddAudit(e *AuditEntry) error {
	if err := t.Tx.AddAudit(e); err != nil {
		return err
	}
	return enqueueWebhooks(t.Tx, e)
}

// withEvents wraps st once.
func withEvents(st Store) Store {
	if st == nil {
		return nil
	}
	if _, ok := st.(eventStore); ok {
		return st
	}
	return eventStore{st}
}

func clipRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
