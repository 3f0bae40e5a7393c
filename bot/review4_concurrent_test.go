package bot_test

import (
	"fmt"
	"sync"
	"testing"
)

// Concurrent messages share group commits; refusals and conflicts among them roll
// their batch-mates back and run them again (and run themselves again outside the
// unit). Whatever the interleaving, each message acts exactly once: every /new is
// one interest, every refusal one audit entry, a redelivery nothing.
func TestConcurrentMessagesActOnce(t *testing.T) {
	w := newUnitWorld(t)
	before := w.refusals()
	interests := func() int {
		st, err := w.db.Stats()
		if err != nil {
			t.Fatal(err)
		}
		return st.Interests
	}
	count0 := interests()
	const workers, each = 6, 8
	var wg sync.WaitGroup
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				key := fmt.Sprintf("k%d-%d", g, i)
				switch i % 3 {
				case 0:
					text := fmt.Sprintf("/new Osoba%d%d Ivić, Firma%d%d d.o.o.", g, i, g, i)
					w.send("console:admin", text, key)
					w.send("console:admin", text, key) // a redelivery
				case 1:
					w.send("console:ana", "/stage 1 meeting", key) // refused: the admin's
				case 2:
					w.send("console:ana", "/stage 2 new", key) // conflict: already there
				}
			}
		}()
	}
	wg.Wait()
	n := interests()
	news := workers * ((each + 2) / 3)
	if n-count0 != news {
		t.Errorf("%d interests created, want %d", n-count0, news)
	}
	refused := workers * ((each + 1) / 3)
	if got := w.refusals() - before; got != refused {
		t.Errorf("%d refusals audited, want %d", got, refused)
	}
}
