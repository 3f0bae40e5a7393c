package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/postgres"
)

// migrateBatch is how many records go to PostgreSQL in one COPY transaction.
const migrateBatch = 5000

// runMigrate moves a database between the backends: a bbolt file into an empty
// PostgreSQL database, or a PostgreSQL database into a new file. Every record is
// copied (into PostgreSQL with COPY, through the same derivations as the Put methods;
// into a file through the Put methods), then the copy is checked: the record counts of
// each entity must be equal, a sample of interests with their companies, contacts and
// timelines must read back identical, and Verify must find the target's indexes and
// counters in step.
func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	fs.SetOutput(stderr)
	from := fs.String("from", "", "the database to copy: a file (crmbot must not be running on it) or postgres://…")
	to := fs.String("to", "", "where to copy it: an empty PostgreSQL database postgres://user:password@host:port/db, or a new file")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot migrate --from FILE --to postgres://… (or --from postgres://… --to NEWFILE) — copy a database to the other backend, and verify the copy.")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	switch {
	case fs.NArg() > 0 || *from == "" || *to == "" || isPostgres(*from) == isPostgres(*to):
		fs.Usage()
		return exitError{2, "migrate needs --from FILE --to postgres://…, or --from postgres://… --to NEWFILE"}
	case isPostgres(*to):
		return migrateToPostgres(ctx, *from, *to, stdout, stderr)
	}
	return migrateToFile(ctx, *from, *to, stdout, stderr)
}

func migrateToPostgres(ctx context.Context, from, to string, stdout, stderr io.Writer) error {
	src, err := storage.Open(from, storage.Options{ReadOnly: true, MustExist: true})
	if err != nil {
		return err
	}
	defer src.Close()
	dst, err := postgres.Open(ctx, to)
	if err != nil {
		return err
	}
	defer dst.Close()
	label := (&config{DB: to}).dbLabel()
	fmt.Fprintf(stderr, "copying %s into %s\n", from, label)
	err = dst.Load(ctx, func(s crm.Store) error { return copyRecords(ctx, src.Records, s) })
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	if err := checkMigrated(ctx, src, dst); err != nil {
		return fmt.Errorf("migrate: the copy in %s does not match %s: %w", label, from, err)
	}
	st, _ := dst.Stats(ctx)
	fmt.Fprintf(stdout, "copied %s into %s and verified it: %d users, %d companies, %d contacts, %d interests, %d interactions, %d audit entries\n",
		from, label, st.Users, st.Companies, st.Contacts, st.Interests, st.Interactions, st.Audit)
	return nil
}

// migrateToFile writes the copy under a temporary name beside path and gives it the
// name only once verified, never over an existing file.
func migrateToFile(ctx context.Context, from, path string, stdout, stderr io.Writer) error {
	if _, err := os.Lstat(path); err == nil {
		return exitError{2, fmt.Sprintf("migrate: %s exists; name a new file", path)}
	}
	src, err := postgres.Open(ctx, from)
	if err != nil {
		return err
	}
	defer src.Close()
	label := (&config{DB: from}).dbLabel()
	tmp := filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".migrating")
	os.Remove(tmp) // a copy an earlier run left unfinished
	dst, err := storage.Open(tmp, storage.Options{})
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "copying %s into %s\n", label, path)
	err = copyRecords(ctx, src.Records, dst)
	if err == nil {
		err = checkMigrated(ctx, dst, src)
	}
	st, _ := dst.Stats()
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp, path) // fails, rather than replaces, when path appeared meanwhile
	}
	os.Remove(tmp)
	if err != nil {
		return fmt.Errorf("migrate: %s not written: %w", path, err)
	}
	fmt.Fprintf(stdout, "copied %s into %s and verified it: %d users, %d companies, %d contacts, %d interests, %d interactions, %d audit entries\n",
		label, path, st.Users, st.Companies, st.Contacts, st.Interests, st.Interactions, st.Audit)
	return nil
}

// copyRecords writes every record records yields into dst, migrateBatch a transaction.
func copyRecords(ctx context.Context, records func(context.Context, func(any) error) error, dst crm.Store) error {
	var pending []any
	flush := func() error {
		err := dst.Update(ctx, func(tx crm.Tx) error {
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
	err := records(ctx, func(r any) error {
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
	case crm.IdempotencyRecord:
		return tx.SetIdempotency(v.Key, v.Result)
	case crm.DialogRecord:
		return tx.PutDialog(v.Identity, v.State)
	case crm.SkipNoteRecord:
		return tx.PutSkipNote(v.UserID, v.Note)
	case crm.TeamSettings:
		return tx.PutSettings(v)
	case *crm.SchedulerState:
		return tx.PutSchedulerState(v)
	case *crm.APIToken:
		return tx.PutAPIToken(v)
	case *crm.Webhook:
		return tx.PutWebhook(v)
	case *crm.Campaign:
		return tx.PutCampaign(v)
	case *crm.CampaignMember:
		return tx.PutCampaignMember(v)
	case *crm.InquiryRouting:
		return tx.PutInquiryRouting(v)
	}
	return fmt.Errorf("no way to copy a %T", r)
}

// checkMigrated compares a file and a PostgreSQL database, one the copy of the other:
// counts, a sample, Verify on both.
func checkMigrated(ctx context.Context, file *storage.DB, pg *postgres.DB) error {
	src, dst := file, pg
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
	for _, verify := range []func(context.Context) ([]string, error){src.Verify, dst.Verify} {
		problems, err := verify(ctx)
		if err != nil {
			return err
		}
		if len(problems) > 0 {
			return errors.New(problems[0])
		}
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
