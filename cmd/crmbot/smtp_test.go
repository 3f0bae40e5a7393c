package main

import (
	"bufio"
	"context"
	"fmt"
	"mime"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// fakeSMTP is an SMTP server on loopback that records the messages it accepts. It
// answers RCPT for an address in reject with 550 (permanent), and for an address in
// busy with 451 (try later) as many times as busy says.
type fakeSMTP struct {
	ln     net.Listener
	mu     sync.Mutex
	reject map[string]bool
	busy   map[string]int
	rcpts  map[string]int // RCPT commands seen per address
	got    []smtpMail
}

type smtpMail struct{ from, to, data string }

func newFakeSMTP(t *testing.T) *fakeSMTP {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeSMTP{ln: ln, reject: map[string]bool{}, busy: map[string]int{}, rcpts: map[string]int{}}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() { defer wg.Done(); f.serve(c) }()
		}
	}()
	return f
}

func (f *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(s string) { fmt.Fprintf(c, "%s\r\n", s) }
	say("220 fake ESMTP")
	var m smtpMail
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		cmd := strings.ToUpper(line)
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250-fake")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL FROM:"):
			from, _, _ := strings.Cut(strings.TrimLeft(line[10:], "< "), ">") // "<a@b> BODY=8BITMIME"
			m = smtpMail{from: from}
			say("250 ok")
		case strings.HasPrefix(cmd, "RCPT TO:"):
			addr := strings.Trim(line[8:], "<> ")
			f.mu.Lock()
			f.rcpts[addr]++
			switch {
			case f.reject[addr]:
				say("550 5.1.1 <" + addr + ">: no such user")
			case f.busy[addr] > 0:
				f.busy[addr]--
				say("451 4.3.0 try again later")
			default:
				m.to = addr
				say("250 ok")
			}
			f.mu.Unlock()
		case cmd == "DATA":
			say("354 go on")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(l)
			}
			m.data = b.String()
			f.mu.Lock()
			f.got = append(f.got, m)
			f.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (f *fakeSMTP) mailsTo(addr string) []smtpMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []smtpMail
	for _, m := range f.got {
		if m.to == addr {
			out = append(out, m)
		}
	}
	return out
}

// chatRecorder records chat pushes.
type chatRecorder struct {
	mu   sync.Mutex
	sent map[crm.Identity][]bot.Reply
}

func (r *chatRecorder) Notify(_ context.Context, to crm.Identity, rep bot.Reply) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[to] = append(r.sent[to], rep)
	return nil
}

func (r *chatRecorder) texts(to crm.Identity) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var s []string
	for _, rep := range r.sent[to] {
		s = append(s, rep.Text)
	}
	return strings.Join(s, "\n---\n")
}

