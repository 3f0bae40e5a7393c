package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"golang.org/x/time/rate"

	"crmbot/metrics"
)

// ErrBlocked is wrapped by the error of a send to a user who blocked the bot (403).
var ErrBlocked = errors.New("telegram: the user blocked the bot")

// ErrChatNotFound is wrapped when Telegram does not know the chat (400 "chat not
// found"): the user never pressed Start in a private chat with the bot.
var ErrChatNotFound = errors.New("telegram: chat not found")

// sender makes Bot API calls within Telegram's limits: a per-chat and a global token
// bucket (golang.org/x/time/rate, bursts of one, spacings with Limits.Headroom), each
// also kept on when calls were answered — Telegram counts arrivals, and a call has
// arrived by the time it is answered — a bot-wide pause after a 429 (flood control
// applies to the whole bot),
// bounded retries with jittered exponential backoff for network errors and 5xx, and
// no retry for what cannot succeed (403, 400).
type sender struct {
	a      *Adapter
	global *rate.Limiter

	mu         sync.Mutex
	chats      map[int64]*chatLimiter
	floodUntil time.Time
	// sent are the last globalN calls, oldest first, and window is globalN×Global
	// (Telegram's "30 per second"): the guard of the global rule on arrivals.
	sent   []*sentMark
	window time.Duration
	start  time.Time // when the sender was made: see newSender
}

// globalN is the count of Telegram's global rule, "30 messages per second".
const globalN = 30

// sentMark records one call for the global window. done is when its answer came
// back (zero while in flight): Telegram saw it before then.
type sentMark struct {
	at, done time.Time
	chat     *chatLimiter // nil for a call not sent to a chat
}

type chatLimiter struct {
	lim   *rate.Limiter
	every time.Duration // the chat's spacing without headroom
	used  time.Time
	// answered is when the chat's last call was answered: Telegram had it by then, so
	// the next call leaving every after it cannot arrive too close behind it (kept
	// with a burst of one, the default).
	answered time.Time
}

func newSender(a *Adapter) *sender {
	l := a.cfg.Limits
	s := &sender{
		a:      a,
		global: rate.NewLimiter(rate.Every(l.spacing(l.Global)), l.GlobalBurst),
		chats:  map[int64]*chatLimiter{},
		window: globalN * l.Global,
		start:  a.cfg.Now(),
	}
	// Start conservatively: as if every limit had just been used up. The previous
	// process (one that crashed a moment ago, in a restart loop) may have sent to
	// any chat right before it died, and its send times are gone; waiting one
	// spacing from start keeps a crash loop within Telegram's limits.
	s.global.ReserveN(s.start, l.GlobalBurst)
	return s
}

// chatLimiter returns the limiter of a chat; groups (negative ids) get the 20/min one.
// Limiters idle for a while are forgotten, so the map stays small.
func (s *sender) chatLimiter(chatID int64, now time.Time) *chatLimiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.chats) > 1000 {
		for id, c := range s.chats {
			if now.Sub(c.used) > 10*time.Minute {
				delete(s.chats, id)
			}
		}
	}
	c := s.chats[chatID]
	if c == nil {
		l := s.a.cfg.Limits
		every, burst := l.PerChat, l.PerChatBurst
		if chatID < 0 {
			every, burst = l.PerGroup, l.GroupBurst
		}
		c = &chatLimiter{lim: rate.NewLimiter(rate.Every(l.spacing(every)), burst), every: every, answered: s.start}
		c.lim.ReserveN(s.start, burst) // conservative start: see newSender
		s.chats[chatID] = c
	}
	c.used = now
	return c
}

// wait takes one token from lim at the injected clock and sleeps for the delay.
func (s *sender) wait(ctx context.Context, lim *rate.Limiter) error {
	now := s.a.cfg.Now()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return errors.New("telegram: rate limiter burst is zero")
	}
	if d := r.DelayFrom(now); d > 0 {
		if err := s.a.cfg.Sleep(ctx, d); err != nil {
			r.CancelAt(s.a.cfg.Now())
			return err
		}
	}
	return nil
}

// turn waits until a call to chatID may go out: after any bot-wide flood pause, then
// within the chat's and the global rate. chatID 0 is a call not sent to a chat.
//
// Telegram counts a message when it arrives, so each limiter's token is taken as
// close to the send as possible: first wait (without taking it) until the chat has a
// token, then take a global slot, then take the chat's token at once. Taking the
// chat's token first and then waiting for a global slot would let a message leave
// long after its chat slot, close behind the chat's previous one.
func (s *sender) turn(ctx context.Context, chatID int64) (*sentMark, error) {
	var chat *chatLimiter
	if chatID != 0 {
		chat = s.chatLimiter(chatID, s.a.cfg.Now())
	}
	for {
		if err := s.floodWait(ctx); err != nil {
			return nil, err
		}
		if chat != nil {
			now := s.a.cfg.Now()
			s.mu.Lock()
			var d time.Duration
			if chat.lim.Burst() == 1 { // with bursts allowed, the limiter alone decides
				d = chat.answered.Add(chat.every).Sub(now)
			}
			s.mu.Unlock()
			if d <= 0 {
				d = untilToken(chat.lim, now)
			}
			if d > 0 {
				if err := s.a.cfg.Sleep(ctx, d); err != nil {
					return nil, err
				}
				continue
			}
		}
		if err := s.wait(ctx, s.global); err != nil {
			return nil, err
		}
		mark, err := s.take(ctx, chat)
		if mark != nil || err != nil {
			return mark, err
		}
		// Another send to this chat took its token meanwhile: wait for the next.
	}
}

