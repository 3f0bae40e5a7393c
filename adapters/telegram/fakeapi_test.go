package telegram

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeAPI is an httptest Bot API that answers as Telegram does: {"ok":true,"result":…},
// or {"ok":false,"error_code":…,"description":…,"parameters":{…}} with the matching
// HTTP status. It keeps a queue of updates for getUpdates with Telegram's offset
// semantics (an update is confirmed by a later getUpdates with a higher offset) and
// records every call.
type fakeAPI struct {
	t     testing.TB
	srv   *httptest.Server
	token string

	mu      sync.Mutex
	calls   []apiCall
	queue   []*queuedUpdate
	fail    map[string][]apiError
	nextMsg int
	changed chan struct{} // closed and replaced on every change, for waiters
	hook    func(method string, params map[string]string)
	limits  *fakeLimits    // enforced when set (enforceLimits)
	blocked map[int64]bool // chats whose user blocked the bot: every send is a 403
	latency time.Duration  // each send takes this long: half before it arrives, half after
}

// fakeLimits is Telegram's flood control as the bot FAQ states it (docs/PLATFORM-NOTES.md §10),
// judged when a message arrives, over rolling windows: at most one message per
// PerChat in a chat, at most 60s/PerGroup messages per rolling minute in a group, at
// most 30 per rolling second overall, all divided by the same scale factor as the
// Limits they are built from. A message over a limit is answered 429 with
// retry_after (whole seconds of the fake's clock, at least 1, as Telegram does) and
// counted as a violation; it does not count towards the windows.
type fakeLimits struct {
	now       func() time.Time
	perChat   time.Duration // one message per this, per chat (private or group)
	groupWin  time.Duration // a rolling minute, scaled
	groupN    int
	globalWin time.Duration // a rolling second, scaled
	globalN   int

	lastChat   map[int64]time.Time
	group      map[int64][]time.Time // accepted within groupWin, oldest first
	global     []time.Time           // accepted within globalWin, oldest first
	accepted   int
	first      time.Time
	last       time.Time
	violations []string
}

// enforceLimits makes the fake enforce Telegram's limits scaled by factor (1: the real
// ones; 100: a hundred times faster), judged on the clock now (time.Now when nil).
func (f *fakeAPI) enforceLimits(factor float64, now func() time.Time) {
	if now == nil {
		now = time.Now
	}
	scaled := func(d time.Duration) time.Duration { return time.Duration(float64(d) / factor) }
	f.mu.Lock()
	defer f.mu.Unlock()
	f.limits = &fakeLimits{
		now:      now,
		perChat:  scaled(time.Second),
		groupWin: scaled(time.Minute), groupN: 20,
		globalWin: scaled(time.Second), globalN: 30,
		lastChat: map[int64]time.Time{}, group: map[int64][]time.Time{},
	}
}

// violations returns the limit violations the fake answered with 429.
func (f *fakeAPI) violations() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.limits == nil {
		return nil
	}
	return append([]string(nil), f.limits.violations...)
}

// acceptedSpan returns how many chat messages the limits let through and the time
// from the first to the last.
func (f *fakeAPI) acceptedSpan() (int, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.limits.accepted, f.limits.last.Sub(f.limits.first)
}

// block makes every send to chatID fail as for a user who blocked the bot.
func (f *fakeAPI) block(chatID int64) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.blocked == nil {
		f.blocked = map[int64]bool{}
	}
	f.blocked[chatID] = true
}

// admit judges a message to chatID arriving now. It returns how long the sender
// should have waited, 0 when the message is within the limits.
func (l *fakeLimits) admit(chatID int64) time.Duration {
	now := l.now()
	trim := func(ts []time.Time, win time.Duration) []time.Time {
		i := 0
		for i < len(ts) && !ts[i].After(now.Add(-win)) {
			i++
		}
		return ts[i:]
	}
	l.global = trim(l.global, l.globalWin)
	var wait time.Duration
	var why []string
	if last, ok := l.lastChat[chatID]; ok && now.Sub(last) < l.perChat {
		wait = max(wait, l.perChat-now.Sub(last))
		why = append(why, fmt.Sprintf("chat %d: %v after the previous message", chatID, now.Sub(last)))
	}
	if chatID < 0 {
		l.group[chatID] = trim(l.group[chatID], l.groupWin)
		if g := l.group[chatID]; len(g) >= l.groupN {
			wait = max(wait, g[len(g)-l.groupN].Add(l.groupWin).Sub(now))
			why = append(why, fmt.Sprintf("group %d: %d messages within %v", chatID, len(g)+1, l.groupWin))
		}
	}
	if len(l.global) >= l.globalN {
		wait = max(wait, l.global[len(l.global)-l.globalN].Add(l.globalWin).Sub(now))
		why = append(why, fmt.Sprintf("%d messages within %v overall (the first %v ago)", len(l.global)+1, l.globalWin, now.Sub(l.global[len(l.global)-l.globalN])))
	}
	if len(why) > 0 {
		l.violations = append(l.violations, now.Format("15:04:05.000000")+" "+strings.Join(why, "; "))
		return max(wait, time.Nanosecond)
	}
	l.lastChat[chatID] = now
	if chatID < 0 {
		l.group[chatID] = append(l.group[chatID], now)
	}
	l.global = append(l.global, now)
	if l.accepted == 0 {
		l.first = now
	}
	l.accepted++
	l.last = now
	return 0
}

