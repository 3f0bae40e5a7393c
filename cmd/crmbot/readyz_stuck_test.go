package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// /readyz counts every pending outbox message, whatever its platform.
// A message for a platform this serve has no adapter for (a channel or a person on
// Slack while only Telegram runs, after Slack was turned off) is never delivered,
// so after CRMBOT_OUTBOX_STUCK the server is unready for good, though Telegram is
// connected and delivering. Only platforms with a running adapter can be stuck.
func TestReadyzIgnoresPlatformsWithoutAdapter(t *testing.T) {
	db := storagetest.Open(t)
	now := time.Now()
	err := db.Update(context.Background(), func(tx crm.Tx) error {
		_, err := tx.Enqueue(&crm.OutboxMessage{Key: "headdigest:2026-11-01", Target: "slack:T1/C1", Payload: []byte("x"),
			Created: now.Add(-48 * time.Hour), NotBefore: now.Add(-48 * time.Hour), State: crm.OutboxPending})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	probes := []readiness{{"telegram", connected(true)}}
	rec := httptest.NewRecorder()
	readyz(fileBackend{db}, &probes, 15*time.Minute, time.Now)(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
	if rec.Code != 200 {
		t.Fatalf("/readyz with only Telegram running: %d %s", rec.Code, rec.Body.String())
	}
}

type connected bool

func (c connected) Connected() bool { return bool(c) }
