// Package bot is crmbot's conversation engine: the command grammar, the prompts and
// their persisted dialogue state, and the rendering of answers into a platform-neutral
// Reply. It knows nothing of Telegram, Slack or terminals; adapters translate.
package bot

import (
	"context"
	"encoding/json"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"
	"unicode"

	"crmbot/crm"
	"crmbot/metrics"
)

// Options configure an Engine.
type Options struct {
	// Clock is the time source; time.Now when nil.
	Clock crm.Clock
	// Logger receives structured logs without message bodies or personal data.
	Logger *slog.Logger
	// Admins are identities that are admins from their first message (CRMBOT_ADMINS).
	Admins []crm.Identity
	// Catalog holds the texts; the embedded catalogs when nil.
	Catalog *Catalog
	// DigestIdleDays: /digest lists open interests untouched this long. Default 14.
	DigestIdleDays int
	// Reports configure /backup, /export and /mailing (see ReportOptions).
	Reports ReportOptions
	// DefaultLang is the language of people who have not chosen one and whose
	// platform gives no usable hint (CRMBOT_LANG); DefaultLang ("en") when empty or
	// not in the catalog.
	DefaultLang string
	// EmailBySMTP: invitation emails are sent through SMTP (CRMBOT_SMTP_URL), so
	// /seminar N emails reports them instead of handing out a list to send by hand.
	EmailBySMTP bool
}

// Engine turns requests into replies, applying them through the crm.Service.
// It is safe for concurrent use; requests of one identity must be handled in order
// (adapters serialise per chat).
type Engine struct {
	svc    *crm.Service
	clock  crm.Clock
	log    *slog.Logger
	admins map[crm.Identity]bool
	cat    *Catalog

	digestIdleDays int
	reports        ReportOptions
	defLang        string
	emailBySMTP    bool
}

// New returns an Engine on top of svc.
func New(svc *crm.Service, opts Options) *Engine {
	e := &Engine{svc: svc, clock: opts.Clock, log: opts.Logger, admins: map[crm.Identity]bool{}, cat: opts.Catalog, digestIdleDays: opts.DigestIdleDays, reports: opts.Reports, emailBySMTP: opts.EmailBySMTP}
	if e.digestIdleDays == 0 {
		e.digestIdleDays = 14
	}
	if e.clock == nil {
		e.clock = time.Now
	}
	if e.log == nil {
		e.log = slog.New(slog.DiscardHandler)
	}
	if e.cat == nil {
		c, err := LoadCatalog()
		if err != nil {
			panic(err) // the catalogs are embedded: a broken one is a build defect
		}
		e.cat = c
	}
	for _, a := range opts.Admins {
		e.admins[a] = true
	}
	e.defLang = DefaultLang
	if e.cat.HasLang(opts.DefaultLang) {
		e.defLang = opts.DefaultLang
	}
	return e
}

// Service returns the crm.Service the engine works on.
func (e *Engine) Service() *crm.Service { return e.svc }

// Catalog returns the engine's message catalog.
func (e *Engine) Catalog() *Catalog { return e.cat }

// conv is one request in progress: who, in which language, and their dialogue.
type conv struct {
	ctx    context.Context
	e      *Engine
	u      *crm.User
	req    Request
	lang   string
	d      *dialog // current dialogue, nil when none
	dDirty bool    // d changed and must be saved
	// errs collects the error codes this run answered with. A message may run more
	// than once (read-only first, then in its write, then call by call after a
	// refusal inside the write), so Handle counts the last run's, once.
	errs *[]string
}

func (c *conv) t(key string, args ...any) string { return c.e.cat.T(c.lang, key, args...) }

func (c *conv) op() crm.Op { return crm.Op{Actor: c.u, Key: c.req.Key} }

func (c *conv) now() time.Time { return c.e.clock() }

func (c *conv) loc() *time.Location { return c.u.Location() }

// MaxTextBytes is the longest message the engine reads (1 MB).
const MaxTextBytes = 1 << 20