// take sends in the global slot just waited for, as soon as the global window allows:
// it returns the call's mark, or nil when the chat's token was taken meanwhile.
//
// The limiter's slots are a schedule; Telegram counts arrivals, which a late wake-up
// or a slow request can bunch up. So a call also waits until the call globalN places
// before it was answered a whole window ago: then that one arrived more than a window
// before this one can. Waiting for that keeps the slot (sending later than a slot
// never adds to a window), so the limiter's rate is not lost.
func (s *sender) take(ctx context.Context, chat *chatLimiter) (*sentMark, error) {
	for {
		now := s.a.cfg.Now()
		s.mu.Lock()
		wait := s.floodUntil.Sub(now)
		if wait <= 0 && len(s.sent) == globalN {
			switch m := s.sent[0]; {
			case !m.done.IsZero():
				wait = m.done.Add(s.window).Sub(now)
			case now.Sub(m.at) < s.window: // still in flight: look again soon
				wait = max(s.a.cfg.Limits.Global, time.Millisecond)
			}
			// A call in flight for longer than a window (a stalled connection, up to
			// HTTPTimeout) does not hold up every other.
		}
		if wait > 0 {
			s.mu.Unlock()
			if err := s.a.cfg.Sleep(ctx, wait); err != nil {
				return nil, err
			}
			continue
		}
		var mark *sentMark
		if chat == nil || chat.lim.AllowN(now, 1) {
			mark = &sentMark{at: now, chat: chat}
			if len(s.sent) == globalN {
				s.sent = s.sent[1:]
			}
			s.sent = append(s.sent, mark)
		}
		s.mu.Unlock()
		return mark, nil
	}
}

// answered records that the call of mark got its answer (or failed).
func (s *sender) answered(mark *sentMark) {
	now := s.a.cfg.Now()
	s.mu.Lock()
	mark.done = now
	if mark.chat != nil {
		mark.chat.answered = now
	}
	s.mu.Unlock()
}

// floodWait waits out a bot-wide pause after a 429.
func (s *sender) floodWait(ctx context.Context) error {
	for {
		s.mu.Lock()
		until := s.floodUntil
		s.mu.Unlock()
		now := s.a.cfg.Now()
		if !now.Before(until) {
			return nil
		}
		if err := s.a.cfg.Sleep(ctx, until.Sub(now)); err != nil {
			return err
		}
	}
}

// untilToken is how long until lim has a whole token, without taking it.
func untilToken(lim *rate.Limiter, now time.Time) time.Duration {
	tok := lim.TokensAt(now)
	if tok >= 1 {
		return 0
	}
	d := time.Duration((1 - tok) / float64(lim.Limit()) * float64(time.Second))
	return d + time.Microsecond // rounding must not leave it a hair short
}

// flood pauses every call of the bot until retry_after has passed.
func (s *sender) flood(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if until := s.a.cfg.Now().Add(d); until.After(s.floodUntil) {
		s.floodUntil = until
	}
}

// call makes one Bot API request for chatID (0 when it is not a chat message) and
// retries it as Telegram's answer allows. A 403 from a private chat marks the user
// unreachable and returns an error wrapping ErrBlocked.
func (s *sender) call(ctx context.Context, chatID int64, c tgbotapi.Chattable) (*tgbotapi.APIResponse, error) {
	return s.do(ctx, chatID, func(api *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return api.Request(c) })
}

// raw is call for a method with hand-made parameters (those tgbotapi v5.5.1 lacks,
// such as setWebhook's secret_token).
func (s *sender) raw(ctx context.Context, method string, params tgbotapi.Params) (*tgbotapi.APIResponse, error) {
	return s.do(ctx, 0, func(api *tgbotapi.BotAPI) (*tgbotapi.APIResponse, error) { return api.MakeRequest(method, params) })
}

