package slack

import (
	"bytes"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuf is a log sink the test can wait on: every write signals wrote.
type syncBuf struct {
	mu    sync.Mutex
	b     bytes.Buffer
	wrote chan struct{}
}

func newSyncBuf() *syncBuf { return &syncBuf{wrote: make(chan struct{}, 1)} }

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer func() {
		select {
		case s.wrote <- struct{}{}:
		default:
		}
	}()
	return s.b.Write(p)
}

func (s *syncBuf) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// waitFor blocks until the log contains want, or fails the test after a long bound
// (the bound only catches a hang; nothing here depends on timing).
func (s *syncBuf) waitFor(t *testing.T, want string) {
	t.Helper()
	timeout := time.After(30 * time.Second)
	for !strings.Contains(s.String(), want) {
		select {
		case <-s.wrote:
		case <-timeout:
			t.Fatalf("the log never said %q:\n%s", want, s.String())
		}
	}
}

// a slash command's response_url (https://hooks.slack.com/commands/T…/…/<secret>)
// lets whoever holds it post into the channel for 30 minutes. When posting to it
// fails, the adapter logs the net/http error, which quotes the whole URL.
func TestResponseURLSecretNotLogged(t *testing.T) {
	logs := newSyncBuf()
	e := newEnvWith(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	e.addManager()
	const secret = "Zx9SecretResponseToken"
	v := url.Values{
		"team_id": {testTeam}, "channel_id": {"C1"}, "user_id": {testManager},
		"command": {"/crm"}, "text": {"help"}, "response_url": {"http://127.0.0.1:1/commands/" + testTeam + "/123/" + secret},
		"trigger_id": {"tr-log"}, "api_app_id": {"A1"},
	}
	e.post(CommandsPath, "application/x-www-form-urlencoded", v.Encode(), nil)
	logs.waitFor(t, "not delivered")
	if strings.Contains(logs.String(), secret) {
		t.Fatalf("the response_url's secret is in the log:\n%s", logs.String())
	}
}
