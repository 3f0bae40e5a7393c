package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"crmbot/crm"
)

const form = `{"name":"Marko Horvat","company":"Acme d.o.o.","email":"Marko@Acme.hr","phone":"091 234 5678","message":"We need video conferencing for 3 offices.","source":"web form"}`

func TestInquiryCreatesInterestRoutesAndNudges(t *testing.T) {
	h := newHarness(t)
	res := h.post(form)
	if res.Code != http.StatusCreated {
		t.Fatalf("status %d: %s", res.Code, res.Body)
	}
	m := res.json(t)
	if m["outcome"] != "created" || m["owner"] != "Ana" {
		t.Fatalf("got %v, want created for Ana (fewest open, lowest id)", m)
	}
	id := uint64(m["interest_id"].(float64))
	// The same normalisation as /new: email lower-cased, phone E.164.
	card := h.do(http.MethodGet, fmt.Sprintf("/api/v1/interests/%d", id), h.read, nil)
	if card.Code != http.StatusOK {
		t.Fatalf("GET interest: %d %s", card.Code, card.Body)
	}
	var c struct {
		Interest crm.Interest
		Contact  crm.Contact
		Timeline []crm.Interaction
	}
	if err := json.Unmarshal(card.Body, &c); err != nil {
		t.Fatal(err)
	}
	if c.Contact.Email != "marko@acme.hr" || c.Contact.Phone != "+385912345678" {
		t.Errorf("contact not normalised as /new does: %+v", c.Contact)
	}
	if c.Interest.Source != "web form" || c.Interest.Stage != crm.StageNew || c.Interest.OwnerID != h.ana.ID || c.Interest.Next.IsZero() {
		t.Errorf("interest: %+v", c.Interest)
	}
	var note bool
	for _, it := range c.Timeline {
		if it.Kind == crm.InteractionNote && it.Text == "We need video conferencing for 3 offices." {
			note = true
		}
	}
	if !note {
		t.Errorf("the message is not the timeline's note: %+v", c.Timeline)
	}
	// The owner is nudged at once, through the outbox, on their platform.
	msg := h.outbox(fmt.Sprintf("inquiry:%d", id))
	if msg == nil || msg.Target != "telegram:101" || msg.State != crm.OutboxPending || msg.NotBefore.After(h.clk.Now()) {
		t.Fatalf("nudge: %+v", msg)
	}
	if !strings.Contains(string(msg.Payload), "Acme d.o.o.") {
		t.Errorf("nudge payload does not name the client: %s", msg.Payload)
	}
	if h.pokes != 1 {
		t.Errorf("senders poked %d times, want 1", h.pokes)
	}
	// The audit names the token, never its secret.
	ch := h.do(http.MethodGet, "/api/v1/changes", h.read, nil)
	if !strings.Contains(string(ch.Body), "via token web-form") {
		t.Errorf("audit does not name the token: %s", ch.Body)
	}
	if strings.Contains(string(ch.Body), h.write) || strings.Contains(string(ch.Body), crm.HashToken(h.write)) {
		t.Errorf("the changes feed carries the token's secret")
	}
}

