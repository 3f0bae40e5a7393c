package bot_test

import (
	"context"
	"strings"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
)

// "/pipeline @ana" by a head in a group lists Ana's open interests with
// client names; the reply must never reach the room (Telegram group, or a Slack
// channel where a head's /crm pipeline is posted visibly).
func TestPipelineNamedOwnerStaysOutOfGroup(t *testing.T) {
	h := newHarness(t)
	ctx := context.Background()
	admin, _ := h.svc.Authenticate(ctx, "console:admin")
	ana, err := h.svc.AddUser(ctx, crm.Op{Actor: admin}, "Ana Horvat", crm.RoleManager, crm.SegmentCorporate, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.LinkIdentity(ctx, crm.Op{Actor: admin}, ana.ID, "console:ana"); err != nil {
		t.Fatal(err)
	}
	h.eng.Handle(ctx, bot.Request{Identity: "console:ana", Text: "/new Marko Đurić, Acme d.o.o."})
	for _, eph := range []bool{false, true} {
		out := h.eng.Handle(ctx, bot.Request{Identity: "console:admin", Text: "/pipeline @Ana Horvat", Chat: bot.ChatGroup, ChatID: "console:room", Ephemeral: eph})
		for _, r := range out {
			if strings.Contains(r.Text, "Acme") && !r.Private {
				t.Errorf("ephemeral=%v: a client's name is posted to the group: %q", eph, r.Text)
			}
		}
	}
}