// setHook installs a function called with every request before it is answered.
func (f *fakeAPI) setHook(h func(method string, params map[string]string)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.hook = h
}

type queuedUpdate struct {
	id        int64
	raw       json.RawMessage
	delivered bool
}

// apiCall is one request the fake received. OK is false when it was answered with
// an error.
type apiCall struct {
	Method string
	Params map[string]string
	File   bool // a multipart file part was present
	OK     bool
	MsgID  int // the message_id the fake answered with (sent and edited messages)
}

type apiError struct {
	status, code int
	desc         string
	retryAfter   int
	migrateTo    int64
}

const (
	testToken   = "123456789:AAH-secret-token_xyz"
	testBotID   = 123456789
	testBotName = "crm_test_bot"
)

func newFakeAPI(t testing.TB) *fakeAPI {
	f := &fakeAPI{t: t, token: testToken, fail: map[string][]apiError{}, nextMsg: 1000, changed: make(chan struct{})}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

// endpoint is tgbotapi's endpoint format for this server.
func (f *fakeAPI) endpoint() string { return f.srv.URL + "/bot%s/%s" }

func (f *fakeAPI) notifyLocked() {
	close(f.changed)
	f.changed = make(chan struct{})
}

// push queues updates for getUpdates.
func (f *fakeAPI) push(updates ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, u := range updates {
		var v struct {
			UpdateID int64 `json:"update_id"`
		}
		if err := json.Unmarshal([]byte(u), &v); err != nil {
			f.t.Fatalf("bad fixture %s: %v", u, err)
		}
		f.queue = append(f.queue, &queuedUpdate{id: v.UpdateID, raw: json.RawMessage(u)})
	}
	f.notifyLocked()
}

// failNext makes the next calls of method fail, one error each.
func (f *fakeAPI) failNext(method string, errs ...apiError) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.fail[method] = append(f.fail[method], errs...)
}

// callsOf returns the recorded calls of method (all when method is "").
func (f *fakeAPI) callsOf(method string) []apiCall {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []apiCall
	for _, c := range f.calls {
		if method == "" || c.Method == method {
			out = append(out, c)
		}
	}
	return out
}

// sent returns the successful calls of the methods that put something in a chat.
func (f *fakeAPI) sent() []apiCall {
	var out []apiCall
	for _, c := range f.callsOf("") {
		switch c.Method {
		case "sendMessage", "editMessageText", "sendPhoto":
			if c.OK {
				out = append(out, c)
			}
		}
	}
	return out
}

// waitFor blocks until cond holds for the recorded state, failing the test after a
// generous deadline (a hang, not a timing assertion).
func (f *fakeAPI) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	// Some conditions change outside the fake (the database): look again now and then.
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		f.mu.Lock()
		ch := f.changed
		f.mu.Unlock()
		if cond() {
			return
		}
		select {
		case <-ch:
		case <-tick.C:
		case <-deadline.C:
			f.t.Fatalf("timed out waiting for %s; calls: %+v", what, f.callsOf(""))
		}
	}
}

// waitSent waits until n messages were sent and returns them.
func (f *fakeAPI) waitSent(n int) []apiCall {
	f.t.Helper()
	f.waitFor(fmt.Sprintf("%d sent messages", n), func() bool { return len(f.sent()) >= n })
	return f.sent()
}