func TestInquiryRouting(t *testing.T) {
	h := newHarness(t)
	owner := func(body string) string {
		t.Helper()
		res := h.post(body)
		if res.Code != http.StatusCreated {
			t.Fatalf("status %d: %s", res.Code, res.Body)
		}
		return res.json(t)["owner"].(string)
	}
	person := func(i int, seg string) string {
		return fmt.Sprintf(`{"name":"Person %d","company":"Firm %d","email":"p%d@firm.hr","segment":%q}`, i, i, i, seg)
	}
	// Fewest open first, ties to the lowest id: Ana and Ivan take turns.
	var got []string
	for i := range 4 {
		got = append(got, owner(person(i, "")))
	}
	if strings.Join(got, ",") != "Ana,Ivan,Ana,Ivan" {
		t.Errorf("corporate owners %v, want Ana,Ivan,Ana,Ivan", got)
	}
	// A retail inquiry goes to the retail manager (R13).
	if o := owner(person(10, "retail")); o != "Rita" {
		t.Errorf("retail inquiry went to %s", o)
	}
	// The head's rule: every corporate inquiry to Ivan, whatever the load.
	if err := h.svc.SetInquiryRouting(context.Background(), crm.Op{Actor: h.admin}, crm.SegmentCorporate, h.ivan.ID); err != nil {
		t.Fatal(err)
	}
	if o := owner(person(20, "corporate")); o != "Ivan" {
		t.Errorf("with the rule, inquiry went to %s", o)
	}
	// A rule naming someone of the other segment is refused.
	if err := h.svc.SetInquiryRouting(context.Background(), crm.Op{Actor: h.admin}, crm.SegmentCorporate, h.rita.ID); crm.ErrorCode(err) != crm.EINVALID {
		t.Errorf("cross-segment rule: %v", err)
	}
	// Balanced again.
	if err := h.svc.SetInquiryRouting(context.Background(), crm.Op{Actor: h.admin}, crm.SegmentCorporate, 0); err != nil {
		t.Fatal(err)
	}
	if o := owner(person(21, "corporate")); o != "Ana" {
		t.Errorf("balanced again: went to %s, want Ana (2 open vs Ivan's 3)", o)
	}
	// A manager may not set rules.
	if err := h.svc.SetInquiryRouting(context.Background(), crm.Op{Actor: h.ana}, crm.SegmentCorporate, h.ana.ID); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("manager set a rule: %v", err)
	}
}

func TestInquiryDuplicates(t *testing.T) {
	h := newHarness(t)
	first := h.post(form).json(t)
	// The same person sends the form again: no second interest; the message joins the
	// open one and its owner is nudged again.
	again := h.post(`{"name":"marko horvat","company":"ACME d.o.o.","email":"marko@acme.hr","message":"Any news?"}`)
	if again.Code != http.StatusOK {
		t.Fatalf("repeat: %d %s", again.Code, again.Body)
	}
	m := again.json(t)
	if m["outcome"] != "repeat" || m["interest_id"] != first["interest_id"] {
		t.Fatalf("repeat: %v, first %v", m, first)
	}
	card := h.do(http.MethodGet, fmt.Sprintf("/api/v1/interests/%v", first["interest_id"]), h.read, nil)
	if !strings.Contains(string(card.Body), "Any news?") {
		t.Errorf("the repeated message is not in the timeline: %s", card.Body)
	}
	if n := len(h.pending("telegram")); n != 2 {
		t.Errorf("%d nudges pending, want 2 (new, repeat)", n)
	}
	// The email of a known contact under another name: a conflict, nothing stored.
	conflict := h.post(`{"name":"Ivana Kovač","company":"Other d.o.o.","email":"marko@acme.hr"}`)
	if conflict.Code != http.StatusConflict || conflict.errCode(t) != "contact_conflict" {
		t.Fatalf("conflict: %d %s", conflict.Code, conflict.Body)
	}
	match := conflict.json(t)["error"].(map[string]any)["match"].(map[string]any)
	if match["contact_id"] != first["contact_id"] || match["by"] != "email" {
		t.Errorf("match: %v", match)
	}
	p := h.do(http.MethodGet, "/api/v1/pipeline", h.read, nil)
	if !strings.Contains(string(p.Body), `"open":{"new":1}`) {
		t.Errorf("a conflict stored something: %s", p.Body)
	}
	// The caller decides: a new contact.
	fresh := h.post(`{"name":"Ivana Kovač","company":"Other d.o.o.","email":"marko@acme.hr","link":"new"}`)
	if fresh.Code != http.StatusCreated {
		t.Fatalf("link new: %d %s", fresh.Code, fresh.Body)
	}
	// Or links to the match.
	linked := h.post(fmt.Sprintf(`{"name":"M. Horvat","company":"Acme","email":"marko@acme.hr","link":"existing","link_contact_id":%v}`, first["contact_id"]))
	if linked.Code != http.StatusCreated || linked.json(t)["contact_id"] != first["contact_id"] {
		t.Fatalf("link existing: %d %s", linked.Code, linked.Body)
	}
}

