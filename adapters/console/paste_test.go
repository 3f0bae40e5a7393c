package console_test

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"crmbot/adapters/console"
	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

func TestPasteReader(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"typed lines pass", "/today\r/my\r", "/today\r/my\r"},
		{"a paste is one line", "\x1b[200~/new\rMarko\r\nAcme\x1b[201~\r", "/new\u2028Marko\u2028Acme\r"},
		{"LF alone in a paste", "\x1b[200~a\nb\n\x1b[201~", "a\u2028b\u2028"},
		{"arrow keys untouched", "\x1b[A\x1b[B\x1b[2~x", "\x1b[A\x1b[B\x1b[2~x"},
		{"escape then marker", "\x1b\x1b[200~a\rb\x1b[201~", "\x1ba\u2028b"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// One byte at a time: markers split across reads are still found.
			got, err := io.ReadAll(console.NewPasteReader(iotest.OneByteReader(strings.NewReader(tt.in))))
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

// interactive runs one session through the line editor, on pipes instead of a
// terminal, and returns what it printed.
func interactive(t *testing.T, input string) string {
	t.Helper()
	db := storagetest.Open(t)
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)
	svc := crm.NewService(db, func() time.Time { return now }, crm.Config{})
	id := crm.Identity("console:tester")
	if _, err := svc.EnsureAdmin(context.Background(), id, "Tester"); err != nil {
		t.Fatal(err)
	}
	var out lockedBuffer
	c := console.New(bot.New(svc, bot.Options{Clock: func() time.Time { return now }}), id, &out, t.TempDir())
	console.FakeTerminal(c)
	history := filepath.Join(t.TempDir(), "history")
	if err := c.Run(context.Background(), strings.NewReader(input), true, history); err != nil {
		t.Fatal(err)
	}
	return out.String()
}

func TestInteractivePasteIsOneMessage(t *testing.T) {
	signature := "\x1b[200~/new\rMarko Đurić\rSales Director\rAcme d.o.o.\rmarko@acme.hr\r\x1b[201~"
	out := interactive(t, signature+"\r1\r/quit\r")
	for _, want := range []string{"\x1b[?2004h", "Position: Sales Director", "Created #1: Marko Đurić (Acme d.o.o.)", "\x1b[?2004l"} {
		if !strings.Contains(out, want) {
			t.Errorf("session lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "Which company") {
		t.Errorf("the paste was read line by line:\n%s", out)
	}
}

func TestInteractiveBackslashContinues(t *testing.T) {
	out := interactive(t, "/new\\\rMarko Đurić\\\rAcme d.o.o.\\\rmarko@acme.hr\r1\r/quit\r")
	if !strings.Contains(out, "Created #1: Marko Đurić (Acme d.o.o.)") {
		t.Errorf("continued lines not joined:\n%s", out)
	}
}

// lockedBuffer is written by the line editor's own goroutines as well as the test's.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}
