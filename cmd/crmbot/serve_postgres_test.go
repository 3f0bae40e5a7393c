package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"testing"
	"time"

	"crmbot/storage/storagetest"
)

// webhookTelegram is a fake Bot API for webhook mode: it accepts setWebhook and
// records the chat id of every sendMessage on sent.
func webhookTelegram(t *testing.T) (*httptest.Server, chan string) {
	t.Helper()
	sent := make(chan string, 16)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/getMe"):
			io.WriteString(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"crm","username":"crm_bot"}}`)
		case strings.HasSuffix(r.URL.Path, "/getUpdates"):
			t.Errorf("getUpdates in webhook mode")
			io.WriteString(w, `{"ok":true,"result":[]}`)
		case strings.HasSuffix(r.URL.Path, "/sendMessage"):
			r.ParseForm()
			select {
			case sent <- r.PostForm.Get("chat_id"):
			default:
			}
			io.WriteString(w, `{"ok":true,"result":{"message_id":9,"date":1,"chat":{"id":42,"type":"private"}}}`)
		default:
			io.WriteString(w, `{"ok":true,"result":true}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, sent
}

// runServeOn runs crmbot serve with the environment already set until the test
// ends, and returns its HTTP address.
func runServeOn(t *testing.T, db string) string {
	t.Helper()
	ready := make(chan string, 1)
	onServing = func(addr string) { ready <- addr }
	t.Cleanup(func() { onServing = func(string) {} })
	ctx, cancel := context.WithCancel(context.Background())
	var logs syncBuffer
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"serve", "--db", db}, strings.NewReader(""), &logs, &logs) }()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		cancel()
		t.Fatalf("serve ended: %v\n%s", err, logs.String())
	}
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v\n%s", err, logs.String())
		}
		for _, secret := range []string{"SECRET-half", "pw-not-shown"} {
			if strings.Contains(logs.String(), secret) {
				t.Errorf("a secret (%s) is in the log:\n%s", secret, logs.String())
			}
		}
	})
	return addr
}

// serve on PostgreSQL: /healthz and /readyz answer, and a Telegram update posted to
// the webhook is accepted into the PostgreSQL inbox and answered through the fake.
func TestServeOnPostgres(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	u = strings.Replace(u, "postgres://crmbot@", "postgres://crmbot:pw-not-shown@", 1)
	tg, sent := webhookTelegram(t)
	t.Setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-half-of-the-token")
	t.Setenv("TELEGRAM_API_ENDPOINT", tg.URL+"/bot%s/%s")
	t.Setenv("TELEGRAM_WEBHOOK_URL", "https://crm.example.com/telegram/webhook")
	t.Setenv("TELEGRAM_WEBHOOK_SECRET", "hook-secret")
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("CRMBOT_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
	addr := runServeOn(t, u)
	base := "http://" + addr
	// The container's HEALTHCHECK runs with serve's environment, CRMBOT_DB included.
	t.Setenv("CRMBOT_DB", u)
	if out, err := runCmd(t, "", "healthcheck", "--http", addr); err != nil {
		t.Fatalf("healthcheck with CRMBOT_DB on PostgreSQL: %v\n%s", err, out)
	}

	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	var code int
	var body string
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
		if code, body = get(t, base+"/readyz"); code == 200 {
			break
		}
	}
	if code != 200 || body != "ready\n" {
		t.Fatalf("/readyz: %d %q", code, body)
	}

	// The transaction metrics are PostgreSQL's too.
	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "crmbot_db_transaction_seconds") || !strings.Contains(body, "crmbot_database_bytes") {
		t.Fatalf("/metrics on PostgreSQL: %d\n%s", code, body)
	}

	update := `{"update_id":7001,"message":{"message_id":1,"date":1700000000,"chat":{"id":42,"type":"private"},"from":{"id":42,"is_bot":false,"first_name":"Ana"},"text":"/help"}}`
	req, _ := http.NewRequest(http.MethodPost, base+"/telegram/webhook", strings.NewReader(update))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("X-Telegram-Bot-Api-Secret-Token", "hook-secret")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("webhook: %d", resp.StatusCode)
	}
	select {
	case chat := <-sent:
		if chat != "42" {
			t.Errorf("answered chat %q, want 42", chat)
		}
	case <-time.After(20 * time.Second): // a bound on a wait for an event, not a sleep
		t.Fatal("no answer to the webhook update")
	}
}

// Long polling on PostgreSQL: the replica that leads polls and is ready; a second
// replica on the same database stands by and is ready too (it serves the rest).
// (That only the leader polls is whileLeader's, tested in leader_test.go.)
func TestPollingOnPostgresFollowsTheLeader(t *testing.T) {
	u := storagetest.PostgresSchema(t)
	polls := make(chan struct{}, 64)
	closing := make(chan struct{})
	tg := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/getMe"):
			io.WriteString(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"crm","username":"crm_bot"}}`)
		case strings.HasSuffix(r.URL.Path, "/getUpdates"):
			select {
			case polls <- struct{}{}:
			default:
			}
			select {
			case <-r.Context().Done():
			case <-closing:
			}
			io.WriteString(w, `{"ok":true,"result":[]}`)
		default:
			io.WriteString(w, `{"ok":true,"result":true}`)
		}
	}))
	t.Cleanup(func() { close(closing); tg.Close() })
	t.Setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-half-of-the-token")
	t.Setenv("TELEGRAM_API_ENDPOINT", tg.URL+"/bot%s/%s")
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("CRMBOT_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
	first := "http://" + runServeOn(t, u)
	select {
	case <-polls:
	case <-time.After(20 * time.Second): // a bound on a wait for an event
		t.Fatal("the leader does not poll")
	}
	if code, body := get(t, first+"/readyz"); code != 200 {
		t.Fatalf("leader /readyz: %d %q", code, body)
	}
	second := "http://" + runServeOn(t, u)
	if code, body := get(t, second+"/readyz"); code != 200 {
		t.Fatalf("standby /readyz: %d %q", code, body)
	}
}
