package telegram

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"regexp"
	"strings"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// End-to-end: the real engine and the real database behind the adapter, the real
// tgbotapi client in front of a fake Bot API.

const adminID = 999 // in CRMBOT_ADMINS as telegram:999

type world struct {
	*env
	eng    *bot.Engine
	a      *Adapter
	nextID int
}

func newWorld(t *testing.T) *world {
	t.Helper()
	e := newEnv(t)
	w := &world{env: e, nextID: 1}
	w.eng = bot.New(e.svc, bot.Options{Clock: e.clock.Now, Admins: []crm.Identity{identity(adminID)}})
	w.a = e.adapter(w.eng, func(c *Config) { c.Commands = w.eng.Commands() })
	e.start(w.a)
	return w
}

// deliver pushes one update made by mk with the next update id and waits until it
// was stored, confirmed and handled; it returns what was sent meanwhile.
func (w *world) deliver(mk func(id int) string) []apiCall {
	w.t.Helper()
	before := len(w.api.sent())
	id := w.nextID
	w.nextID++
	w.api.push(mk(id))
	w.api.waitFor(fmt.Sprintf("update %d handled", id), func() bool {
		return w.api.confirmed(int64(id)) && w.inboxLen() == 0 && w.a.disp.idle()
	})
	return w.api.sent()[before:]
}

func (w *world) say(user int64, text string) []apiCall {
	w.t.Helper()
	return w.deliver(func(id int) string { return privateText(id, user, "Boss", text) })
}

// press presses the button labelled label on the latest message that has it.
func (w *world) press(user int64, label string) []apiCall {
	w.t.Helper()
	sent := w.api.sent()
	for i := len(sent) - 1; i >= 0; i-- {
		if data, ok := buttonData(sent[i], label); ok {
			chat := sent[i].Params["chat_id"]
			var chatID int64
			fmt.Sscan(chat, &chatID)
			msg := sent[i].MsgID
			return w.deliver(func(id int) string { return callback(id, user, chatID, msg, data) })
		}
	}
	w.t.Fatalf("no button %q in what was sent", label)
	return nil
}