// confirmedThrough reports whether getUpdates was called with an offset above id.
func (f *fakeAPI) confirmed(id int64) bool {
	for _, c := range f.callsOf("getUpdates") {
		if off, _ := strconv.ParseInt(c.Params["offset"], 10, 64); off > id {
			return true
		}
	}
	return false
}

func (f *fakeAPI) serve(w http.ResponseWriter, r *http.Request) {
	path := strings.TrimPrefix(r.URL.Path, "/bot")
	tok, method, ok := strings.Cut(path, "/")
	if !ok || r.Method != http.MethodPost {
		writeAPIError(w, apiError{status: 404, code: 404, desc: "Not Found"})
		return
	}
	if tok != f.token {
		writeAPIError(w, apiError{status: 401, code: 401, desc: "Unauthorized"})
		return
	}
	params := map[string]string{}
	file := false
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		if err := r.ParseMultipartForm(10 << 20); err != nil {
			writeAPIError(w, apiError{status: 400, code: 400, desc: "Bad Request: bad multipart"})
			return
		}
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		file = len(r.MultipartForm.File) > 0
	} else {
		if err := r.ParseForm(); err != nil {
			writeAPIError(w, apiError{status: 400, code: 400, desc: "Bad Request: bad form"})
			return
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	}

	f.mu.Lock()
	hook := f.hook
	f.mu.Unlock()
	if hook != nil {
		hook(method, params)
	}
	f.mu.Lock()
	call := apiCall{Method: method, Params: params, File: file}
	if errs := f.fail[method]; len(errs) > 0 {
		f.fail[method] = errs[1:]
		f.calls = append(f.calls, call)
		f.notifyLocked()
		f.mu.Unlock()
		writeAPIError(w, errs[0])
		return
	}
	if lat := f.latency; lat > 0 && (method == "sendMessage" || method == "sendPhoto") {
		// The network: a real Bot API call takes tens of milliseconds there and back.
		f.mu.Unlock()
		time.Sleep(lat / 2)
		defer time.Sleep(lat - lat/2)
		f.mu.Lock()
	}
	if method == "sendMessage" || method == "sendPhoto" {
		chatID, _ := strconv.ParseInt(params["chat_id"], 10, 64)
		var e *apiError
		if f.blocked[chatID] {
			e = &apiError{status: 403, code: 403, desc: "Forbidden: bot was blocked by the user"}
		} else if f.limits != nil {
			if wait := f.limits.admit(chatID); wait > 0 {
				secs := int((wait + time.Second - 1) / time.Second)
				e = &apiError{status: 429, code: 429, desc: fmt.Sprintf("Too Many Requests: retry after %d", secs), retryAfter: secs}
			}
		}
		if e != nil {
			f.calls = append(f.calls, call)
			f.notifyLocked()
			f.mu.Unlock()
			writeAPIError(w, *e)
			return
		}
	}
	if method == "getUpdates" {
		f.calls = append(f.calls, apiCall{Method: method, Params: params, OK: true})
		f.notifyLocked()
		f.mu.Unlock()
		f.getUpdates(w, r, params)
		return
	}
	call.OK = true
	f.calls = append(f.calls, call)
	var result any
	switch method {
	case "getMe":
		result = map[string]any{"id": testBotID, "is_bot": true, "first_name": "CRM", "username": testBotName}
	case "sendMessage", "editMessageText", "sendPhoto":
		chatID, _ := strconv.ParseInt(params["chat_id"], 10, 64)
		msgID := f.nextMsg
		if method == "editMessageText" {
			msgID, _ = strconv.Atoi(params["message_id"])
		} else {
			f.nextMsg++
		}
		typ := "private"
		if chatID < 0 {
			typ = "supergroup"
		}
		f.calls[len(f.calls)-1].MsgID = msgID
		m := map[string]any{
			"message_id": msgID, "date": 1764083040,
			"chat": map[string]any{"id": chatID, "type": typ},
			"from": map[string]any{"id": testBotID, "is_bot": true, "first_name": "CRM", "username": testBotName},
		}
		if method == "sendPhoto" {
			m["photo"] = []any{map[string]any{"file_id": "p1", "file_unique_id": "u1", "width": 10, "height": 10}}
			m["caption"] = params["caption"]
		} else {
			m["text"] = params["text"]
		}
		result = m
	case "answerCallbackQuery", "setMyCommands", "setWebhook", "deleteWebhook":
		result = true
	default:
		f.notifyLocked()
		f.mu.Unlock()
		writeAPIError(w, apiError{status: 404, code: 404, desc: "Not Found: method not found"})
		return
	}
	f.notifyLocked()
	f.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": result})
}

