package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"crmbot/crm"
)

// The benchmark dataset: a department after years of use. At scale 1: 50 managers,
// 20,000 companies with one contact each, 100,000 interests, 1,000,000 interactions.
// CRMBOT_BENCH_SCALE (default 1) shrinks it for a quick smoke run:
//
//	CRMBOT_BENCH_SCALE=0.01 go test -run=X -bench=. -benchtime=1x ./storage/
const (
	benchManagers     = 50
	benchCompanies    = 20_000
	benchInterests    = 100_000
	benchInteractions = 1_000_000
	// benchTimeline is the interest with exactly 200 interactions (BenchmarkTimeline200).
	benchTimeline = 1
	// benchDatasetVersion names the generator's output: bump it when the generator or
	// the storage layout changes, so a stale cached file is not reused.
	benchDatasetVersion = 4
)

// benchNow is the dataset's "now": due dates and activity are spread around it.
var benchNow = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

type benchSize struct{ companies, interests, interactions int }

func benchScale(b *testing.B) benchSize {
	scale := 1.0
	if s := os.Getenv("CRMBOT_BENCH_SCALE"); s != "" {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 {
			b.Fatalf("CRMBOT_BENCH_SCALE=%q: want a positive number", s)
		}
		scale = f
	}
	benchFull = scale >= 1
	n := func(x int) int { return max(1, int(float64(x)*scale)) }
	return benchSize{n(benchCompanies), max(n(benchInterests), 2), max(n(benchInteractions), 200)}
}

var (
	benchFull bool // at full scale, benchmarks check their answers' exact sizes
	benchOnce sync.Once
	benchPath string
	benchErr  error
)

