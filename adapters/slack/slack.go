// Package slack connects crmbot's engine to a Slack workspace through
// github.com/slack-go/slack: the /crm slash command, the Events API (direct messages,
// mentions, the App Home), interactivity (buttons, modals, the "Log to CRM" message
// shortcut), over signed HTTP requests or Socket Mode. It translates; everything the
// bot decides lives in package bot, every rule in package crm.
//
// Slack wants every request answered within three seconds, so handlers verify,
// record and acknowledge at once and the engine runs in a bounded, per-person
// dispatcher; its replies go out through response_url or chat.postMessage within
// Slack's posting limits.
package slack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/slack-go/slack"

	"crmbot/bot"
	"crmbot/crm"
)

// Handler is the engine as this adapter sees it; *bot.Engine satisfies it. Every
// decision goes through it: the adapter never authenticates, validates or reads
// the CRM on its own, it only translates between Slack and these calls.
type Handler interface {
	// Handle answers a request: a command, a button, a submitted form, or a
	// structured view (the App Home, a form to draw).
	Handle(ctx context.Context, req bot.Request) []bot.Reply
	// Who says whether an identity is on the team and in which language to word
	// the adapter's own messages to them.
	Who(ctx context.Context, id crm.Identity) (bot.Person, error)
	// Catalog words the adapter's own messages (a chart that could not be
	// shared, the "Share in channel" button).
	Catalog() *bot.Catalog
}

// HTTP paths of the three Request URLs configured in the Slack app (manifest.yaml).
const (
	CommandsPath     = "/slack/commands"
	EventsPath       = "/slack/events"
	InteractionsPath = "/slack/interactions"
)

// Config configures the adapter. BotToken is required, and SigningSecret unless
// AppToken (Socket Mode) is set.
type Config struct {
	// BotToken is the bot user OAuth token, xoxb-… (SLACK_BOT_TOKEN).
	BotToken string
	// SigningSecret verifies HTTP requests (SLACK_SIGNING_SECRET).
	SigningSecret string
	// AppToken, xapp-… with connections:write, switches to Socket Mode
	// (SLACK_APP_TOKEN): no public URL is needed and HTTP requests are refused.
	AppToken string
	// APIURL is the Web API base (SLACK_API_URL), e.g. https://slack-gov.com/api/;
	// https://slack.com/api/ when empty. A missing trailing "/" is added.
	APIURL string
	// HTTPClient makes the Web API calls; a client with a 30 s timeout when nil.
	HTTPClient *http.Client
	// MaxBodyBytes limits a request body; default 1 MiB.
	MaxBodyBytes int64
	// MaxQueued bounds the requests acknowledged and waiting for the engine; beyond
	// it events get 503 (Slack retries them) and commands a "busy" answer. Default 1000.
	MaxQueued int
	// PerChannel is the minimum spacing of messages posted to one channel; default 1 s.
	PerChannel time.Duration
	// MaxAttempts bounds the tries of one call on network errors and 5xx; default 4.
	MaxAttempts int
	// MaxRateLimitWaits bounds how often one call waits out a 429; default 5.
	MaxRateLimitWaits int
	// Logger gets structured logs: ids and error classes, never a token or a
	// message body.
	Logger *slog.Logger
	// Now is the clock of signature checks and rate limiting; Sleep
	// waits (rate limits, Retry-After, backoff). Tests inject both.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
	// ShutdownTimeout is how long, once Run's context ends, the events and
	// commands already accepted get to finish before their context is cancelled;
	// default 10s.
	ShutdownTimeout time.Duration
}

// ConfigFromEnv reads SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_APP_TOKEN and
// SLACK_API_URL through getenv (os.Getenv). ok is false when SLACK_BOT_TOKEN is
// unset: Slack is not configured.
func ConfigFromEnv(getenv func(string) string) (cfg Config, ok bool) {
	cfg = Config{
		BotToken:      strings.TrimSpace(getenv("SLACK_BOT_TOKEN")),
		SigningSecret: strings.TrimSpace(getenv("SLACK_SIGNING_SECRET")),
		AppToken:      strings.TrimSpace(getenv("SLACK_APP_TOKEN")),
		APIURL:        strings.TrimSpace(getenv("SLACK_API_URL")),
	}
	return cfg, cfg.BotToken != ""
}

