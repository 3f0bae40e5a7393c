package slack

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// The known-answer vector of docs.slack.dev/authentication/verifying-requests-from-slack.
func TestVerifyKnownAnswer(t *testing.T) {
	body := []byte("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
	h := http.Header{}
	h.Set("X-Slack-Request-Timestamp", "1531420618")
	h.Set("X-Slack-Signature", "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
	at := time.Unix(1531420618, 0)
	if err := verify(testSecret, h, body, at.Add(time.Minute)); err != nil {
		t.Fatalf("doc vector refused: %v", err)
	}
	if err := verify(testSecret, h, body, at.Add(-4*time.Minute)); err != nil {
		t.Fatalf("a request stamped 4 minutes ahead is within the window: %v", err)
	}
	for name, tc := range map[string]struct {
		secret string
		now    time.Time
		body   []byte
		want   error
	}{
		"stale":         {testSecret, at.Add(5*time.Minute + time.Second), body, errStale},
		"future":        {testSecret, at.Add(-6 * time.Minute), body, errStale},
		"wrong secret":  {"another-secret", at, body, errBadSignature},
		"body changed":  {testSecret, at, append([]byte(nil), append(body, ' ')...), errBadSignature},
		"no secret set": {"", at, body, errMissingHeaders},
	} {
		if err := verify(tc.secret, h, tc.body, tc.now); err != tc.want {
			t.Errorf("%s: got %v, want %v", name, err, tc.want)
		}
	}
	bad := h.Clone()
	bad.Set("X-Slack-Signature", "a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503")
	if err := verify(testSecret, bad, body, at); err != errBadSignature {
		t.Errorf("signature without v0=: %v", err)
	}
	bad.Del("X-Slack-Signature")
	if err := verify(testSecret, bad, body, at); err != errMissingHeaders {
		t.Errorf("no signature: %v", err)
	}
}

func TestSlashCommandCreatesInterestWithinBudget(t *testing.T) {
	e := newEnv(t)
	// Slack's side is slow: the reply cannot be delivered until the gate opens. The
	// acknowledgement must not wait for it.
	e.slack.gate = make(chan struct{})
	start := time.Now()
	resp, body := e.command(testUser, "DU1", "new Marko Horvat, Acme d.o.o.", "tr-1")
	ack := time.Since(start)
	close(e.slack.gate)
	if resp.StatusCode != 200 || body != "" {
		t.Fatalf("ack: %d %q", resp.StatusCode, body)
	}
	if ack >= 3*time.Second {
		t.Fatalf("acknowledged after %v; Slack gives up at 3s", ack)
	}
	got := e.slack.waitFor("response_url", 1)[0]
	if got.JSON["response_type"] != "ephemeral" {
		t.Errorf("a private reply went out as %v", got.JSON["response_type"])
	}
	if !strings.Contains(got.blocksJSON(), `"value":"/show 1"`) || !strings.Contains(got.blocksJSON(), `"action_id":"b0_0"`) {
		t.Errorf("buttons not rendered: %s", got.blocksJSON())
	}
	ins := e.interests()
	if len(ins) != 1 || ins[0].OwnerID != e.admin().ID {
		t.Fatalf("interests: %+v", ins)
	}
	company := storagetest.Company(t, e.db, ins[0].CompanyID)
	if company == nil || company.Name != "Acme d.o.o." {
		t.Errorf("company %q", company.Name)
	}
	// The same command delivered again (same trigger) changes nothing and is not
	// answered again.
	e.command(testUser, "DU1", "new Marko Horvat, Acme d.o.o.", "tr-1")
	e.command(testUser, "DU1", "new Marko Horvat, Acme d.o.o.", "tr-1")
	// The person's requests run in order: once the next command is answered, any
	// repeat would have been too.
	e.command(testUser, "DU1", "my", "tr-2")
	got2 := e.slack.waitFor("response_url", 2)
	if len(got2) != 2 || strings.Contains(got2[1].text(), "Created") {
		t.Errorf("answers: %+v", got2)
	}
	if n := len(e.interests()); n != 1 {
		t.Errorf("a repeated command created %d interests", n)
	}
}

// A double tap while the first is still being answered is answered once, and so is
// one after a restart.
func TestResentCommandAnswersOnce(t *testing.T) {
	e := newEnv(t)
	e.slack.gate = make(chan struct{})
	for range 3 {
		if r, body := e.command(testUser, "C5", "my", "tr-dup"); r.StatusCode != 200 || body != "" {
			t.Fatalf("ack: %d %q", r.StatusCode, body)
		}
	}
	close(e.slack.gate)
	e.command(testUser, "C5", "today", "tr-next")
	got := e.slack.waitFor("response_url", 2)
	e.stop()
	e.start()
	e.command(testUser, "C5", "my", "tr-dup")
	e.command(testUser, "C5", "today", "tr-next2")
	got = e.slack.waitFor("response_url", 3)
	if len(got) != 3 {
		t.Fatalf("%d answers to 3 different commands: %+v", len(got), got)
	}
	// my, today, today: the repeated "my" never answered again.
	if got[0].text() == got[1].text() || got[1].text() != got[2].text() {
		t.Errorf("answers: %q, %q, %q", got[0].text(), got[1].text(), got[2].text())
	}
	for i, c := range got {
		if c.JSON["response_type"] != "ephemeral" {
			t.Errorf("answer %d is %v", i, c.JSON["response_type"])
		}
	}
}

// signedRequest builds a request with explicit signing headers.
func (e *env) raw(path, body string, hdr map[string]string) int {
	req, _ := http.NewRequest("POST", e.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestUnverifiedRequestsAreRefused(t *testing.T) {
	e := newEnv(t)
	cmd := "team_id=T1&channel_id=DU1&user_id=U1&command=%2Fcrm&text=new+Marko+Horvat%2C+Acme&trigger_id=tr-x&response_url=" + e.slack.responseURL()
	ev := mustJSON(map[string]any{"type": "event_callback", "team_id": testTeam, "event_id": "EvBad", "event": dm(testUser, "/new Marko Horvat, Acme")})
	act := "payload=" + mustJSON(map[string]any{"type": "block_actions", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser}, "actions": []any{map[string]any{"action_id": "b0", "value": "/my"}}})
	now := e.clock.Now().Unix()
	stale := now - 6*60
	for _, p := range []struct{ path, body string }{{CommandsPath, cmd}, {EventsPath, ev}, {InteractionsPath, act}} {
		for name, hdr := range map[string]map[string]string{
			"bad signature": {"X-Slack-Request-Timestamp": strconv.FormatInt(now, 10), "X-Slack-Signature": slackSign("wrong", now, p.body)},
			"stale":         {"X-Slack-Request-Timestamp": strconv.FormatInt(stale, 10), "X-Slack-Signature": slackSign(testSecret, stale, p.body)},
			"no headers":    {},
			"no signature":  {"X-Slack-Request-Timestamp": strconv.FormatInt(now, 10)},
			"no timestamp":  {"X-Slack-Signature": slackSign(testSecret, now, p.body)},
		} {
			if code := e.raw(p.path, p.body, hdr); code != http.StatusUnauthorized {
				t.Errorf("%s %s: status %d, want 401", p.path, name, code)
			}
		}
	}
	e.stop() // anything queued would have run by now
	if n := len(e.interests()); n != 0 {
		t.Errorf("%d interests stored", n)
	}
	if _, ok := storagetest.Idempotency(t, e.db, "req:slack:cmd:tr-x"); ok {
		t.Error("a refused command reached the engine")
	}
	if known, _ := e.recorded(sourceEvents, "EvBad"); known {
		t.Error("a refused event was recorded")
	}
	for _, c := range e.slack.all("") {
		if c.Method != "auth.test" {
			t.Errorf("Slack was called for a refused request: %s", c.Method)
		}
	}
}

func TestURLVerification(t *testing.T) {
	e := newEnv(t)
	resp, body := e.post(EventsPath, "application/json", `{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}`, nil)
	if resp.StatusCode != 200 || body != "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
}

func TestEventRetryIsProcessedOnce(t *testing.T) {
	e := newEnv(t)
	e.slack.gate = make(chan struct{})
	// The first delivery is still being handled (its reply is held) when Slack's
	// http_timeout retry arrives.
	if r, _ := e.event("Ev1", dm(testUser, "/help"), nil); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	if r, _ := e.event("Ev1", dm(testUser, "/help"), map[string]string{"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	close(e.slack.gate)
	e.waitDone("Ev1")
	// And once more after it was handled.
	if r, _ := e.event("Ev1", dm(testUser, "/help"), map[string]string{"X-Slack-Retry-Num": "2", "X-Slack-Retry-Reason": "http_error"}); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	e.stop()
	if n := len(e.slack.all("chat.postMessage")); n != 1 {
		t.Fatalf("event handled %d times", n)
	}
	if got := e.slack.all("chat.postMessage")[0].Form.Get("channel"); got != "DU1" {
		t.Errorf("reply went to %q, want the DM", got)
	}
	if known, pending := e.recorded(sourceEvents, "Ev1"); !known || pending {
		t.Errorf("inbox: Ev1 known=%v pending=%v, want known and done", known, pending)
	}
}

// A retry of an event that was recorded but never finished (the process died) is
// handled, and so is an unfinished event left in the inbox at start.
func TestUnfinishedEventIsProcessed(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	body := mustJSON(map[string]any{"type": "event_callback", "team_id": testTeam, "event_id": "EvCrash", "event": dm(testUser, "/help")})
	if _, err := e.inbox().Accept(ctx, sourceEvents, []crm.InboxItem{{ID: "EvCrash", Body: []byte(body)}}, ""); err != nil {
		t.Fatal(err)
	}
	e.event("EvCrash", dm(testUser, "/help"), map[string]string{"X-Slack-Retry-Num": "1"})
	e.waitDone("EvCrash")

	e.stop()
	body2 := mustJSON(map[string]any{"type": "event_callback", "team_id": testTeam, "event_id": "EvLeft", "event": dm(testUser, "/my")})
	if _, err := e.inbox().Accept(ctx, sourceEvents, []crm.InboxItem{{ID: "EvLeft", Body: []byte(body2)}}, ""); err != nil {
		t.Fatal(err)
	}
	e.start()
	e.waitDone("EvLeft")
	e.stop()
	if n := len(e.slack.all("chat.postMessage")); n != 2 {
		t.Fatalf("%d replies", n)
	}
	pending, err := e.inbox().Pending(ctx, sourceEvents)
	if err != nil || len(pending) != 0 {
		t.Errorf("still pending: %+v %v; calls %+v", pending, err, e.slack.all(""))
	}
}

// An event's inbox entry stays pending while the engine handles it: it is marked
// done only after the replies were delivered, so a crash in between hands it back at
// the next start (and the engine answers it with the replies it kept).
func TestEventPendingWhileHandled(t *testing.T) {
	e := newEnv(t)
	e.stop()
	eng := &pendingProbe{Engine: e.engine.(*bot.Engine), inbox: e.inbox()}
	e.engine = eng
	e.start()
	e.event("EvSeq", dm(testUser, "/help"), nil)
	e.waitDone("EvSeq")
	e.stop()
	eng.mu.Lock()
	defer eng.mu.Unlock()
	if len(eng.pending) == 0 || eng.pending[0] != 1 {
		t.Fatalf("entries pending while the message was handled: %v, want 1", eng.pending)
	}
	if p, err := e.inbox().Pending(context.Background(), sourceEvents); err != nil || len(p) != 0 {
		t.Errorf("after delivery: %d pending, %v; want none", len(p), err)
	}
}

// pendingProbe is the engine, noting how many events were pending at each message.
type pendingProbe struct {
	*bot.Engine
	inbox   bot.Inbox
	mu      sync.Mutex
	pending []int
}

func (p *pendingProbe) Handle(ctx context.Context, req bot.Request) []bot.Reply {
	if req.View == "" {
		es, _ := p.inbox.Pending(ctx, sourceEvents)
		p.mu.Lock()
		p.pending = append(p.pending, len(es))
		p.mu.Unlock()
	}
	return p.Engine.Handle(ctx, req)
}

// recordingEngine is the engine, remembering the requests it was given.
type recordingEngine struct {
	*bot.Engine
	mu   sync.Mutex
	reqs []bot.Request
}

func (r *recordingEngine) Handle(ctx context.Context, req bot.Request) []bot.Reply {
	r.mu.Lock()
	r.reqs = append(r.reqs, req)
	r.mu.Unlock()
	return r.Engine.Handle(ctx, req)
}

func TestBlockActionsAdvanceAFlow(t *testing.T) {
	e := newEnv(t)
	e.command(testUser, "DU1", "new Marko Horvat, Acme d.o.o.", "tr-1")
	e.slack.waitFor("response_url", 1)
	e.command(testUser, "DU1", "stage 1", "tr-2")
	prompt := e.slack.waitFor("response_url", 2)[1]
	var action string
	var blocks []map[string]any
	json.Unmarshal([]byte(prompt.blocksJSON()), &blocks)
	for _, b := range blocks {
		els, _ := b["elements"].([]any)
		for _, el := range els {
			m := el.(map[string]any)
			if strings.HasSuffix(m["value"].(string), ":proposal") {
				action = m["value"].(string)
			}
		}
	}
	if action == "" {
		t.Fatalf("no proposal button in %s", prompt.blocksJSON())
	}
	resp, _ := e.interaction(map[string]any{
		"type": "block_actions", "trigger_id": "tr-3", "response_url": e.slack.responseURL(),
		"team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser, "team_id": testTeam},
		"container": map[string]any{"type": "message", "channel_id": "DU1", "is_ephemeral": true, "message_ts": "1.2"},
		"channel":   map[string]any{"id": "DU1"},
		"actions":   []any{map[string]any{"action_id": "b0_2", "block_id": "r0", "type": "button", "value": action, "action_ts": "1.3"}},
	})
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	after := e.slack.waitFor("response_url", 3)[2]
	if after.JSON["replace_original"] != true {
		t.Errorf("the answer to a button does not replace the prompt: %v", after.JSON)
	}
	if st := e.interests()[0].Stage; st != crm.StageProposal {
		t.Errorf("stage %q", st)
	}
}

// logSubmission is a view_submission of the log modal.
func logSubmission(viewID string, values map[string]any) map[string]any {
	return map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser, "team_id": testTeam},
		"view": map[string]any{"id": viewID, "type": "modal", "callback_id": callbackLog, "private_metadata": `{}`, "state": map[string]any{"values": values}},
	}
}

func input(v string) map[string]any {
	return map[string]any{actionV: map[string]any{"type": "plain_text_input", "value": v}}
}

func selected(v string) map[string]any {
	return map[string]any{actionV: map[string]any{"type": "static_select", "selected_option": map[string]any{"value": v}}}
}

func TestModals(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.svc.CreateInterest(ctx, crm.Op{Actor: e.admin()}, crm.NewInterest{ContactName: "Marko Horvat", CompanyName: "Acme"}); err != nil {
		t.Fatal(err)
	}

	// /crm log with no arguments opens the modal at once, with the trigger.
	resp, body := e.command(testUser, "C1", "log", "tr-modal")
	if resp.StatusCode != 200 || body != "" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	open := e.slack.all("views.open")
	if len(open) != 1 || open[0].JSON["trigger_id"] != "tr-modal" || !strings.Contains(open[0].viewJSON(), `"callback_id":"crm_log"`) {
		t.Fatalf("views.open: %+v", open)
	}

	// The message shortcut opens it prefilled with the message.
	e.interaction(map[string]any{
		"type": "message_action", "callback_id": shortcutLog, "trigger_id": "tr-sc", "response_url": e.slack.responseURL(),
		"team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser}, "channel": map[string]any{"id": "C1"},
		"message": map[string]any{"type": "message", "text": "Marko wants 40 seats &amp; a demo", "ts": "1.1"},
	})
	open = e.slack.all("views.open")
	if len(open) != 2 || !strings.Contains(open[1].viewJSON(), `"initial_value":"Marko wants 40 seats \u0026 a demo"`) {
		t.Fatalf("shortcut: %s", open[len(open)-1].viewJSON())
	}

	// A date the parser cannot read is an error on its field; nothing is stored.
	vals := map[string]any{
		fInterest: selected("1"), fKind: selected("call"), fText: input("talked about 40 seats"),
		fNextWhat: input("send the offer"), fNextWhen: input("someday maybe"),
	}
	resp, body = e.interaction(logSubmission("V1", vals))
	var ack struct {
		ResponseAction string            `json:"response_action"`
		Errors         map[string]string `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &ack); err != nil || ack.ResponseAction != "errors" || ack.Errors[fNextWhen] == "" || len(ack.Errors) != 1 {
		t.Fatalf("bad date: %d %s", resp.StatusCode, body)
	}
	// A date that does not exist is named on the field, with dates that do.
	vals[fNextWhen] = input("31.2. 10:00")
	resp, body = e.interaction(logSubmission("V1", vals))
	if err := json.Unmarshal([]byte(body), &ack); err != nil || !strings.Contains(ack.Errors[fNextWhen], `"31.2."`) || !strings.Contains(ack.Errors[fNextWhen], "28.2.") {
		t.Fatalf("impossible date: %d %s", resp.StatusCode, body)
	}
	timeline := func() []*crm.Interaction {
		return storagetest.Timeline(t, e.db, 1)
	}
	before := len(timeline())

	// A valid one stores the interaction and closes the modal.
	vals[fNextWhen] = input("tomorrow 11:00")
	resp, body = e.interaction(logSubmission("V1", vals))
	if resp.StatusCode != 200 || body != "" {
		t.Fatalf("valid: %d %q", resp.StatusCode, body)
	}
	tl := timeline()
	if len(tl) != before+1 || tl[len(tl)-1].Kind != crm.InteractionCall || tl[len(tl)-1].Text != "talked about 40 seats" {
		t.Fatalf("timeline: %+v", tl)
	}
	if due := e.interests()[0].Next; due.What != "send the offer" || !due.Due.Equal(time.Date(2026, 12, 2, 11, 0, 0, 0, time.UTC)) {
		t.Errorf("next: %+v", due)
	}
	// The card follows in the DM.
	e.slack.waitFor("chat.postMessage", 1)

	// The new-interest modal: missing company → field error; valid → stored.
	newSub := func(values map[string]any) (int, string) {
		r, b := e.interaction(map[string]any{
			"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser},
			"view": map[string]any{"id": "V2", "callback_id": callbackNew, "state": map[string]any{"values": values}},
		})
		return r.StatusCode, b
	}
	if _, b := newSub(map[string]any{fContact: input("Iva Ban"), fCompany: input(""), fEmail: input("not-an-email")}); !strings.Contains(b, `"company"`) {
		t.Errorf("missing company: %s", b)
	}
	if _, b := newSub(map[string]any{fContact: input("Iva Ban"), fCompany: input("Beta"), fEmail: input("not-an-email")}); !strings.Contains(b, `"email"`) {
		t.Errorf("bad email: %s", b)
	}
	if code, b := newSub(map[string]any{fContact: input("Iva Ban"), fCompany: input("Beta"), fEmail: input("iva@beta.hr"), fValue: input("12 000"), fNextWhen: input("fri")}); code != 200 || b != "" {
		t.Fatalf("valid new: %d %s", code, b)
	}
	if ins := e.interests(); len(ins) != 2 || ins[1].Value != 12000 || ins[1].Next.Due.Weekday() != time.Friday {
		t.Errorf("new interest: %+v", ins[len(ins)-1])
	}
	// Iva's email under another name is not linked silently: the form says whose it
	// is, on the email field, and stores nothing.
	_, b := e.interaction(map[string]any{
		"type": "view_submission", "team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser},
		"view": map[string]any{"id": "V3", "callback_id": callbackNew, "state": map[string]any{"values": map[string]any{
			fContact: input("Ivo Novak"), fCompany: input("Gama"), fEmail: input("iva@beta.hr")}}},
	})
	if !strings.Contains(b, `"email"`) || !strings.Contains(b, "Iva Ban") {
		t.Errorf("duplicate email: %s", b)
	}
	if ins := e.interests(); len(ins) != 2 {
		t.Errorf("a duplicate was stored: %d interests", len(ins))
	}
}

func TestNonMemberIsRefusedEphemerally(t *testing.T) {
	e := newEnv(t)
	resp, body := e.command("U999", "C1", "new Marko Horvat, Acme d.o.o.", "tr-9")
	if resp.StatusCode != 200 || body != "" {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	got := e.slack.waitFor("response_url", 1)[0]
	if got.JSON["response_type"] != "ephemeral" || !strings.Contains(got.text(), "slack:T1/U999") {
		t.Errorf("refusal: %v %q", got.JSON["response_type"], got.text())
	}
	// "/crm new" without arguments does not open a form for a stranger either.
	e.command("U999", "C1", "new", "tr-10")
	e.slack.waitFor("response_url", 2)
	e.stop()
	if n := len(e.slack.all("views.open")); n != 0 {
		t.Errorf("a stranger got a modal")
	}
	if n := len(e.interests()); n != 0 {
		t.Errorf("%d interests stored", n)
	}
	users, _ := e.svc.Users(context.Background())
	if len(users) != 1 {
		t.Errorf("%d users", len(users))
	}
	if _, ok := storagetest.Idempotency(t, e.db, "req:slack:cmd:tr-9"); ok {
		t.Error("a stranger's request was recorded")
	}
	if b := storagetest.Dialog(t, e.db, "slack:T1/U999"); b != nil {
		t.Error("a stranger's dialogue was stored")
	}
}

func TestTeamAddFromMention(t *testing.T) {
	e := newEnv(t)
	e.command(testUser, "DU1", "team add <@U777|petra> manager corporate", "tr-t")
	e.slack.waitFor("response_url", 1)
	u, err := e.svc.Authenticate(context.Background(), identity(testTeam, "U777"))
	if err != nil {
		t.Fatalf("the mentioned person was not added: %v (%q)", err, e.slack.all("response_url")[0].text())
	}
	if u.Name != "Petra Kovač" || u.Role != crm.RoleManager || u.Segment != crm.SegmentCorporate {
		t.Errorf("added %+v", u)
	}
}

func TestRateLimitedPostIsDeliveredOnceAfterTheWait(t *testing.T) {
	e := newEnv(t)
	e.slack.hook = func(method string, w http.ResponseWriter, n int) bool {
		if method == "chat.postMessage" && n == 0 {
			w.Header().Set("Retry-After", "7")
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write([]byte(`{"ok":false,"error":"ratelimited"}`))
			return true
		}
		return false
	}
	if err := e.a.Notify(context.Background(), identity(testTeam, testUser), bot.Reply{Text: "Follow up with Acme <today>"}); err != nil {
		t.Fatal(err)
	}
	posts := e.slack.all("chat.postMessage")
	if len(posts) != 2 || posts[0].Status != 429 || posts[1].Status != 200 {
		t.Fatalf("posts: %+v", posts)
	}
	if posts[1].Form.Get("channel") != "DU1" || posts[1].text() != "Follow up with Acme &lt;today&gt;" {
		t.Errorf("delivered %q to %q", posts[1].text(), posts[1].Form.Get("channel"))
	}
	waited := false
	for _, d := range e.clock.sleeps() {
		waited = waited || d == 7*time.Second
	}
	if !waited {
		t.Errorf("Retry-After not honoured: slept %v", e.clock.sleeps())
	}
}

func TestServerErrorsAreRetriedThenGivenUp(t *testing.T) {
	e := newEnv(t)
	e.slack.hook = func(method string, w http.ResponseWriter, n int) bool {
		if method == "chat.postMessage" {
			w.WriteHeader(http.StatusBadGateway)
			return true
		}
		return false
	}
	err := e.a.Notify(context.Background(), crm.Identity("slack:T1/C42"), bot.Reply{Text: "digest"})
	if err == nil {
		t.Fatal("no error after repeated 502s")
	}
	if n := len(e.slack.all("chat.postMessage")); n != e.a.cfg.MaxAttempts {
		t.Errorf("%d attempts, want %d", n, e.a.cfg.MaxAttempts)
	}
	e.slack.hook = func(method string, w http.ResponseWriter, n int) bool {
		if method == "chat.postMessage" {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":false,"error":"channel_not_found"}`))
			return true
		}
		return false
	}
	if err := e.a.Notify(context.Background(), crm.Identity("slack:T1/C42"), bot.Reply{Text: "digest"}); !errorsIsUnreachable(err) {
		t.Errorf("channel_not_found: %v", err)
	}
}

