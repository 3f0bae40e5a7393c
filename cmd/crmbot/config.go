package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/postgres"
)

// config is everything the commands read from flags and CRMBOT_* variables.
type config struct {
	DB       string
	Region   string
	Currency string
	OwnOnly  bool
	Admins   []crm.Identity
	LogLevel string
	HTTPAddr string
	Lang     string
	Cadence  crm.Cadence
	// TimeZone is the zone of users created without one (CRMBOT_TIMEZONE, else the
	// server's).
	TimeZone string
	// Replica names this process on the PostgreSQL inbox's claims (CRMBOT_REPLICA,
	// else the host name): replicas sharing a host need names of their own, or an
	// update retried through another of them is handled by both.
	Replica string
	// The scheduler.
	NudgeSchedule string
	Sched         scheduler.Config
}

func env(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

// flags registers the common flags on fs, with defaults from the environment.
func (c *config) flags(fs *flag.FlagSet) {
	fs.StringVar(&c.DB, "db", env("CRMBOT_DB", "crmbot.db"), "database: a file (bbolt) or a postgres:// URL (CRMBOT_DB)")
	fs.StringVar(&c.Region, "region", env("CRMBOT_REGION", "HR"), "default phone region, ISO 3166 (CRMBOT_REGION)")
	fs.StringVar(&c.Currency, "currency", env("CRMBOT_CURRENCY", "EUR"), "currency of estimated values (CRMBOT_CURRENCY)")
	fs.BoolVar(&c.OwnOnly, "own-only", env("CRMBOT_OWN_ONLY", "") == "true", "managers see only their own interests (CRMBOT_OWN_ONLY=true)")
	fs.StringVar(&c.LogLevel, "log-level", env("CRMBOT_LOG_LEVEL", "info"), "debug, info, warn or error (CRMBOT_LOG_LEVEL)")
	fs.StringVar(&c.TimeZone, "timezone", env("CRMBOT_TIMEZONE", ""), "time zone of new users, e.g. Europe/Zagreb (CRMBOT_TIMEZONE; default: the server's)")
	fs.StringVar(&c.HTTPAddr, "http", env("CRMBOT_HTTP_ADDR", ":8080"), "address for webhooks and /healthz (CRMBOT_HTTP_ADDR)")
	fs.StringVar(&c.Lang, "lang", env("CRMBOT_LANG", bot.DefaultLang), "language of people who chose none and whose platform gives no hint, e.g. hr (CRMBOT_LANG)")
}

// parse parses args into c and reads the variables that have no flag.
func (c *config) parse(fs *flag.FlagSet, args []string) error {
	c.flags(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := c.checkBackend(fs.Name()); err != nil {
		return err
	}
	if cat, err := bot.LoadCatalog(); err != nil {
		return err
	} else if c.Lang = strings.ToLower(strings.TrimSpace(c.Lang)); !cat.HasLang(c.Lang) {
		return fmt.Errorf("CRMBOT_LANG: %q has no catalog; use one of %s", c.Lang, strings.Join(cat.Languages(), ", "))
	}
	if c.TimeZone == "" {
		c.TimeZone = serverZone(os.Getenv("TZ"), "/etc/localtime", "/etc/timezone")
	}
	if _, err := time.LoadLocation(c.TimeZone); err != nil || c.TimeZone == "Local" {
		return fmt.Errorf("CRMBOT_TIMEZONE: %q is not a time zone: want a name like Europe/Zagreb or UTC", c.TimeZone)
	}
	for _, a := range strings.FieldsFunc(os.Getenv("CRMBOT_ADMINS"), func(r rune) bool { return r == ',' || r == ' ' }) {
		c.Admins = append(c.Admins, crm.Identity(a))
	}
	c.Replica = os.Getenv("CRMBOT_REPLICA")
	c.NudgeSchedule = env("CRMBOT_NUDGE_SCHEDULE", "@every 1m")
	c.Sched.HeadChannel = crm.Identity(os.Getenv("CRMBOT_HEAD_CHANNEL"))
	c.Sched.HeadDigestAt = os.Getenv("CRMBOT_HEAD_DIGEST_AT")
	c.Sched.HeadTZ = os.Getenv("CRMBOT_HEAD_TZ")
	c.Sched.HeadDigestChart = os.Getenv("CRMBOT_HEAD_DIGEST_CHART") == "true"
	if v := os.Getenv("CRMBOT_DIGEST_GRACE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("CRMBOT_DIGEST_GRACE: %q: want a duration like 2h", v)
		}
		c.Sched.Grace = d
	}
	if v := os.Getenv("CRMBOT_OUTBOX_LEASE"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return fmt.Errorf("CRMBOT_OUTBOX_LEASE: %q: want a duration like 10m", v)
		}
		c.Sched.DeliveryLease = d
	}
	for name, dst := range map[string]*int{"CRMBOT_ESCALATE_AFTER": &c.Sched.EscalateAfter, "CRMBOT_IDLE_DAYS": &c.Sched.IdleDays} {
		if v := os.Getenv(name); v != "" {
			var n int
			if _, err := fmt.Sscanf(v, "%d", &n); err != nil || n < 1 {
				return fmt.Errorf("%s: %q: want a number of days, e.g. 2", name, v)
			}
			*dst = n
		}
	}
	c.Cadence = crm.DefaultCadence
	if v := os.Getenv("CRMBOT_CADENCE"); v != "" {
		if err := parseCadence(v, &c.Cadence); err != nil {
			return err
		}
	}
	return nil
}

