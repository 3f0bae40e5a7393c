package slack

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
)

// TestStrangersLeaveNoTrace: a stranger's DM is refused and never written to the
// event log, so the database file does not hold their words (deleted records stay
// in bbolt's freed pages; only a message never written is surely gone).
func TestStrangersLeaveNoTrace(t *testing.T) {
	e := newEnv(t)
	const n = 20
	for i := range n {
		r, _ := e.event(fmt.Sprintf("EvS%d", i), dm("U999", fmt.Sprintf("Zyxwvut stranger's private words #%d", i)), nil)
		if r.StatusCode != 200 {
			t.Fatal(r.Status)
		}
	}
	posts := e.slack.waitFor("chat.postMessage", n)
	if !strings.Contains(posts[0].Form.Get("text"), "slack:T1/U999") {
		t.Errorf("refusal: %q", posts[0].Form.Get("text"))
	}
	if got := e.a.Strangers(); got != n {
		t.Errorf("strangers counted: %d, want %d", got, n)
	}
	e.stop()
	e.db.Close()
	b, err := os.ReadFile(e.path)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(b, []byte("Zyxwvut")) {
		t.Error("the database file holds a stranger's text")
	}
}
