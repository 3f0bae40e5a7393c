package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"crmbot/bot"
	"crmbot/crm"
)

func TestPollingTranslatesAndReplies(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder(func(req bot.Request) []bot.Reply {
		return []bot.Reply{{Text: "Smith & Sons <b>ok</b>", Buttons: [][]bot.Button{{{Label: "Log", Action: "log:1"}, {Label: "Card", Action: "show:1"}}}}}
	})
	pendingSeq := make(chan uint64, 1)
	rec.block = func(ctx context.Context, req bot.Request) {
		var seq uint64
		if p, err := e.inbox().Pending(ctx, inboxSource); err == nil && len(p) == 1 {
			seq = p[0].Seq
		}
		pendingSeq <- seq
	}
	a := e.adapter(rec, func(c *Config) {
		c.Commands = []bot.CommandInfo{{Name: "log", Description: "log a call"}, {Name: "Bad-Name", Description: "skipped"}}
	})
	e.start(a)
	e.api.push(privateText(10, 42, "Ana", "/log@"+testBotName+" 1 call: hi"))

	req := rec.next(t)
	if req.Identity != "telegram:42" || req.Name != "Ana" || req.Text != "/log 1 call: hi" ||
		req.Key != "tg:u:10" || req.Chat != bot.ChatPrivate {
		t.Fatalf("request = %+v", req)
	}
	// The update's inbox entry is still pending while the engine handles it: it is
	// marked done only after the replies were delivered, so a crash in between hands
	// it back at the next start.
	if seq := <-pendingSeq; seq == 0 {
		t.Errorf("no inbox entry pending while the update was handled")
	}
	sent := e.api.waitSent(1)
	m := sent[0]
	if m.Method != "sendMessage" || m.Params["chat_id"] != "42" || m.Params["parse_mode"] != "HTML" {
		t.Fatalf("sent %+v", m)
	}
	if want := "Smith &amp; Sons &lt;b&gt;ok&lt;/b&gt;"; m.Params["text"] != want {
		t.Errorf("text = %q, want %q (escaped)", m.Params["text"], want)
	}
	var kb tgbotapi.InlineKeyboardMarkup
	if err := json.Unmarshal([]byte(m.Params["reply_markup"]), &kb); err != nil {
		t.Fatalf("reply_markup %q: %v", m.Params["reply_markup"], err)
	}
	if len(kb.InlineKeyboard) != 1 || len(kb.InlineKeyboard[0]) != 2 || *kb.InlineKeyboard[0][1].CallbackData != "show:1" {
		t.Errorf("keyboard = %s", m.Params["reply_markup"])
	}

	// setMyCommands at start, with only the registrable commands.
	cmds := e.api.callsOf("setMyCommands")
	if len(cmds) != 1 || !strings.Contains(cmds[0].Params["commands"], `"command":"log"`) || strings.Contains(cmds[0].Params["commands"], "Bad") {
		t.Errorf("setMyCommands = %+v", cmds)
	}
	// getUpdates names the update kinds explicitly (never "null").
	gu := e.api.callsOf("getUpdates")[0]
	if gu.Params["allowed_updates"] != `["message","callback_query","my_chat_member"]` || gu.Params["timeout"] != "1" {
		t.Errorf("getUpdates params = %v", gu.Params)
	}
	e.api.waitFor("the update confirmed", func() bool { return e.api.confirmed(10) })
	e.api.waitFor("the inbox emptied", func() bool { return e.inboxLen() == 0 })
}

func TestUpdatesOfOneChatInOrderOthersConcurrently(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	rec := newRecorder(echo)
	rec.block = func(ctx context.Context, req bot.Request) {
		if req.Identity == "telegram:1" && req.Text == "a1" {
			<-release // chat 1 is stuck on its first update
		}
	}
	a := e.adapter(rec, nil)
	e.start(a)
	e.api.push(
		privateText(1, 1, "A", "a1"), privateText(2, 1, "A", "a2"),
		privateText(3, 2, "B", "b1"), privateText(4, 2, "B", "b2"),
	)
	// Chat 2 proceeds while chat 1 waits.
	if got := rec.next(t).Text; got != "b1" {
		t.Fatalf("first handled = %q, want b1", got)
	}
	if got := rec.next(t).Text; got != "b2" {
		t.Fatalf("second handled = %q, want b2", got)
	}
	close(release)
	if got := rec.next(t).Text; got != "a1" {
		t.Fatalf("third = %q", got)
	}
	if got := rec.next(t).Text; got != "a2" {
		t.Fatalf("fourth = %q", got)
	}
	e.api.waitSent(4)
}

