package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"crmbot/storage"
)

// doctorLimit bounds each of doctor's scans: a damaged file must get an answer.
var doctorLimit = 2 * time.Minute

// runDoctor checks a database from the pages up: its own page scan first (which never
// trusts the file), then bbolt's consistency check and every index, each only when
// the step before found the file sound enough to run it safely.
func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot doctor [--db FILE | FILE] [--rebuild] [--salvage OUT] [--timeout 2m]")
		fs.PrintDefaults()
	}
	rebuild := fs.Bool("rebuild", false, "rebuild every index and counter from the records")
	salvage := fs.String("salvage", "", "copy every readable record into the new database OUT")
	limit := fs.Duration("timeout", doctorLimit, "give up each scan after this long (a damaged file must get an answer)")
	var c config
	if err := c.parse(fs, args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	switch fs.NArg() {
	case 0:
	case 1:
		c.DB = fs.Arg(0)
	default:
		fs.Usage()
		return fmt.Errorf("doctor checks one database")
	}
	if *salvage != "" {
		r, err := storage.Salvage(c.DB, *salvage, *limit)
		if err != nil {
			return err
		}
		return reportSalvage(stdout, c.DB, *salvage, r)
	}
	d, err := storage.Scan(c.DB, *limit)
	if err != nil {
		return err
	}
	printDiagnosis(stdout, d)
	if !d.Sound() {
		return exitError{3, fmt.Sprintf("database %s is damaged (see above); crmbot doctor --salvage NEW.db %s copies every readable record into a new file, or restore a backup", c.DB, c.DB)}
	}
	db, err := storage.Open(c.DB, storage.Options{ReadOnly: !*rebuild, Repair: *rebuild, MustExist: true})
	if err != nil {
		return err
	}
	defer db.Close()
	if found := db.Consistency(*limit, 20); len(found) > 0 {
		for _, p := range found {
			fmt.Fprintln(stdout, "problem:", p)
		}
		return exitError{3, fmt.Sprintf("database %s is damaged: bbolt's consistency check failed (see above); crmbot doctor --salvage NEW.db %s copies every readable record into a new file", c.DB, c.DB)}
	}
	if *rebuild {
		if err := db.Rebuild(ctx); err != nil {
			return err
		}
		fmt.Fprintln(stdout, "indexes and counters rebuilt")
	}
	st, err := db.Stats()
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s: %+v\n", c.DB, st)
	problems, err := db.Verify(ctx)
	if err != nil {
		return err
	}
	for _, p := range problems {
		fmt.Fprintln(stdout, "problem:", p)
	}
	if len(problems) > 0 {
		unfixable := 0
		for _, p := range problems {
			if storage.RebuildCannotFix(p) {
				unfixable++
			}
		}
		if unfixable > 0 {
			// Rebuilding would leave these, or stop at them: advising it sends the
			// operator round in a loop.
			return fmt.Errorf("%d problems found, %d of which crmbot doctor --rebuild cannot fix (see above); restore a backup (crmbot restore BACKUP)", len(problems), unfixable)
		}
		return fmt.Errorf("%d problems found; run crmbot doctor --rebuild", len(problems))
	}
	fmt.Fprintln(stdout, "ok: every index and counter matches the records")
	return nil
}

// printDiagnosis says what the page scan found, bucket by bucket.
func printDiagnosis(w io.Writer, d *storage.Diagnosis) {
	if d.Sound() {
		fmt.Fprintf(w, "page scan: %d buckets, every page readable\n", len(d.Buckets))
		return
	}
	for _, p := range d.Problems {
		fmt.Fprintln(w, "problem:", p)
	}
	for _, b := range d.Buckets {
		if b.Err != "" {
			fmt.Fprintf(w, "bucket %s: damaged after %d records: %s\n", b.Name, b.Keys, b.Err)
		} else {
			fmt.Fprintf(w, "bucket %s: readable, %d records\n", b.Name, b.Keys)
		}
	}
}

// reportSalvage says, per record bucket, what reached the new file and what did not.
// A salvage that left records behind ends with status 3; one that recovered nothing
// removes the empty file and says to restore a backup.
func reportSalvage(w io.Writer, from, out string, r *storage.SalvageReport) error {
	for _, p := range r.Diagnosis.Problems {
		fmt.Fprintln(w, "problem:", p)
	}
	for _, b := range r.Buckets {
		switch {
		case b.Lost:
			fmt.Fprintf(w, "bucket %s: LOST, not found in the file (the page that names it is unreadable)\n", b.Name)
		case b.Err != "":
			fmt.Fprintf(w, "bucket %s: copied %d records; the rest is unreadable: %s\n", b.Name, b.Copied, b.Err)
		default:
			fmt.Fprintf(w, "bucket %s: copied %d records, all of them\n", b.Name, b.Copied)
		}
	}
	if r.Copied() == 0 && !r.Complete() {
		os.Remove(out)
		return exitError{3, fmt.Sprintf("nothing could be recovered from %s; restore a backup (crmbot restore)", from)}
	}
	if !r.Complete() {
		return exitError{3, fmt.Sprintf("salvaged %d records into %s, but some records were lost (see above); check it with crmbot doctor %s, or restore a backup", r.Copied(), out, out)}
	}
	fmt.Fprintf(w, "salvaged all %d records into %s; check it with crmbot doctor %s\n", r.Copied(), out, out)
	return nil
}

// runBackup copies the database to a new file, verified before it is reported:
// from a running crmbot over its admin socket, or straight from the file when
// crmbot is stopped.
func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot backup [--db FILE] OUT — a consistent, verified copy, while crmbot runs or not; put it back with crmbot restore.")
		fs.PrintDefaults()
	}
	var c config
	if err := c.parse(fs, args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("backup needs one output file")
	}
	out := fs.Arg(0)
	n, err := backupFromServer(ctx, c.DB, out)
	if err == nil {
		fmt.Fprintf(stdout, "backed up %d bytes from the running crmbot to %s (verified)\n", n, out)
		return nil
	}
	if !errors.Is(err, errNoServer) {
		return err
	}
	db, err := storage.Open(c.DB, storage.Options{ReadOnly: true, MustExist: true})
	if err != nil {
		return err
	}
	defer db.Close()
	if n, err = db.BackupFile(out); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %d bytes to %s (verified)\n", n, out)
	return nil
}

// exitError is an error with the exit status the command ends with.
type exitError struct {
	code int
	msg  string
}

func (e exitError) Error() string { return e.msg }

// ExitCode is the process's exit status.
func (e exitError) ExitCode() int { return e.code }