// getUpdates confirms what was delivered below offset and returns the rest, waiting
// up to timeout seconds (or until the client goes away) when there is nothing.
func (f *fakeAPI) getUpdates(w http.ResponseWriter, r *http.Request, params map[string]string) {
	offset, _ := strconv.ParseInt(params["offset"], 10, 64)
	timeout, _ := strconv.Atoi(params["timeout"])
	limit, _ := strconv.Atoi(params["limit"])
	if limit <= 0 {
		limit = 100
	}
	var allowed []string
	if err := json.Unmarshal([]byte(params["allowed_updates"]), &allowed); err != nil || allowed == nil {
		writeAPIError(w, apiError{status: 400, code: 400, desc: "Bad Request: allowed_updates must be a list"})
		return
	}
	wait := time.NewTimer(time.Duration(timeout) * time.Second)
	defer wait.Stop()
	for {
		f.mu.Lock()
		// Confirm: updates handed out before, with ids below the offset. An update
		// never handed out is returned whatever its id (ids may go down).
		kept := f.queue[:0]
		for _, u := range f.queue {
			if !(u.delivered && u.id < offset) {
				kept = append(kept, u)
			}
		}
		f.queue = kept
		var out []json.RawMessage
		for _, u := range f.queue {
			if len(out) == limit {
				break
			}
			u.delivered = true
			out = append(out, u.raw)
		}
		ch := f.changed
		f.mu.Unlock()
		if len(out) > 0 || timeout == 0 {
			if out == nil {
				out = []json.RawMessage{}
			}
			writeJSON(w, http.StatusOK, map[string]any{"ok": true, "result": out})
			return
		}
		select {
		case <-ch:
		case <-wait.C:
			timeout = 0
		case <-r.Context().Done():
			return
		}
	}
}

func writeAPIError(w http.ResponseWriter, e apiError) {
	body := map[string]any{"ok": false, "error_code": e.code, "description": e.desc}
	if e.retryAfter > 0 {
		body["parameters"] = map[string]any{"retry_after": e.retryAfter}
	}
	if e.migrateTo != 0 {
		body["parameters"] = map[string]any{"migrate_to_chat_id": e.migrateTo}
	}
	writeJSON(w, e.status, body)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// Update fixtures, shaped as Telegram sends them (entities included: without them a
// command is not a command).

func privateText(updateID int, userID int64, first, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1764083040,
"from":{"id":%d,"is_bot":false,"first_name":%q,"language_code":"en"},
"chat":{"id":%d,"first_name":%q,"type":"private"},"text":%q%s}}`,
		updateID, updateID, userID, first, userID, first, text, entities(text))
}

func groupText(updateID int, chatID, userID int64, first, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1764083040,
"from":{"id":%d,"is_bot":false,"first_name":%q},
"chat":{"id":%d,"title":"Sales","type":"supergroup"},"text":%q%s}}`,
		updateID, updateID, userID, first, chatID, text, entities(text))
}

// entities marks a leading /command as Telegram does.
func entities(text string) string {
	if !strings.HasPrefix(text, "/") {
		return ""
	}
	n := strings.IndexAny(text, " \n")
	if n < 0 {
		n = len(text)
	}
	return fmt.Sprintf(`,"entities":[{"offset":0,"length":%d,"type":"bot_command"}]`, n)
}

func callback(updateID int, userID, chatID int64, msgID int, data string) string {
	typ := "private"
	if chatID < 0 {
		typ = "supergroup"
	}
	return fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"cb%d","from":{"id":%d,"is_bot":false,"first_name":"U"},
"message":{"message_id":%d,"date":1764083040,"from":{"id":%d,"is_bot":true,"first_name":"CRM","username":%q},
"chat":{"id":%d,"type":%q},"text":"question"},"chat_instance":"42","data":%q}}`,
		updateID, updateID, userID, msgID, testBotID, testBotName, chatID, typ, data)
}

func contactCard(updateID int, userID int64, first, last, phone string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1764083040,
"from":{"id":%d,"is_bot":false,"first_name":"U"},"chat":{"id":%d,"type":"private"},
"contact":{"phone_number":%q,"first_name":%q,"last_name":%q,"vcard":"BEGIN:VCARD\nORG:Acme d.o.o.\nEND:VCARD"}}}`,
		updateID, updateID, userID, userID, phone, first, last)
}
