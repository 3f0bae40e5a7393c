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
}

// New returns an Engine on top of svc.
func New(svc *crm.Service, opts Options) *Engine {
	e := &Engine{svc: svc, clock: opts.Clock, log: opts.Logger, admins: map[crm.Identity]bool{}, cat: opts.Catalog, digestIdleDays: opts.DigestIdleDays, reports: opts.Reports}
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

// Handle processes one request and returns the replies to send, in order. It never
// panics: an internal failure is logged and answered with an apology.
func (e *Engine) Handle(ctx context.Context, req Request) (out []Reply) {
	defer func(start time.Time) { metrics.Handled(commandLabel(req), time.Since(start)) }(time.Now())
	defer func() {
		if r := recover(); r != nil {
			metrics.Error("panic")
			e.log.Error("panic in engine", "panic", r, "stack", string(debug.Stack()))
			out = []Reply{{Text: e.cat.T(DefaultLang, "err.internal"), Private: true}}
		}
	}()
	u, err := e.user(ctx, req)
	if err != nil {
		return e.stranger(ctx, req, err)
	}
	c := &conv{ctx: ctx, e: e, u: u, req: req, lang: u.Lang}
	if c.lang == "" {
		c.lang = DefaultLang
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
	if c.d, err = e.loadDialog(ctx, req.Identity); err != nil {
		return c.fail(err)
	}
	out = c.dispatch()
	if err := e.finish(ctx, c, out); err != nil {
		return c.fail(err)
	}
	return out
}

// user resolves the request's identity, making configured admins on first contact.
func (e *Engine) user(ctx context.Context, req Request) (*crm.User, error) {
	u, err := e.svc.Authenticate(ctx, req.Identity)
	if crm.ErrorCode(err) == crm.EUNAUTHORIZED && e.isAdmin(req.Identity) {
		return e.svc.EnsureAdmin(ctx, req.Identity, req.Name)
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
// "text" or "other" — never words the user typed (a label is kept forever).
func commandLabel(req Request) string {
	if req.Action != "" {
		return "button"
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
	if crm.ErrorCode(err) != crm.EUNAUTHORIZED {
		e.log.Error("authenticate", "err", err)
		return []Reply{{Text: e.cat.T(DefaultLang, "err.internal"), Private: true}}
	}
	if req.Chat == ChatGroup {
		return nil // strangers' chatter in a group is not ours to answer
	}
	name, args := splitCommand(req.Text)
	if (name == "start" || name == "join") && args != "" {
		u, err := e.svc.RedeemInvite(ctx, req.Identity, args)
		if err != nil {
			if crm.ErrorCode(err) == crm.EINTERNAL {
				e.log.Error("redeem invite", "err", err)
				return []Reply{{Text: e.cat.T(DefaultLang, "err.internal"), Private: true}}
			}
			return []Reply{{Text: e.cat.T(DefaultLang, "err.bad_invite"), Private: true}}
		}
		lang := u.Lang
		return []Reply{{Text: e.cat.T(lang, "welcome.linked", u.Name, string(u.Role)) + "\n" + e.cat.T(lang, "help.short"), Private: true}}
	}
	return []Reply{{Text: e.cat.T(DefaultLang, "err.unknown_identity", string(req.Identity)), Private: true}}
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
		return Reply{Text: c.t("err.internal"), Private: true}
	}
	if !c.e.cat.Has(ce.Key) {
		c.e.log.Warn("missing catalog key", "key", ce.Key)
	}
	return Reply{Text: c.t(ce.Key, ce.Args...), Private: true}
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

func (e *Engine) loadDialog(ctx context.Context, id crm.Identity) (*dialog, error) {
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
		return nil, err
	}
	// A dialogue left for a day is forgotten: the next message starts afresh.
	if d != nil && e.clock().Sub(d.Updated) > 24*time.Hour {
		d = nil
	}
	return d, err
}

// splitCommand returns the command name of a "/name args" line (lower case, without a
// "@botname" suffix) and its arguments; name is "" when the text is not a command.
func splitCommand(text string) (string, string) {
	text = strings.TrimSpace(text)
	if !strings.HasPrefix(text, "/") {
		return "", text
	}
	name, args, _ := strings.Cut(text[1:], " ")
	if nl := strings.IndexByte(name, '\n'); nl >= 0 {
		name, args = name[:nl], strings.TrimSpace(name[nl+1:]+" "+args)
	}
	name, _, _ = strings.Cut(name, "@")
	return strings.ToLower(name), strings.TrimSpace(args)
}