// benchDB opens the benchmark dataset, generating it on first use. The file is kept
// in os.TempDir() under a name that encodes its size and version, and is reused by
// later runs: generating a million interactions takes a while. The database is closed
// when the benchmark ends (BenchmarkOpen needs the file lock).
func benchDB(b *testing.B) *DB {
	b.Helper()
	size := benchScale(b)
	benchOnce.Do(func() {
		benchPath = filepath.Join(os.TempDir(), fmt.Sprintf("crmbot-bench-v%d-s%d-%d-%d-%d.db",
			benchDatasetVersion, schemaVersion, size.companies, size.interests, size.interactions))
		if _, err := os.Stat(benchPath); err == nil {
			return // the generator renames its file into place only when complete
		}
		start := time.Now()
		benchErr = generate(benchPath, size)
		b.Logf("generated %s in %v", benchPath, time.Since(start).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	db, err := Open(benchPath, Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// generate writes the dataset to path through the real Put methods, so indexes and
// counters are built exactly as in production. It writes to a temporary file with
// fsync off and renames it into place: the data is throwaway and reproducible, and
// with fsync on, the generator would spend its time waiting for the disk. Records go
// in big transactions (tens of thousands each) for the same reason.
func generate(path string, size benchSize) error {
	tmp := path + ".tmp"
	os.Remove(tmp)
	db, err := Open(tmp, Options{noSync: true, Now: func() time.Time { return benchNow }})
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	defer db.Close()
	rng := rand.New(rand.NewPCG(1, 2))
	ctx := context.Background()
	// batched runs fn for i in [0, n) in transactions of at most per calls each.
	batched := func(n, per int, fn func(tx crm.Tx, i int) error) error {
		for lo := 0; lo < n; lo += per {
			err := db.Update(ctx, func(tx crm.Tx) error {
				for i := lo; i < min(n, lo+per); i++ {
					if err := fn(tx, i); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	err = batched(benchManagers, benchManagers, func(tx crm.Tx, i int) error {
		return tx.PutUser(&crm.User{Name: fmt.Sprintf("Manager %d", i+1), Role: crm.RoleManager,
			Segment: crm.SegmentCorporate, Identities: []crm.Identity{crm.Identity(fmt.Sprintf("console:m%d", i+1))}})
	})
	if err != nil {
		return err
	}
	words := benchWords(rng, 2000)
	suffixes := []string{"d.o.o.", "d.d.", "j.d.o.o.", "obrt", "GmbH", "Ltd"}
	first := []string{"Marko", "Ana", "Ivan", "Petra", "Đuro", "Željka", "Luka", "Maja", "Tomislav", "Iva"}
	last := []string{"Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Đurić", "Knežević", "Vuković", "Šarić"}
	err = batched(size.companies, 10_000, func(tx crm.Tx, i int) error {
		co := &crm.Company{Name: words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + " " + suffixes[rng.IntN(len(suffixes))],
			Size: crm.CompanySizes[rng.IntN(len(crm.CompanySizes))], CreatedAt: benchNow.AddDate(-3, 0, 0)}
		if err := tx.PutCompany(co); err != nil {
			return err
		}
		return tx.PutContact(&crm.Contact{CompanyID: co.ID,
			FullName: first[rng.IntN(len(first))] + " " + last[rng.IntN(len(last))],
			Email:    fmt.Sprintf("contact%d@company%d.hr", i, i), Phone: fmt.Sprintf("+3851%07d", i),
			Mobile: fmt.Sprintf("+38591%07d", i), CreatedAt: co.CreatedAt})
	})
	if err != nil {
		return err
	}
	err = batched(size.interests, 10_000, func(tx crm.Tx, i int) error {
		company := uint64(rng.IntN(size.companies) + 1) // company n has contact n
		created := benchNow.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		in := &crm.Interest{Kind: crm.KindInterest, CompanyID: company, ContactID: company,
			OwnerID: uint64(rng.IntN(benchManagers) + 1), Segment: crm.SegmentCorporate,
			Need: "video-conferencing for the offices", Value: rng.Int64N(100_000), Currency: "EUR",
			CreatedAt: created, UpdatedAt: created, LastActivityAt: created}
		// About 60% still open; a working team keeps follow-ups current, so ~3% of
		// the open ones are overdue and the rest fall due within a month.
		if rng.IntN(10) < 6 {
			in.Stage = crm.OpenStages[rng.IntN(len(crm.OpenStages))]
			if in.Stage == crm.StageDeliberating {
				in.Deliberation = crm.DeliberationReasons[rng.IntN(len(crm.DeliberationReasons))]
			}
			due := benchNow.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
			if rng.IntN(100) < 3 {
				due = benchNow.Add(-time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))
			}
			in.Next = crm.NextAction{What: "next.call", Due: due}
			in.LastActivityAt = benchNow.Add(-time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
		} else {
			in.Stage = []crm.Stage{crm.StageWon, crm.StageLost}[rng.IntN(2)]
			in.ClosedAt = created.Add(90 * 24 * time.Hour)
			if in.Stage == crm.StageLost {
				in.LossReason = crm.LossReasons[rng.IntN(len(crm.LossReasons))]
			}
		}
		return tx.PutInterest(in)
	})
	if err != nil {
		return err
	}
	// Interactions arrive interleaved across interests, as in real use; interest
	// benchTimeline gets exactly 200 and the rest are spread at random.
	err = batched(size.interactions, 50_000, func(tx crm.Tx, i int) error {
		interest := uint64(benchTimeline)
		if i >= 200 {
			interest = uint64(rng.IntN(size.interests-1) + 2)
		}
		return tx.AddInteraction(&crm.Interaction{InterestID: interest, Kind: crm.InteractionCall,
			AuthorID: uint64(rng.IntN(benchManagers) + 1),
			At:       benchNow.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour)))),
			Text:     "Called about the proposal; they will decide after the board meeting."})
	})
	if err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// benchWords returns n pronounceable pseudo-words for company names.
func benchWords(rng *rand.Rand, n int) []string {
	syl := []string{"ko", "ma", "tel", "pro", "ra", "vi", "sta", "no", "li", "gra", "med", "ter", "ka", "zo", "ri", "dan", "be", "čak", "šu", "ža"}
	out := make([]string, n)
	for i := range out {
		w := ""
		for range 2 + rng.IntN(2) {
			w += syl[rng.IntN(len(syl))]
		}
		out[i] = string(w[0]-'a'+'A') + w[1:]
	}
	return out
}

func BenchmarkPipeline(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(ctx, func(tx crm.Tx) error {
			if _, err := tx.Pipeline(); err != nil {
				return err
			}
			_, err := tx.CountDueBefore(benchNow)
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkDueBefore100(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	for _, bc := range []struct {
		name  string
		owner uint64
		t     time.Time
	}{
		{"all", 0, benchNow},
		{"owner", 7, benchNow.Add(14 * 24 * time.Hour)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := db.View(ctx, func(tx crm.Tx) error {
					is, err := tx.DueBefore(bc.owner, bc.t, 100)
					if err == nil && (len(is) != 100 && benchFull || len(is) == 0) {
						err = fmt.Errorf("got %d interests, want 100", len(is))
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkFindPrefix(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	// The query is the first three letters of a real name's first word, so it
	// matches at every scale.
	var prefix string
	err := db.View(ctx, func(tx crm.Tx) error {
		c, err := tx.Company(1)
		if err == nil {
			prefix = crm.Words(c.Name)[0][:3]
		}
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		find func(tx crm.Tx) (int, error)
	}{
		{"company", func(tx crm.Tx) (int, error) { cs, err := tx.FindCompanies(prefix, 20); return len(cs), err }},
		{"contact", func(tx crm.Tx) (int, error) { cs, err := tx.FindContacts("duri", 20); return len(cs), err }},
		{"phone", func(tx crm.Tx) (int, error) { cs, err := tx.FindContacts("091 00", 20); return len(cs), err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				err := db.View(ctx, func(tx crm.Tx) error {
					n, err := bc.find(tx)
					if err == nil && n == 0 {
						err = fmt.Errorf("found nothing")
					}
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkTimeline200(b *testing.B) {
	db := benchDB(b)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		err := db.View(ctx, func(tx crm.Tx) error {
			its, err := tx.Timeline(benchTimeline, 200)
			if err == nil && len(its) != 200 {
				err = fmt.Errorf("timeline has %d entries, want 200", len(its))
			}
			return err
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateInterestAndLog is the write a manager's first /log makes, with a real
// fsync. It writes into the cached dataset, which therefore grows by b.N interests a
// run: negligible next to 100,000.
//
// The "empty" case writes the same into a new file: the fsync floor of this disk.
func BenchmarkCreateInterestAndLog(b *testing.B) {
	b.Run("dataset", func(b *testing.B) { benchCreate(b, benchDB(b)) })
	b.Run("empty", func(b *testing.B) { benchCreate(b, mustOpen(b)) })
}

func benchCreate(b *testing.B, db *DB) {
	ctx := context.Background()
	n := 0
	b.ReportAllocs()
	for b.Loop() {
		n++
		err := db.Update(ctx, func(tx crm.Tx) error {
			co := &crm.Company{Name: "Benchmark Trade d.o.o.", CreatedAt: benchNow}
			if err := tx.PutCompany(co); err != nil {
				return err
			}
			ct := &crm.Contact{CompanyID: co.ID, FullName: "Ivana Benčić", Email: "ivana@bench.hr", Mobile: "+385981234567", CreatedAt: benchNow}
			if err := tx.PutContact(ct); err != nil {
				return err
			}
			in := &crm.Interest{Kind: crm.KindInterest, CompanyID: co.ID, ContactID: ct.ID, OwnerID: 3,
				Segment: crm.SegmentCorporate, Stage: crm.StageNew, Next: crm.NextAction{What: "next.new", Due: benchNow.Add(24 * time.Hour)},
				CreatedAt: benchNow, UpdatedAt: benchNow, LastActivityAt: benchNow}
			if err := tx.PutInterest(in); err != nil {
				return err
			}
			if err := tx.AddInteraction(&crm.Interaction{InterestID: in.ID, Kind: crm.InteractionCall, AuthorID: 3, At: benchNow, Text: "first call"}); err != nil {
				return err
			}
			if err := tx.AddAudit(&crm.AuditEntry{At: benchNow, ActorID: 3, Entity: "interest", EntityID: in.ID, Action: "create"}); err != nil {
				return err
			}
			return tx.SetIdempotency(fmt.Sprintf("bench:%d:%d", time.Now().UnixNano(), n), strconv.FormatUint(in.ID, 10))
		})
		if err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkOpen(b *testing.B) {
	benchDB(b).Close() // generate if needed, then release the lock
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		db, err := Open(benchPath, Options{})
		if err != nil {
			b.Fatal(err)
		}
		err = db.View(ctx, func(tx crm.Tx) error { _, err := tx.Pipeline(); return err })
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkVerify is what `crmbot doctor` costs on the full dataset; it also checks
// that the generator, which goes through the Put methods, left every index exact.
func BenchmarkVerify(b *testing.B) {
	db := benchDB(b)
	b.ReportAllocs()
	for b.Loop() {
		problems, err := db.Verify(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		if len(problems) > 0 {
			b.Fatalf("Verify: %d problems, first: %s", len(problems), problems[0])
		}
	}
}