func TestAppHomeShowsDueFollowUps(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin := e.admin()
	mk := func(company string, due time.Time) {
		t.Helper()
		if _, err := e.svc.CreateInterest(ctx, crm.Op{Actor: admin}, crm.NewInterest{ContactName: "X " + company, CompanyName: company, Next: &crm.NextAction{What: "call " + company, Due: due}}); err != nil {
			t.Fatal(err)
		}
	}
	mk("Overdue Ltd", time.Date(2026, 12, 1, 15, 0, 0, 0, time.UTC))
	mk("Today Inc", time.Date(2026, 12, 2, 17, 0, 0, 0, time.UTC))
	mk("Later GmbH", time.Date(2026, 12, 9, 10, 0, 0, 0, time.UTC))
	e.clock.Sleep(ctx, 27*time.Hour) // now 2 Dec 12:00
	resp, _ := e.event("EvHome", map[string]any{"type": "app_home_opened", "user": testUser, "channel": "DU1", "tab": "home", "event_ts": "1.1"}, nil)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	pub := e.slack.waitFor("views.publish", 1)[0]
	view := pub.viewJSON()
	if pub.JSON["user_id"] != testUser || !strings.Contains(view, `"type":"home"`) {
		t.Fatalf("publish: %v", pub.JSON)
	}
	for _, want := range []string{"#1 Overdue Ltd", "#2 Today Inc", "⚠", `"text":"Log #1","type":"plain_text"},"type":"button","value":"1"`, `"value":"/show 2"`} {
		if !strings.Contains(view, want) {
			t.Errorf("home lacks %s: %s", want, view)
		}
	}
	if strings.Contains(view, "Later GmbH") {
		t.Error("a follow-up due next week is on today's home")
	}
}

