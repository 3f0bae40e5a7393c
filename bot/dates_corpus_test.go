package bot

import (
	"bufio"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
)

// TestDateCorpus reads testdata/dates/corpus.txt: every expression the grammar
// accepts with the instant it means under a fixed clock and zone, and every one it
// refuses with the message key of the refusal.
func TestDateCorpus(t *testing.T) {
	f, err := os.Open("testdata/dates/corpus.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var now time.Time
	var loc *time.Location
	accepted, refused := 0, 0
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "@now "):
			f := strings.Fields(strings.TrimPrefix(line, "@now "))
			if len(f) != 3 {
				t.Fatalf("line %d: want @now DATE TIME ZONE", n)
			}
			if loc, err = time.LoadLocation(f[2]); err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			if now, err = time.ParseInLocation("2006-01-02 15:04", f[0]+" "+f[1], loc); err != nil {
				t.Fatalf("line %d: %v", n, err)
			}
			continue
		}
		if in, key, ok := strings.Cut(line, " !> "); ok {
			refused++
			got, _, err := ParseWhen(in, now, loc)
			var de *DateError
			switch {
			case err == nil:
				t.Errorf("line %d: ParseWhen(%q) = %s, want refusal %s", n, in, got.Format("Mon 2006-01-02 15:04 -0700"), key)
			case !errors.As(err, &de):
				t.Errorf("line %d: ParseWhen(%q) error %v is not a *DateError", n, in, err)
			case de.Key != key:
				t.Errorf("line %d: ParseWhen(%q) refused with %s (%q), want %s", n, in, de.Key, de.Part, key)
			}
			continue
		}
		in, want, ok := strings.Cut(line, " => ")
		if !ok {
			t.Fatalf("line %d: want `input => instant` or `input !> key`", n)
		}
		accepted++
		want, wantRest, _ := strings.Cut(want, " | ")
		layout := "2006-01-02 15:04"
		if len(strings.Fields(want)) == 3 {
			layout += " -0700"
		}
		got, rest, err := ParseWhen(in, now, loc)
		if err != nil {
			t.Errorf("line %d: ParseWhen(%q): %v", n, in, err)
			continue
		}
		if got.Location() != loc {
			t.Errorf("line %d: ParseWhen(%q) is in %v, want %v", n, in, got.Location(), loc)
		}
		if g := got.Format(layout); g != want || rest != wantRest {
			t.Errorf("line %d: ParseWhen(%q) = %s (%s), %q; want %s, %q", n, in, g, got.Format("Mon"), rest, want, wantRest)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if accepted < 200 || refused < 50 {
		t.Errorf("the corpus has %d accepted and %d refused expressions; it should keep growing, not shrink", accepted, refused)
	}
}

func TestParseWhenErrNoDate(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)
	if _, _, err := ParseWhen("call them", now, time.UTC); !errors.Is(err, ErrNoDate) {
		t.Errorf("ParseWhen(call them) = %v, want ErrNoDate", err)
	}
	if _, _, err := ParseWhen("31.2.", now, time.UTC); errors.Is(err, ErrNoDate) {
		t.Errorf("ParseWhen(31.2.) is ErrNoDate; want the calendar error")
	}
}

func BenchmarkParseWhen(b *testing.B) {
	zg, err := time.LoadLocation("Europe/Zagreb")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, zg)
	inputs := []string{"tomorrow 10 send proposal", "sutra u 14:30 nazvati", "3. 12. 2026. 9h call", "in 3 days", "31.2."}
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		ParseWhen(inputs[i%len(inputs)], now, zg)
	}
}

// A refusal quotes the part it could not read, but never more than a line of it.
func TestDateErrorPartIsShort(t *testing.T) {
	now := time.Date(2026, 11, 25, 15, 4, 0, 0, time.UTC)
	for _, in := range []string{strings.Repeat("9", 100000) + ":00", "tomorrow " + strings.Repeat("1", 100000), "in " + strings.Repeat("1", 5000) + " days"} {
		_, _, err := ParseWhen(in, now, time.UTC)
		var de *DateError
		if !errors.As(err, &de) {
			t.Fatalf("ParseWhen(%.20q…) = %v, want a refusal", in, err)
		}
		if n := len([]rune(de.Part)); n > 61 {
			t.Errorf("ParseWhen(%.20q…) quotes %d characters", in, n)
		}
	}
}
