package slack

import (
	"testing"
)

// Review2: the new-interest form reads its value field by deleting spaces and
// commas, so a Croatian "12 000,00" (twelve thousand) is stored as 1 200 000 and
// "30,5" as 305, silently. /new and /edit read the same text as 12000 (or refuse
// it); the form must not store a different number than was typed.
func TestReview2FormValueCommaDecimal(t *testing.T) {
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
