package telegram

import (
	"bytes"
	"fmt"
	"os"
	"testing"
)

// TestStrangersLeaveNoTrace: a stranger's message is refused and never written to
// the database, so neither the file nor a backup of it holds their words (bbolt's
// freed pages keep old bytes; only a message never written is surely gone).
func TestStrangersLeaveNoTrace(t *testing.T) {
	w := newWorld(t)
	secret := "Zyxwvut stranger's private words 4242"
	// One batch of many: what is written and deleted in one go leaves its bytes
	// in freed pages, which this scan would find.
	var batch []string
	for i := range 20 {
		batch = append(batch, privateText(w.nextID, int64(500+i), "Eve", fmt.Sprintf("%s #%d", secret, i)))
		w.nextID++
	}
	batch = append(batch, privateText(w.nextID, 556, "Eve", "/start NOTACODE"))
	w.nextID++
	w.api.push(batch...)
	expect(t, w.say(adminID, "/help"), "")
	if got := w.a.Strangers(); got != 21 {
		t.Errorf("strangers counted: %d, want 21", got)
	}
	w.close()
	b, err := os.ReadFile(w.path)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"Zyxwvut", "NOTACODE"} {
		if bytes.Contains(b, []byte(s)) {
			t.Errorf("the database file holds a stranger's text %q", s)
		}
	}
	w.open()
}
