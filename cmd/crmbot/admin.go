package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"crmbot/storage"
)

func runDoctor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("doctor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	rebuild := fs.Bool("rebuild", false, "rebuild every index and counter from the records")
	var c config
	if err := c.parse(fs, args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	db, err := storage.Open(c.DB, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
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
		return fmt.Errorf("%d problems found; run crmbot doctor --rebuild", len(problems))
	}
	fmt.Fprintln(stdout, "ok: every index and counter matches the records")
	return nil
}

func runBackup(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot backup [--db FILE] OUT — a consistent copy; restore by stopping crmbot and copying OUT over the database file.")
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
	db, err := storage.Open(c.DB, storage.Options{})
	if err != nil {
		return err
	}
	defer db.Close()
	n, err := db.BackupFile(fs.Arg(0))
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "backed up %d bytes to %s\n", n, fs.Arg(0))
	return nil
}
