package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"

	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/postgres"
)

// migrateBatch is how many records go to PostgreSQL in one COPY transaction.
const migrateBatch = 5000

// runMigrate copies a bbolt database file into an empty PostgreSQL database: every
// record, through the same derivations as the Put methods (postgres.Load), then checks
// the copy: the record counts of each entity must be equal, a sample of interests with
// their companies, contacts and timelines must read back identical, and PostgreSQL's
// Verify must find its counters and indexes in step.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the bbolt database file to copy (crmbot must not be running on it)")
	to := fs.String("to", "", "the PostgreSQL database to copy into, postgres://user:password@host:port/db (must be empty)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot migrate --from FILE --to postgres://… — copy a database file into an empty PostgreSQL database, and verify the copy.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if *from == "" || !isPostgres(*to) || fs.NArg() > 0 {
		fs.Usage()
		return exitError{2, "migrate needs --from FILE and --to postgres://…"}
	}
	src, err := storage.Open(*from, storage.Options{ReadOnly: true, MustExist: true})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, *to)
	if err != nil {
		return err
	}
	defer dst.Close()
	label := (&config{DB: *to}).dbLabel()
	fmt.Fprintf(stderr, "copying %s into %s\n", *from, label)
	err = dst.Load(ctx, func(s crm.Store) error {
		var pending []any
		flush := func() error {
			err := s.Update(ctx, func(tx crm.Tx) error {
				for _, r := range pending {
					if err := putRecord(tx, r); err != nil {
						return err
					}
				}
				return nil
			})
			pending = pending[:0]
			return err
		}
		err := src.Records(ctx, func(r any) error {
			pending = append(pending, r)
			if len(pending) >= migrateBatch {
				return flush()
			}
			return nil
		})
		if err != nil {
			return err
		}
		return flush()
	})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := checkMigrated(ctx, src, dst); err != nil {
		return fmt.Errorf("migrate: the copy in %s does not match %s: %w", label, *from, err)
	}
	st, _ := dst.Stats(ctx)
	fmt.Fprintf(stdout, "copied %s into %s and verified it: %d users, %d companies, %d contacts, %d interests, %d interactions, %d audit entries\n",
		*from, label, st.Users, st.Companies, st.Contacts, st.Interests, st.Interactions, st.Audit)
	return nil
}

// putRecord writes one record of storage.Records through tx.
func putRecord(tx crm.Tx, r any) error {
	switch v := r.(type) {
	case *crm.User:
		return tx.PutUser(v)
	case *crm.Invite:
		return tx.PutInvite(v)
	case *crm.Company:
		return tx.PutCompany(v)
	case *crm.Contact:
		return tx.PutContact(v)
	case *crm.Interest:
		return tx.PutInterest(v)
	case *crm.Interaction:
		return tx.AddInteraction(v)
	case *crm.AuditEntry:
		return tx.AddAudit(v)
	case *crm.OutboxMessage:
		_, err := tx.Enqueue(v)
		return err
	case storage.IdempotencyKey:
		return tx.SetIdempotency(v.Key, v.Result)
	case storage.BlobRecord:
		return tx.PutBlob(v.NS, v.Key, v.Value)
	}
	return fmt.Errorf("no way to copy a %T", r)
}

// checkMigrated compares the copy with its source: counts, a sample, Verify.
func checkMigrated(ctx context.Context, src *storage.DB, dst *postgres.DB) error {
	s, err := src.Stats()
	if err != nil {
		return err
	}
	d, err := dst.Stats(ctx)
	if err != nil {
		return err
	}
	want := postgres.Stats{Users: s.Users, Invites: s.Invites, Companies: s.Companies, Contacts: s.Contacts,
		Interests: s.Interests, Interactions: s.Interactions, Audit: s.Audit, Idempotency: s.Idempotency}
	if d != want {
		return fmt.Errorf("the file holds %+v, the copy %+v", want, d)
	}
	// About a hundred interests, spread over the ids, each with what it refers to.
	step := max(1, s.Interests/100)
	for id := 1; id <= s.Interests; id += step {
		var a, b []any
		read := func(out *[]any) func(crm.Tx) error {
			return func(tx crm.Tx) error {
				in, err := tx.Interest(uint64(id))
				if crm.ErrorCode(err) == crm.ENOTFOUND {
					*out = append(*out, nil)
					return nil
				}
				if err != nil {
					return err
				}
				co, cerr := tx.Company(in.CompanyID)
				ct, terr := tx.Contact(in.ContactID)
				tl, err := tx.Timeline(in.ID, 0)
				if err != nil {
					return err
				}
				*out = append(*out, in, co, crm.ErrorCode(cerr), ct, crm.ErrorCode(terr), tl)
				return nil
			}
		}
		if err := src.View(ctx, read(&a)); err != nil {
			return err
		}
		if err := dst.View(ctx, read(&b)); err != nil {
			return err
		}
		if ja, jb := canonical(a), canonical(b); !bytes.Equal(ja, jb) {
			return fmt.Errorf("interest %d reads differently", id)
		}
	}
	problems, err := dst.Verify(ctx)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return errors.New(problems[0])
	}
	return nil
}

// canonical is v as JSON, read back and written again: the form in which PostgreSQL
// holds text, where bytes that are not UTF-8 (which a file may hold) have become
// U+FFFD as JSON writes them.
func canonical(v any) []byte {
	j, _ := json.Marshal(v)
	var x any
	json.Unmarshal(j, &x)
	j, _ = json.Marshal(x)
	return j
}
