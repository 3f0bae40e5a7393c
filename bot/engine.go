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
	u, err := e.user(ctx, req)
	if err != nil {
		return e.stranger(ctx, req, err)
	}
	c := &conv{ctx: ctx, e: e, u: u, req: req, lang: e.userLang(u)}
	if len(req.Text) > MaxTextBytes {
		// Refused before anything reads it: no command is that long, and a paste this
		// size is a mistake better caught than stored.
		return []Reply{{Text: c.t("err.message_too_long", MaxTextBytes/1024), Private: true, Error: true}}
	}
	if req.Key != "" {
		done, replies, err := e.processed(ctx, req.Key)
		if err != nil {
			return c.fail(err)
		}
		if done {
			// A redelivery of something already handled changes nothing. Its replies
			// are given again: adapters drop redeliveries they have answered, so this
			// happens only after a crash between handling and answering, where a
			// repeated reply is better than a lost one.
			return replies
		}
	}
	if !u.Reachable(req.Identity) {
		if err := e.svc.SetReachable(ctx, req.Identity, true); err != nil {
			e.log.Warn("mark reachable", "err", err)
		}
	}
	if req.structuredRequest() {
		return c.structured()
	}
	var stale *dialog
	if c.d, stale, err = e.loadDialog(ctx, req.Identity); err != nil {
		return c.fail(err)
	}
	if stale != nil {
		out = c.staleDraft(stale)
	}
	if out == nil {
		out = c.dispatch()
	}
	if err := e.finish(ctx, c, out); err != nil {
		return c.fail(err)
	}
	return out
}

// user resolves the request's identity, making configured admins on first contact.
func (e *Engine) user(ctx context.Context, req Request) (*crm.User, error) {
	u, err := e.svc.Authenticate(ctx, req.Identity)
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
	if ce == nil {
		metrics.Error(string(crm.EINTERNAL))
	} else {
		metrics.Error(string(ce.Code))
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

// processed reports whether the request with this key was already handled, and the
// replies it got.
func (e *Engine) processed(ctx context.Context, key string) (bool, []Reply, error) {
	var ok bool
	var raw string
	err := e.svc.Store.View(ctx, func(tx crm.Tx) error {
		var err error
		raw, ok, err = tx.Idempotency("req:" + key)
		return err
	})
	if err != nil || !ok {
		return ok, nil, err
	}
	var replies []Reply
	if json.Unmarshal([]byte(raw), &replies) != nil {
		replies = nil // an entry from before replies were kept
	}
	return true, replies, nil
}

// finish saves the dialogue state and marks the request processed, with its replies,
// in one transaction, so a redelivered message can neither be lost nor answer the next
// question.
func (e *Engine) finish(ctx context.Context, c *conv, replies []Reply) error {
	if !c.dDirty && c.req.Key == "" {
		return nil
	}
	return e.svc.Store.Update(ctx, func(tx crm.Tx) error {
		if c.dDirty {
			if c.d == nil {
				if err := tx.DeleteBlob("dialog", string(c.req.Identity)); err != nil {
					return err
				}
			} else {
				b, err := json.Marshal(c.d)
				if err != nil {
					return err
				}
				if err := tx.PutBlob("dialog", string(c.req.Identity), b); err != nil {
					return err
				}
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
			return tx.SetIdempotency("req:"+c.req.Key, string(b))
		}
		return nil
	})
}

// loadDialog returns the identity's current dialogue, or, when it was left for more
// than a day, nil and the stale dialogue (whose draft is not thrown away unasked).
func (e *Engine) loadDialog(ctx context.Context, id crm.Identity) (*dialog, *dialog, error) {
	var d *dialog
	err := e.svc.Store.View(ctx, func(tx crm.Tx) error {
		b, err := tx.Blob("dialog", string(id))
		if err != nil || b == nil {
			return err
		}
		d = &dialog{}
		return json.Unmarshal(b, d)
	})
	if err != nil {
		return nil, nil, err
	}
	// A dialogue left for a day is not continued: the next message is not taken as
	// the answer to a question asked yesterday.
	if d != nil && e.clock().Sub(d.Updated) > 24*time.Hour {
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