func TestGroupCommandsAddressing(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder(echo)
	a := e.adapter(rec, nil)
	e.start(a)
	const group = -100123
	e.api.push(
		groupText(1, group, 7, "Head", "/pipeline@OtherBot"),
		groupText(2, group, 7, "Head", "good morning everyone"),
		groupText(3, group, 7, "Head", "/pipeline@"+testBotName),
		groupText(4, group, 7, "Head", "/show 1"),
	)
	r1 := rec.next(t)
	if r1.Text != "/pipeline" || r1.Chat != bot.ChatGroup || r1.Identity != "telegram:7" {
		t.Fatalf("first request = %+v (the other bot's command and chatter must be skipped)", r1)
	}
	if r2 := rec.next(t); r2.Text != "/show 1" {
		t.Fatalf("second request = %+v", r2)
	}
	e.api.waitFor("inbox empty", func() bool { return e.inboxLen() == 0 })
	if n := len(rec.requests()); n != 2 {
		t.Errorf("engine got %d requests, want 2", n)
	}
}

func TestPrivateReplyFromGroupGoesToPrivateChat(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder(func(req bot.Request) []bot.Reply {
		return []bot.Reply{{Text: "pointer"}, {Text: "card of a client", Private: true}}
	})
	a := e.adapter(rec, nil)
	e.start(a)
	e.api.push(groupText(1, -100, 7, "Head", "/today"))
	sent := e.api.waitSent(2)
	if sent[0].Params["chat_id"] != "-100" || sent[1].Params["chat_id"] != "7" || sent[1].Params["text"] != "card of a client" {
		t.Fatalf("sent %+v", sent)
	}

	// The person never started the bot: the group gets a pointer, not the card.
	rec.setRespond(func(bot.Request) []bot.Reply { return []bot.Reply{{Text: "secret card", Private: true}} })
	e.api.failNext("sendMessage", apiError{status: 400, code: 400, desc: "Bad Request: chat not found"})
	e.api.push(groupText(2, -100, 8, "New", "/today"))
	sent = e.api.waitSent(3)
	last := sent[2]
	if last.Params["chat_id"] != "-100" || strings.Contains(last.Params["text"], "secret") || !strings.Contains(last.Params["text"], "t.me/"+testBotName) {
		t.Fatalf("fallback = %+v", last)
	}
}