func (s *sender) do(ctx context.Context, chatID int64, req func(*tgbotapi.BotAPI) (*tgbotapi.APIResponse, error)) (*tgbotapi.APIResponse, error) {
	api := s.a.api.Load()
	if api == nil {
		return nil, errors.New("telegram: not connected")
	}
	b := newBackoff()
	attempts, floods := 0, 0
	for {
		mark, err := s.turn(ctx, chatID)
		if err != nil {
			return nil, err
		}
		resp, err := req(s.a.withContext(ctx, api))
		s.answered(mark)
		if err == nil {
			metrics.Sent("telegram", "ok")
			return resp, nil
		}
		err = s.a.scrub(err)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		cl := classify(err)
		metrics.Sent("telegram", sendResult(cl.kind))
		switch cl.kind {
		case flood:
			floods++
			s.a.log.Warn("telegram: flood control; pausing every send", "retry_after", cl.retryAfter, "chat", chatID)
			s.flood(cl.retryAfter)
			if floods > s.a.cfg.MaxFloodWaits {
				return nil, fmt.Errorf("telegram: still rate limited after %d waits: %w", floods-1, err)
			}
		case transient:
			attempts++
			if attempts >= s.a.cfg.MaxAttempts {
				return nil, fmt.Errorf("telegram: giving up after %d attempts: %w", attempts, err)
			}
			d := b.NextBackOff()
			s.a.log.Warn("telegram: request failed; retrying", "err", err, "attempt", attempts, "in", d)
			if err := s.a.cfg.Sleep(ctx, d); err != nil {
				return nil, err
			}
		case blocked:
			if chatID > 0 { // a private chat's id is the user's id
				s.a.markUnreachable(ctx, chatID)
			}
			return nil, fmt.Errorf("%w: %w", ErrBlocked, err)
		case notFound:
			return nil, fmt.Errorf("%w: %w", ErrChatNotFound, err)
		default:
			return nil, err
		}
	}
}

// sendResult is a failed send's result label.
func sendResult(k errKind) string {
	switch k {
	case flood:
		return "429"
	case transient:
		return "error"
	}
	return "permanent"
}

// newBackoff: 0.5 s doubling to at most 30 s, ±50 % jitter, never giving up on its
// own (callers bound the attempts).
func newBackoff() *backoff.ExponentialBackOff {
	b := backoff.NewExponentialBackOff()
	b.InitialInterval = 500 * time.Millisecond
	b.RandomizationFactor = 0.5
	b.Multiplier = 2
	b.MaxInterval = 30 * time.Second
	b.MaxElapsedTime = 0
	b.Reset()
	return b
}

type errKind int

const (
	permanent   errKind = iota // do not retry (400 and the like)
	transient                  // network error, 5xx, a non-JSON body from a proxy
	flood                      // 429: wait retry_after
	blocked                    // 403: the user blocked the bot, or it was removed from the chat
	notFound                   // 400 chat not found
	notModified                // 400 message is not modified: the edit is already there
)

type class struct {
	kind       errKind
	retryAfter time.Duration
}

// classify sorts a Bot API error. tgbotapi returns *tgbotapi.Error for {"ok":false}
// answers, whatever the HTTP status; its file uploads leave Code at 0, so the
// description's prefix ("Too Many Requests", "Forbidden", "Bad Request") is used too.
func classify(err error) class {
	var te *tgbotapi.Error
	if errors.As(err, &te) {
		code := te.Code
		desc := strings.ToLower(te.Message)
		if code == 0 {
			switch {
			case strings.HasPrefix(desc, "too many requests"):
				code = 429
			case strings.HasPrefix(desc, "forbidden"):
				code = 403
			case strings.HasPrefix(desc, "bad request"):
				code = 400
			case strings.HasPrefix(desc, "unauthorized"):
				code = 401
			case strings.HasPrefix(desc, "internal server error"), strings.HasPrefix(desc, "bad gateway"):
				code = 500
			}
		}
		switch {
		case code == 429 || te.RetryAfter > 0:
			d := time.Duration(te.RetryAfter) * time.Second
			if d <= 0 {
				d = time.Second
			}
			return class{kind: flood, retryAfter: d}
		case code >= 500:
			return class{kind: transient}
		case code == 403:
			return class{kind: blocked}
		case code == 400 && strings.Contains(desc, "message is not modified"):
			return class{kind: notModified}
		case code == 400 && strings.Contains(desc, "chat not found"):
			return class{kind: notFound}
		}
		return class{kind: permanent}
	}
	if errors.Is(err, context.Canceled) {
		return class{kind: permanent}
	}
	var ue *url.Error
	var ne net.Error
	var se *json.SyntaxError
	switch {
	case errors.As(err, &ue), errors.As(err, &ne), errors.As(err, &se):
		return class{kind: transient}
	case errors.Is(err, context.DeadlineExceeded):
		return class{kind: transient} // the HTTP client's timeout
	}
	// Anything else from the transport (an unexpected EOF, a body that is not JSON)
	// is treated as a network failure: bounded retries.
	return class{kind: transient}
}

// markUnreachable records that the user blocked the bot, so nudges stop until they
// write again.
func (a *Adapter) markUnreachable(ctx context.Context, uid int64) {
	id := identity(uid)
	if err := a.users.SetReachable(ctx, id, false); err != nil {
		a.log.Warn("telegram: cannot mark identity unreachable", "identity", id, "err", err)
		return
	}
	a.log.Info("telegram: user blocked the bot; marked unreachable", "identity", id)
}
