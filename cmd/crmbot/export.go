package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/crm/exchange"
	"crmbot/serverfiles"
	"crmbot/storage"
)

// reportOptions reads where /backup and /export write on the server
// (CRMBOT_BACKUP_DIR, CRMBOT_EXPORT_DIR); unset, those commands say they are off.
func reportOptions(db *storage.DB) bot.ReportOptions {
	files := serverfiles.Dirs{BackupDir: os.Getenv("CRMBOT_BACKUP_DIR"), ExportDir: os.Getenv("CRMBOT_EXPORT_DIR")}
	if db != nil { // on PostgreSQL, backups are the database's own (pg_dump)
		files.DB = db
	}
	return bot.ReportOptions{Files: files}
}

// progress prints how far a long export or import has got, on one rewritten line
// when stderr is a terminal and one line per step otherwise.
func progress(stderr io.Writer) exchange.Progress {
	tty := false
	if f, ok := stderr.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		tty = true
	}
	last := time.Time{}
	return func(what string, n int) {
		if tty {
			// Redraw at most ten times a second: a terminal is slower than bbolt.
			if time.Since(last) > 100*time.Millisecond {
				fmt.Fprintf(stderr, "\r\033[K%s: %d", what, n)
				last = time.Now()
			}
			return
		}
		fmt.Fprintf(stderr, "%s: %d\n", what, n)
	}
}

// message says a crm error in words from the catalog; other errors as they are.
func message(err error) error {
	ce := crm.AsError(err)
	if ce == nil || ce.Code == crm.EINTERNAL {
		return err
	}
	cat, cerr := bot.LoadCatalog()
	if cerr != nil || !cat.Has(ce.Key) {
		return err
	}
	return errors.New(cat.T(bot.DefaultLang, ce.Key, ce.Args...))
}

func parseFlags(fs *flag.FlagSet, c *config, args []string) (bool, error) {
	if err := c.parse(fs, args); err != nil {
		if err == flag.ErrHelp {
			return false, nil
		}
		return false, err
	}
	return true, nil
}