func TestCallbackAnsweredAndReplaceEdits(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder(func(req bot.Request) []bot.Reply {
		return []bot.Reply{{Text: "step 2", Replace: true, Buttons: [][]bot.Button{{{Label: "Next", Action: "n"}}}}}
	})
	a := e.adapter(rec, nil)
	e.start(a)
	e.api.push(callback(5, 42, 42, 777, "st:1:new"))
	req := rec.next(t)
	if req.Action != "st:1:new" || req.Key != "tg:cb:cb5" || req.Identity != "telegram:42" {
		t.Fatalf("request = %+v", req)
	}
	sent := e.api.waitSent(1)
	if sent[0].Method != "editMessageText" || sent[0].Params["message_id"] != "777" || sent[0].Params["chat_id"] != "42" ||
		!strings.Contains(sent[0].Params["reply_markup"], `"callback_data":"n"`) {
		t.Fatalf("edit = %+v", sent[0])
	}
	e.api.waitFor("callback answered", func() bool { return len(e.api.callsOf("answerCallbackQuery")) == 1 })
	if id := e.api.callsOf("answerCallbackQuery")[0].Params["callback_query_id"]; id != "cb5" {
		t.Errorf("answered %q", id)
	}

	// "message is not modified" is success: no new message instead.
	e.api.failNext("editMessageText", apiError{status: 400, code: 400, desc: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same"})
	e.api.push(callback(6, 42, 42, 777, "st:1:new"))
	e.api.waitFor("second callback answered", func() bool { return len(e.api.callsOf("answerCallbackQuery")) == 2 })
	e.api.waitFor("inbox empty", func() bool { return e.inboxLen() == 0 })
	if n := len(e.api.callsOf("sendMessage")); n != 0 {
		t.Errorf("%d sendMessage after a not-modified edit, want 0", n)
	}

	// A message that can no longer be edited: a new message instead.
	e.api.failNext("editMessageText", apiError{status: 400, code: 400, desc: "Bad Request: message to edit not found"})
	e.api.push(callback(7, 42, 42, 1, "st:1:new"))
	e.api.waitFor("fallback send", func() bool { return len(e.api.callsOf("sendMessage")) == 1 })
}

func TestContactCardAndForward(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder(nil)
	a := e.adapter(rec, nil)
	e.start(a)
	e.api.push(contactCard(1, 42, "Marko", "Đurić", "+385912345678"))
	req := rec.next(t)
	if req.Contact == nil || req.Contact.FirstName != "Marko" || req.Contact.LastName != "Đurić" ||
		req.Contact.Phone != "+385912345678" || !strings.Contains(req.Contact.VCard, "ORG:Acme") {
		t.Fatalf("contact = %+v", req.Contact)
	}
	// Bot API 7 forward_origin (unknown to tgbotapi v5.5.1) and the old forward_date.
	e.api.push(
		`{"update_id":2,"message":{"message_id":2,"date":1,"from":{"id":42,"is_bot":false,"first_name":"U"},"chat":{"id":42,"type":"private"},"text":"They want EUR","forward_origin":{"type":"hidden_user","date":1,"sender_user_name":"X"}}}`,
		`{"update_id":3,"message":{"message_id":3,"date":1,"from":{"id":42,"is_bot":false,"first_name":"U"},"chat":{"id":42,"type":"private"},"text":"old style","forward_date":1}}`,
		privateText(4, 42, "U", "typed myself"),
	)
	for i, want := range []bool{true, true, false} {
		if got := rec.next(t).Forwarded; got != want {
			t.Errorf("update %d: Forwarded = %v, want %v", i+2, got, want)
		}
	}
}

func TestLongReplySplitAtLines(t *testing.T) {
	e := newEnv(t)
	var lines []string
	for i := 0; len(strings.Join(lines, "\n")) < 9000; i++ {
		lines = append(lines, fmt.Sprintf("#%d Acme & Co · new · next Thu 10:00", i))
	}
	long := strings.Join(lines, "\n")
	rec := newRecorder(func(bot.Request) []bot.Reply {
		return []bot.Reply{{Text: long, Buttons: [][]bot.Button{{{Label: "More", Action: "more"}}}}}
	})
	a := e.adapter(rec, nil)
	e.start(a)
	e.api.push(privateText(1, 42, "U", "/my"))
	rec.next(t)
	e.api.waitFor("inbox empty", func() bool { return e.inboxLen() == 0 })
	sent := e.api.sent()
	if len(sent) != 3 {
		t.Fatalf("%d messages, want 3", len(sent))
	}
	var got []string
	for i, m := range sent {
		txt := strings.ReplaceAll(m.Params["text"], "&amp;", "&")
		if utf16Len(txt) > maxText {
			t.Errorf("part %d has %d characters", i, utf16Len(txt))
		}
		if hasKB := m.Params["reply_markup"] != ""; hasKB != (i == len(sent)-1) {
			t.Errorf("part %d keyboard = %v", i, hasKB)
		}
		got = append(got, txt)
	}
	if strings.Join(got, "\n") != long {
		t.Error("parts do not join back to the text at line boundaries")
	}
}

func TestSplitText(t *testing.T) {
	for _, tc := range []struct {
		name  string
		in    string
		limit int
		want  []string
	}{
		{"empty", "", 10, nil},
		{"fits", "a\nb", 10, []string{"a\nb"}},
		{"lines", "aaaa\nbbbb\ncccc", 9, []string{"aaaa\nbbbb", "cccc"}},
		{"long line at space", "aaa bbb ccc", 8, []string{"aaa bbb ", "ccc"}},
		{"long word", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"emoji counts two", "😀😀😀", 4, []string{"😀😀", "😀"}},
		{"trailing newlines", "a\n\n", 10, []string{"a"}},
		{"exact fit", "aaaa\nbbbb", 4, []string{"aaaa", "bbbb"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := splitText(tc.in, tc.limit)
			if fmt.Sprint(got) != fmt.Sprint(tc.want) || len(got) != len(tc.want) {
				t.Errorf("splitText(%q, %d) = %q, want %q", tc.in, tc.limit, got, tc.want)
			}
		})
	}
}

func TestImageSentAsPhotoWithCaption(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder(func(bot.Request) []bot.Reply {
		return []bot.Reply{{Text: "Pipeline <chart>", Image: &bot.Image{Name: "pipeline.png", PNG: []byte("\x89PNG fake")}}}
	})
	a := e.adapter(rec, nil)
	e.start(a)
	e.api.push(privateText(1, 42, "U", "/pipeline"))
	sent := e.api.waitSent(1)
	if sent[0].Method != "sendPhoto" || !sent[0].File || sent[0].Params["caption"] != "Pipeline &lt;chart&gt;" || sent[0].Params["parse_mode"] != "HTML" {
		t.Fatalf("photo = %+v", sent[0])
	}
}

func TestFloodControlWaitsRetryAfterOnce(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(newRecorder(nil), nil)
	e.start(a)
	e.waitConnected(a)
	e.api.failNext("sendMessage", apiError{status: 429, code: 429, desc: "Too Many Requests: retry after 7", retryAfter: 7})
	before := e.clock.Now()
	if err := a.Send(context.Background(), 42, bot.Reply{Text: "nudge"}); err != nil {
		t.Fatal(err)
	}
	calls := e.api.callsOf("sendMessage")
	if len(calls) != 2 || calls[0].OK || !calls[1].OK {
		t.Fatalf("sendMessage calls = %+v, want one refused then one accepted", calls)
	}
	if len(e.api.sent()) != 1 {
		t.Errorf("delivered %d times, want exactly once", len(e.api.sent()))
	}
	if waited := e.clock.Now().Sub(before); waited < 7*time.Second {
		t.Errorf("retried after %v, want at least retry_after 7s", waited)
	}
	// The pause is bot-wide: flood control holds for every chat.
	t0 := e.clock.Now()
	a.send.flood(30 * time.Second)
	if err := a.Send(context.Background(), 43, bot.Reply{Text: "other chat"}); err != nil {
		t.Fatal(err)
	}
	if e.clock.Now().Sub(t0) < 30*time.Second {
		t.Errorf("another chat was not held by the flood pause")
	}
}

func TestServerErrorsRetriedThenGiveUp(t *testing.T) {
	e := newEnv(t)
	a := e.adapter(newRecorder(nil), func(c *Config) { c.MaxAttempts = 4 })
	e.start(a)
	e.waitConnected(a)
	e.api.failNext("sendMessage",
		apiError{status: 500, code: 500, desc: "Internal Server Error"},
		apiError{status: 502, code: 502, desc: "Bad Gateway"})
	if err := a.Send(context.Background(), 42, bot.Reply{Text: "hi"}); err != nil {
		t.Fatal(err)
	}
	if n := len(e.api.callsOf("sendMessage")); n != 3 {
		t.Errorf("%d attempts, want 3", n)
	}
	if len(e.api.sent()) != 1 {
		t.Errorf("delivered %d times", len(e.api.sent()))
	}
	// Bounded: four 500s in a row give up.
	e.api.failNext("sendMessage",
		apiError{status: 500, code: 500, desc: "Internal Server Error"}, apiError{status: 500, code: 500, desc: "Internal Server Error"},
		apiError{status: 500, code: 500, desc: "Internal Server Error"}, apiError{status: 500, code: 500, desc: "Internal Server Error"},
		apiError{status: 500, code: 500, desc: "Internal Server Error"})
	if err := a.Send(context.Background(), 42, bot.Reply{Text: "hi"}); err == nil {
		t.Fatal("no error after 4 failed attempts")
	}
	if n := len(e.api.callsOf("sendMessage")); n != 7 {
		t.Errorf("%d attempts in all, want 7", n)
	}
}

func TestBlockedUserMarkedUnreachable(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	admin, err := e.svc.EnsureAdmin(ctx, "telegram:42", "Ana")
	if err != nil {
		t.Fatal(err)
	}
	a := e.adapter(newRecorder(nil), nil)
	e.start(a)
	e.waitConnected(a)
	e.api.failNext("sendMessage", apiError{status: 403, code: 403, desc: "Forbidden: bot was blocked by the user"})
	err = a.Notify(ctx, "telegram:42", bot.Reply{Text: "#1 is due"})
	if !errors.Is(err, ErrBlocked) || !errors.Is(err, bot.ErrUnreachable) {
		t.Fatalf("err = %v, want ErrBlocked and bot.ErrUnreachable", err)
	}
	if n := len(e.api.callsOf("sendMessage")); n != 1 {
		t.Errorf("%d attempts, want 1 (403 is not retried)", n)
	}
	u, err := e.svc.Authenticate(ctx, "telegram:42")
	if err != nil {
		t.Fatal(err)
	}
	if u.ID != admin.ID || u.Reachable("telegram:42") {
		t.Errorf("user %+v still reachable", u)
	}
	// Unblocking (my_chat_member → member) makes them reachable again.
	e.api.push(`{"update_id":9,"my_chat_member":{"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Ana"},"date":1,
"old_chat_member":{"user":{"id":123456789,"is_bot":true,"first_name":"CRM"},"status":"kicked"},
"new_chat_member":{"user":{"id":123456789,"is_bot":true,"first_name":"CRM"},"status":"member"}}}`)
	e.api.waitFor("reachable again", func() bool {
		u, err := e.svc.Authenticate(ctx, "telegram:42")
		return err == nil && u.Reachable("telegram:42")
	})
}

func TestTokenNeverInErrorsOrLogs(t *testing.T) {
	e := newEnv(t)
	// An endpoint nobody listens on: the transport error names the URL with the token.
	srv := httptest.NewServer(http.NotFoundHandler())
	dead := srv.URL + "/bot%s/%s"
	srv.Close()
	a := e.adapter(newRecorder(nil), func(c *Config) { c.Endpoint = dead })
	calls := 0
	a.cfg.Sleep = func(ctx context.Context, d time.Duration) error {
		calls++
		if calls == 3 {
			return context.Canceled // stop retrying after a few
		}
		return nil
	}
	if err := a.Run(context.Background()); err == nil || strings.Contains(err.Error(), testToken) {
		t.Fatalf("Run error = %v", err)
	}
	if !strings.Contains(e.logs.String(), "<token>") || strings.Contains(e.logs.String(), testToken) ||
		strings.Contains(e.logs.String(), "AAH-secret") {
		t.Fatalf("logs leak the token or lack the redaction:\n%s", e.logs.String())
	}

	// A rejected token is not retried, and the error is clean.
	a2 := e.adapter(newRecorder(nil), func(c *Config) { c.Token = "999:wrong-token" })
	err := a2.Run(context.Background())
	if err == nil || strings.Contains(err.Error(), "999:wrong-token") {
		t.Fatalf("Run error = %v", err)
	}
	var te *tgbotapi.Error
	if !errors.As(err, &te) || te.Code != 401 {
		t.Errorf("error %v does not unwrap to the API's 401", err)
	}
}

func TestScrubTokenKeepsClassification(t *testing.T) {
	tok := "1:ABC"
	err := scrubToken(fmt.Errorf("wrap: %w", &tgbotapi.Error{Code: 429, Message: "Too Many Requests", ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 3}}), tok)
	if c := classify(err); c.kind != flood || c.retryAfter != 3*time.Second {
		t.Errorf("classify = %+v", c)
	}
	// A photo upload's error has no Code; the description decides.
	if c := classify(&tgbotapi.Error{Message: "Forbidden: bot was blocked by the user"}); c.kind != blocked {
		t.Errorf("upload 403 classified %+v", c)
	}
	err = scrubToken(errors.New(`Post "http://x/bot1:ABC/getMe": dial tcp: refused`), tok)
	if strings.Contains(err.Error(), tok) {
		t.Error(err)
	}
}

func TestUpdateIDGoingDown(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder(nil)
	a := e.adapter(rec, nil)
	e.start(a)
	e.api.push(privateText(100, 42, "U", "one"), privateText(101, 42, "U", "two"))
	rec.next(t)
	rec.next(t)
	// After a week of silence Telegram starts from a random, lower id.
	e.api.push(privateText(5, 42, "U", "after a week"))
	if got := rec.next(t); got.Text != "after a week" || got.Key != "tg:u:5" {
		t.Fatalf("request = %+v", got)
	}
	e.api.waitFor("offset 6 used", func() bool {
		for _, c := range e.api.callsOf("getUpdates") {
			if c.Params["offset"] == "6" {
				return true
			}
		}
		return false
	})
}

// TestCrashSafety: updates stored but not handled when the process stopped are
// handled at the next start on the same database, none twice, none lost, and the
// confirmed offset is not asked for again.
func TestCrashSafety(t *testing.T) {
	e := newEnv(t)
	// Run 1 stores the batch, handles update 1, and "crashes" while handling 2.
	crashed := make(chan struct{})
	rec1 := newRecorder(nil)
	rec1.block = func(ctx context.Context, req bot.Request) {
		if req.Text == "two" {
			close(crashed)
			<-ctx.Done() // the process dies with this request in flight
		}
	}
	a1 := e.adapter(rec1, nil)
	stop1 := e.start(a1)
	e.api.push(privateText(1, 42, "U", "one"), privateText(2, 42, "U", "two"), privateText(3, 42, "U", "three"), privateText(4, 7, "V", "other chat"))
	<-crashed
	e.api.waitFor("update 1 handled and removed", func() bool { return len(rec1.requests()) >= 1 })
	stop1()
	e.close()
	handled1 := map[string]bool{}
	for _, r := range rec1.requests() {
		handled1[r.Key] = true
	}

	// Run 2 on the same file.
	e.open()
	left := e.inboxLen()
	if left == 0 || left > 3 {
		t.Fatalf("inbox after the crash holds %d updates", left)
	}
	rec2 := newRecorder(nil)
	a2 := e.adapter(rec2, nil)
	e.start(a2)
	e.api.waitFor("inbox drained", func() bool { return e.inboxLen() == 0 && len(rec2.requests()) == left })

	var order []string
	for _, r := range rec2.requests() {
		if handled1[r.Key] {
			t.Errorf("%s handled twice", r.Key)
		}
		handled1[r.Key] = true
		if r.Identity == "telegram:42" {
			order = append(order, r.Text)
		}
	}
	for _, k := range []string{"tg:u:1", "tg:u:2", "tg:u:3", "tg:u:4"} {
		if !handled1[k] {
			t.Errorf("%s lost", k)
		}
	}
	if strings.Join(order, ",") != "two,three" {
		t.Errorf("chat 42 after restart handled %v, want two,three in order", order)
	}
	// The restart asked Telegram for what follows the stored batch, not the batch.
	for _, c := range e.api.callsOf("getUpdates")[1:] {
		if c.Params["offset"] == "" {
			t.Errorf("a getUpdates without offset after the batch was stored: %v", c.Params)
		}
	}
}

// TestStoredBeforeConfirmed: the batch and the offset are in the database before the
// getUpdates that confirms the batch is sent.
func TestStoredBeforeConfirmed(t *testing.T) {
	e := newEnv(t)
	in := e.inbox()
	checked := make(chan bool, 1)
	rec := newRecorder(nil)
	a := e.adapter(rec, nil)
	// Watch the fake: when getUpdates carries offset 3, updates 1 and 2 must already
	// be stored (in the inbox, or handled and gone with the offset stored).
	e.api.setHook(func(method string, params map[string]string) {
		if method == "getUpdates" && params["offset"] == "3" {
			c, _ := in.Cursor(context.Background(), inboxSource)
			off, _ := strconv.ParseInt(c, 10, 64)
			select {
			case checked <- off == 3:
			default:
			}
		}
	})
	e.start(a)
	e.api.push(privateText(1, 42, "U", "one"), privateText(2, 42, "U", "two"))
	select {
	case ok := <-checked:
		if !ok {
			t.Fatal("offset 3 was sent to Telegram before it was stored")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no getUpdates with offset 3")
	}
}

func TestWebhookSecretAndDedupe(t *testing.T) {
	e := newEnv(t)
	rec := newRecorder(echo)
	a := e.adapter(rec, func(c *Config) { c.WebhookURL = "https://crm.example.com/telegram/webhook" })
	if !validSecret(a.WebhookSecret()) || len(a.WebhookSecret()) < 32 {
		t.Fatalf("generated secret %q", a.WebhookSecret())
	}
	srv := httptest.NewServer(a.WebhookHandler())
	defer srv.Close()
	post := func(secret, body string) int {
		req, _ := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if secret != "" {
			req.Header.Set("X-Telegram-Bot-Api-Secret-Token", secret)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	upd := privateText(50, 42, "U", "/my")
	// Before Run has registered the webhook: 503, Telegram retries later.
	if code := post(a.WebhookSecret(), upd); code != http.StatusServiceUnavailable {
		t.Errorf("before start: %d", code)
	}
	e.start(a)
	e.api.waitFor("setWebhook", func() bool { return len(e.api.callsOf("setWebhook")) == 1 && a.ready.Load() })
	sw := e.api.callsOf("setWebhook")[0]
	if sw.Params["secret_token"] != a.WebhookSecret() || sw.Params["url"] != "https://crm.example.com/telegram/webhook" ||
		sw.Params["allowed_updates"] != `["message","callback_query","my_chat_member"]` {
		t.Errorf("setWebhook params %v", sw.Params)
	}
	if n := len(e.api.callsOf("getUpdates")); n != 0 {
		t.Errorf("%d getUpdates in webhook mode", n)
	}

	for _, bad := range []string{"", "wrong", a.WebhookSecret() + "x"} {
		if code := post(bad, upd); code != http.StatusUnauthorized {
			t.Errorf("secret %q: status %d, want 401", bad, code)
		}
	}
	if e.inboxLen() != 0 || len(rec.requests()) != 0 {
		t.Fatal("a request with a wrong secret was processed")
	}
	if code := post(a.WebhookSecret(), strings.Repeat("x", 2<<20)); code != http.StatusRequestEntityTooLarge {
		t.Errorf("huge body: %d", code)
	}

	if code := post(a.WebhookSecret(), upd); code != http.StatusOK {
		t.Fatalf("good request: %d", code)
	}
	if got := rec.next(t); got.Text != "/my" || got.Key != "tg:u:50" {
		t.Fatalf("request %+v", got)
	}
	e.api.waitSent(1)
	// Telegram redelivers the same update_id: acknowledged, not processed again.
	if code := post(a.WebhookSecret(), upd); code != http.StatusOK {
		t.Fatalf("redelivery: %d", code)
	}
	if code := post(a.WebhookSecret(), privateText(51, 42, "U", "/today")); code != http.StatusOK {
		t.Fatal(code)
	}
	if got := rec.next(t); got.Text != "/today" {
		t.Fatalf("after the redelivery the engine got %+v", got)
	}
	if n := len(rec.requests()); n != 2 {
		t.Errorf("engine got %d requests, want 2", n)
	}
}

func TestConfigFromEnv(t *testing.T) {
	env := map[string]string{"TELEGRAM_BOT_TOKEN": "1:x", "TELEGRAM_WEBHOOK_URL": "https://h/telegram/webhook"}
	cfg, ok := ConfigFromEnv(func(k string) string { return env[k] })
	if !ok || cfg.Token != "1:x" || cfg.WebhookURL == "" {
		t.Fatalf("%+v %v", cfg, ok)
	}
	if _, ok := ConfigFromEnv(func(string) string { return "" }); ok {
		t.Error("configured without a token")
	}
	if _, err := New(Config{Token: "1:x", WebhookURL: "https://h", WebhookSecret: "bad secret!"}, newRecorder(nil), nopReach{}, nil); err == nil {
		t.Error("nil inbox accepted")
	}
	if _, err := New(Config{Token: "1:x", Endpoint: "http://h/bot/%s"}, newRecorder(nil), nopReach{}, nopInbox{}); err == nil {
		t.Error("endpoint with a single verb accepted")
	}
}

type nopReach struct{}

func (nopReach) SetReachable(context.Context, crm.Identity, bool) error { return nil }

type nopInbox struct{ bot.Inbox }
