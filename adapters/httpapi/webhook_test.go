package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"crmbot/adapters/httpapi"
	"crmbot/bot/scheduler"
	"crmbot/crm"
)

// receiver is a webhook endpoint that checks every delivery's signature and fails the
// first failFirst requests.
type receiver struct {
	t         *testing.T
	secret    string
	failFirst int
	mu        sync.Mutex
	calls     int
	got       []crm.WebhookBody
	ids       []string
	stamps    []int64
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	rc.calls++
	body, _ := io.ReadAll(r.Body)
	ts, err := strconv.ParseInt(r.Header.Get(httpapi.HeaderTimestamp), 10, 64)
	if err != nil {
		rc.t.Errorf("bad timestamp header %q", r.Header.Get(httpapi.HeaderTimestamp))
	}
	if want := httpapi.Sign(rc.secret, ts, body); r.Header.Get(httpapi.HeaderSignature) != want {
		rc.t.Errorf("signature %q, want %q", r.Header.Get(httpapi.HeaderSignature), want)
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	rc.ids = append(rc.ids, r.Header.Get(httpapi.HeaderEventID))
	rc.stamps = append(rc.stamps, ts)
	if rc.calls <= rc.failFirst {
		w.WriteHeader(http.StatusServiceUnavailable)
		return
	}
	var b crm.WebhookBody
	if err := json.Unmarshal(body, &b); err != nil {
		rc.t.Errorf("body: %v", err)
	}
	if b.ID != r.Header.Get(httpapi.HeaderEventID) {
		rc.t.Errorf("event id header %q, body %q", r.Header.Get(httpapi.HeaderEventID), b.ID)
	}
	rc.got = append(rc.got, b)
}

func (h *harness) scheduler() *scheduler.Scheduler {
	s := scheduler.New(h.eng, scheduler.Config{})
	s.AddNotifier(crm.WebhookPlatform, &httpapi.WebhookSender{Service: h.svc, Now: h.clk.Now})
	return s
}

func TestWebhookEventsSignedAndDelivered(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w, err := h.svc.AddWebhook(ctx, crm.Op{Actor: h.admin}, srv.URL+"/hook", nil)
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = w.Secret
	// Only won and lost for this one.
	rc2 := &receiver{t: t}
	srv2 := httptest.NewServer(rc2)
	defer srv2.Close()
	w2, err := h.svc.AddWebhook(ctx, crm.Op{Actor: h.admin}, srv2.URL, []crm.WebhookEvent{crm.EventInterestWon, crm.EventInterestLost})
	if err != nil {
		t.Fatal(err)
	}
	rc2.secret = w2.Secret

	id := uint64(h.post(form).json(t)["interest_id"].(float64))
	if _, err := h.svc.SetStage(ctx, crm.Op{Actor: h.ana}, id, crm.StageChange{Stage: crm.StageMeeting}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.SetStage(ctx, crm.Op{Actor: h.ana}, id, crm.StageChange{Stage: crm.StageWon}); err != nil {
		t.Fatal(err)
	}
	// A refused change raises nothing.
	if _, err := h.svc.SetStage(ctx, crm.Op{Actor: h.ivan}, id, crm.StageChange{Stage: crm.StageLost, Loss: crm.LossCompetitor}); err == nil {
		t.Fatal("Ivan changed Ana's interest")
	}
	s := h.scheduler()
	n, err := s.Deliver(ctx, crm.WebhookPlatform)
	if err != nil || n != 5 {
		t.Fatalf("delivered %d (%v), want 5: created, 2 stage changes, won ×2", n, err)
	}
	var types []crm.WebhookEvent
	for _, b := range rc.got {
		types = append(types, b.Type)
		if b.Interest == nil || b.Interest.ID != id {
			t.Errorf("event %s without the interest", b.ID)
		}
	}
	want := []crm.WebhookEvent{crm.EventInterestCreated, crm.EventStageChanged, crm.EventStageChanged, crm.EventInterestWon}
	if len(types) != len(want) {
		t.Fatalf("events %v, want %v", types, want)
	}
	for i := range want {
		if types[i] != want[i] {
			t.Fatalf("events %v, want %v", types, want)
		}
	}
	if last := rc.got[3]; last.From != crm.StageMeeting || last.To != crm.StageWon {
		t.Errorf("won event: %+v", last)
	}
	if len(rc2.got) != 1 || rc2.got[0].Type != crm.EventInterestWon {
		t.Errorf("the won/lost hook got %+v", rc2.got)
	}
	// Delivered once: nothing pending, a second pass sends nothing.
	if n, _ := s.Deliver(ctx, crm.WebhookPlatform); n != 0 || len(h.pending(crm.WebhookPlatform)) != 0 {
		t.Errorf("second pass delivered %d", n)
	}
}

func TestWebhookRetriedWithBackoff(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	rc := &receiver{t: t, failFirst: 2}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w, err := h.svc.AddWebhook(ctx, crm.Op{Actor: h.admin}, srv.URL, []crm.WebhookEvent{crm.EventInterestCreated})
	if err != nil {
		t.Fatal(err)
	}
	rc.secret = w.Secret
	h.post(form)
	s := h.scheduler()
	for attempt := 1; attempt <= 2; attempt++ {
		if n, err := s.Deliver(ctx, crm.WebhookPlatform); n != 0 || err != nil {
			t.Fatalf("attempt %d: delivered %d (%v) to a failing receiver", attempt, n, err)
		}
		p := h.pending(crm.WebhookPlatform)
		if len(p) != 1 || p[0].Attempts != attempt || !p[0].NotBefore.After(h.clk.Now()) {
			t.Fatalf("after failure %d: %+v", attempt, p)
		}
		// Not before its backoff: the same pass again sends nothing.
		if n, _ := s.Deliver(ctx, crm.WebhookPlatform); n != 0 || rc.calls != attempt {
			t.Fatalf("retried before the backoff: %d calls", rc.calls)
		}
		h.clk.Add(time.Minute)
	}
	if n, err := s.Deliver(ctx, crm.WebhookPlatform); n != 1 || err != nil {
		t.Fatalf("third attempt: %d (%v)", n, err)
	}
	if rc.calls != 3 || len(rc.got) != 1 {
		t.Fatalf("calls %d, accepted %d", rc.calls, len(rc.got))
	}
	// Every attempt carried the same event id (the receiver's dedupe key), each with
	// its own timestamp and a signature over it.
	if rc.ids[0] == "" || rc.ids[0] != rc.ids[1] || rc.ids[1] != rc.ids[2] {
		t.Errorf("event ids across retries: %v", rc.ids)
	}
	if rc.stamps[2] <= rc.stamps[0] {
		t.Errorf("timestamps not renewed: %v", rc.stamps)
	}
	if len(h.pending(crm.WebhookPlatform)) != 0 {
		t.Errorf("still pending after success")
	}
}

func TestWebhookRemovedFailsForGood(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	rc := &receiver{t: t}
	srv := httptest.NewServer(rc)
	defer srv.Close()
	w, err := h.svc.AddWebhook(ctx, crm.Op{Actor: h.admin}, srv.URL, nil)
	if err != nil {
		t.Fatal(err)
	}
	h.post(form)
	if _, err := h.svc.RemoveWebhook(ctx, crm.Op{Actor: h.admin}, w.ID); err != nil {
		t.Fatal(err)
	}
	if n, _ := h.scheduler().Deliver(ctx, crm.WebhookPlatform); n != 0 || rc.calls != 0 {
		t.Fatalf("a removed webhook was called")
	}
	if p := h.pending(crm.WebhookPlatform); len(p) != 0 {
		t.Errorf("a removed webhook's delivery stays pending: %+v", p)
	}
	// Bad URLs and non-admins are refused.
	for _, u := range []string{"ftp://x.hr/a", "acme.hr/hook", "https://user:pw@x.hr/"} {
		if _, err := h.svc.AddWebhook(ctx, crm.Op{Actor: h.admin}, u, nil); crm.ErrorCode(err) != crm.EINVALID {
			t.Errorf("%s: %v", u, err)
		}
	}
	if _, err := h.svc.AddWebhook(ctx, crm.Op{Actor: h.ana}, srv.URL, nil); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("manager added a webhook: %v", err)
	}
}