func (c *Config) setDefaults() {
	if c.APIURL != "" && !strings.HasSuffix(c.APIURL, "/") {
		c.APIURL += "/" // slack-go appends the method name to it as it is
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if c.MaxBodyBytes <= 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.MaxQueued <= 0 {
		c.MaxQueued = 1000
	}
	if c.PerChannel <= 0 {
		c.PerChannel = time.Second
	}
	if c.MaxAttempts <= 0 {
		c.MaxAttempts = 4
	}
	if c.MaxRateLimitWaits <= 0 {
		c.MaxRateLimitWaits = 5
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
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
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

// Adapter is the Slack side of crmbot. Create it with New, mount Register's routes
// (HTTP mode) and start Run.
type Adapter struct {
	cfg    Config
	engine Handler
	log    *slog.Logger
	api    *slack.Client

	inbox bot.Inbox
	disp  *dispatcher
	send  *sender

	mu       sync.Mutex
	inflight map[string]bool // event_ids accepted and not yet finished
	// strangers counts events from people not on the team, answered and not stored.
	strangers atomic.Int64

	eventDone func(id string) // tests: called when an event is marked done

	readyOnce sync.Once
	ready     chan struct{} // closed once Run accepts requests
}

// New returns an adapter that hands every request to engine and passes every event,
// slash command and interaction through inbox (which makes Slack's deliveries
// exactly-once). It does no I/O: Run connects.
func New(cfg Config, engine Handler, inbox bot.Inbox) (*Adapter, error) {
	if cfg.BotToken == "" {
		return nil, errors.New("slack: no bot token (SLACK_BOT_TOKEN)")
	}
	if cfg.AppToken == "" && cfg.SigningSecret == "" {
		return nil, errors.New("slack: SLACK_SIGNING_SECRET is required for HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)")
	}
	if cfg.AppToken != "" && !strings.HasPrefix(cfg.AppToken, "xapp-") {
		return nil, errors.New("slack: SLACK_APP_TOKEN must be an app-level token (xapp-…)")
	}
	if engine == nil || inbox == nil {
		return nil, errors.New("slack: engine and inbox are required")
	}
	cfg.setDefaults()
	opts := []slack.Option{slack.OptionHTTPClient(cfg.HTTPClient)}
	if cfg.APIURL != "" {
		opts = append(opts, slack.OptionAPIURL(cfg.APIURL))
	}
	if cfg.AppToken != "" {
		opts = append(opts, slack.OptionAppLevelToken(cfg.AppToken))
	}
	a := &Adapter{
		cfg: cfg, engine: engine, inbox: inbox, log: cfg.Logger,
		api:      slack.New(cfg.BotToken, opts...),
		inflight: map[string]bool{},
		ready:    make(chan struct{}),
	}
	a.disp = newDispatcher(cfg.MaxQueued)
	a.send = newSender(a)
	return a, nil
}

// SocketMode reports whether the adapter receives over Socket Mode (SLACK_APP_TOKEN)
// rather than HTTP.
func (a *Adapter) SocketMode() bool { return a.cfg.AppToken != "" }

// Register mounts the three Request URLs on mux (HTTP mode). In Socket Mode it
// mounts nothing: Slack sends nothing over HTTP then.
func (a *Adapter) Register(mux *http.ServeMux) {
	if a.SocketMode() {
		return
	}
	mux.Handle("POST "+CommandsPath, http.HandlerFunc(a.serveCommand))
	mux.Handle("POST "+EventsPath, http.HandlerFunc(a.serveEvent))
	mux.Handle("POST "+InteractionsPath, http.HandlerFunc(a.serveInteraction))
}

// Handler returns the three Request URLs as one http.Handler, for servers that do
// not use an http.ServeMux.
func (a *Adapter) Handler() http.Handler {
	mux := http.NewServeMux()
	a.Register(mux)
	return mux
}

// Run starts the dispatcher, checks the token (auth.test), hands the events left
// unfinished by a previous run back to the engine and then, in Socket Mode,
// receives over the WebSocket; in HTTP mode it waits for Register's handlers. It
// returns when ctx is done, after the requests being handled have finished.
func (a *Adapter) Run(ctx context.Context) error {
	// The jobs run on a context of their own: when ctx ends, new work is refused
	// at once, but the events and commands already accepted get ShutdownTimeout to
	// finish before their context is cancelled (an unfinished event stays in the
	// inbox for the next run). Deferred in this order: wait for the jobs
	// (bounded by that), then cancel.
	work, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	defer a.disp.wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	a.disp.start(work)
	go func() {
		select {
		case <-work.Done():
			return
		case <-ctx.Done():
		}
		a.disp.close()
		a.cfg.Sleep(work, a.cfg.ShutdownTimeout)
		stopWork()
	}()
	if err := a.authTest(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return err
	}
	a.replayPending(ctx)
	a.readyOnce.Do(func() { close(a.ready) })
	if a.SocketMode() {
		return a.runSocket(ctx)
	}
	<-ctx.Done()
	return nil
}

// authTest checks the bot token once at start. A rejected token stops the adapter;
// an unreachable API only gets a warning (requests will retry on their own).
func (a *Adapter) authTest(ctx context.Context) error {
	tctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	resp, err := a.api.AuthTestContext(tctx)
	if err != nil {
		var se slack.SlackErrorResponse
		if errors.As(err, &se) && (se.Err == "invalid_auth" || se.Err == "not_authed" || se.Err == "token_revoked" || se.Err == "account_inactive") {
			return fmt.Errorf("slack: auth.test: the bot token was rejected (%s)", se.Err)
		}
		a.log.Warn("slack: auth.test failed; continuing", "err", logErr(err))
		return nil
	}
	a.log.Info("slack: connected", "team", resp.TeamID, "bot_user", resp.UserID, "mode", a.mode())
	return nil
}

func (a *Adapter) mode() string {
	if a.SocketMode() {
		return "socket"
	}
	return "http"
}

var _ bot.Notifier = (*Adapter)(nil)

// Notify sends reply to a Slack identity for the scheduler (bot.Notifier): a person
// ("slack:T…/U…") in the DM with the bot (conversations.open + chat.postMessage), or
// a channel ("slack:T…/C…", as /channel records it). A permanent failure (the user
// is deactivated, the channel archived or the bot not in it) wraps
// bot.ErrUnreachable.
//
// Its error goes to the scheduler's log and the outbox record, so its text is
// scrubbed of URLs (an upload_url is a capability).
func (a *Adapter) Notify(ctx context.Context, to crm.Identity, reply bot.Reply) error {
	return scrub(a.notify(ctx, to, reply))
}

func (a *Adapter) notify(ctx context.Context, to crm.Identity, reply bot.Reply) error {
	team, id, ok := parseIdentity(to)
	if !ok {
		return fmt.Errorf("%w: %q is not a Slack identity", bot.ErrUnreachable, to)
	}
	channel := id
	if isUserID(id) {
		var err error
		if channel, err = a.openIM(ctx, id); err != nil {
			return unreachable(err)
		}
	}
	if reply.Image != nil {
		err := a.upload(ctx, channel, reply)
		if ctx.Err() != nil || !chartRefused(err) {
			return unreachable(err)
		}
		// Slack refused the picture (missing files:write, the bot not in the
		// channel): the report goes as text, with what would bring the picture
		// back.
		a.log.Warn("slack: chart not uploaded; sending the report as text", "channel", channel, "err", logErr(err))
		lang := ""
		if isUserID(id) {
			lang = a.langOf(ctx, id, team)
		}
		key, args := a.chartTrouble(err)
		reply = withoutImage(reply)
		reply.Text += "\n\n" + a.t(lang, key, args...)
	}
	return unreachable(a.post(ctx, channel, reply))
}

// unreachable wraps the Slack errors after which retrying cannot help.
func unreachable(err error) error {
	var se slack.SlackErrorResponse
	if errors.As(err, &se) {
		switch se.Err {
		case "channel_not_found", "not_in_channel", "is_archived", "account_inactive",
			"user_not_found", "user_disabled", "cannot_dm_bot", "user_not_visible", "restricted_action":
			return fmt.Errorf("%w: %w", bot.ErrUnreachable, err)
		}
	}
	return err
}

// identity returns the crm identity of a Slack user: "slack:<team>/<user>".
func identity(team, user string) crm.Identity {
	return crm.Identity("slack:" + team + "/" + user)
}

// parseIdentity splits "slack:<team>/<id>".
func parseIdentity(id crm.Identity) (team, rest string, ok bool) {
	s, ok := strings.CutPrefix(string(id), "slack:")
	if !ok {
		return "", "", false
	}
	team, rest, ok = strings.Cut(s, "/")
	if !ok || team == "" || rest == "" {
		return "", "", false
	}
	return team, rest, true
}

// isUserID tells a user id (U…, or W… in Enterprise Grid) from a conversation id.
func isUserID(id string) bool { return strings.HasPrefix(id, "U") || strings.HasPrefix(id, "W") }
