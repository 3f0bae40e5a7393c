package telegram

import (
	"context"
	"testing"
	"time"

	"crmbot/bot"
)

// TestGracefulStop: at shutdown an update already accepted and being handled is
// finished (and leaves the inbox) when it ends within ShutdownTimeout; one that
// does not is cut off at the deadline and stays in the inbox for the next start.
func TestGracefulStop(t *testing.T) {
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		finish  bool // the handler finishes once shutdown has begun
		left    int
	}{
		{"finished within the deadline", time.Minute, true, 0},
		{"cut off at the deadline", 50 * time.Millisecond, false, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t)
			inside, release := make(chan struct{}), make(chan struct{})
			rec := newRecorder(echo)
			rec.block = func(ctx context.Context, req bot.Request) {
				close(inside)
				if tc.finish {
					<-release
				} else {
					<-ctx.Done()
				}
			}
			a := e.adapter(rec, func(c *Config) {
				c.ShutdownTimeout = tc.timeout
				c.Sleep, c.Now = sleep, time.Now // the real clock: the deadline is what is tested
			})
			stop := e.start(a)
			e.api.push(privateText(1, 42, "U", "slow"))
			<-inside
			stopped := make(chan struct{})
			go func() { stop(); close(stopped) }()
			if tc.finish {
				select {
				case <-stopped:
					t.Fatal("Run returned before the update in hand was finished")
				default:
				}
				close(release)
			}
			<-stopped
			e.close()
			e.open()
			if got := e.inboxLen(); got != tc.left {
				t.Fatalf("inbox holds %d updates after the stop, want %d", got, tc.left)
			}
		})
	}
}
