package slack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/slack-go/slack"
	"github.com/slack-go/slack/socketmode"
)

// runSocket receives over Socket Mode until ctx ends: the same work as the HTTP
// handlers, acknowledged over the socket (a.ack) instead of an HTTP answer (no signature:
// the WebSocket is authenticated by the app-level token). slack-go's RunContext
// reconnects on Slack's disconnects and returns only when reconnecting fails; it is
// restarted here with backoff.
func (a *Adapter) runSocket(ctx context.Context) error {
	client := socketmode.New(a.api)
	fatal := make(chan error, 1)
	go func() {
		b := newBackoff()
		for ctx.Err() == nil {
			start := time.Now()
			err := client.RunContext(ctx)
			if ctx.Err() != nil {
				return
			}
			var se slack.SlackErrorResponse
			if errors.As(err, &se) && (se.Err == "invalid_auth" || se.Err == "not_allowed_token_type" || se.Err == "token_revoked") {
				// A rejected app-level token never heals by reconnecting: stop, as a
				// rejected bot token does, instead of warning forever.
				fatal <- fmt.Errorf("slack: socket mode: the app-level token (SLACK_APP_TOKEN) was rejected: %s", se.Err)
				return
			}
			if time.Since(start) > time.Minute {
				b.Reset()
			}
			d := b.NextBackOff()
			a.log.Warn("slack: socket mode connection ended; reconnecting", "err", logErr(err), "in", d)
			if sleep(ctx, d) != nil {
				return
			}
		}
	}()
	// Each envelope is handled in its own goroutine, as slack-go's own handler does,
	// so a views.open for one person does not hold up the others' acks.
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return nil
		case err := <-fatal:
			return err
		case evt := <-client.Events:
			wg.Add(1)
			go func() {
				defer wg.Done()
				a.socketEvent(ctx, client, evt)
			}()
		}
	}
}

func (a *Adapter) socketEvent(ctx context.Context, client *socketmode.Client, evt socketmode.Event) {
	switch evt.Type {
	case socketmode.EventTypeConnected:
		a.log.Info("slack: socket mode connected")
	case socketmode.EventTypeInvalidAuth:
		a.log.Error("slack: socket mode: the app-level token was rejected")
	case socketmode.EventTypeErrorBadMessage:
		// slack-go could not parse the envelope and will not ack it: ack it here, or
		// Slack redelivers it forever.
		if bad, ok := evt.Data.(*socketmode.ErrorBadMessage); ok {
			var env struct {
				EnvelopeID string `json:"envelope_id"`
			}
			if json.Unmarshal(bad.Message, &env) == nil && env.EnvelopeID != "" {
				a.ack(ctx, client, env.EnvelopeID, nil)
			}
			a.log.Warn("slack: socket mode message not understood; acknowledged", "err", logErr(bad.Cause))
		}
	case socketmode.EventTypeEventsAPI:
		if evt.Request == nil {
			return
		}
		ans := a.acceptEvent(ctx, evt.Request.Payload)
		if ans.status == 200 {
			a.ack(ctx, client, evt.Request.EnvelopeID, nil)
		} // otherwise no ack: Slack delivers it again
	case socketmode.EventTypeSlashCommand:
		if evt.Request == nil {
			return
		}
		sc, ok := evt.Data.(slack.SlashCommand)
		if !ok {
			a.ack(ctx, client, evt.Request.EnvelopeID, nil)
			return
		}
		if msg := a.command(ctx, sc); msg != nil {
			a.ack(ctx, client, evt.Request.EnvelopeID, msg)
		} else {
			a.ack(ctx, client, evt.Request.EnvelopeID, nil)
		}
	case socketmode.EventTypeInteractive:
		if evt.Request == nil {
			return
		}
		cb, ok := evt.Data.(slack.InteractionCallback)
		if !ok {
			a.ack(ctx, client, evt.Request.EnvelopeID, nil)
			return
		}
		if resp := a.interactOnce(ctx, &cb); resp != nil {
			a.ack(ctx, client, evt.Request.EnvelopeID, resp)
		} else {
			a.ack(ctx, client, evt.Request.EnvelopeID, nil)
		}
	}
}

// ack acknowledges envelope id over the socket, with payload unless it is nil (pass
// an untyped nil, not a nil pointer). It gives up when ctx ends: slack-go's Ack
// queues on a 20-slot channel that nobody drains once the connection has shut down,
// so with more acks pending at shutdown it blocked for good and Run never returned.
// An envelope left unacknowledged is delivered again by Slack.
func (a *Adapter) ack(ctx context.Context, client *socketmode.Client, id string, payload any) {
	err := client.SendCtx(ctx, socketmode.Response{EnvelopeID: id, Payload: payload})
	if err == nil || ctx.Err() != nil {
		return
	}
	// A payload too large for Slack (20 KB): ack without it, or Slack redelivers.
	a.log.Warn("slack: socket mode ack refused; acknowledging without payload", "envelope_id", id, "err", logErr(err))
	if payload != nil {
		client.SendCtx(ctx, socketmode.Response{EnvelopeID: id})
	}
}