func TestRenderBlocks(t *testing.T) {
	bs := blocks(bot.Reply{Text: "A & B <b>*x*</b>", Buttons: [][]bot.Button{{{Label: "One", Action: "/show 1"}, {Label: "Two", Action: "@3:won"}}, {{Label: "Cancel", Action: "cancel"}}}})
	j := mustJSON(bs)
	for _, want := range []string{`A \u0026amp; B \u0026lt;b\u0026gt;*x*\u0026lt;/b\u0026gt;`, `"action_id":"b0_0","value":"/show 1"`, `"action_id":"b0_1","value":"@3:won"`, `"action_id":"b1_0","value":"cancel"`} {
		if !strings.Contains(j, want) {
			t.Errorf("blocks lack %s: %s", want, j)
		}
	}
	long := strings.Repeat("line of text\n", 600)
	if n := len(blocks(bot.Reply{Text: long})); n != 3 {
		t.Errorf("a %d-character text became %d sections", len(long), n)
	}
}

func TestPlainText(t *testing.T) {
	for in, want := range map[string]string{
		"new Marko, Acme &amp; Sons <mailto:m@acme.hr|m@acme.hr>": "new Marko, Acme & Sons m@acme.hr",
		"see <https://acme.hr|acme> in <#C1|sales> <!here>":       "see https://acme.hr in #sales @here",
		"1 &lt; 2": "1 < 2",
	} {
		if got := plainText(in); got != want {
			t.Errorf("%q → %q, want %q", in, got, want)
		}
	}
	if got := commandText("  "); got != "/help" {
		t.Errorf("bare /crm: %q", got)
	}
}