// Handle processes one request and returns the replies to send, in order. It never
// panics: an internal failure is logged and answered with an apology.
func (e *Engine) Handle(ctx context.Context, req Request) (out []Reply) {
	defer func(start time.Time) { metrics.Handled(commandLabel(req), time.Since(start)) }(time.Now())
	defer func() {
		if r := recover(); r != nil {
			metrics.Error("panic")
			e.log.Error("panic in engine", "panic", r, "stack", string(debug.Stack()))
			out = []Reply{{Text: e.cat.T(e.strangerLang(req), "err.internal"), Private: true}}
		}
	}()
	meta := crm.MessageMeta{Identity: req.Identity}
	meta.Detached, meta.Writes = runsHow(req)
	if req.Key != "" {
		meta.Key = "req:" + req.Key
	}
	var errs []string
	err := e.svc.Message(ctx, meta, func(ctx context.Context, u *crm.MessageUnit) error {
		// This may run more than once (first read-only, then in one write): it only
		// assigns out.
		errs = errs[:0]
		out = e.handle(ctx, req, u, &errs)
		return nil
	})
	for _, code := range errs {
		metrics.Error(code)
	}
	if err != nil {
		e.log.Error("handle message", "err", err, "identity_platform", req.Identity.Platform())
		metrics.Error(string(crm.EINTERNAL))
		return []Reply{{Text: e.cat.T(e.strangerLang(req), "err.internal"), Private: true, Error: true}}
	}
	return out
}

// handle answers req inside its unit of work u, which holds what was read for it
// (user, kept replies, dialogue) and takes what is to be stored with its changes.
func (e *Engine) handle(ctx context.Context, req Request, mu *crm.MessageUnit, errs *[]string) (out []Reply) {
	u, err := e.user(ctx, req, mu)
	if err != nil {
		return e.stranger(ctx, req, err)
	}
	c := &conv{ctx: ctx, e: e, u: u, req: req, lang: e.userLang(u), errs: errs}
	if len(req.Text) > MaxTextBytes {
		// Refused before anything reads it: no command is that long, and a paste this
		// size is a mistake better caught than stored.
		return []Reply{{Text: c.t("err.message_too_long", MaxTextBytes/1024), Private: true, Error: true}}
	}
	if raw, done := mu.Replay(); done {
		// A redelivery of something already handled changes nothing. Its replies
		// are given again: adapters drop redeliveries they have answered, so this
		// happens only after a crash between handling and answering, where a
		// repeated reply is better than a lost one.
		return keptReplies(raw)
	}
	if !u.Reachable(req.Identity) {
		if err := e.svc.SetReachable(ctx, req.Identity, true); err != nil {
			e.log.Warn("mark reachable", "err", err)
		}
	}
	if req.structuredRequest() {
		return c.structured(mu)
	}
	var stale *dialog
	if c.d, stale, err = e.loadDialog(mu.Dialog()); err != nil {
		return c.fail(err)
	}
	if stale != nil {
		out = c.staleDraft(stale)
	}
	if out == nil {
		out = c.dispatch()
	}
	if err := c.finish(mu, out); err != nil {
		return c.fail(err)
	}
	return out
}

// user resolves the request's identity, making configured admins on first contact.
func (e *Engine) user(ctx context.Context, req Request, mu *crm.MessageUnit) (*crm.User, error) {
	u, err := mu.User()
	if crm.ErrorCode(err) == crm.EUNAUTHORIZED && e.isAdmin(req.Identity) {
		return e.svc.EnsureAdminLang(ctx, req.Identity, req.Name, e.hintLang(req.Lang))
	}
	return u, err
}

// Member reports whether id is on the team (or an admin from Options.Admins, who
// joins on first contact). Adapters ask before storing an update: a stranger's
// message is answered but never written down. It only reads.
func (e *Engine) Member(ctx context.Context, id crm.Identity) (bool, error) {
	_, err := e.svc.Authenticate(ctx, id)
	if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
		return e.isAdmin(id), nil
	}
	return err == nil, err
}

// commandLabel names a request for metrics: a known command's name, or "button",
// "view", "form", "text" or "other" — never words the user typed (a label is kept
// forever).
func commandLabel(req Request) string {
	if req.Action != "" {
		return "button"
	}
	if req.View != "" {
		return "view" // the App Home, a form to draw
	}
	if req.Form != nil {
		return "form"
	}
	name, _ := splitCommand(req.Text)
	if name == "" {
		return "text"
	}
	for _, c := range commands {
		if c.name == name {
			return name
		}
	}
	return "other"
}

