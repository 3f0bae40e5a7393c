package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// TestMountAPI: serve's mux answers the API next to its other routes, and a webhook
// event enqueued by a change is delivered by the scheduler's webhook sender.
func TestMountAPI(t *testing.T) {
	db := storagetest.Open(t)
	now := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)
	svc := crm.NewService(db, func() time.Time { return now }, crm.Config{})
	ctx := context.Background()
	admin, err := svc.EnsureAdmin(ctx, "console:root", "Root")
	if err != nil {
		t.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: func() time.Time { return now }})
	sched := scheduler.New(eng, scheduler.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", healthz)
	if err := mountAPI(mux, svc, eng, sched, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(mux)
	defer srv.Close()

	res, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !strings.Contains(string(body), `"openapi"`) {
		t.Fatalf("openapi.json: %d", res.StatusCode)
	}
	if res, err := http.Get(srv.URL + "/healthz"); err != nil || res.StatusCode != 200 {
		t.Fatalf("healthz next to the API: %v", err)
	}

	got := make(chan string, 1)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got <- r.Header.Get("X-Crmbot-Event-Id")
	}))
	defer hook.Close()
	if _, err := svc.AddWebhook(ctx, crm.Op{Actor: admin}, hook.URL, nil); err != nil {
		t.Fatal(err)
	}
	nt, err := svc.CreateAPIToken(ctx, crm.Op{Actor: admin}, "form", crm.ScopeWrite)
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/api/v1/inquiries", strings.NewReader(`{"name":"Ana Horvat","company":"Acme"}`))
	req.Header.Set("Authorization", "Bearer "+nt.Secret)
	res, err = http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusCreated {
		t.Fatalf("inquiry: %v %v", err, res.StatusCode)
	}
	res.Body.Close()
	if n, err := sched.Deliver(ctx, crm.WebhookPlatform); n != 1 || err != nil {
		t.Fatalf("webhook deliveries: %d (%v)", n, err)
	}
	if id := <-got; !strings.HasPrefix(id, "evt_") {
		t.Errorf("event id %q", id)
	}
}