func errorsIsUnreachable(err error) bool { return err != nil && errors.Is(err, bot.ErrUnreachable) }

// A picture (a chart) goes through Slack's external upload: getUploadURLExternal, the
// upload to the URL it names, and completeUploadExternal sharing it in the DM.
func TestImageIsUploaded(t *testing.T) {
	e := newEnv(t)
	png := []byte("\x89PNG\r\n\x1a\nfake-chart-bytes")
	err := e.a.Notify(context.Background(), identity(testTeam, testUser), bot.Reply{Text: "Pipeline <today>", Image: &bot.Image{Name: "pipeline.png", PNG: png}})
	if err != nil {
		t.Fatal(err)
	}
	get, up, done := e.slack.all("files.getUploadURLExternal"), e.slack.all("upload"), e.slack.all("files.completeUploadExternal")
	if len(get) != 1 || len(up) != 1 || len(done) != 1 {
		t.Fatalf("upload calls: get %d, upload %d, complete %d", len(get), len(up), len(done))
	}
	if get[0].Form.Get("filename") != "pipeline.png" || get[0].Form.Get("length") != strconv.Itoa(len(png)) {
		t.Errorf("getUploadURLExternal: %v", get[0].Form)
	}
	if !bytes.Contains(up[0].Upload, png) {
		t.Error("the PNG bytes were not uploaded")
	}
	if done[0].Form.Get("channel_id") != "DU1" || done[0].Form.Get("initial_comment") != "Pipeline &lt;today&gt;" {
		t.Errorf("completeUploadExternal: %v", done[0].Form)
	}
	if n := len(e.slack.all("chat.postMessage")); n != 0 {
		t.Errorf("%d extra messages for a reply without buttons", n)
	}
}

