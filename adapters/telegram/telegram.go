// Package telegram connects crmbot's engine to Telegram through the Bot API
// (github.com/go-telegram-bot-api/telegram-bot-api/v5). It translates updates into
// bot.Requests and bot.Replies into Bot API calls; everything the bot decides lives in
// package bot.
//
// tgbotapi v5.5.1 is used only as a types and MakeRequest layer: its polling loop
// confirms updates before they are handled, it cannot set a webhook secret, it has no
// context, timeout, rate limiting or retries, and its errors carry the token. This
// package supplies each of those (see docs/PLATFORM-NOTES.md §9–§12).
package telegram

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"crmbot/bot"
	"crmbot/crm"
)

// Handler is the engine's role as this adapter sees it; *bot.Engine satisfies it.
type Handler interface {
	Handle(ctx context.Context, req bot.Request) []bot.Reply
}

// Reachability records whether Telegram delivers to a person; *bot.Engine satisfies
// it. A user who blocked the bot is marked unreachable so nudges stop, and reachable
// again when they write.
type Reachability interface {
	SetReachable(ctx context.Context, id crm.Identity, reachable bool) error
}

// Limits are the sending rates. The defaults are Telegram's bot FAQ rules
// (docs/PLATFORM-NOTES.md §10): at most one message per second in a chat, 20 per minute in a
// group, 30 per second overall. Telegram judges them on arrival, over any window, so
// the sender keeps each spacing with a small Headroom on top and bursts of one (a
// token bucket with a burst b lets b messages more than the rate through a window),
// and also keeps the windows on when calls were answered (see sender).
type Limits struct {
	PerChat      time.Duration // minimum spacing per chat; default 1s
	PerChatBurst int           // default 1
	PerGroup     time.Duration // minimum spacing per group (also a chat); default 3s (20/min)
	GroupBurst   int           // default 1
	Global       time.Duration // minimum spacing overall; default 1s/30 (30/s)
	GlobalBurst  int           // default 1
	// Headroom stretches every spacing by this fraction, so that the jitter between
	// leaving and arriving cannot put one message too many into a window; default
	// 0.05 (28.6/s overall). A negative value means none.
	Headroom float64
}

// TelegramLimits are the rules Telegram documents, without headroom.
var TelegramLimits = Limits{
	PerChat: time.Second, PerChatBurst: 1,
	PerGroup: 3 * time.Second, GroupBurst: 1,
	Global: time.Second / 30, GlobalBurst: 1,
}

// Scaled returns l with every spacing divided by f: f=100 is the same rules running
// 100 times faster (for tests and benchmarks against an enforcing fake).
func (l Limits) Scaled(f float64) Limits {
	d := func(x time.Duration) time.Duration { return time.Duration(float64(x) / f) }
	l.PerChat, l.PerGroup, l.Global = d(l.PerChat), d(l.PerGroup), d(l.Global)
	return l
}

func (l *Limits) setDefaults() {
	if l.PerChat <= 0 {
		l.PerChat = TelegramLimits.PerChat
	}
	if l.PerChatBurst <= 0 {
		l.PerChatBurst = TelegramLimits.PerChatBurst
	}
	if l.PerGroup <= 0 {
		l.PerGroup = TelegramLimits.PerGroup
	}
	if l.GroupBurst <= 0 {
		l.GroupBurst = TelegramLimits.GroupBurst
	}
	if l.Global <= 0 {
		l.Global = TelegramLimits.Global
	}
	if l.GlobalBurst <= 0 {
		l.GlobalBurst = TelegramLimits.GlobalBurst
	}
	switch {
	case l.Headroom == 0:
		l.Headroom = 0.05
	case l.Headroom < 0:
		l.Headroom = 0
	}
}

// spacing is d with the headroom added.
func (l Limits) spacing(d time.Duration) time.Duration {
	return d + time.Duration(float64(d)*l.Headroom)
}

