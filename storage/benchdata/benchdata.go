// Package benchdata generates crmbot's benchmark dataset: a department after years of
// use. At scale 1: 50 managers, 20,000 companies with one contact each, 100,000
// interests and 1,000,000 interactions. CRMBOT_BENCH_SCALE (default 1) shrinks it for
// a quick smoke run:
//
//	CRMBOT_BENCH_SCALE=0.01 go test -run=X -bench=. -benchtime=1x ./storage/
//
// It writes through crm.Tx only, so it does not import package storage (whose own
// benchmarks use it): the caller opens the database file.
package benchdata

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"crmbot/crm"
)

const (
	Managers     = 50
	Companies    = 20_000
	Interests    = 100_000
	Interactions = 1_000_000
	// Timeline is the interest with exactly 200 interactions.
	Timeline = 1
	// Version names the generator's output: bump it when the generator changes, so
	// a stale cached file is not reused. The storage schema version is part of the
	// file name too (see FileName).
	Version = 4
)

// Now is the dataset's "now": due dates and activity are spread around it. It is a
// Monday, 09:00 UTC.
var Now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// Size is the number of records the generator writes.
type Size struct{ Companies, Interests, Interactions int }

// Scale returns CRMBOT_BENCH_SCALE (1 when unset).
func Scale() (float64, error) {
	s := os.Getenv("CRMBOT_BENCH_SCALE")
	if s == "" {
		return 1, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 {
		return 0, fmt.Errorf("CRMBOT_BENCH_SCALE=%q: want a positive number", s)
	}
	return f, nil
}

// SizeAt is the dataset's size at a scale (1 is full size).
func SizeAt(scale float64) Size {
	n := func(x int) int { return max(1, int(float64(x)*scale)) }
	return Size{n(Companies), max(n(Interests), 2), max(n(Interactions), 200)}
}

// FileName is the cached dataset's name for a storage schema version and a size.
func FileName(schema int, size Size) string {
	return fmt.Sprintf("crmbot-bench-v%d-s%d-%d-%d-%d.db", Version, schema, size.Companies, size.Interests, size.Interactions)
}

// DB is the database the generator writes: a *storage.DB.
type DB interface {
	crm.Store
	Close() error
}

// Generate writes the dataset to path through open's database and its Put methods,
// so indexes and counters are built exactly as in production. It writes to path+".tmp"
// and renames it into place only when complete, so an existing file at path is always
// a whole dataset. open should turn fsync off and set the store's clock to Now: the
// data is throwaway and reproducible. Records go in big transactions (tens of
// thousands each) for the same reason.
func Generate(path string, size Size, open func(path string) (DB, error)) error {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	tmp := path + ".tmp"
	os.Remove(tmp)
	db, err := open(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	defer db.Close()
	if err := Fill(context.Background(), db, size); err != nil {
		return err
	}
	if err := db.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Fill writes the dataset into an empty store. The output depends only on size.
func Fill(ctx context.Context, db crm.Store, size Size) error {
	rng := rand.New(rand.NewPCG(1, 2))
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
	err := batched(Managers, Managers, func(tx crm.Tx, i int) error {
		return tx.PutUser(&crm.User{Name: fmt.Sprintf("Manager %d", i+1), Role: crm.RoleManager,
			Segment: crm.SegmentCorporate, Identities: []crm.Identity{crm.Identity(fmt.Sprintf("console:m%d", i+1))}})
	})
	if err != nil {
		return err
	}
	words := words(rng, 2000)
	suffixes := []string{"d.o.o.", "d.d.", "j.d.o.o.", "obrt", "GmbH", "Ltd"}
	first := []string{"Marko", "Ana", "Ivan", "Petra", "Đuro", "Željka", "Luka", "Maja", "Tomislav", "Iva"}
	last := []string{"Horvat", "Kovačević", "Babić", "Marić", "Jurić", "Novak", "Đurić", "Knežević", "Vuković", "Šarić"}
	err = batched(size.Companies, 10_000, func(tx crm.Tx, i int) error {
		co := &crm.Company{Name: words[rng.IntN(len(words))] + " " + words[rng.IntN(len(words))] + " " + suffixes[rng.IntN(len(suffixes))],
			Size: crm.CompanySizes[rng.IntN(len(crm.CompanySizes))], CreatedAt: Now.AddDate(-3, 0, 0)}
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
	err = batched(size.Interests, 10_000, func(tx crm.Tx, i int) error {
		company := uint64(rng.IntN(size.Companies) + 1) // company n has contact n
		created := Now.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour))))
		in := &crm.Interest{Kind: crm.KindInterest, CompanyID: company, ContactID: company,
			OwnerID: uint64(rng.IntN(Managers) + 1), Segment: crm.SegmentCorporate,
			Need: "video-conferencing for the offices", Value: rng.Int64N(100_000), Currency: "EUR",
			CreatedAt: created, UpdatedAt: created, LastActivityAt: created}
		// About 60% still open; a working team keeps follow-ups current, so ~3% of
		// the open ones are overdue and the rest fall due within a month.
		if rng.IntN(10) < 6 {
			in.Stage = crm.OpenStages[rng.IntN(len(crm.OpenStages))]
			if in.Stage == crm.StageDeliberating {
				in.Deliberation = crm.DeliberationReasons[rng.IntN(len(crm.DeliberationReasons))]
			}
			due := Now.Add(time.Duration(rng.Int64N(int64(30 * 24 * time.Hour))))
			if rng.IntN(100) < 3 {
				due = Now.Add(-time.Duration(rng.Int64N(int64(7 * 24 * time.Hour))))
			}
			in.Next = crm.NextAction{What: "next.call", Due: due}
			in.LastActivityAt = Now.Add(-time.Duration(rng.Int64N(int64(60 * 24 * time.Hour))))
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
	// Timeline gets exactly 200 and the rest are spread at random.
	return batched(size.Interactions, 50_000, func(tx crm.Tx, i int) error {
		interest := uint64(Timeline)
		if i >= 200 {
			interest = uint64(rng.IntN(size.Interests-1) + 2)
		}
		return tx.AddInteraction(&crm.Interaction{InterestID: interest, Kind: crm.InteractionCall,
			AuthorID: uint64(rng.IntN(Managers) + 1),
			At:       Now.Add(-time.Duration(rng.Int64N(int64(3 * 365 * 24 * time.Hour)))),
			Text:     "Called about the proposal; they will decide after the board meeting."})
	})
}

// words returns n pronounceable pseudo-words for company names.
func words(rng *rand.Rand, n int) []string {
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

// Find returns the newest cached dataset of size in dir, whatever the storage schema
// version in its name, or "" when there is none. Benchmarks outside package storage
// (which cannot see its schema version) use it to share the storage benchmarks' file.
func Find(dir string, size Size) string {
	m, _ := filepath.Glob(filepath.Join(dir, fmt.Sprintf("crmbot-bench-v%d-s*-%d-%d-%d.db", Version, size.Companies, size.Interests, size.Interactions)))
	best, bestSchema := "", -1
	for _, p := range m {
		var s int
		if _, err := fmt.Sscanf(filepath.Base(p), "crmbot-bench-v"+strconv.Itoa(Version)+"-s%d-", &s); err == nil && s > bestSchema {
			best, bestSchema = p, s
		}
	}
	return best
}