// isAdmin reports whether id is listed in Options.Admins. A Slack identity is
// "slack:<team>/<user>", but admins are usually listed by user id alone
// ("slack:U012AB"), which Slack's user ids make unique enough within one install.
func (e *Engine) isAdmin(id crm.Identity) bool {
	if e.admins[id] {
		return true
	}
	if id.Platform() == "slack" {
		if _, user, ok := strings.Cut(string(id), "/"); ok {
			return e.admins[crm.Identity("slack:"+user)]
		}
	}
	return false
}

// stranger answers someone who is not on the team: they may redeem an invite code, and
// otherwise get one short refusal with their identity to pass to an admin. Nothing about
// them is stored.
func (e *Engine) stranger(ctx context.Context, req Request, err error) []Reply {
	lang := e.strangerLang(req)
	if crm.ErrorCode(err) != crm.EUNAUTHORIZED {
		e.log.Error("authenticate", "err", err)
		return []Reply{{Text: e.cat.T(lang, "err.internal"), Private: true, Error: true}}
	}
	if req.Chat == ChatGroup && !req.Ephemeral {
		return nil // strangers' chatter in a group is not ours to answer
	}
	name, args := splitCommand(req.Text)
	if name == "" && req.BareCommands {
		name, args = splitCommand("/" + strings.TrimSpace(req.Text)) // "start CODE" in Slack's DM
	}
	if (name == "start" || name == "join") && args != "" {
		u, err := e.svc.RedeemInviteLang(ctx, req.Identity, args, e.hintLang(req.Lang))
		if err != nil {
			if crm.ErrorCode(err) == crm.EINTERNAL {
				e.log.Error("redeem invite", "err", err)
				return []Reply{{Text: e.cat.T(lang, "err.internal"), Private: true, Error: true}}
			}
			return []Reply{{Text: e.cat.T(lang, "err.bad_invite"), Private: true, Error: true}}
		}
		lang = e.userLang(u)
		return []Reply{{Text: e.cat.T(lang, "welcome.linked", u.Name, e.cat.T(lang, "role."+string(u.Role))) + "\n" + e.cat.T(lang, "help.short"), Private: true}}
	}
	return []Reply{{Text: e.cat.T(lang, "err.unknown_identity", string(req.Identity)), Private: true, Error: true}}
}

// fail turns an error into the reply a user sees: the catalog message of a crm error,
// or a generic apology for anything internal (logged, never shown).
func (c *conv) fail(err error) []Reply {
	return []Reply{c.errReply(err)}
}

func (c *conv) errReply(err error) Reply {
	ce := crm.AsError(err)
	code := string(crm.EINTERNAL)
	if ce != nil {
		code = string(ce.Code)
	}
	if c.errs != nil {
		*c.errs = append(*c.errs, code)
	} else {
		metrics.Error(code) // a push rendered outside a message
	}
	if ce == nil || ce.Code == crm.EINTERNAL {
		c.e.log.Error("request failed", "err", err, "identity_platform", c.req.Identity.Platform())
		return Reply{Text: c.t("err.internal"), Private: true, Error: true}
	}
	if !c.e.cat.Has(ce.Key) {
		c.e.log.Warn("missing catalog key", "key", ce.Key)
	}
	return Reply{Text: c.t(ce.Key, c.errArgs(ce)...), Private: true, Error: true}
}

// errArgWords names the arguments of crm errors that are codes (a stage, a segment),
// by position, with the catalog prefix that words them in the reader's language.
var errArgWords = map[string]map[int]string{
	"err.same_stage":            {1: "stage."},
	"err.segment_mismatch":      {1: "segment.", 2: "segment."},
	"err.edit_segment_mismatch": {1: "segment.", 2: "segment."},
	"err.new_segment_mismatch":  {1: "segment.", 2: "segment."},
	"err.reopen_forbidden":      {1: "stage."},
	"err.reopen_unconfirmed":    {1: "stage."},
	"err.edit_required":         {0: "field."},
}

// errArgs words the code arguments of e; the others pass as they are.
func (c *conv) errArgs(e *crm.Error) []any { return c.e.cat.ErrorArgs(c.lang, e) }

