package bot_test

import (
	"regexp"
	"strings"
	"testing"
)

// Regression: someone removed with /team remove (on leave, say) cannot be brought back.
// /team add says "Ana Horvat je već u timu"; /team invite issues a code, /start takes it
// and links the account, and every message then answers "You are not on the sales team
// yet… send me the invite code (/start CODE)" — the user stays Disabled
// (RedeemInviteLang never clears it; AddUser refuses the name).
func TestRemovedPersonCanRejoin(t *testing.T) {
	h := newHarness(t)
	say := h.sayAs
	say("console:admin", "/team add Ana Horvat manager corporate Europe/Zagreb")
	say("console:admin", "/team remove @ana")
	inv := say("console:admin", "/team invite @ana")
	code := regexp.MustCompile(`[A-Z2-9]{8}`).FindString(inv)
	start := say("telegram:555", "/start "+code)
	my := say("telegram:555", "/my")
	if strings.Contains(my, "not on the sales team") {
		t.Errorf("re-invited after removal, she still cannot use the bot:\ninvite: %s\n/start: %s\n/my: %s\n/team add: %s", inv, start, my,
			say("console:admin", "/team add Ana Horvat manager corporate"))
	}
}
