package bot

import "testing"

func TestForGroup(t *testing.T) {
	tests := []struct {
		text string
		want bool
	}{
		{"/pipeline", true},
		{"/pipeline 30d chart", true},
		{"/conversion", true},
		{"/help", true},
		{"/help log", true},
		{"/start", true},
		{"/channel", true},
		{"/start ABCD1234", false}, // an invite code is redeemed, not shown
		{"/my", false},
		{"/show 1", false},
		{"/card 1", false},
		{"/new Ivan Horvat, Acme", false},
		{"/nosuch", false},
		{"pipeline", false}, // not a command line
		{"", false},
	}
	for _, tt := range tests {
		if got := ForGroup(tt.text); got != tt.want {
			t.Errorf("ForGroup(%q) = %v, want %v", tt.text, got, tt.want)
		}
	}
}
