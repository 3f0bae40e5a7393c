package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// fakeTelegram answers the Bot API calls serve makes at start with success, and
// holds each getUpdates long poll until the client gives up, like Telegram.
func fakeTelegram(t *testing.T) *httptest.Server {
	t.Helper()
	closing := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case strings.HasSuffix(r.URL.Path, "/getMe"):
			io.WriteString(w, `{"ok":true,"result":{"id":1,"is_bot":true,"first_name":"crm","username":"crm_bot"}}`)
		case strings.HasSuffix(r.URL.Path, "/getUpdates"):
			select { // tgbotapi does not cancel a poll in flight
			case <-r.Context().Done():
			case <-closing:
			}
			io.WriteString(w, `{"ok":true,"result":[]}`)
		default:
			io.WriteString(w, `{"ok":true,"result":true}`)
		}
	}))
	t.Cleanup(func() { close(closing); srv.Close() })
	return srv
}

// startServe runs crmbot serve on db against a fake Telegram until the test ends,
// and returns its HTTP address.
func startServe(t *testing.T, db string) string {
	t.Helper()
	tg := fakeTelegram(t)
	t.Setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-half-of-the-token")
	t.Setenv("TELEGRAM_API_ENDPOINT", tg.URL+"/bot%s/%s")
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("CRMBOT_HTTP_ADDR", "127.0.0.1:0")
	t.Setenv("CRMBOT_NUDGE_SCHEDULE", "@every 1h")
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
		if strings.Contains(logs.String(), "SECRET-half") {
			t.Errorf("the token's secret is in the log:\n%s", logs.String())
		}
	})
	return addr
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestBackupWhileServing(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	startServe(t, db)
	fi, err := os.Stat(adminSocket(db))
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("admin socket: %v, %v", err, fi)
	}
	out := filepath.Join(dir, "backup.db")
	o, err := runCmd(t, "", "backup", "--db", db, out)
	if err != nil || !strings.Contains(o, "from the running crmbot") || !strings.Contains(o, "verified") {
		t.Fatalf("backup while serving: %v\n%s", err, o)
	}
	if o, err := runCmd(t, "/show 2\n", "chat", "--db", out); err != nil || !strings.Contains(o, "Iva Kovač") {
		t.Fatalf("the backup does not hold the data: %v\n%s", err, o)
	}
	if _, err := runCmd(t, "", "backup", "--db", db, out); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Fatalf("a backup over an existing file: %v", err)
	}
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestHealthReadinessAndMetrics(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	addr := startServe(t, db)
	base := "http://" + addr
	if code, body := get(t, base+"/healthz"); code != 200 || body != "ok\n" {
		t.Fatalf("/healthz: %d %q", code, body)
	}
	// Telegram answers getMe at once; readiness follows the adapter's connection.
	var code int
	var body string
	// (Connected is set just after getMe returns: retry until then, bounded.)
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); runtime.Gosched() {
		if code, body = get(t, base+"/readyz"); code == 200 {
			break
		}
	}
	if code != 200 || body != "ready\n" {
		t.Fatalf("/readyz: %d %q", code, body)
	}

	// A full disk: every write fails. Liveness stays, readiness goes.
	probeWrite = func(context.Context, backend) error { return syscall.ENOSPC }
	t.Cleanup(func() { probeWrite = func(ctx context.Context, db backend) error { return db.ProbeWrite(ctx) } })
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "no space left") {
		t.Fatalf("/readyz with a full disk: %d %q", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz with a full disk: %d", code)
	}

	code, body = get(t, base+"/metrics")
	if code != 200 {
		t.Fatalf("/metrics: %d", code)
	}
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/metrics does not parse: %v\n%s", err, body)
	}
	for _, name := range []string{"crmbot_database_bytes", "crmbot_outbox_pending", "crmbot_outbox_oldest_due_age_seconds",
		"crmbot_db_transaction_seconds", "crmbot_errors_total"} {
		if families[name] == nil {
			t.Errorf("/metrics lacks %s", name)
		}
	}
	if f := families["crmbot_database_bytes"]; f != nil && f.Metric[0].GetGauge().GetValue() <= 0 {
		t.Errorf("database size %v", f.Metric[0].GetGauge().GetValue())
	}
	for _, f := range families {
		for _, m := range f.Metric {
			for _, l := range m.Label {
				if strings.Contains(l.GetValue(), "Marko") || strings.Contains(l.GetValue(), "Acme") || strings.Contains(l.GetValue(), "telegram:") {
					t.Errorf("client data in a label: %s %s=%s", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// TestBadConfigNeverShowsTheToken: whatever the misconfiguration, serve refuses to
// start with a message that does not contain the token or its secret half.
func TestBadConfigNeverShowsTheToken(t *testing.T) {
	const token = "123456:AAHsecretHALFofTheToken_xyz"
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	t.Setenv("SLACK_BOT_TOKEN", "")
	t.Setenv("CRMBOT_HTTP_ADDR", "127.0.0.1:0")
	for _, tc := range []struct{ name, endpoint, want string }{
		{"%s in the host", "http://%s.example/%s", "TELEGRAM_API_ENDPOINT"},
		{"%s as userinfo", "http://%s@example.org/%s", "TELEGRAM_API_ENDPOINT"},
		{"one %s", "http://example.org/bot%s", "TELEGRAM_API_ENDPOINT"},
		{"three %s", "http://example.org/%s/bot%s/%s", "TELEGRAM_API_ENDPOINT"},
		{"not a URL", "bot%s/%s", "TELEGRAM_API_ENDPOINT"},
		{"another verb", "http://example.org/bot%s/%s%d", "TELEGRAM_API_ENDPOINT"},
		{"ftp", "ftp://example.org/bot%s/%s", "TELEGRAM_API_ENDPOINT"},
		{"bad port", "http://example.org:%s/%s", "TELEGRAM_API_ENDPOINT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("TELEGRAM_BOT_TOKEN", token)
			t.Setenv("TELEGRAM_API_ENDPOINT", tc.endpoint)
			out, err := runCmd(t, "", "serve", "--db", db)
			if err == nil {
				t.Fatalf("serve started with %q", tc.endpoint)
			}
			all := out + err.Error()
			if !strings.Contains(all, tc.want) {
				t.Errorf("error does not say what is wrong: %v", err)
			}
			if strings.Contains(all, "secretHALF") || strings.Contains(all, "123456") {
				t.Errorf("the token is in the output: %s", all)
			}
		})
	}
}

func TestHealthcheckCommandAndJSONLogs(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "crm.db")
	seed(t, db)
	t.Setenv("CRMBOT_LOG_FORMAT", "json")
	addr := startServe(t, db)
	if o, err := runCmd(t, "", "healthcheck", "--http", addr); err != nil || o != "ok\n" {
		t.Fatalf("healthcheck: %v %q", err, o)
	}
	_, port, _ := net.SplitHostPort(addr)
	if _, err := runCmd(t, "", "healthcheck", "--http", "127.0.0.1:1", "--timeout", "1s"); err == nil {
		t.Fatalf("healthcheck of nothing succeeded (server on %s)", port)
	}
	var logs bytes.Buffer
	c := config{LogLevel: "info"}
	c.logger(&logs).Info("hello", "n", 1)
	var m map[string]any
	if err := json.Unmarshal(logs.Bytes(), &m); err != nil || m["msg"] != "hello" {
		t.Fatalf("CRMBOT_LOG_FORMAT=json: %q (%v)", logs.String(), err)
	}
}

func TestStaticBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	out := filepath.Join(t.TempDir(), "crmbot")
	cmd := exec.Command("go", "build", "-o", out, ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("CGO_ENABLED=0 go build: %v\n%s", err, b)
	}
}