// TestSeminarCampaignFullPath runs a campaign from the head's command to the emails
// received by a fake SMTP server, with an injected clock: the audience (a
// not-prospective client included, for email only), the calls nudged to their owners
// with buttons, an email after a logged call, the working-days fallback, a server that
// answers "try later" once, a recipient refused for good, and the funnel.
func TestSeminarCampaignFullPath(t *testing.T) {
	ctx := context.Background()
	smtpd := newFakeSMTP(t)
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC) // a Wednesday
	clock := func() time.Time { return now }
	db := storagetest.Open(t)
	svc := crm.NewService(db, clock, crm.Config{})
	mailer, err := parseSMTPURL("smtp://" + smtpd.ln.Addr().String() + "?from=Sales%20%3Csales@example.com%3E")
	if err != nil {
		t.Fatal(err)
	}
	mailer.now = clock
	eng := bot.New(svc, bot.Options{Clock: clock, EmailBySMTP: true})
	sched := scheduler.New(eng, scheduler.Config{})
	chats := &chatRecorder{sent: map[crm.Identity][]bot.Reply{}}
	sched.AddNotifier("telegram", chats)
	sched.AddNotifier(crm.EmailPlatform, mailer)
	say := func(who crm.Identity, text string) string {
		var out []string
		for _, r := range eng.Handle(ctx, bot.Request{Identity: who, Chat: bot.ChatPrivate, Text: text}) {
			out = append(out, r.Text)
		}
		return strings.Join(out, "\n")
	}
	tick := func() {
		t.Helper()
		if _, err := sched.Scan(ctx); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{"telegram", crm.EmailPlatform} {
			if _, err := sched.Deliver(ctx, p); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := svc.EnsureAdmin(ctx, "telegram:1", "Admin"); err != nil {
		t.Fatal(err)
	}
	say("telegram:1", "/team add Ana Horvat manager corporate Europe/Zagreb telegram:2")
	say("telegram:2", "/settings digest off")
	say("telegram:2", "/new Marko Đurić, Acme d.o.o., +385 91 234 5678, marko@acme.hr")   // #1, Ana's
	say("telegram:1", "/new Iva Kos, Mala firma d.o.o., +385 91 111 2222, iva@mala.hr")   // #2
	say("telegram:1", "/lost 2 not-prospective only 6 people")                            // R8: email only
	say("telegram:1", "/new Petar Ban, Banka d.d., +385 91 333 4444, petar@banka.hr")     // #3, never called
	say("telegram:1", "/new Nino Pek, Pekara d.o.o., +385 91 555 6666, nobody@pekara.hr") // #4, refused by the server
	say("telegram:1", "/new Zora Lis, Lis d.o.o., +385 91 777 8888, zora@lis.hr")         // #5, declines
	say("telegram:1", "/lost 5 competitor")                                               // lost to a competitor: not invited
	smtpd.mu.Lock()
	smtpd.busy["iva@mala.hr"] = 1
	smtpd.reject["nobody@pekara.hr"] = true
	smtpd.mu.Unlock()

	// A manager may not start a campaign; the head is asked before anything is made.
	if got := say("telegram:2", `/seminar new "Videokonferencije 2027" 2027-02-10 14:00`); !strings.Contains(got, "Only heads and admins") {
		t.Fatalf("a manager started a campaign: %q", got)
	}
	got := say("telegram:1", `/seminar new "Videokonferencije 2027" 2027-02-10 14:00`)
	if !strings.Contains(got, "4 invited — 3 to call first, 1 not prospective") {
		t.Fatalf("audience: %q", got)
	}
	if cs, _ := svc.Campaigns(ctx); len(cs) != 0 {
		t.Fatal("a campaign was created before it was confirmed")
	}
	if got := say("telegram:1", "yes"); !strings.Contains(got, "Seminar 1 “Videokonferencije 2027”") {
		t.Fatalf("confirm: %q", got)
	}

	// The calls reach their owners at once; the not-prospective client's email goes out
	// without a call, after the server's "try later" once.
	tick()
	if s := chats.texts("telegram:2"); !strings.Contains(s, "#1 Marko Đurić") || strings.Contains(s, "#3") {
		t.Fatalf("Ana's calls: %q", s)
	}
	if s := chats.texts("telegram:1"); !strings.Contains(s, "#3 Petar Ban") || !strings.Contains(s, "#4 Nino Pek") || strings.Contains(s, "#2 Iva") {
		t.Fatalf("the admin's calls: %q", s)
	}
	if rs := chats.sent["telegram:2"]; len(rs) == 0 || len(rs[0].Buttons) == 0 || rs[0].Buttons[0][0].Action != "/seminar 1 called 1 accepted" {
		t.Fatalf("the calls nudge has no outcome buttons: %+v", rs)
	}
	if n := len(smtpd.mailsTo("iva@mala.hr")); n != 0 {
		t.Fatalf("delivered despite 451: %d", n)
	}
	now = now.Add(time.Minute)
	tick()
	mails := smtpd.mailsTo("iva@mala.hr")
	if len(mails) != 1 {
		t.Fatalf("the not-prospective client got %d emails after the retry, want 1", len(mails))
	}
	if !strings.Contains(mails[0].data, "Subject: Invitation: Videokonferencije 2027") || !strings.Contains(mails[0].data, "Iva Kos") || mails[0].from != "sales@example.com" {
		t.Fatalf("email:\n%s", mails[0].data)
	}

	// A logged call makes the email due; a declined one does not; pressing the
	// nudge's button is the same as typing it.
	if got := say("telegram:2", "/seminar 1 called 1 accepted"); !strings.Contains(got, "accepted") {
		t.Fatalf("call: %q", got)
	}
	eng.Handle(ctx, bot.Request{Identity: "telegram:1", Chat: bot.ChatPrivate, Action: "/seminar 1 called 4 noanswer"})
	now = now.Add(time.Minute)
	tick()
	if n := len(smtpd.mailsTo("marko@acme.hr")); n != 1 {
		t.Fatalf("after the call Marko got %d emails, want 1", n)
	}
	// The refused recipient is tried once and given up.
	for i := 0; i < 3; i++ {
		now = now.Add(time.Minute)
		tick()
	}
	smtpd.mu.Lock()
	tries := smtpd.rcpts["nobody@pekara.hr"]
	smtpd.mu.Unlock()
	if tries != 1 {
		t.Fatalf("a 550 recipient was tried %d times, want 1", tries)
	}
	if s := chats.texts("telegram:1"); !strings.Contains(s, "refused the seminar invitation to nobody@pekara.hr") {
		t.Fatalf("the admin was not told of the refused address:\n%s", s)
	}
	if n := len(smtpd.mailsTo("petar@banka.hr")); n != 0 {
		t.Fatal("Petar was emailed before his call's time ran out")
	}

	// Thursday morning: the admin's digest lists the call still to make.
	now = time.Date(2026, 11, 26, 8, 35, 0, 0, time.UTC)
	tick()
	if s := chats.texts("telegram:1"); !strings.Contains(s, "Seminar “Videokonferencije 2027” — calls to make: 1") || !strings.Contains(s, "#3 Petar Ban (Banka d.d.)") {
		t.Fatalf("the admin's digest:\n%s", s)
	}
	// Friday: two working days — not yet. Monday after 15:04: three — the email goes.
	now = time.Date(2026, 11, 27, 16, 0, 0, 0, time.UTC)
	tick()
	if n := len(smtpd.mailsTo("petar@banka.hr")); n != 0 {
		t.Fatal("Petar was emailed after two working days")
	}
	now = time.Date(2026, 11, 30, 15, 10, 0, 0, time.UTC)
	tick()
	now = now.Add(time.Minute)
	tick()
	if n := len(smtpd.mailsTo("petar@banka.hr")); n != 1 {
		t.Fatalf("after three working days Petar got %d emails, want 1", n)
	}
	// Nothing is sent twice, however many scans follow.
	for i := 0; i < 3; i++ {
		now = now.Add(time.Hour)
		tick()
	}
	for _, addr := range []string{"iva@mala.hr", "marko@acme.hr", "petar@banka.hr"} {
		if n := len(smtpd.mailsTo(addr)); n != 1 {
			t.Fatalf("%s got %d emails, want 1", addr, n)
		}
	}
	if n := len(smtpd.mailsTo("zora@lis.hr")); n != 0 {
		t.Fatal("a client lost to a competitor was invited")
	}

	say("telegram:1", "/seminar 1 attended 1")
	admin, _ := svc.Authenticate(ctx, "telegram:1")
	_, ms, err := svc.CampaignOf(ctx, admin, 1)
	if err != nil {
		t.Fatal(err)
	}
	f := crm.FunnelOf(ms, now)
	want := crm.Funnel{Members: 4, Calls: 3, Called: 2, Reached: 1, Accepted: 1, Emailed: 4, Attended: 1}
	if f != want {
		t.Fatalf("funnel %+v, want %+v", f, want)
	}
	if got := say("telegram:1", "/seminar 1 emails"); !strings.Contains(got, "4 sent so far") {
		t.Fatalf("/seminar 1 emails with SMTP: %q", got)
	}
}

func TestParseSMTPURL(t *testing.T) {
	for _, tc := range []struct {
		url, err string
		addr     string
	}{
		{url: "smtp://u:secret@mail.example.com?from=sales@example.com", addr: "mail.example.com:587"},
		{url: "smtps://mail.example.com?from=sales@example.com", addr: "mail.example.com:465"},
		{url: "http://mail.example.com?from=sales@example.com", err: "scheme"},
		{url: "smtp://u:secret@mail.example.com", err: "from="},
		{url: "smtp://?from=a@b.hr", err: "no host"},
	} {
		s, err := parseSMTPURL(tc.url)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) || strings.Contains(err.Error(), "secret") {
				t.Errorf("%s: err %v, want one about %q without the password", tc.url, err, tc.err)
			}
			continue
		}
		if err != nil || s.addr != tc.addr {
			t.Errorf("%s: %v %+v", tc.url, err, s)
		}
	}
}

// The subject is encoded for Croatian letters, the body is quoted-printable UTF-8.
func TestSMTPMessageEncoding(t *testing.T) {
	s, err := parseSMTPURL("smtp://127.0.0.1:1?from=sales@example.com")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.message(&mailAddr, "Pozivnica: Videokonferencije 2027 — Šibenik", "Poštovani,\ndobrodošli.")
	if err != nil {
		t.Fatal(err)
	}
	text := string(msg)
	subj := text[strings.Index(text, "Subject: ")+9:]
	subj = subj[:strings.Index(subj, "\r\n")]
	dec, err := new(mime.WordDecoder).DecodeHeader(subj)
	if err != nil || dec != "Pozivnica: Videokonferencije 2027 — Šibenik" {
		t.Fatalf("subject %q decodes to %q (%v)", subj, dec, err)
	}
	if !strings.Contains(text, "Content-Type: text/plain; charset=utf-8") || !strings.Contains(text, "Po=C5=A1tovani,\r\ndobrodo=C5=A1li.") {
		t.Fatalf("message:\n%s", text)
	}
}

var mailAddr = mail.Address{Name: "Iva Kos", Address: "iva@mala.hr"}