// ErrorArgs returns e's arguments with those that are codes (a stage, a segment)
// worded in lang, so an error never shows a raw code; the others pass as they are.
func (c *Catalog) ErrorArgs(lang string, e *crm.Error) []any {
	words, ok := errArgWords[e.Key]
	if !ok {
		return e.Args
	}
	args := append([]any(nil), e.Args...)
	for i, prefix := range words {
		if i >= len(args) {
			continue
		}
		if s, ok := args[i].(string); ok && c.Has(prefix+s) {
			args[i] = c.T(lang, prefix+s)
		}
	}
	return args
}

// detachedCommands open transactions of their own without a context (a hot backup
// reads the whole file in one), so they must not run inside the message's read
// transaction: with bbolt, their read could wait on a writer waiting on that one.
var detachedCommands = map[string]bool{"backup": true}

// writeCommands change data or open a dialogue whatever their arguments: they start
// in the write transaction instead of first running read-only to find that out.
var writeCommands = map[string]bool{"new": true, "log": true, "next": true, "stage": true, "edit": true,
	"won": true, "lost": true, "assign": true, "snooze": true}

// runsHow says how req's unit of work runs (see crm.MessageMeta): detached, or
// expected to write. A guess only costs time: a message that writes after all runs
// again in a write; one that does not is rolled back unwritten.
func runsHow(req Request) (detached, writes bool) {
	if req.Form != nil && req.View == "" {
		return false, true // a submitted form saves what it holds
	}
	if req.View != "" {
		return false, false
	}
	if req.Action != "" {
		// A pressed button answers a question (the dialogue moves on), unless it
		// is a command ("/show 42").
		if !strings.HasPrefix(req.Action, "/") {
			return false, true
		}
		req.Text = req.Action
	}
	name, _ := splitCommand(req.Text)
	if name == "" && req.BareCommands {
		name, _ = splitCommand("/" + strings.TrimSpace(req.Text))
	}
	if cmd := commandIndex[name]; cmd != nil {
		name = cmd.name // an alias
	}
	return detachedCommands[name], writeCommands[name]
}

// keptReplies decodes the replies kept for a handled request.
func keptReplies(raw string) []Reply {
	var replies []Reply
	if json.Unmarshal([]byte(raw), &replies) != nil {
		replies = nil // an entry from before replies were kept
	}
	return replies
}

// finish hands the unit the dialogue state, when it changed, and the replies to keep
// under the request's key; the unit stores them with the message's changes, so a
// redelivered message can neither be lost nor answer the next question.
func (c *conv) finish(mu *crm.MessageUnit, replies []Reply) error {
	if c.dDirty {
		if c.d == nil {
			mu.SetDialog(nil)
		} else {
			b, err := json.Marshal(c.d)
			if err != nil {
				return err
			}
			mu.SetDialog(b)
		}
	}
	if c.req.Key != "" {
		kept := make([]Reply, len(replies))
		for i, r := range replies {
			r.Image = nil // pictures are not kept: the text is what matters
			kept[i] = r
		}
		b, err := json.Marshal(kept)
		if err != nil {
			return err
		}
		mu.Remember(string(b))
	}
	return nil
}

// loadDialog decodes the identity's current dialogue, or, when it was left for more
// than a day, returns nil and the stale dialogue (whose draft is not thrown away
// unasked).
func (e *Engine) loadDialog(b []byte) (*dialog, *dialog, error) {
	if b == nil {
		return nil, nil, nil
	}
	d := &dialog{}
	if err := json.Unmarshal(b, d); err != nil {
		return nil, nil, err
	}
	// A dialogue left for a day is not continued: the next message is not taken as
	// the answer to a question asked yesterday.
	if e.clock().Sub(d.Updated) > 24*time.Hour {
		return nil, d, nil
	}
	return d, nil, nil
}

// splitCommand returns the command name of a "/name args" line (lower case, without a
// "@botname" suffix) and its arguments; name is "" when the text is not a command.
func splitCommand(text string) (string, string) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return "", text
	}
	// The name ends at any white space, not only a blank: "/log\t42" from a pasted
	// line, or a line break, is still /log.
	name, args := text[1:], ""
	if i := strings.IndexFunc(name, unicode.IsSpace); i >= 0 {
		name, args = name[:i], name[i:]
	}
	name, _, _ = strings.Cut(name, "@")
	return strings.ToLower(name), strings.TrimSpace(args)
}
