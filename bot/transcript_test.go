package bot_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

var update = flag.Bool("update", false, "rewrite testdata/*.txt transcripts with the replies the engine gives now")

// clock is a settable test clock.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

// The transcripts start on Wednesday 25 November 2026, 15:04 UTC.
var start = time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)

type harness struct {
	t     *testing.T
	db    *storage.DB // nil on PostgreSQL (storagetest.OnPostgres)
	svc   *crm.Service
	eng   *bot.Engine
	clock *clock
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	return newHarnessWith(t, crm.Config{DefaultRegion: "HR", Currency: "EUR"})
}

// newHarnessWith is newHarness with another service configuration (own-only mode).
func newHarnessWith(t *testing.T, cfg crm.Config) *harness {
	t.Helper()
	store := storagetest.OpenStore(t)
	db, _ := store.(*storage.DB)
	clk := &clock{t: start}
	svc := crm.NewService(store, clk.Now, cfg)
	if _, err := svc.EnsureAdmin(context.Background(), "console:admin", "Admin"); err != nil {
		t.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: clk.Now, Admins: []crm.Identity{"telegram:999"}})
	return &harness{t: t, db: db, svc: svc, eng: eng, clock: clk}
}

// sayAs sends text from id in a private chat and returns the replies' texts, one per
// line.
func (h *harness) sayAs(id crm.Identity, text string) string {
	var out []string
	for _, r := range h.eng.Handle(context.Background(), bot.Request{Identity: id, Name: "T", Chat: bot.ChatPrivate, Text: text}) {
		out = append(out, r.Text)
	}
	return strings.Join(out, "\n")
}

// sayAsWithButtons is sayAs with each reply's button labels after its text, "[Label]".
func (h *harness) sayAsWithButtons(id crm.Identity, text string) string {
	var out []string
	for _, r := range h.eng.Handle(context.Background(), bot.Request{Identity: id, Name: "T", Chat: bot.ChatPrivate, Text: text}) {
		out = append(out, r.Text)
		for _, row := range r.Buttons {
			for _, b := range row {
				out = append(out, "["+b.Label+"]")
			}
		}
	}
	return strings.Join(out, "\n")
}

// TestTranscripts runs every testdata/*.txt conversation. A transcript is lines of:
//
//	> text            a message from the current speaker ("> [2]" presses button 2
//	                  of the speaker's last reply; "> @action X" sends action X)
//	< text            an expected reply line; "< [1] A  [2] B" the buttons
//	@as IDENTITY      switch speaker (default console:admin)
//	@group / @private where the next messages are written
//	@clock RFC3339    set the clock
//	@key KEY          the idempotency key of the next message
//	@forward          the next message is forwarded from someone else
//	# …               a comment
//
// A file named hr_*.txt runs with the default language hr (CRMBOT_LANG=hr), so every
// speaker reads Croatian.
//
// Run with -update to rewrite the expected lines from what the engine says now.
func TestTranscripts(t *testing.T) {
	files, _ := filepath.Glob("testdata/*.txt")
	if len(files) == 0 {
		t.Fatal("no transcripts in testdata")
	}
	for _, f := range files {
		t.Run(strings.TrimSuffix(filepath.Base(f), ".txt"), func(t *testing.T) {
			runTranscript(t, f)
		})
	}
}

func runTranscript(t *testing.T, file string) {
	h := newHarness(t)
	if lang, _, ok := strings.Cut(filepath.Base(file), "_"); ok && lang == "hr" {
		// hr_*.txt: everyone reads Croatian, as with CRMBOT_LANG=hr.
		h.eng = bot.New(h.svc, bot.Options{Clock: h.clock.Now, Admins: []crm.Identity{"telegram:999"}, DefaultLang: lang})
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(string(raw), "\n"), "\n")
	var out []string // the transcript as it runs now
	var expected, got []string
	var at int // line number of the message whose replies are collected
	speaker := crm.Identity("console:admin")
	chat := bot.ChatPrivate
	key := ""
	forward := false
	last := map[crm.Identity][]bot.Button{}
	flush := func() {
		if !*update && strings.Join(expected, "\n") != strings.Join(got, "\n") {
			t.Errorf("%s:%d: replies differ\n--- want\n%s\n--- got\n%s", file, at, strings.Join(expected, "\n"), strings.Join(got, "\n"))
		}
		out = append(out, got...)
		expected, got = nil, nil
	}
	for i, line := range lines {
		switch {
		case strings.HasPrefix(line, "< "), line == "<":
			expected = append(expected, line)
			continue
		}
		flush()
		out = append(out, line)
		switch {
		case strings.HasPrefix(line, "@as "):
			speaker = crm.Identity(strings.TrimSpace(line[4:]))
		case line == "@group":
			chat = bot.ChatGroup
		case line == "@private":
			chat = bot.ChatPrivate
		case strings.HasPrefix(line, "@clock "):
			ts, err := time.Parse(time.RFC3339, strings.TrimSpace(line[7:]))
			if err != nil {
				t.Fatalf("%s:%d: %v", file, i+1, err)
			}
			h.clock.t = ts
		case strings.HasPrefix(line, "@key "):
			key = strings.TrimSpace(line[5:])
		case line == "@forward":
			forward = true
		case strings.HasPrefix(line, "> "):
			at = i + 1
			req := bot.Request{Identity: speaker, Name: "Tester", Chat: chat, Key: key, Forwarded: forward}
			forward = false
			if chat == bot.ChatGroup {
				req.ChatID = "telegram:-100200300"
			}
			text := strings.ReplaceAll(line[2:], `\n`, "\n")
			var n int
			if strings.HasPrefix(text, "@action ") {
				req.Action = strings.TrimPrefix(text, "@action ")
			} else if _, err := fmt.Sscanf(text, "[%d]", &n); err == nil && strings.HasPrefix(text, "[") {
				bs := last[speaker]
				if n < 1 || n > len(bs) {
					t.Fatalf("%s:%d: no button %d", file, i+1, n)
				}
				req.Action = bs[n-1].Action
			} else {
				req.Text = text
			}
			key = ""
			replies := h.eng.Handle(context.Background(), req)
			last[speaker] = nil
			for _, r := range replies {
				for _, l := range strings.Split(r.Text, "\n") {
					got = append(got, strings.TrimRight("< "+l, " "))
				}
				var parts []string
				for _, row := range r.Buttons {
					for _, b := range row {
						last[speaker] = append(last[speaker], b)
						parts = append(parts, fmt.Sprintf("[%d] %s", len(last[speaker]), b.Label))
						if len(b.Action) > 64 {
							t.Errorf("%s:%d: button action over 64 bytes: %q", file, i+1, b.Action)
						}
					}
				}
				if len(parts) > 0 {
					got = append(got, "< "+strings.Join(parts, "  "))
				}
				if r.Replace {
					got = append(got, "< (replaces the message with the button)")
				}
			}
		}
	}
	flush()
	if h.db != nil { // PostgreSQL's Verify runs at the test's cleanup
		if problems, err := h.db.Verify(context.Background()); err != nil || len(problems) > 0 {
			t.Errorf("after the transcript the database is inconsistent: %v %v", err, problems)
		}
	}
	if *update {
		if err := os.WriteFile(file, []byte(strings.Join(out, "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
