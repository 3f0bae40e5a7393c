package telegram

import (
	"context"
	"testing"
	"time"

	"crmbot/bot"
)

// TestPacingSurvivesRestart: a process that sends to a chat and dies, restarted at
// once (a crash loop), does not send to that chat again sooner than Telegram allows:
// a new sender starts as if every limit had just been used.
func TestPacingSurvivesRestart(t *testing.T) {
	e := newEnv(t)
	e.api.enforceLimits(1, e.clock.Now)
	ctx := context.Background()
	for run := range 3 {
		// (The stop's grace period is waited on the fake clock: keep it from moving.)
		a := e.adapter(newRecorder(nil), func(c *Config) { c.ShutdownTimeout = time.Nanosecond })
		stop := e.start(a)
		e.waitConnected(a)
		if err := a.Send(ctx, 42, bot.Reply{Text: "nudge"}); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
		stop() // dies right after sending, and is started again at once
	}
	if n := len(e.api.sent()); n != 3 {
		t.Fatalf("sent %d, want 3", n)
	}
	if v := e.api.violations(); len(v) > 0 {
		t.Fatalf("a restart loop broke the per-chat limit: %v", v)
	}
}