// A client card is laid out as Block Kit fields; the timeline follows as text.
func TestCardAsFields(t *testing.T) {
	r := bot.Reply{Text: "full text", Card: &bot.Card{
		Title:  "#1 · Smith & Sons · interest",
		Fields: []bot.Field{{Label: "Contact", Value: "Marko Đurić"}, {Label: "Phone", Value: "+385912345678"}},
		Body:   "Timeline (last 1 of 1):\nWed 25 Nov 15:04 · call · Ana: <wants> 40 seats",
	}}
	j := mustJSON(blocks(r))
	for _, want := range []string{`*#1 · Smith \u0026amp; Sons · interest*`, `"fields":[{"type":"mrkdwn","text":"*Contact*\nMarko Đurić","verbatim":true}`, `\u0026lt;wants\u0026gt; 40 seats`} {
		if !strings.Contains(j, want) {
			t.Errorf("card blocks lack %s: %s", want, j)
		}
	}
	if strings.Contains(j, "full text") {
		t.Error("the plain text was rendered as well as the card")
	}
}

// A direct message creates an interest and is answered in the DM; a mention in a
// channel gets a report in the channel, and a request for a client card only a
// pointer to the DM.
func TestDirectMessageAndMention(t *testing.T) {
	e := newEnv(t)
	if r, _ := e.event("EvDM", dm(testUser, "/new Marko Đurić, Acme d.o.o."), nil); r.StatusCode != 200 {
		t.Fatal(r.Status)
	}
	e.waitDone("EvDM")
	posts := e.slack.all("chat.postMessage")
	if len(posts) != 1 || posts[0].Form.Get("channel") != "DU1" || !strings.Contains(posts[0].text(), "Created #1") {
		t.Fatalf("DM reply: %+v", posts)
	}
	mention := func(text string) map[string]any {
		return map[string]any{"type": "app_mention", "channel": "C77", "user": testUser, "text": "<@UBOT> " + text,
			"ts": "1795857391.000200", "event_ts": "1795857391.000200"}
	}
	e.event("EvM1", mention("/pipeline"), nil)
	e.waitDone("EvM1")
	e.event("EvM2", mention("/show 1"), nil)
	e.waitDone("EvM2")
	var inChannel, ephemeral []call
	for _, c := range e.slack.all("") {
		switch {
		case c.Method == "chat.postMessage" && c.Form.Get("channel") == "C77":
			inChannel = append(inChannel, c)
		case c.Method == "chat.postEphemeral" && c.Form.Get("channel") == "C77":
			ephemeral = append(ephemeral, c)
		}
	}
	if len(inChannel) != 1 || !strings.Contains(inChannel[0].text(), "Pipeline") {
		t.Fatalf("in the channel: the head's pipeline alone: %+v", inChannel)
	}
	// The card is shown to the person who asked, and only to them.
	if len(ephemeral) != 1 || ephemeral[0].Form.Get("user") != testUser || !strings.Contains(ephemeral[0].blocksJSON(), "Acme") {
		t.Fatalf("the card, ephemerally to its asker: %+v", ephemeral)
	}
	if strings.Contains(ephemeral[0].blocksJSON(), actionShare) {
		t.Errorf("a client card offers to share itself: %s", ephemeral[0].blocksJSON())
	}
	for _, c := range inChannel {
		if strings.Contains(c.text()+c.blocksJSON(), "Acme") {
			t.Fatalf("client data shown in a channel: %q", c.text())
		}
	}
}

