// Package exchange moves crmbot's data in and out: a full JSON dump that restores
// losslessly, CSV tables (one file per entity, RFC 4180, UTF-8, with a header row),
// CSV imports from other CRMs through column mappings with a row-by-row dry run, and
// the mailing list (R8).
//
// Like crm it does no file or network I/O of its own: it reads and writes the
// io.Reader/io.Writer it is given. Exports and the mailing list read through a
// Source (crm.Service's Snapshot), so cmd/crmbot decides where the files live and the
// bot can run an export too; restores write into an empty crm.Store.
package exchange

import (
	"context"
	"errors"

	"crmbot/crm"
)

// Source gives a consistent read-only view of every record: *crm.Service is one.
type Source interface {
	Snapshot(ctx context.Context, fn func(crm.Records) error) error
}

// Progress is told, now and then during a long export or import, how many records of
// what kind ("interests", "row") are done. nil means nobody listens.
type Progress func(what string, done int)

// progressEvery is how often Progress is called: often enough to see movement on a
// terminal, rarely enough to cost nothing.
const progressEvery = 1000

func (p Progress) tick(what string, n int) {
	if p != nil && (n%progressEvery == 0) {
		p(what, n)
	}
}

func (p Progress) done(what string, n int) {
	if p != nil {
		p(what, n)
	}
}

// Counts is how many records of each entity an export wrote or a restore read.
type Counts struct {
	Users        int `json:"users"`
	Companies    int `json:"companies"`
	Contacts     int `json:"contacts"`
	Interests    int `json:"interests"`
	Interactions int `json:"interactions"`
	Audit        int `json:"audit"`
}

// errStop ends a walk early once its answer is known.
var errStop = errors.New("stop")

// checkEmpty refuses a restore into a database that already holds people or clients:
// a restore keeps every id, and ids already taken would collide.
func checkEmpty(tx crm.Tx) error {
	users, err := tx.Users()
	if err != nil {
		return err
	}
	n := len(users)
	for _, walk := range []func() error{
		func() error { return tx.ForEachCompany(func(*crm.Company) error { n++; return errStop }) },
		func() error { return tx.ForEachContact(func(*crm.Contact) error { n++; return errStop }) },
		func() error { return tx.ForEachInterest(func(*crm.Interest) error { n++; return errStop }) },
	} {
		if err := walk(); err != nil && !errors.Is(err, errStop) {
			return err
		}
	}
	if n > 0 {
		return crm.Errorf(crm.ECONFLICT, "err.restore_not_empty")
	}
	return nil
}