// parseCadence reads "new=1,decision-maker=3,comparing=7,budget=30".
func parseCadence(s string, c *crm.Cadence) error {
	for _, kv := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		var n int
		if _, err := fmt.Sscanf(v, "%d", &n); !ok || err != nil || n < 1 {
			return fmt.Errorf("CRMBOT_CADENCE: %q: want name=days, e.g. budget=30", kv)
		}
		switch k {
		case "new":
			c.New = n
		case "meeting":
			c.Meeting = n
		case "proposal":
			c.Proposal = n
		case "decision-maker":
			c.DecisionMaker = n
		case "comparing":
			c.Comparing = n
		case "budget":
			c.Budget = n
		default:
			return fmt.Errorf("CRMBOT_CADENCE: unknown stage or reason %q", k)
		}
	}
	return nil
}

func (c *config) logger(w io.Writer) *slog.Logger {
	var lvl slog.Level
	if err := lvl.UnmarshalText([]byte(c.LogLevel)); err != nil {
		lvl = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if env("CRMBOT_LOG_FORMAT", "text") == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)) // one JSON object a line, for log collectors
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// isPostgres reports whether db names a PostgreSQL database (a URL) rather than a
// bbolt file (a path).
func isPostgres(db string) bool {
	return strings.HasPrefix(db, "postgres://") || strings.HasPrefix(db, "postgresql://")
}

// dbLabel names the database for people: the path, or the URL without its password.
func (c *config) dbLabel() string {
	if !isPostgres(c.DB) {
		return c.DB
	}
	u, err := url.Parse(c.DB)
	if err != nil {
		return "PostgreSQL"
	}
	return u.Redacted()
}

// fileDir is the directory beside the database file (charts the terminal writes), the
// working directory on PostgreSQL.
func (c *config) fileDir() string {
	if isPostgres(c.DB) {
		return "."
	}
	return filepath.Dir(c.DB)
}

// postgresCommands run on a PostgreSQL database; the others work on a database file.
// healthcheck opens no database: a container's HEALTHCHECK runs it with serve's
// environment, CRMBOT_DB included.
var postgresCommands = map[string]bool{"chat": true, "serve": true, "healthcheck": true}

// checkBackend refuses, before anything is opened, a command that cannot run on the
// backend c.DB selects: the file tools (doctor, backup, restore) work on a bbolt file,
// and a PostgreSQL URL must not be taken for a file name that does not exist.
func (c *config) checkBackend(cmd string) error {
	if !isPostgres(c.DB) || postgresCommands[cmd] {
		return nil
	}
	switch cmd {
	case "doctor", "backup", "restore":
		return exitError{2, fmt.Sprintf("crmbot %s works on the file backend (a bbolt database file); CRMBOT_DB/--db names a PostgreSQL database: use PostgreSQL's own tools (pg_dump, pg_restore, amcheck) for it", cmd)}
	}
	return exitError{2, fmt.Sprintf("crmbot %s does not run on PostgreSQL yet; CRMBOT_DB/--db names a PostgreSQL database (crmbot chat does)", cmd)}
}

// openStore opens the database c.DB names: PostgreSQL for a postgres:// URL (the
// schema brought up to date), a bbolt file otherwise (see open). file is the bbolt
// database, nil on PostgreSQL, for what only a file has (backups, the admin socket).
func (c *config) openStore(ctx context.Context, clock crm.Clock, create bool, w io.Writer) (store crm.Store, file *storage.DB, svc *crm.Service, closeDB func() error, err error) {
	if isPostgres(c.DB) {
		pg, err := postgres.Open(ctx, c.DB)
		if err != nil {
			return nil, nil, nil, nil, err
		}
		return pg, nil, c.service(pg, clock), pg.Close, nil
	}
	db, svc, err := c.open(clock, create, w)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return db, db, svc, db.Close, nil
}

func (c *config) service(store crm.Store, clock crm.Clock) *crm.Service {
	return crm.NewService(store, clock, crm.Config{DefaultRegion: c.Region, Currency: c.Currency, ManagersSeeOwnOnly: c.OwnOnly, Cadence: c.Cadence, DefaultTZ: c.TimeZone})
}

// open opens the database and the service on it. Only chat and serve pass create:
// every other command refuses a missing file rather than make an empty database.
// A database created here is announced on w, so a mistyped path shows at once.
func (c *config) open(clock crm.Clock, create bool, w io.Writer) (*storage.DB, *crm.Service, error) {
	db, err := storage.Open(c.DB, storage.Options{Timeout: time.Second, MustExist: !create})
	if err != nil {
		return nil, nil, err
	}
	if db.Created() {
		fmt.Fprintf(w, "crmbot: created a new database at %s\n", c.DB)
	}
	return db, c.service(db, clock), nil
}

// serverZone names the server's time zone for users created without one: the TZ
// variable, else the zone /etc/localtime links to, else /etc/timezone, else UTC. Go's
// time.Local knows the rules but not the name, and a user's zone is stored by name.
func serverZone(tzEnv, localtime, timezoneFile string) string {
	valid := func(name string) bool {
		_, err := time.LoadLocation(name)
		return name != "" && name != "Local" && err == nil
	}
	if name := strings.TrimPrefix(tzEnv, ":"); valid(name) {
		return name
	}
	if target, err := os.Readlink(localtime); err == nil {
		if _, name, ok := strings.Cut(target, "zoneinfo/"); ok && valid(name) {
			return name
		}
	}
	if b, err := os.ReadFile(timezoneFile); err == nil {
		if name := strings.TrimSpace(string(b)); valid(name) {
			return name
		}
	}
	return "UTC"
}