// An interaction delivered twice (a proxy's retry, a Socket Mode envelope sent
// again) reaches the engine once: its trigger_id passes through the inbox.
func TestInteractionRetryIsProcessedOnce(t *testing.T) {
	e := newEnv(t)
	e.stop()
	rec := &recordingEngine{Engine: e.engine.(*bot.Engine)}
	e.engine = rec
	e.start()
	press := map[string]any{
		"type": "block_actions", "trigger_id": "tr-dup", "response_url": e.slack.responseURL(),
		"team": map[string]any{"id": testTeam}, "user": map[string]any{"id": testUser, "team_id": testTeam},
		"container": map[string]any{"type": "message", "channel_id": "DU1", "message_ts": "1.2"},
		"channel":   map[string]any{"id": "DU1"},
		"actions":   []any{map[string]any{"action_id": "b0", "block_id": "r0", "type": "button", "value": "/my", "action_ts": "1.3"}},
	}
	for i := 0; i < 2; i++ {
		if resp, _ := e.interaction(press); resp.StatusCode != 200 {
			t.Fatal(resp.Status)
		}
	}
	e.slack.waitFor("response_url", 1) // the first press answered
	e.stop()
	rec.mu.Lock()
	defer rec.mu.Unlock()
	n := 0
	for _, r := range rec.reqs {
		if r.Key == "slack:act:tr-dup" {
			n++
		}
	}
	if n != 1 {
		t.Errorf("the press reached the engine %d times, want 1", n)
	}
	if known, pending := e.recorded(sourceInteractions, "tr-dup"); !known || pending {
		t.Errorf("inbox: known=%v pending=%v, want known and done", known, pending)
	}
}
