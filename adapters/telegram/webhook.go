package telegram

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// WebhookPath is where the shared HTTP server should mount WebhookHandler.
const WebhookPath = "/telegram/webhook"

// setWebhook registers the webhook. tgbotapi v5.5.1's WebhookConfig has no
// secret_token (Bot API 6.1), so the call is made with raw parameters.
func (a *Adapter) setWebhook(ctx context.Context) error {
	allowed, _ := json.Marshal(allowedUpdates)
	_, err := a.send.raw(ctx, "setWebhook", tgbotapi.Params{
		"url":             a.cfg.WebhookURL,
		"secret_token":    a.secret,
		"allowed_updates": string(allowed),
	})
	if err != nil {
		return fmt.Errorf("telegram: setWebhook: %w", err)
	}
	a.log.Info("telegram: webhook registered")
	a.ready.Store(true)
	return nil
}

// WebhookHandler returns the handler for POST /telegram/webhook. It checks the
// X-Telegram-Bot-Api-Secret-Token header in constant time (401 and nothing processed
// on a mismatch), limits the body, stores the update in the inbox (a redelivered
// update_id is dropped) and answers 200 at once; the update is handled afterwards,
// in its chat's order. Until Run has registered the webhook it answers 503, and
// Telegram retries.
func (a *Adapter) WebhookHandler() http.Handler {
	return http.HandlerFunc(a.serveWebhook)
}

func (a *Adapter) serveWebhook(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	got := r.Header.Get("X-Telegram-Bot-Api-Secret-Token")
	if a.secret == "" || subtle.ConstantTimeCompare([]byte(got), []byte(a.secret)) != 1 {
		a.log.Warn("telegram: webhook request with a wrong secret token rejected", "remote", r.RemoteAddr)
		http.Error(w, "unauthorized", http.StatusUnauthorized)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, a.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			http.Error(w, "request body too large", http.StatusRequestEntityTooLarge)
			return
		}
		http.Error(w, "cannot read body", http.StatusBadRequest)
		return
	}
	// The body is a bare Update (not {ok,result}). Parsing it with tgbotapi's type
	// checks it is one; the raw bytes are what the inbox keeps.
	var u tgbotapi.Update
	if err := json.Unmarshal(body, &u); err != nil {
		http.Error(w, "not an update", http.StatusBadRequest)
		return
	}
	id, err := decodeID(body)
	if err != nil {
		http.Error(w, "not an update", http.StatusBadRequest)
		return
	}
	if !a.ready.Load() || !a.disp.started() {
		http.Error(w, "starting", http.StatusServiceUnavailable)
		return
	}
	ups := []rawUpdate{{id: id, raw: body}}
	a.markStrangers(r.Context(), ups)
	accepted, err := a.accept(r.Context(), ups, 0)
	if err != nil {
		a.log.Error("telegram: cannot store webhook update", "err", err)
		http.Error(w, "cannot store update", http.StatusInternalServerError)
		return
	}
	for _, e := range accepted {
		chat, _ := chatOf(&u)
		a.disp.add(chat, e, nil)
	}
	w.WriteHeader(http.StatusOK)
}