// Config configures the adapter. Only Token is required.
type Config struct {
	// Token is the bot token from @BotFather (TELEGRAM_BOT_TOKEN). It never appears
	// in an error or a log line of this package.
	Token string
	// Endpoint is tgbotapi's endpoint format with two %s, token first
	// (TELEGRAM_API_ENDPOINT); tgbotapi.APIEndpoint when empty.
	Endpoint string
	// WebhookURL switches to webhook mode (TELEGRAM_WEBHOOK_URL): Run registers it and
	// updates arrive through WebhookHandler. Long polling when empty.
	WebhookURL string
	// WebhookSecret is sent by Telegram in X-Telegram-Bot-Api-Secret-Token
	// (TELEGRAM_WEBHOOK_SECRET); generated when empty. 1–256 of A-Z a-z 0-9 _ -.
	WebhookSecret string
	// ShutdownTimeout is how long, once Run's context ends, the updates already
	// accepted may take to finish; what is left then stays in the inbox for the
	// next start. Default 10s (CRMBOT_SHUTDOWN_TIMEOUT in crmbot serve). It is
	// waited with Sleep, so tests with a fake clock stop at once.
	ShutdownTimeout time.Duration
	// PollTimeout is the long-poll wait of getUpdates; default 50s.
	PollTimeout time.Duration
	// HTTPTimeout bounds every Bot API request; default PollTimeout+15s, and never
	// less than that, so a long poll is not cut short.
	HTTPTimeout time.Duration
	// HTTPClient, when set, is used instead of a new http.Client (its Timeout is
	// raised to HTTPTimeout when shorter).
	HTTPClient *http.Client
	// Limits are the sending rates; zero fields take the defaults.
	Limits Limits
	// MaxAttempts bounds the tries of one call on network errors and 5xx; default 5.
	MaxAttempts int
	// MaxFloodWaits bounds how often one call waits out a 429; default 5.
	MaxFloodWaits int
	// MaxInFlight is how many received updates may wait for handling before polling
	// pauses; default 1000.
	MaxInFlight int
	// MaxBodyBytes limits a webhook request body; default 1 MiB.
	MaxBodyBytes int64
	// Commands are registered with setMyCommands at start: (*bot.Engine).Commands().
	Commands []bot.CommandInfo
	// Menus are the command menus of other languages, by Telegram language_code
	// ((*bot.Engine).CommandMenus()): a Croatian user's menu reads Croatian.
	Menus map[string][]bot.CommandInfo
	// Logger gets structured logs: ids and error classes, never the token or a
	// message body.
	Logger *slog.Logger
	// Now and Sleep are the clock of the limiter, backoff and flood waits; tests
	// inject a fake one so nothing really waits. time.Now and a timer by default.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// ConfigFromEnv reads the TELEGRAM_* variables through getenv (os.Getenv). ok is
// false when TELEGRAM_BOT_TOKEN is unset: Telegram is not configured.
func ConfigFromEnv(getenv func(string) string) (cfg Config, ok bool) {
	cfg = Config{
		Token:         strings.TrimSpace(getenv("TELEGRAM_BOT_TOKEN")),
		Endpoint:      strings.TrimSpace(getenv("TELEGRAM_API_ENDPOINT")),
		WebhookURL:    strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_URL")),
		WebhookSecret: strings.TrimSpace(getenv("TELEGRAM_WEBHOOK_SECRET")),
	}
	return cfg, cfg.Token != ""
}

func (c *Config) setDefaults() {
	if c.Endpoint == "" {
		c.Endpoint = tgbotapi.APIEndpoint
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.PollTimeout <= 0 {
		c.PollTimeout = 50 * time.Second
	}
	if min := c.PollTimeout + 15*time.Second; c.HTTPTimeout < min {
		c.HTTPTimeout = min
	}
	c.Limits.setDefaults()
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 5
	}
	if c.MaxFloodWaits <= 0 {
		c.MaxFloodWaits = 5
	}
	if c.MaxInFlight <= 0 {
		c.MaxInFlight = 1000
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Sleep == nil {
		c.Sleep = sleep
	}
}

// sleep waits for d or until ctx is done.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// Adapter is the Telegram side of crmbot. Create it with New, start it with Run; in
// webhook mode also mount WebhookHandler.
type Adapter struct {
	cfg    Config
	engine Handler
	users  Reachability
	log    *slog.Logger
	client *http.Client
	secret string

	api   atomic.Pointer[tgbotapi.BotAPI] // set once Run has reached getMe
	inbox bot.Inbox
	send  *sender
	disp  *dispatcher
	// strangers counts updates from people not on the team, answered and not stored.
	strangers atomic.Int64
	ready     atomic.Bool // webhook mode: the webhook is registered, the inbox drained
}

// New returns an adapter that hands requests to engine, records reachability through
// users and passes every update through inbox, which also keeps the polling offset.
// It does no I/O: Run connects.
func New(cfg Config, engine Handler, users Reachability, inbox bot.Inbox) (*Adapter, error) {
	if cfg.Token == "" {
		return nil, errors.New("telegram: no bot token (TELEGRAM_BOT_TOKEN)")
	}
	if engine == nil || users == nil || inbox == nil {
		return nil, errors.New("telegram: engine, users and inbox are required")
	}
	if err := checkEndpoint(cfg.Endpoint); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	secret := cfg.WebhookSecret
	if cfg.WebhookURL != "" {
		if secret == "" {
			var err error
			if secret, err = newSecret(); err != nil {
				return nil, err
			}
			cfg.Logger.Info("telegram: generated a webhook secret (set TELEGRAM_WEBHOOK_SECRET to keep one)")
		} else if !validSecret(secret) {
			return nil, errors.New("telegram: TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z a-z 0-9 _ -")
		}
	}
	client := cfg.HTTPClient
	if client == nil {
		// The scheduler sends with many workers at once: keep that many connections
		// open rather than a new TLS handshake for most sends (the default keeps 2).
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = 64
		client = &http.Client{Transport: tr}
	} else {
		c := *client // do not change the caller's client
		client = &c
	}
	if client.Timeout == 0 || client.Timeout < cfg.HTTPTimeout {
		client.Timeout = cfg.HTTPTimeout
	}
	a := &Adapter{
		cfg: cfg, engine: engine, users: users, inbox: inbox, log: cfg.Logger,
		client: client, secret: secret,
	}
	a.send = newSender(a)
	a.disp = newDispatcher(a.handleEntry)
	return a, nil
}

// checkEndpoint validates TELEGRAM_API_ENDPOINT with placeholders in place of the
// token, so that no error can quote it: an http(s) URL with exactly two %s, the
// token's in the path. (With %s in the host, the token parsed as host:port and the
// parser's error quoted its secret half.)
func checkEndpoint(ep string) error {
	if ep == "" {
		return nil
	}
	const want = "telegram: TELEGRAM_API_ENDPOINT must be an http(s) URL with two %s, the token's and the method's, in the path, e.g. https://api.telegram.org/bot%s/%s"
	if strings.Count(ep, "%s") != 2 || strings.Count(ep, "%") != 2 {
		return errors.New(want)
	}
	u, err := url.Parse(fmt.Sprintf(ep, "TOKEN", "METHOD"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil ||
		strings.Contains(u.Host, "TOKEN") || strings.Contains(u.Host, "METHOD") ||
		!strings.Contains(u.Path, "TOKEN") || !strings.Contains(u.Path, "METHOD") {
		return errors.New(want)
	}
	return nil
}

// newSecret returns 32 random bytes in URL-safe base64: only A-Z a-z 0-9 _ -, as
// setWebhook's secret_token requires.
func newSecret() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("telegram: webhook secret: %w", err)
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func validSecret(s string) bool {
	if len(s) == 0 || len(s) > 256 {
		return false
	}
	for _, c := range s {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
		if !ok {
			return false
		}
	}
	return true
}

// Connected reports whether the adapter reached the Bot API (getMe answered) and,
// in webhook mode, registered its webhook: readiness.
func (a *Adapter) Connected() bool {
	if a.cfg.WebhookURL != "" {
		return a.ready.Load()
	}
	return a.api.Load() != nil
}

// Strangers is how many updates from people not on the team were answered and
// dropped since start: all that is kept of them.
func (a *Adapter) Strangers() int64 { return a.strangers.Load() }

// WebhookSecret returns the secret token Telegram sends with every webhook request
// (the configured one, or the one generated by New).
func (a *Adapter) WebhookSecret() string { return a.secret }

// Username returns the bot's @username once Run has connected, "" before.
func (a *Adapter) Username() string {
	if api := a.api.Load(); api != nil {
		return api.Self.UserName
	}
	return ""
}

// Run connects (getMe, retried with backoff until it works or ctx ends), registers the
// command menu, handles what the inbox kept from a previous run, and then receives
// updates: by long polling, or in webhook mode by registering the webhook and waiting
// for WebhookHandler's requests. It returns nil when ctx is cancelled, after the
// updates being handled have finished.
func (a *Adapter) Run(ctx context.Context) error {
	// The workers run on a context of their own: when ctx ends, polling stops at
	// once, but the updates already accepted get ShutdownTimeout to finish before
	// the workers' context is cancelled (the rest stays in the inbox). Deferred in
	// this order: wait for the workers (bounded by that), then cancel.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	defer a.disp.wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer a.ready.Store(false)
	a.disp.start(work)
	go func() {
		select {
		case <-work.Done():
			return
		case <-ctx.Done():
		}
		a.cfg.Sleep(work, a.cfg.ShutdownTimeout)
		stopWork()
	}()

	api, err := a.connect(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.api.Store(api)
	a.log.Info("telegram: connected", "bot", api.Self.UserName, "mode", a.mode())
	a.setCommands(ctx)

	if err := a.drainInbox(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	if a.cfg.WebhookURL != "" {
		if err := a.setWebhook(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		<-ctx.Done()
		return nil
	}
	return a.poll(ctx)
}

func (a *Adapter) mode() string {
	if a.cfg.WebhookURL != "" {
		return "webhook"
	}
	return "polling"
}

// connect creates the tgbotapi client; its constructor calls getMe, which fails with
// an unreachable API. That is retried with backoff instead of crash-looping; a
// rejected token (401) is not.
func (a *Adapter) connect(ctx context.Context) (*tgbotapi.BotAPI, error) {
	b := newBackoff()
	for {
		api, err := tgbotapi.NewBotAPIWithClient(a.cfg.Token, a.cfg.Endpoint, ctxClient{ctx, a.client})
		if err == nil {
			api.Debug = false // its debug mode logs message text
			return api, nil
		}
		err = a.scrub(err)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if c := classify(err); c.kind == permanent || c.kind == blocked {
			return nil, fmt.Errorf("telegram: getMe: %w", err)
		}
		d := b.NextBackOff()
		a.log.Warn("telegram: cannot reach the Bot API; retrying", "err", err, "in", d)
		if err := a.cfg.Sleep(ctx, d); err != nil {
			return nil, err
		}
	}
}

// setCommands registers the command menu. A failure is logged, not fatal: the bot
// works without the menu.
func (a *Adapter) setCommands(ctx context.Context) {
	a.setMenu(ctx, "", a.cfg.Commands)
	langs := make([]string, 0, len(a.cfg.Menus))
	for l := range a.cfg.Menus {
		langs = append(langs, l)
	}
	sort.Strings(langs)
	for _, l := range langs {
		a.setMenu(ctx, l, a.cfg.Menus[l])
	}
}

// setMenu registers one language's menu; lang "" is the menu of every language
// without one of its own. Command names stay ASCII, descriptions are translated.
func (a *Adapter) setMenu(ctx context.Context, lang string, menu []bot.CommandInfo) {
	var cmds []tgbotapi.BotCommand
	for _, c := range menu {
		name := strings.TrimPrefix(c.Name, "/")
		if !validCommand(name) || len(c.Description) < 3 || len(c.Description) > 256 {
			a.log.Warn("telegram: command not registrable with setMyCommands", "command", name)
			continue
		}
		cmds = append(cmds, tgbotapi.BotCommand{Command: name, Description: c.Description})
	}
	if len(cmds) == 0 {
		return
	}
	cfg := tgbotapi.NewSetMyCommands(cmds...)
	cfg.LanguageCode = lang
	// setMyCommands returns true: Request, not Send.
	if _, err := a.send.call(ctx, 0, cfg); err != nil {
		a.log.Warn("telegram: setMyCommands failed", "err", err, "lang", lang)
	}
}

// validCommand: 1–32 of lowercase letters, digits and underscores.
func validCommand(s string) bool {
	if len(s) == 0 || len(s) > 32 {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}

// allowedUpdates is sent explicitly with getUpdates and setWebhook: when omitted,
// Telegram keeps whatever an earlier call set, and tgbotapi would send "null".
var allowedUpdates = []string{"message", "callback_query", "my_chat_member"}

// Send renders reply and sends it to a chat (for a private chat, the chat id is the
// user id). A later scheduler uses it, or Notify, to push nudges.
func (a *Adapter) Send(ctx context.Context, chatID int64, reply bot.Reply) error {
	if a.api.Load() == nil {
		return errors.New("telegram: not connected")
	}
	return a.sendReply(ctx, chatID, reply)
}

var _ bot.Notifier = (*Adapter)(nil)

// Notify sends reply privately to a Telegram identity ("telegram:<user id>"); it is
// bot.Notifier for the scheduler. A permanent failure wraps bot.ErrUnreachable and
// ErrBlocked (the user blocked the bot, and is marked unreachable) or
// ErrChatNotFound (the user never pressed Start).
func (a *Adapter) Notify(ctx context.Context, id crm.Identity, reply bot.Reply) error {
	uid, ok := userID(id)
	if !ok {
		return fmt.Errorf("%w: %q is not a Telegram identity", bot.ErrUnreachable, id)
	}
	err := a.Send(ctx, uid, reply)
	var te *tgbotapi.Error
	if errors.As(err, &te) && te.MigrateToChatID != 0 {
		// The group became a supergroup with a new id: follow it, and tell the
		// engine so that settings naming the old chat (the department channel) move.
		to := chatIdentity(te.MigrateToChatID)
		a.log.Info("telegram: group upgraded to a supergroup; following it", "from", uid, "to", te.MigrateToChatID)
		if m, ok := a.engine.(chatMover); ok {
			if merr := m.ChatMoved(ctx, id, to); merr != nil {
				a.log.Warn("telegram: cannot record the group's new id", "err", merr)
			}
		}
		err = a.Send(ctx, te.MigrateToChatID, reply)
	}
	if errors.Is(err, ErrBlocked) || errors.Is(err, ErrChatNotFound) {
		return fmt.Errorf("%w: %w", bot.ErrUnreachable, err)
	}
	return err
}

// chatMover is the engine's side of a chat changing its id (*bot.Engine has it).
type chatMover interface {
	ChatMoved(ctx context.Context, from, to crm.Identity) error
}

// identity returns the crm identity of a Telegram user.
func identity(userID int64) crm.Identity {
	return crm.Identity("telegram:" + strconv.FormatInt(userID, 10))
}

// chatIdentity is the identity of a chat the bot can post to: a user's private chat
// (the user id) or a group (a negative id), as /channel stores it.
func chatIdentity(chatID int64) crm.Identity {
	return crm.Identity("telegram:" + strconv.FormatInt(chatID, 10))
}

// userID parses "telegram:<user id>" or "telegram:<group chat id>" (negative) into the
// chat id to send to.
func userID(id crm.Identity) (int64, bool) {
	s, ok := strings.CutPrefix(string(id), "telegram:")
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n == 0 {
		return 0, false
	}
	return n, true
}
