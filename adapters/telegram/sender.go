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
)

// ErrBlocked is wrapped by the error of a send to a user who blocked the bot (403).
var ErrBlocked = errors.New("telegram: the user blocked the bot")

// ErrChatNotFound is wrapped when Telegram does not know the chat (400 "chat not
// found"): the user never pressed Start in a private chat with the bot.
var ErrChatNotFound = errors.New("telegram: chat not found")

// sender makes Bot API calls within Telegram's limits: a per-chat and a global token
// bucket, a bot-wide pause after a 429 (flood control applies to the whole bot),
// bounded retries with jittered exponential backoff for network errors and 5xx, and
// no retry for what cannot succeed (403, 400).
type sender struct {
	a      *Adapter
	global *rate.Limiter

	mu         sync.Mutex
	chats      map[int64]*chatLimiter
	floodUntil time.Time
}

type chatLimiter struct {
	lim  *rate.Limiter
	used time.Time
}

func newSender(a *Adapter) *sender {
	l := a.cfg.Limits
	return &sender{
		a:      a,
		global: rate.NewLimiter(rate.Every(l.Global), l.GlobalBurst),
		chats:  map[int64]*chatLimiter{},
	}
}

// chatLimiter returns the limiter of a chat; groups (negative ids) get the 20/min one.
// Limiters idle for a while are forgotten, so the map stays small.
func (s *sender) chatLimiter(chatID int64, now time.Time) *rate.Limiter {
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
		c = &chatLimiter{lim: rate.NewLimiter(rate.Every(every), burst)}
		s.chats[chatID] = c
	}
	c.used = now
	return c.lim
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
func (s *sender) turn(ctx context.Context, chatID int64) error {
	for {
		s.mu.Lock()
		until := s.floodUntil
		s.mu.Unlock()
		now := s.a.cfg.Now()
		if !now.Before(until) {
			break
		}
		if err := s.a.cfg.Sleep(ctx, until.Sub(now)); err != nil {
			return err
		}
	}
	if chatID != 0 {
		if err := s.wait(ctx, s.chatLimiter(chatID, s.a.cfg.Now())); err != nil {
			return err
		}
	}
	return s.wait(ctx, s.global)
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
		if err := s.turn(ctx, chatID); err != nil {
			return nil, err
		}
		resp, err := req(s.a.withContext(ctx, api))
		if err == nil {
			return resp, nil
		}
		err = s.a.scrub(err)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		cl := classify(err)
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