func buttonData(c apiCall, label string) (string, bool) {
	var kb struct {
		InlineKeyboard [][]struct {
			Text         string `json:"text"`
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if json.Unmarshal([]byte(c.Params["reply_markup"]), &kb) != nil {
		return "", false
	}
	for _, row := range kb.InlineKeyboard {
		for _, b := range row {
			if b.Text == label {
				return b.CallbackData, true
			}
		}
	}
	return "", false
}

// texts returns the unescaped texts of calls.
func texts(calls []apiCall) string {
	var b strings.Builder
	for _, c := range calls {
		b.WriteString(html.UnescapeString(c.Params["text"] + c.Params["caption"]))
		b.WriteString("\n")
	}
	return b.String()
}

func expect(t *testing.T, calls []apiCall, substr string) {
	t.Helper()
	if !strings.Contains(texts(calls), substr) {
		t.Fatalf("replies do not contain %q:\n%s", substr, texts(calls))
	}
}

func TestE2EPrivateDialogue(t *testing.T) {
	w := newWorld(t)

	r := w.say(adminID, "/new")
	expect(t, r, "Who is the contact?")
	if _, ok := buttonData(r[len(r)-1], "Cancel"); !ok || r[0].Params["parse_mode"] != "HTML" {
		t.Fatalf("prompt without an inline Cancel button: %+v", r)
	}
	expect(t, w.say(adminID, "Ivana Kovač"), "Which company")
	expect(t, w.say(adminID, "Brodogradilište Split d.d. & Sons <HQ>"), "phone or email")
	expect(t, w.say(adminID, "+385 21 555 0101, ivana.kovac@bsplit.hr"), "What does the client need")
	expect(t, w.say(adminID, "video wall for the control room"), "How big")
	r = w.press(adminID, "large")
	if len(r) != 1 || r[0].Method != "editMessageText" {
		t.Fatalf("a button in a flow must edit the bot's message, got %+v", r)
	}
	expect(t, r, "Created #1")
	if n := len(w.api.callsOf("answerCallbackQuery")); n != 1 {
		t.Errorf("%d callbacks answered, want 1", n)
	}
	// The company name went through HTML escaping and came back intact.
	if !strings.Contains(r[0].Params["text"], "&amp; Sons &lt;HQ&gt;") {
		t.Errorf("user text not escaped: %q", r[0].Params["text"])
	}

	expect(t, w.say(adminID, "/log 1 call: wants 40 seats, next tomorrow 10:00 send proposal"), "Logged")
	r = w.say(adminID, "/show 1")
	expect(t, r, "Ivana Kovač")
	expect(t, r, "wants 40 seats")

	// The database holds what the dialogue said.
	in := storagetest.Interest(t, w.db, 1)
	if in == nil {
		t.Fatal("interest #1 not stored")
	}
	if co := storagetest.Company(t, w.db, in.CompanyID); co == nil || co.Name != "Brodogradilište Split d.d. & Sons <HQ>" {
		t.Errorf("company %+v", co)
	}
	if tl := storagetest.Timeline(t, w.db, 1); len(tl) != 2 || !strings.Contains(tl[1].Text, "wants 40 seats") {
		t.Errorf("timeline %+v", tl)
	}
	// The command menu came from the engine.
	if c := w.api.callsOf("setMyCommands"); len(c) != 1 || !strings.Contains(c[0].Params["commands"], `"command":"pipeline"`) {
		t.Errorf("setMyCommands %+v", c)
	}
}

func TestE2EAccess(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()

	// A stranger is refused with their id; nothing about them is stored.
	r := w.say(555, "/help")
	expect(t, r, "telegram:555")
	if r[0].Params["chat_id"] != "555" {
		t.Errorf("refusal sent to %s", r[0].Params["chat_id"])
	}
	users, err := w.svc.Users(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 0 {
		t.Errorf("a stranger's message stored users: %+v", users)
	}

	// The CRMBOT_ADMINS identity is an admin from its first message.
	expect(t, w.say(adminID, "/team add Ana Horvat manager corporate"), "Added: Ana Horvat")
	r = w.say(adminID, "/team invite @Ana Horvat")
	code := regexp.MustCompile(`/start ([A-Z0-9]{8})`).FindStringSubmatch(texts(r))
	if code == nil {
		t.Fatalf("no invite code in %q", texts(r))
	}
	admin, err := w.svc.Authenticate(ctx, identity(adminID))
	if err != nil || admin.Role != crm.RoleAdmin {
		t.Fatalf("admin = %+v, %v", admin, err)
	}

	// The deep link t.me/<bot>?start=<code> arrives as "/start <code>".
	w.say(555, "/start "+code[1])
	u, err := w.svc.Authenticate(ctx, "telegram:555")
	if err != nil || u.Name != "Ana Horvat" {
		t.Fatalf("after redeeming: %+v, %v", u, err)
	}
	if r := w.say(555, "/my"); len(r) == 0 || strings.Contains(texts(r), "Your id: telegram:555") {
		t.Errorf("the linked identity is still refused: %q", texts(r))
	}
}

func TestE2EContactCard(t *testing.T) {
	w := newWorld(t)
	r := w.deliver(func(id int) string { return contactCard(id, adminID, "Marko", "Đurić", "+385 91 234 5678") })
	if len(r) == 0 {
		t.Fatal("no answer to a contact card")
	}
	// Answer whatever is still asked with Skip until the interest is created.
	for i := 0; i < 6 && !strings.Contains(texts(r), "Created #"); i++ {
		r = w.press(adminID, "Skip")
	}
	expect(t, r, "Created #1")
	if cs := storagetest.ContactsByPhone(t, w.db, "+385912345678"); len(cs) != 1 || !strings.Contains(cs[0].FullName, "Marko") {
		t.Errorf("contacts by phone: %+v", cs)
	}
}

func TestE2EGroup(t *testing.T) {
	w := newWorld(t)
	const group = -100777
	expect(t, w.say(adminID, "/new Marko Đurić, Acme d.o.o."), "Created #1")

	r := w.deliver(func(id int) string { return groupText(id, group, adminID, "Boss", "/pipeline@"+testBotName) })
	expect(t, r, "Pipeline")
	if r[0].Params["chat_id"] != fmt.Sprint(group) {
		t.Errorf("pipeline sent to %s", r[0].Params["chat_id"])
	}
	r = w.deliver(func(id int) string { return groupText(id, group, adminID, "Boss", "/show 1") })
	expect(t, r, "private")
	for _, c := range r {
		if c.Params["chat_id"] == fmt.Sprint(group) && strings.Contains(c.Params["text"], "Marko") {
			t.Errorf("client details leaked into the group: %q", c.Params["text"])
		}
	}
	// Another bot's command and chatter in the group: nothing sent.
	if r := w.deliver(func(id int) string { return groupText(id, group, adminID, "Boss", "/pipeline@OtherBot") }); len(r) != 0 {
		t.Errorf("answered another bot's command: %+v", r)
	}
}

// TestE2ERestartNeitherLosesNorRepeats: the adapter stopped with updates stored but
// not handled, restarted on the same database file with a fresh engine, handles each
// exactly once (checked in the database: one interaction per /log).
func TestE2ERestartNeitherLosesNorRepeats(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	eng := bot.New(e.svc, bot.Options{Clock: e.clock.Now, Admins: []crm.Identity{identity(adminID)}})
	if r := eng.Handle(ctx, bot.Request{Identity: identity(adminID), Text: "/new Marko Đurić, Acme d.o.o.", Key: "setup"}); len(r) == 0 {
		t.Fatal("setup failed")
	}
	// Simulated crash: a batch was stored with its offset (so Telegram has it as
	// confirmed), and the process died before handling any of it.
	var batch []rawUpdate
	for i := 1; i <= 5; i++ {
		raw := privateText(i, adminID, "Boss", fmt.Sprintf("/log 1 note: entry %d", i))
		batch = append(batch, rawUpdate{id: int64(i), raw: json.RawMessage(raw)})
	}
	// Update 1 was also handled already (the engine committed, the inbox removal did
	// not happen): handling it again must not log it twice.
	eng.Handle(ctx, bot.Request{Identity: identity(adminID), Text: "/log 1 note: entry 1", Key: "tg:u:1"})
	if _, err := (&Adapter{inbox: e.inbox()}).accept(ctx, batch, 6); err != nil {
		t.Fatal(err)
	}
	e.close()

	e.open()
	eng = bot.New(e.svc, bot.Options{Clock: e.clock.Now, Admins: []crm.Identity{identity(adminID)}})
	a := e.adapter(eng, nil)
	e.start(a)
	e.api.waitFor("inbox drained", func() bool { return e.inboxLen() == 0 && len(e.api.sent()) >= 4 })
	e.api.waitFor("polling resumed", func() bool { return len(e.api.callsOf("getUpdates")) > 0 })
	if off := e.api.callsOf("getUpdates")[0].Params["offset"]; off != "6" {
		t.Errorf("first getUpdates offset %q, want 6 (the stored one)", off)
	}
	count := map[string]int{}
	for _, it := range storagetest.Timeline(t, e.db, 1) {
		count[it.Text]++
	}
	for i := 1; i <= 5; i++ {
		if n := count[fmt.Sprintf("entry %d", i)]; n != 1 {
			t.Errorf("entry %d logged %d times", i, n)
		}
	}
}

// A group upgraded to a supergroup answers with migrate_to_chat_id: the message goes
// to the new chat, and the department channel follows it.
func TestE2EGroupUpgradedToSupergroup(t *testing.T) {
	w := newWorld(t)
	w.say(adminID, "/help")
	w.deliver(func(id int) string { return groupText(id, -4001, adminID, "Boss", "/channel") })
	w.api.failNext("sendMessage", apiError{status: 400, code: 400, desc: "Bad Request: group chat was upgraded to a supergroup chat", migrateTo: -1004001})
	if err := w.a.Notify(context.Background(), "telegram:-4001", bot.Reply{Text: "Department digest"}); err != nil {
		t.Fatalf("notify after the upgrade: %v", err)
	}
	sent := w.api.sent()
	last := sent[len(sent)-1]
	if last.Params["chat_id"] != "-1004001" || !strings.Contains(last.Params["text"], "Department digest") {
		t.Fatalf("not delivered to the supergroup: %+v", last.Params)
	}
	ts, err := w.svc.Settings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if ts.Channel != "telegram:-1004001" {
		t.Fatalf("department channel is %q, want the supergroup", ts.Channel)
	}
}
