package console_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"crmbot/adapters/console"
	"crmbot/bot"
)

// scripted answers every request with the next replies and records what it got.
type scripted struct {
	replies [][]bot.Reply
	got     []bot.Request
}

func (s *scripted) Handle(_ context.Context, req bot.Request) []bot.Reply {
	s.got = append(s.got, req)
	if len(s.replies) == 0 {
		return nil
	}
	r := s.replies[0]
	s.replies = s.replies[1:]
	return r
}

// A number has one meaning in an answer: keyed buttons keep their keys, buttons left
// unkeyed among them get letters, and positions never reuse a key.
func TestButtonKeysNeverCollide(t *testing.T) {
	h := &scripted{replies: [][]bot.Reply{{
		{Text: "Which interest?", Buttons: [][]bot.Button{{{Label: "#2 Acme", Action: "@1:2", Key: "2"}, {Label: "Later", Action: "@1:later"}}}},
		{Text: "Or:", Buttons: [][]bot.Button{{{Label: "Card", Action: "/show 2"}, {Label: "Log", Action: "/log 2"}}}},
	}}}
	var out bytes.Buffer
	c := console.New(h, "console:t", &out, t.TempDir())
	c.Line(context.Background(), "/x")
	for _, want := range []string{"[2] #2 Acme  [a] Later", "[1] Card  [3] Log"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	for typed, action := range map[string]string{"2": "@1:2", "#2": "@1:2", "a": "@1:later", "1": "/show 2", "3": "/log 2"} {
		c.Line(context.Background(), typed)
		if last := h.got[len(h.got)-1]; last.Action != action || last.Text != "" {
			t.Errorf("typing %q sent %+v, want action %q", typed, last, action)
		}
	}
}