// runExport: crmbot export --format csv|json --out DIR, or crmbot export mailing.
func runExport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "mailing" {
		return runExportMailing(ctx, args[1:], stdout, stderr)
	}
	fs := flag.NewFlagSet("export", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "csv", "csv (one file per entity) or json (one full dump)")
	out := fs.String("out", "", "directory to write into (created if missing)")
	excel := fs.Bool("excel", false, "csv: semicolons and a UTF-8 byte-order mark, so the files open in a Croatian Excel")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot export [--db FILE] --format csv|json [--excel] --out DIR\n       crmbot export mailing [--db FILE] [--segment S] [--size Z] [--out FILE]")
		fs.PrintDefaults()
	}
	var c config
	if ok, err := parseFlags(fs, &c, args); !ok {
		return err
	}
	if *out == "" || fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("export needs --out DIR")
	}
	if *format != "csv" && *format != "json" {
		return fmt.Errorf("--format %q: want csv or json", *format)
	}
	db, err := storage.Open(c.DB, storage.Options{MustExist: true, ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	// Exports read through the Service's snapshot, as the bot's /export does: one
	// read transaction, streamed table by table.
	svc := crm.NewService(db, time.Now, crm.Config{})
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return err
	}
	p := progress(stderr)
	create := func(name string) (io.WriteCloser, error) {
		// Client data: readable by the owner only, and never over an older export.
		return os.OpenFile(filepath.Join(*out, name), os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	}
	var n exchange.Counts
	if *format == "json" {
		err := serverfiles.WriteNewFile(filepath.Join(*out, "crmbot.json"), func(w io.Writer) error {
			var err error
			n, err = exchange.ExportJSON(ctx, svc, w, p)
			return err
		})
		if err != nil {
			return err
		}
	} else {
		style := exchange.CSVStyle{}
		if *excel {
			style = exchange.ExcelStyle
		}
		if n, err = exchange.ExportCSVStyle(ctx, svc, create, p, style); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "exported to %s: %d users, %d companies, %d contacts, %d interests, %d interactions\n",
		*out, n.Users, n.Companies, n.Contacts, n.Interests, n.Interactions)
	return nil
}

func runExportMailing(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("export mailing", flag.ContinueOnError)
	fs.SetOutput(stderr)
	segment := fs.String("segment", "", "only contacts with an interest in this segment (corporate, retail)")
	size := fs.String("size", "", "only contacts at companies of this size (small, medium, large, government)")
	out := fs.String("out", "", "CSV file to write (default: standard output)")
	var c config
	if ok, err := parseFlags(fs, &c, args); !ok {
		return err
	}
	var f exchange.MailingFilter
	if *segment != "" {
		s, ok := exchange.ParseSegment(*segment)
		if !ok {
			return fmt.Errorf("--segment %q: want corporate or retail", *segment)
		}
		f.Segment = s
	}
	if *size != "" {
		z, ok := exchange.ParseSize(*size)
		if !ok {
			return fmt.Errorf("--size %q: want small, medium, large or government", *size)
		}
		f.Size = z
	}
	db, err := storage.Open(c.DB, storage.Options{MustExist: true, ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	list, err := exchange.MailingList(ctx, crm.NewService(db, time.Now, crm.Config{}), f)
	if err != nil {
		return err
	}
	if *out == "" {
		err = exchange.WriteMailingCSV(stdout, list)
	} else {
		err = serverfiles.WriteNewFile(*out, func(w io.Writer) error { return exchange.WriteMailingCSV(w, list) })
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(stderr, "mailing list: %d contacts\n", len(list))
	return nil
}

// runImport: a JSON dump or a CSV export directory into an empty database, or
// companies/contacts/interests from another CRM's CSV.
func runImport(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(stderr)
	format := fs.String("format", "", "json (a crmbot dump) or csv")
	kind := fs.String("kind", "", "csv: interests, companies or contacts; none to restore a crmbot CSV export directory")
	mapping := fs.String("mapping", "", "csv: column mapping: hubspot, pipedrive, or a file of field = Column lines")
	dry := fs.Bool("dry-run", false, "csv: report row by row what would be created, merged or rejected; write nothing")
	as := fs.String("as", "", "csv: the team member who imports and owns new interests (default: the first admin)")
	encoding := fs.String("encoding", "", "csv: utf-8 or windows-1250 (default: UTF-8 when the file is valid UTF-8, with or without BOM, else Windows-1250); ',' or ';' is detected")
	fs.Usage = func() {
		fmt.Fprintln(stderr, `Usage:
  crmbot import [--db FILE] --format json DUMP          restore a dump into an empty database
  crmbot import [--db FILE] --format csv DIR            restore a crmbot CSV export into an empty database
  crmbot import [--db FILE] --format csv --kind interests|companies|contacts
                [--mapping hubspot|pipedrive|FILE] [--encoding utf-8|windows-1250]
                [--dry-run] [--as NAME] FILE`)
		fs.PrintDefaults()
	}
	var c config
	if ok, err := parseFlags(fs, &c, args); !ok {
		return err
	}
	if fs.NArg() != 1 || (*format != "json" && *format != "csv") {
		fs.Usage()
		return fmt.Errorf("import needs --format json|csv and one file")
	}
	src := fs.Arg(0)
	// Import may create the database it fills (a move from another installation
	// starts there); the new file is announced like chat's and serve's.
	db, svc, err := c.open(nil, true, stderr)
	if err != nil {
		return err
	}
	defer db.Close()
	p := progress(stderr)
	if *format == "json" || *kind == "" {
		var n exchange.Counts
		if *format == "json" {
			f, err := os.Open(src)
			if err != nil {
				return err
			}
			defer f.Close()
			n, err = exchange.RestoreJSON(ctx, db, f, p)
			if err != nil {
				return message(err)
			}
		} else {
			n, err = exchange.RestoreCSV(ctx, db, func(name string) (io.ReadCloser, error) { return os.Open(filepath.Join(src, name)) }, p)
			if err != nil {
				return message(err)
			}
		}
		fmt.Fprintf(stdout, "restored into %s: %d users, %d companies, %d contacts, %d interests, %d interactions, %d audit entries\n",
			c.DB, n.Users, n.Companies, n.Contacts, n.Interests, n.Interactions, n.Audit)
		return nil
	}
	m, err := loadMapping(*mapping)
	if err != nil {
		return err
	}
	actor, err := importActor(ctx, svc, *as)
	if err != nil {
		return message(err)
	}
	f, err := os.Open(src)
	if err != nil {
		return err
	}
	defer f.Close()
	rep, err := exchange.ImportCSV(ctx, svc, f, exchange.ImportOptions{Kind: exchange.ImportKind(*kind), Mapping: m, DryRun: *dry, Actor: actor, Progress: p, Encoding: *encoding})
	if err != nil {
		return message(err)
	}
	for _, r := range rep.Rows {
		fmt.Fprintf(stdout, "line %d: %s: %s\n", r.Line, r.Action, r.Detail)
	}
	fmt.Fprintln(stdout, rep.Summary())
	return nil
}

func loadMapping(name string) (exchange.Mapping, error) {
	if name == "" {
		return nil, nil
	}
	if m, ok := exchange.Mappings[strings.ToLower(name)]; ok {
		return m, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("--mapping %q: not hubspot, pipedrive or a readable file: %w", name, err)
	}
	defer f.Close()
	return exchange.ParseMapping(f)
}

// importActor is the team member an import acts as: named, or the first admin.
func importActor(ctx context.Context, svc *crm.Service, name string) (*crm.User, error) {
	if name != "" {
		return svc.UserByName(ctx, name)
	}
	var actor *crm.User
	err := svc.Store.View(ctx, func(tx crm.Tx) error {
		us, err := tx.Users()
		for _, u := range us {
			if u.Role == crm.RoleAdmin && !u.Disabled && actor == nil {
				actor = u
			}
		}
		return err
	})
	if err == nil && actor == nil {
		err = crm.Errorf(crm.EINVALID, "err.import_actor")
	}
	return actor, err
}

// restoreStep runs between restore's steps. Tests make it fail to prove that an
// interruption anywhere leaves a usable database at the target.
var restoreStep = func(step string) error { return nil }

// runRestore puts a backup in place of the database, atomically: the backup is
// checked (opened read-only: it is never modified) and copied to a temporary file
// next to the target, fsynced with its directory, the current file is kept under a
// second name (a hard link, so the target never goes missing), and one rename puts
// the copy in place. A crash at any point leaves the old database or the new one.
func runRestore(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("restore", flag.ContinueOnError)
	fs.SetOutput(stderr)
	create := fs.Bool("create", false, "the database file does not exist yet: create it from the backup")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot restore [--db FILE] [--create] BACKUP — stop crmbot first; the current database is kept as FILE.before-restore-<time>.")
		fs.PrintDefaults()
	}
	var c config
	if ok, err := parseFlags(fs, &c, args); !ok {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return fmt.Errorf("restore needs one backup file")
	}
	backup := fs.Arg(0)
	if err := verifyFile(ctx, backup); err != nil {
		return fmt.Errorf("refusing to restore %s: %w", backup, err)
	}
	fi, err := os.Stat(c.DB)
	exists := err == nil
	if exists && !fi.Mode().IsRegular() {
		// A directory or device is a wrong --db, not a database to replace: say so
		// before anything is copied next to it.
		return &storage.FileError{Path: c.DB, Problem: storage.FileNotRegular}
	}
	switch {
	case !exists && !*create:
		return &storage.FileError{Path: c.DB, Problem: storage.FileMissing}
	case exists && *create:
		return fmt.Errorf("refusing to restore: %s exists; drop --create to replace it", c.DB)
	case exists:
		// The running crmbot's lock: restore must not pull a file from under it. A
		// damaged target is fine (that is what restores are for), so this is a plain
		// lock, not an open.
		unlock, err := storage.LockFile(c.DB)
		if err != nil {
			return fmt.Errorf("refusing to restore: %w", err)
		}
		defer unlock()
	}
	dir := filepath.Dir(c.DB)
	stamp := time.Now().UTC().Format("20060102-150405")
	tmp := filepath.Join(dir, "."+filepath.Base(c.DB)+".restoring-"+stamp)
	kept := ""
	fail := func(err error) error {
		os.Remove(tmp)
		if kept != "" {
			os.Remove(kept) // a second name of the file still in place
		}
		return fmt.Errorf("restore failed, %s is unchanged: %w", c.DB, err)
	}
	if err := copyFile(backup, tmp); err != nil {
		return fail(err)
	}
	if err := storage.Check(tmp); err != nil {
		return fail(err)
	}
	// A backup of an earlier release is brought to this schema here, in the copy (the
	// backup itself stays as it was), so a migration that fails fails the restore.
	if err := migrateCopy(tmp); err != nil {
		return fail(err)
	}
	if err := restoreStep("copied"); err != nil {
		return fail(err)
	}
	if exists {
		kept = c.DB + ".before-restore-" + stamp
		if err := os.Link(c.DB, kept); err != nil {
			kept = ""
			return fail(fmt.Errorf("keep the current database: %w", err))
		}
	}
	if err := syncDir(dir); err != nil {
		return fail(err)
	}
	if err := restoreStep("kept"); err != nil {
		return fail(err)
	}
	if err := os.Rename(tmp, c.DB); err != nil {
		return fail(err)
	}
	if err := syncDir(dir); err != nil {
		// The rename happened; only its durability is in doubt.
		return fmt.Errorf("restored %s, but syncing %s failed: %w", c.DB, dir, err)
	}
	if kept == "" {
		fmt.Fprintf(stdout, "restored %s from %s\n", c.DB, backup)
		return nil
	}
	fmt.Fprintf(stdout, "restored %s from %s; the previous database is kept as %s\n", c.DB, backup, kept)
	return nil
}

// migrateCopy opens the copy read-write, which runs any pending migration, and
// closes it (fsynced by the migration's commit).
func migrateCopy(path string) error {
	db, err := storage.Open(path, storage.Options{MustExist: true})
	if err != nil {
		return err
	}
	return db.Close()
}

// syncDir fsyncs a directory, so that names created or renamed in it survive a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// verifyFile runs every check crmbot doctor runs on a database file, opened
// read-only: a backup being checked is never written (an open that migrates would
// commit a transaction and so rewrite it).
func verifyFile(ctx context.Context, path string) error {
	// The page scan first: bbolt's own check is safe only on pages known sound.
	if d, err := storage.Scan(path, doctorLimit); err != nil {
		return err
	} else if !d.Sound() {
		return &storage.FileError{Path: path, Problem: storage.FileDamaged, What: "its page scan failed"}
	}
	db, err := storage.Open(path, storage.Options{Timeout: 500 * time.Millisecond, ReadOnly: true})
	if err != nil {
		return err
	}
	defer db.Close()
	if found := db.Consistency(doctorLimit, 1); len(found) > 0 {
		return fmt.Errorf("bbolt's consistency check: %s", found[0])
	}
	problems, err := db.Verify(ctx)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("%d problems, the first: %s", len(problems), problems[0])
	}
	return nil
}

// copyFile copies src to a new file dst (mode 0600), fsynced.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// backupSchedule is the daily backup setting: at HH:MM (server time) a copy is written
// to Dir, and only the newest Keep copies are kept. CRMBOT_BACKUP_DAILY=03:00 turns it
// on; CRMBOT_BACKUP_KEEP (default 7) sets the retention.
type backupSchedule struct {
	Dir  string
	At   string // "03:00"; "" is off
	Keep int
}

// backupScheduleFromEnv reads CRMBOT_BACKUP_DIR, CRMBOT_BACKUP_DAILY and
// CRMBOT_BACKUP_KEEP.
func backupScheduleFromEnv() (backupSchedule, error) {
	s := backupSchedule{Dir: os.Getenv("CRMBOT_BACKUP_DIR"), At: os.Getenv("CRMBOT_BACKUP_DAILY"), Keep: 7}
	if v := os.Getenv("CRMBOT_BACKUP_KEEP"); v != "" {
		if _, err := fmt.Sscanf(v, "%d", &s.Keep); err != nil || s.Keep < 1 {
			return s, fmt.Errorf("CRMBOT_BACKUP_KEEP: %q: want a number of copies, e.g. 7", v)
		}
	}
	if s.At != "" {
		if _, err := time.Parse("15:04", s.At); err != nil {
			return s, fmt.Errorf("CRMBOT_BACKUP_DAILY: %q: want a time like 03:00", s.At)
		}
		if s.Dir == "" {
			return s, fmt.Errorf("CRMBOT_BACKUP_DAILY needs CRMBOT_BACKUP_DIR")
		}
	}
	return s, nil
}

// nextRun is the first s.At strictly after now, in now's zone.
func (s backupSchedule) nextRun(now time.Time) time.Time {
	t, _ := time.Parse("15:04", s.At)
	next := time.Date(now.Year(), now.Month(), now.Day(), t.Hour(), t.Minute(), 0, 0, now.Location())
	if !next.After(now) {
		next = next.AddDate(0, 0, 1)
	}
	return next
}

// run makes the daily backups until ctx ends. now and after are time.Now and
// time.After outside tests, which move a fake clock instead of sleeping. A failed
// backup is logged and tried again the next day: the running bot matters more.
func (s backupSchedule) run(ctx context.Context, b serverfiles.Backupper, now func() time.Time, after func(time.Duration) <-chan time.Time, log func(msg string, args ...any)) error {
	if s.At == "" {
		return nil
	}
	for {
		wait := s.nextRun(now()).Sub(now())
		select {
		case <-ctx.Done():
			return nil
		case <-after(wait):
		}
		path, err := backupTo(b, s.Dir, now())
		if err == nil {
			err = pruneBackups(s.Dir, s.Keep)
		}
		if err != nil {
			log("daily backup failed", "err", err)
			continue
		}
		log("daily backup written", "path", path)
	}
}

// backupTo writes a backup named by its time (crmbot-YYYYMMDD-HHMMSS.db, the names
// /backup uses too) into dir.
func backupTo(b serverfiles.Backupper, dir string, now time.Time) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	path := filepath.Join(dir, "crmbot-"+now.UTC().Format(backupStamp)+".db")
	if _, err := b.BackupFile(path); err != nil {
		return "", err
	}
	return path, nil
}

// backupStamp is the time format of the names backupTo writes.
const backupStamp = "20060102-150405"

// isRotated reports whether base is a name backupTo writes (crmbot-YYYYMMDD-HHMMSS.db
// exactly): rotation deletes only those, never a copy an operator made by hand in
// the same directory (crmbot-2026-11-20.db, say), which would sort first.
func isRotated(base string) bool {
	stamp, ok := strings.CutPrefix(base, "crmbot-")
	if !ok {
		return false
	}
	stamp, ok = strings.CutSuffix(stamp, ".db")
	if !ok || len(stamp) != len(backupStamp) {
		return false
	}
	_, err := time.Parse(backupStamp, stamp)
	return err == nil
}

// pruneBackups removes all but the newest keep of the backups backupTo wrote in
// dir. Their names sort by time.
func pruneBackups(dir string, keep int) error {
	all, err := filepath.Glob(filepath.Join(dir, "crmbot-*.db"))
	if err != nil {
		return err
	}
	// Glob returns names sorted: the oldest first.
	var files []string
	for _, f := range all {
		if isRotated(filepath.Base(f)) {
			files = append(files, f)
		}
	}
	for len(files) > keep {
		if err := os.Remove(files[0]); err != nil {
			return err
		}
		files = files[1:]
	}
	return nil
}
