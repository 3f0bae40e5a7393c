package slack

import (
	"encoding/json"
	"strings"
	"testing"
)

// The form's value field is read as /new reads a value: what it cannot read as a
// whole amount is shown on the field, and nothing is saved.
func TestFormValueReadAsNewReadsIt(t *testing.T) {
	for _, tt := range []struct {
		typed string
		value int64  // stored; -1: refused on the field
		cur   string // stored currency
	}{
		{"12 000,00", 12000, "EUR"},
		{"12.000,00 kn", 12000, "HRK"},
		{"12,000 USD", 12000, "USD"},
		{"12000", 12000, "EUR"},
		{"30,5", -1, ""},
		{"12.00.0", -1, ""},
		{"-5", -1, ""},
		{"lots", -1, ""},
	} {
		t.Run(tt.typed, func(t *testing.T) {
			e := newEnv(t)
			e.addManager()
			sub := newSubmission(testManager, "V1", `{}`, "Acme Trading")
			vals := sub["view"].(map[string]any)["state"].(map[string]any)["values"].(map[string]any)
			vals[fValue] = input(tt.typed)
			_, body := e.interaction(sub)
			ins := e.interests()
			if tt.value < 0 {
				var ack struct {
					ResponseAction string            `json:"response_action"`
					Errors         map[string]string `json:"errors"`
				}
				if err := json.Unmarshal([]byte(body), &ack); err != nil || ack.ResponseAction != "errors" || !strings.Contains(ack.Errors[fValue], "whole amount") {
					t.Fatalf("typed %q: want an error on the value field, got %s", tt.typed, body)
				}
				if len(ins) != 0 {
					t.Fatalf("typed %q: an interest was saved: value %d", tt.typed, ins[0].Value)
				}
				return
			}
			if len(ins) != 1 || ins[0].Value != tt.value || ins[0].Currency != tt.cur {
				if len(ins) == 1 {
					t.Fatalf("typed %q: stored %d %s, want %d %s", tt.typed, ins[0].Value, ins[0].Currency, tt.value, tt.cur)
				}
				t.Fatalf("typed %q: %d interests saved (%s)", tt.typed, len(ins), body)
			}
		})
	}
}
