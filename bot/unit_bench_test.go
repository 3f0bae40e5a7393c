package bot_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage/storagetest"
)

// BenchmarkConcurrentLog is the end-to-end write path: 50 managers at once (and one
// alone, for comparison), each logging a call with a next step on their own interest,
// through the engine on a real bbolt file (fsync on), replies dropped (a null
// sender). It reports messages per second and the 99th percentile latency of one
// message.
func BenchmarkConcurrentLog(b *testing.B) {
	for _, users := range []int{1, 50} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			benchMessages(b, users, "/log %d call: went through the offer, next fri 10:00 send proposal", "Logged on")
		})
	}
}

// BenchmarkConcurrentShow is the read-only path for comparison: 50 managers at once
// asking for their interest's card, which writes nothing.
func BenchmarkConcurrentShow(b *testing.B) {
	benchMessages(b, 50, "/show %d", "Timeline")
}

func benchMessages(b *testing.B, users int, format, want string) {
	db := storagetest.Open(b)
	clk := &clock{t: start}
	svc := crm.NewService(db, clk.Now, crm.Config{DefaultRegion: "HR", Currency: "EUR"})
	ctx := context.Background()
	if _, err := svc.EnsureAdmin(ctx, "console:admin", "Admin"); err != nil {
		b.Fatal(err)
	}
	eng := bot.New(svc, bot.Options{Clock: clk.Now})
	say := func(id crm.Identity, text, key string) string {
		var out []string
		for _, r := range eng.Handle(ctx, bot.Request{Identity: id, Name: "T", Chat: bot.ChatPrivate, Text: text, Key: key}) {
			out = append(out, r.Text)
		}
		return strings.Join(out, "\n")
	}
	for i := range users {
		id := crm.Identity(fmt.Sprintf("console:m%d", i))
		say("console:admin", fmt.Sprintf("/team add Manager%d manager corporate Europe/Zagreb %s", i, id), "")
		if r := say(id, fmt.Sprintf("/new Client %d, Company %d d.o.o.", i, i), ""); !strings.Contains(r, fmt.Sprintf("#%d", i+1)) {
			b.Fatalf("setup: /new for user %d answered %q", i, r)
		}
	}
	lat := make([][]time.Duration, users)
	b.ReportAllocs()
	b.ResetTimer()
	begin := time.Now()
	var wg sync.WaitGroup
	for u := range users {
		n := b.N / users
		if u < b.N%users {
			n++
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			id := crm.Identity(fmt.Sprintf("console:m%d", u))
			text := fmt.Sprintf(format, u+1)
			for k := range n {
				t0 := time.Now()
				r := say(id, text, fmt.Sprintf("bench:%d:%d", u, k))
				lat[u] = append(lat[u], time.Since(t0))
				if !strings.Contains(r, want) {
					b.Errorf("user %d: %q", u, r)
					return
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(begin)
	b.StopTimer()
	all := slices.Concat(lat...)
	slices.Sort(all)
	if len(all) > 0 {
		b.ReportMetric(float64(len(all))/elapsed.Seconds(), "msg/s")
		b.ReportMetric(float64(all[len(all)/2].Microseconds())/1000, "p50-ms")
		b.ReportMetric(float64(all[len(all)*99/100].Microseconds())/1000, "p99-ms")
	}
}
