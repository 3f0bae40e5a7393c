package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// /readyz is stuck only over a due message of a platform whose adapter runs.
func TestReadyzOutboxStuckPerPlatform(t *testing.T) {
	now := time.Date(2026, 11, 29, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name    string
		targets map[string]time.Duration // target → how long its message has been due
		probes  []readiness
		code    int
		body    string
	}{
		{"telegram due for long, telegram runs", map[string]time.Duration{"telegram:42": time.Hour},
			[]readiness{{"telegram", connected(true)}}, 503, "telegram message has been due since 2026-11-29T11:00:00Z"},
		{"telegram due briefly", map[string]time.Duration{"telegram:42": time.Minute},
			[]readiness{{"telegram", connected(true)}}, 200, "ready"},
		{"slack stuck, telegram fresh, only telegram runs",
			map[string]time.Duration{"slack:T1/C1": 48 * time.Hour, "telegram:42": time.Minute},
			[]readiness{{"telegram", connected(true)}}, 200, "ready"},
		{"slack stuck, both run",
			map[string]time.Duration{"slack:T1/C1": 48 * time.Hour, "telegram:42": time.Minute},
			[]readiness{{"telegram", connected(true)}, {"slack", connected(true)}}, 503, "slack message"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := storagetest.Open(t)
			err := db.Update(context.Background(), func(tx crm.Tx) error {
				for target, age := range tc.targets {
					_, err := tx.Enqueue(&crm.OutboxMessage{Key: "k:" + target, Target: crm.Identity(target), Payload: []byte("x"),
						Created: now.Add(-age), NotBefore: now.Add(-age), State: crm.OutboxPending})
					if err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			rec := httptest.NewRecorder()
			readyz(fileBackend{db}, &tc.probes, 15*time.Minute, func() time.Time { return now })(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
			if rec.Code != tc.code || !strings.Contains(rec.Body.String(), tc.body) {
				t.Fatalf("got %d %q, want %d %q", rec.Code, rec.Body.String(), tc.code, tc.body)
			}
		})
	}
}
