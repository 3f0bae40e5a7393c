package httpapi

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

// Webhook delivery headers. The signature is "sha256=" and the hex HMAC-SHA256, keyed
// with the webhook's secret, of the timestamp, ".", and the body: a receiver recomputes
// it, and rejects old timestamps to stop replays.
const (
	HeaderSignature = "X-Crmbot-Signature"
	HeaderTimestamp = "X-Crmbot-Timestamp"
	HeaderEventID   = "X-Crmbot-Event-Id"
)

// Sign returns the signature header value of body sent at timestamp ts (Unix seconds).
func Sign(secret string, ts int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(strconv.FormatInt(ts, 10)))
	m.Write([]byte("."))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// WebhookSender delivers webhook events from the outbox: it is the bot.Notifier of
// the "webhook" platform, so the scheduler's sender — with its retries, backoff and
// at-least-once marking — carries webhooks as it carries nudges.
type WebhookSender struct {
	Service *crm.Service
	// Client makes the requests; one with a 10 s timeout when nil.
	Client *http.Client
	// Now stamps the deliveries; time.Now when nil.
	Now func() time.Time
}

var _ bot.Notifier = (*WebhookSender)(nil)

var defaultClient = &http.Client{Timeout: 10 * time.Second}

// Notify implements bot.Notifier: r.Text is the event's JSON body. A removed webhook
// or a 410 Gone is permanent (bot.ErrUnreachable); anything else but a 2xx is retried.
// Errors name the host and status only, never the URL's path or query (which may hold
// a receiver's key) nor the body.
func (s *WebhookSender) Notify(ctx context.Context, to crm.Identity, r bot.Reply) error {
	id, ok := crm.WebhookID(to)
	if !ok {
		return fmt.Errorf("%w: not a webhook target", bot.ErrUnreachable)
	}
	w, err := s.Service.WebhookForDelivery(ctx, id)
	if crm.ErrorCode(err) == crm.ENOTFOUND {
		return fmt.Errorf("%w: webhook %d was removed", bot.ErrUnreachable, id)
	}
	if err != nil {
		return err
	}
	body := []byte(r.Text)
	var ev struct {
		ID string `json:"id"`
	}
	_ = json.Unmarshal(body, &ev)
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("%w: webhook %d: bad url", bot.ErrUnreachable, id)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "crmbot-webhook/1")
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	req.Header.Set(HeaderEventID, ev.ID)
	req.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	client := s.Client
	if client == nil {
		client = defaultClient
	}
	host := hostOf(w.URL)
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("webhook %d to %s: request failed", id, host)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
	switch {
	case resp.StatusCode >= 200 && resp.StatusCode < 300:
		return nil
	case resp.StatusCode == http.StatusGone:
		return fmt.Errorf("%w: webhook %d to %s: 410 Gone", bot.ErrUnreachable, id, host)
	}
	return fmt.Errorf("webhook %d to %s: status %d", id, host, resp.StatusCode)
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "?"
	}
	return u.Host
}
