package slack

import (
	"context"
	"testing"
	"time"
)

// TestShutdownLetsAcceptedEventsFinish: when Run's context ends while an accepted
// event is being handled (its reply held by a slow Slack), the event gets
// ShutdownTimeout to finish; only when that runs out is it cancelled, and then it
// stays unfinished in the event log for the next run.
func TestShutdownLetsAcceptedEventsFinish(t *testing.T) {
	const grace = time.Hour // never waited for: the test's Sleep decides when it ends
	for _, tt := range []struct {
		name    string
		expires bool // the grace period runs out before Slack answers
	}{
		{"finishes within the grace period", false},
		{"cancelled when the grace period ends", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			expire := make(chan struct{})
			graceStarted := make(chan struct{})
			var e *env
			e = newEnvWith(t, func(c *Config) {
				c.ShutdownTimeout = grace
				c.Sleep = func(ctx context.Context, d time.Duration) error {
					if d != grace {
						return e.clock.Sleep(ctx, d)
					}
					close(graceStarted)
					select {
					case <-expire:
					case <-ctx.Done():
					}
					return nil
				}
			})
			e.slack.gate = make(chan struct{})
			e.slack.arrived = make(chan string, 10)
			if r, _ := e.event("Ev1", dm(testUser, "/help"), nil); r.StatusCode != 200 {
				t.Fatal(r.Status)
			}
			<-e.slack.arrived // the reply is on its way, held by Slack
			e.cancel()
			<-graceStarted
			// New work is refused once shutdown began.
			if r, _ := e.event("Ev2", dm(testUser, "/help"), nil); r.StatusCode != 503 {
				t.Errorf("an event during shutdown: %s, want 503 so that Slack retries", r.Status)
			}
			if tt.expires {
				close(expire)
			}
			var runErr error
			if tt.expires {
				runErr = <-e.done // returns with the reply still held
				close(e.slack.gate)
			} else {
				close(e.slack.gate)
				runErr = <-e.done
			}
			if runErr != nil {
				t.Fatalf("Run: %v", runErr)
			}
			e.srv.Close()
			e.a = nil
			if known, pending := e.recorded(sourceEvents, "Ev1"); !known || pending != tt.expires {
				t.Errorf("inbox after shutdown: known=%v pending=%v; want pending=%v", known, pending, tt.expires)
			}
		})
	}
}
