package slack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/slack-go/slack"
)

type timeoutErr struct{}

func (timeoutErr) Error() string   { return "i/o timeout" }
func (timeoutErr) Timeout() bool   { return true }
func (timeoutErr) Temporary() bool { return true }

// A response_url is a secret: whatever wraps a transport error, the logged text
// keeps the method and the kind of failure and never the URL.
func TestLogErrDropsTheURL(t *testing.T) {
	const u = "https://hooks.slack.com/commands/T1/123/Secret0123456789"
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"refused", &url.Error{Op: "Post", URL: u, Err: refused}, "Post: dial: connection refused"},
		{"wrapped", fmt.Errorf("slack: giving up after 4 attempts: %w", &url.Error{Op: "Post", URL: u, Err: refused}), "slack: giving up after 4 attempts: Post: dial: connection refused"},
		{"timeout", &url.Error{Op: "Post", URL: u, Err: timeoutErr{}}, "Post: timeout"},
		{"canceled", &url.Error{Op: "Post", URL: u, Err: context.Canceled}, "Post: canceled"},
		{"quoted again", fmt.Errorf("to %s: %w", u, &url.Error{Op: "Post", URL: u, Err: context.DeadlineExceeded}), "Post: deadline exceeded"},
		{"slack refusal", slack.SlackErrorResponse{Err: "channel_not_found"}, "channel_not_found"},
		{"plain", errors.New("bolt: database not open"), "bolt: database not open"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got := logErr(tt.err)
			if got != tt.want {
				t.Errorf("logErr = %q, want %q", got, tt.want)
			}
			if strings.Contains(got, "Secret0123456789") {
				t.Errorf("the secret is in %q", got)
			}
		})
	}
}
