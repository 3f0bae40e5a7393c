package slack

import (
	"strings"
	"testing"
)

// the new-interest form reads its value field by deleting spaces and
// commas, so a Croatian "12 000,00" (twelve thousand) is stored as 1 200 000 and
// "30,5" as 305, silently. /new and /edit read the same text as 12000 (or refuse
// it); the form must not store a different number than was typed.
func TestFormValueCommaDecimal(t *testing.T) {
	for _, tt := range []struct {
		typed string
		bad   int64 // what the form must not store
	}{{"12 000,00", 1200000}, {"30,5", 305}} {
		t.Run(tt.typed, func(t *testing.T) {
			e := newEnv(t)
			e.addManager()
			sub := newSubmission(testManager, "V1", `{}`, "Acme Trading")
			view := sub["view"].(map[string]any)
			vals := view["state"].(map[string]any)["values"].(map[string]any)
			vals[fValue] = input(tt.typed)
			e.interaction(sub)
			for _, in := range e.interests() {
				if in.Value == tt.bad {
					t.Errorf("typed %q, stored %d", tt.typed, in.Value)
				}
			}
		})
	}
}

// a head's "/crm pipeline @Marija Manager" in a channel lists Marija's
// open interests (client and contact names) and is posted for the whole channel;
// README says only reports are posted there and a client's details never are.
func TestHeadsPipelineOfAManagerStaysOutOfTheChannel(t *testing.T) {
	e := newEnv(t)
	e.addManager()
	e.command(testManager, "D2", "new Ivan Horvat, Acme Trading", "tr-new")
	e.slack.waitFor("response_url", 1)
	e.command(testUser, "C1", "pipeline @Marija Manager", "tr-pipe")
	e.slack.waitFor("response_url", 2)
	for _, c := range e.visible("C1") {
		if strings.Contains(c.text(), "Acme Trading") || strings.Contains(c.text(), "Ivan Horvat") {
			t.Fatalf("a client's details are shown to the channel: %q", c.text())
		}
	}
}
