package slack

import (
	"strings"
	"testing"
)

// An invite code is redeemed on Telegram with /start CODE and in Slack with /crm
// start CODE: asked for in Slack, the invite names both forms as they are typed.
func TestTeamInviteNamesBothPlatforms(t *testing.T) {
	for _, channel := range []string{"DU1", "C1"} {
		t.Run(channel, func(t *testing.T) {
			e := newEnv(t)
			e.addManager()
			e.command(testUser, channel, "team invite Marija Manager", "tr-inv")
			got := e.slack.waitFor("response_url", 1)[0].text()
			if !strings.Contains(got, "/start ") || !strings.Contains(got, "on Telegram") || !strings.Contains(got, "/crm start ") {
				t.Fatalf("invite: %q", got)
			}
			tg, _, _ := strings.Cut(got, "on Telegram")
			if strings.Contains(tg, "/crm start") {
				t.Errorf("the Telegram form is given as Slack's: %q", got)
			}
		})
	}
	// The DM, without a slash.
	e := newEnv(t)
	e.addManager()
	e.event("EvInv", dm(testUser, "team invite Marija Manager"), nil)
	e.waitDone("EvInv")
	got := e.slack.waitFor("chat.postMessage", 1)[0].text()
	if tg, _, _ := strings.Cut(got, "on Telegram"); !strings.Contains(tg, "/start ") || strings.Contains(tg, "/crm start") || !strings.Contains(got, "/crm start ") {
		t.Errorf("DM invite: %q", got)
	}
	e.command(testUser, "C1", "help team", "tr-help")
	help := e.slack.waitFor("response_url", 1)[0].text()
	if !strings.Contains(help, "/start CODE on Telegram") || !strings.Contains(help, "/crm start CODE in Slack") {
		t.Errorf("help team: %q", help)
	}
}
