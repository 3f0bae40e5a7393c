package bot_test

import (
	"context"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
)

// An inbox entry leaves the inbox only once its replies are delivered: the adapters
// (telegram.handleEntry, slack) keep an entry whose delivery was cut short by
// shutdown, so that the next start handles it again and the engine answers from the
// kept replies ("a repeated reply is better than a lost one"). A changing message
// must not mark its entry done inside its own write transaction: a crash between the
// commit and the delivery would leave nothing to redeliver (Telegram's offset and
// Slack's 200 were given at Accept), and the user would never learn what was stored.
func TestInboxEntryOutlivesTheChangeUntilRepliesAreDelivered(t *testing.T) {
	w := newUnitWorld(t)
	ctx := context.Background()
	in := w.db.Inbox(storage.InboxOptions{})
	es, err := in.Accept(ctx, "telegram", []crm.InboxItem{{ID: "77", Body: []byte(`{"update_id":77}`)}}, "78")
	if err != nil || len(es) != 1 {
		t.Fatalf("accept: %v %v", es, err)
	}
	replies := w.eng.Handle(ctx, bot.Request{Identity: "console:ana", Name: "T", Chat: bot.ChatPrivate,
		Text: "/new Lea Lukić, Gama d.o.o.", Key: "tg:u:77"})
	if len(replies) == 0 {
		t.Fatal("no reply")
	}
	// Shutdown now, before the replies reach the platform: the adapter does not call
	// Done, and the entry must still be there for the next start.
	pending, err := in.Pending(ctx, "telegram")
	if err != nil {
		t.Fatal(err)
	}
	if len(pending) != 1 {
		t.Fatalf("after handling, before delivery: %d entries pending, want 1 (the reply %q would be lost)", len(pending), replies[0].Text)
	}
	// Handled again at the next start, it acts once and answers from the kept replies.
	again := w.eng.Handle(ctx, bot.Request{Identity: "console:ana", Name: "T", Chat: bot.ChatPrivate,
		Text: "/new Lea Lukić, Gama d.o.o.", Key: "tg:u:77"})
	if len(again) == 0 || again[0].Text != replies[0].Text {
		t.Errorf("redelivered: %v, want the kept %q", again, replies[0].Text)
	}
}
