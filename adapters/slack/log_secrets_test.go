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

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// a slash command's response_url (https://hooks.slack.com/commands/T…/…/<secret>)
// lets whoever holds it post into the channel for 30 minutes. When posting to it
// fails, the adapter logs the net/http error, which quotes the whole URL.
func TestResponseURLSecretNotLogged(t *testing.T) {
	logs := &syncBuf{}
	e := newEnvWith(t, func(c *Config) { c.Logger = slog.New(slog.NewTextHandler(logs, nil)) })
	e.addManager()
	const secret = "Zx9SecretResponseToken"
	v := url.Values{
		"team_id": {testTeam}, "channel_id": {"C1"}, "user_id": {testManager},
		"command": {"/crm"}, "text": {"help"}, "response_url": {"http://127.0.0.1:1/commands/" + testTeam + "/123/" + secret},
		"trigger_id": {"tr-log"}, "api_app_id": {"A1"},
	}
	e.post(CommandsPath, "application/x-www-form-urlencoded", v.Encode(), nil)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(logs.String(), "not delivered") {
		time.Sleep(20 * time.Millisecond)
	}
	if strings.Contains(logs.String(), secret) {
		t.Fatalf("the response_url's secret is in the log:\n%s", logs.String())
	}
}
