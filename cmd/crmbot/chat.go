package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"

	"golang.org/x/term"

	"crmbot/adapters/console"
	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
)

func runChat(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("chat", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: crmbot chat [--db FILE] — a chat with the bot in this terminal; the local user is an admin.")
		fs.PrintDefaults()
	}
	var c config
	if err := c.parse(fs, args); err != nil {
		if err == flag.ErrHelp {
			return nil
		}
		return err
	}
	// The terminal is where the conversation is: the scheduler's info lines (a digest
	// skipped on a day off) would interleave with it. Warnings and errors still show;
	// --log-level or CRMBOT_LOG_LEVEL asks for more.
	explicit := os.Getenv("CRMBOT_LOG_LEVEL") != ""
	fs.Visit(func(f *flag.Flag) { explicit = explicit || f.Name == "log-level" })
	if !explicit {
		c.LogLevel = "warn"
	}
	_, file, svc, closeDB, err := c.openStore(ctx, nil, true, stderr)
	if err != nil {
		return err
	}
	defer closeDB()
	name := "admin"
	if u, err := user.Current(); err == nil && u.Username != "" {
		name = u.Username
	}
	id := crm.Identity("console:" + name)
	if _, err := svc.EnsureAdmin(ctx, id, name); err != nil {
		return err
	}
	log := c.logger(stderr)
	mailer, err := smtpFromEnv(os.Getenv)
	if err != nil {
		return err
	}
	eng := bot.New(svc, bot.Options{Logger: log, Admins: c.Admins, DigestIdleDays: c.Sched.IdleDays, Reports: reportOptions(file), DefaultLang: c.Lang, EmailBySMTP: mailer != nil})
	con := console.New(eng, id, stdout, c.fileDir())
	// Nudges and digests print in the terminal as they fire.
	sched := scheduler.New(eng, c.Sched)
	if mailer != nil {
		sched.AddNotifier(crm.EmailPlatform, mailer)
	}
	sched.AddNotifier("console", con)
	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- runScheduler(sctx, sched, c.NudgeSchedule, log) }()
	defer func() {
		stop()
		if err := <-done; err != nil {
			log.Error("scheduler", "err", err)
		}
	}()
	interactive := false
	history := ""
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		interactive = true
		if home, err := os.UserHomeDir(); err == nil {
			history = filepath.Join(home, ".crmbot_history")
		}
		fmt.Fprintf(stdout, "crmbot %s — %s. Type /help, or /quit to leave.\n", version, c.dbLabel())
	}
	return con.Run(ctx, stdin, interactive, history)
}