func TestInquiryBadInput(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, body string
		code       int
		errCode    string
		says       string
	}{
		{"not json", `{"name": "Ana",`, 400, "bad_json", "not valid JSON"},
		{"array", `[1,2]`, 400, "bad_json", ""},
		{"unknown field", `{"name":"A","company":"B","emial":"a@b.hr"}`, 400, "bad_json", "emial"},
		{"wrong type", `{"name":5,"company":"B"}`, 400, "bad_json", "name"},
		{"two objects", `{"name":"A","company":"B"}{}`, 400, "bad_json", ""},
		{"no name", `{"company":"Acme"}`, 422, "invalid", "name"},
		{"no company", `{"name":"Ana"}`, 422, "invalid", "ompany"},
		{"bad email", `{"name":"Ana","company":"Acme","email":"ana@"}`, 422, "invalid", ""},
		{"bad segment", `{"name":"Ana","company":"Acme","segment":"wholesale"}`, 422, "invalid", "wholesale"},
		{"bad link", `{"name":"Ana","company":"Acme","link":"maybe"}`, 422, "invalid", "link"},
		{"oversized", `{"name":"Ana","company":"Acme","message":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "too_large", "64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := h.post(tt.body)
			if res.Code != tt.code || res.errCode(t) != tt.errCode {
				t.Fatalf("got %d %s, want %d %s", res.Code, res.Body, tt.code, tt.errCode)
			}
			if !strings.Contains(string(res.Body), tt.says) {
				t.Errorf("message does not say %q: %s", tt.says, res.Body)
			}
		})
	}
	p := h.do(http.MethodGet, "/api/v1/pipeline", h.read, nil)
	if strings.Contains(string(p.Body), `"new"`) {
		t.Errorf("bad input stored an interest: %s", p.Body)
	}
	if h.pokes != 0 {
		t.Errorf("bad input poked the senders")
	}
}

func TestTokens(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	tests := []struct {
		name, token string
		method      string
		code        int
		errCode     string
	}{
		{"missing", "", http.MethodGet, 401, "unauthorized"},
		{"unknown", "crm_" + strings.Repeat("A", 43), http.MethodGet, 401, "unauthorized"},
		{"not ours", "hunter2", http.MethodGet, 401, "unauthorized"},
		{"read token writes", h.read, http.MethodPost, 403, "insufficient_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var res response
			if tt.method == http.MethodPost {
				res = h.do(tt.method, "/api/v1/inquiries", tt.token, []byte(form))
			} else {
				res = h.do(tt.method, "/api/v1/pipeline", tt.token, nil)
			}
			if res.Code != tt.code || res.errCode(t) != tt.errCode {
				t.Fatalf("got %d %s, want %d %s", res.Code, res.Body, tt.code, tt.errCode)
			}
			if tt.code == 401 && !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("401 without WWW-Authenticate")
			}
		})
	}
	// The scheme is case-insensitive.
	if res := h.do(http.MethodGet, "/api/v1/pipeline", "", nil, "Authorization", "bearer "+h.read); res.Code != 200 {
		t.Errorf("lower-case scheme: %d", res.Code)
	}
	// A write token reads too.
	if res := h.do(http.MethodGet, "/api/v1/pipeline", h.write, nil); res.Code != 200 {
		t.Errorf("write token reading: %d", res.Code)
	}
	// Revoked: refused at once.
	if _, err := h.svc.RevokeAPIToken(ctx, crm.Op{Actor: h.admin}, "reports"); err != nil {
		t.Fatal(err)
	}
	if res := h.do(http.MethodGet, "/api/v1/pipeline", h.read, nil); res.Code != 401 {
		t.Errorf("revoked token: %d", res.Code)
	}
	// Only admins make tokens; names are unique among live ones; the hash is stored.
	if _, err := h.svc.CreateAPIToken(ctx, crm.Op{Actor: h.ana}, "mine", crm.ScopeRead); crm.ErrorCode(err) != crm.EFORBIDDEN {
		t.Errorf("manager made a token: %v", err)
	}
	if _, err := h.svc.CreateAPIToken(ctx, crm.Op{Actor: h.admin}, "web-form", crm.ScopeRead); crm.ErrorCode(err) != crm.ECONFLICT {
		t.Errorf("duplicate name: %v", err)
	}
	if _, err := h.svc.CreateAPIToken(ctx, crm.Op{Actor: h.admin}, "reports", crm.ScopeRead); err != nil {
		t.Errorf("a revoked token's name is free again: %v", err)
	}
	ts, err := h.svc.APITokens(ctx, h.admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, tk := range ts {
		if strings.HasPrefix(tk.Hash, "crm_") || len(tk.Hash) != 64 {
			t.Errorf("token %s stored as %q, want a SHA-256", tk.Name, tk.Hash)
		}
	}
	// A token stops when the admin who made it leaves.
	if _, err := h.svc.RemoveUser(ctx, crm.Op{Actor: h.admin}, h.admin.ID); err == nil {
		if res := h.do(http.MethodGet, "/api/v1/pipeline", h.write, nil); res.Code != 401 {
			t.Errorf("token of a removed admin: %d", res.Code)
		}
	}
}

func TestIdempotencyKey(t *testing.T) {
	h := newHarness(t)
	first := h.post(form, "Idempotency-Key", "k-1")
	if first.Code != http.StatusCreated {
		t.Fatalf("first: %d %s", first.Code, first.Body)
	}
	retry := h.post(form, "Idempotency-Key", "k-1")
	if retry.Code != first.Code || string(retry.Body) != string(first.Body) {
		t.Fatalf("retry got %d %s, want the first response %d %s", retry.Code, retry.Body, first.Code, first.Body)
	}
	if retry.Header.Get("Idempotent-Replayed") != "true" {
		t.Errorf("retry not marked as replayed")
	}
	if n := len(h.pending("telegram")); n != 1 {
		t.Errorf("%d nudges after a retry, want 1", n)
	}
	if h.pokes != 1 {
		t.Errorf("a replay poked the senders")
	}
	other := h.post(strings.Replace(form, "3 offices", "4 offices", 1), "Idempotency-Key", "k-1")
	if other.Code != http.StatusUnprocessableEntity || other.errCode(t) != "idempotency_mismatch" {
		t.Fatalf("another body under the key: %d %s", other.Code, other.Body)
	}
	// Keys are per token: the same key from another token is a new request.
	other2 := h.token("crm-sync", crm.ScopeWrite)
	res := h.do(http.MethodPost, "/api/v1/inquiries", other2, []byte(`{"name":"Nina Babić","company":"Beta d.o.o."}`), "Idempotency-Key", "k-1")
	if res.Code != http.StatusCreated {
		t.Errorf("same key, other token: %d %s", res.Code, res.Body)
	}
	if long := h.post(form, "Idempotency-Key", strings.Repeat("k", 201)); long.Code != 400 {
		t.Errorf("overlong key: %d", long.Code)
	}
}

func TestRateLimit(t *testing.T) {
	h := newHarness(t, withRate(1, 2))
	for i := range 2 {
		if res := h.do(http.MethodGet, "/api/v1/pipeline", h.read, nil); res.Code != 200 {
			t.Fatalf("request %d: %d", i, res.Code)
		}
	}
	res := h.do(http.MethodGet, "/api/v1/pipeline", h.read, nil)
	if res.Code != http.StatusTooManyRequests || res.errCode(t) != "rate_limited" || res.Header.Get("Retry-After") != "1" {
		t.Fatalf("third request: %d Retry-After %q %s", res.Code, res.Header.Get("Retry-After"), res.Body)
	}
	// Another token has its own budget.
	if res := h.do(http.MethodGet, "/api/v1/pipeline", h.write, nil); res.Code != 200 {
		t.Errorf("other token limited: %d", res.Code)
	}
	h.clk.Add(1000 * 1e6) // one second
	if res := h.do(http.MethodGet, "/api/v1/pipeline", h.read, nil); res.Code != 200 {
		t.Errorf("after Retry-After: %d", res.Code)
	}
}
