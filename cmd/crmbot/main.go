// Command crmbot is a sales CRM that lives in Telegram, Slack and the terminal.
//
//	crmbot chat      a chat with the bot in this terminal (the local user is an admin)
//	crmbot serve     run the Telegram and Slack adapters and the scheduler
//	crmbot doctor    check the database's indexes (and rebuild them with --rebuild)
//	crmbot backup    copy a running database consistently to a file
//	crmbot restore   put a backup in place of the database (crmbot stopped)
//	crmbot export    the data as CSV files or a JSON dump; the mailing list
//	crmbot import    a dump into an empty database; companies, contacts, interests from CSV
//	crmbot healthcheck  ask the running server's /healthz (for container HEALTHCHECKs)
//	crmbot version   print the version
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "crmbot:", err)
		os.Exit(exitCode(err))
	}
}

// exitCode is 2 for a missing or empty database file, 3 for a damaged one (both
// from storage.FileError), 1 for anything else, so scripts can tell them apart.
func exitCode(err error) int {
	var c interface{ ExitCode() int }
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	return 1
}

const usage = `crmbot — a sales CRM in your team's chat.

Usage:
  crmbot chat    [--db FILE]            chat with the bot in this terminal
  crmbot serve   [--db FILE]            run Telegram/Slack adapters and the scheduler
  crmbot doctor  [--db FILE|FILE] [--rebuild] [--salvage OUT]
                                        check the file page by page, then indexes and counters
  crmbot backup  [--db FILE] OUT        consistent copy of a (running) database
  crmbot restore [--db FILE] [--create] BACKUP
                                        verify a backup and put it in place (crmbot stopped)
  crmbot export  [--db FILE] --format csv|json --out DIR
                                        companies, contacts, interests, interactions
  crmbot export mailing [--segment S] [--size Z] [--out FILE]
                                        contacts who may be mailed (R8), as CSV
  crmbot import  [--db FILE] --format json DUMP | --format csv DIR
                                        restore an export into an empty database
  crmbot import  [--db FILE] --format csv --kind interests|companies|contacts
                 [--mapping hubspot|pipedrive|FILE] [--dry-run] FILE
                                        load another CRM's CSV, de-duplicated
  crmbot migrate --from FILE --to postgres://…   (or --from postgres://… --to NEWFILE)
                                        copy a database to the other backend
                                        (an empty one), and verify the copy
  crmbot healthcheck [--http ADDR] [--path /readyz]
                                        exit 0 when the local server answers 200
  crmbot version                        print the version

Every command takes --help. Settings come from flags and CRMBOT_* environment
variables (see README.md).
`

// run is the whole program, testable: args without the program name.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stdout, usage)
		return nil
	}
	switch args[0] {
	case "chat":
		return runChat(ctx, args[1:], stdin, stdout, stderr)
	case "serve":
		return runServe(ctx, args[1:], stdout, stderr)
	case "doctor":
		return runDoctor(ctx, args[1:], stdout, stderr)
	case "backup":
		return runBackup(ctx, args[1:], stdout, stderr)
	case "restore":
		return runRestore(ctx, args[1:], stdout, stderr)
	case "export":
		return runExport(ctx, args[1:], stdout, stderr)
	case "import":
		return runImport(ctx, args[1:], stdout, stderr)
	case "healthcheck":
		return runHealthcheck(ctx, args[1:], stdout, stderr)
	case "migrate":
		return runMigrate(ctx, args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "crmbot", version)
		return nil
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return nil
	}
	return fmt.Errorf("unknown command %q; run crmbot --help", args[0])
}
