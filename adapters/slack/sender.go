package slack

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/cenkalti/backoff/v4"
	"github.com/slack-go/slack"
	"golang.org/x/time/rate"

	"crmbot/bot"
	"crmbot/metrics"
)

// sender makes Web API calls within Slack's limits: about one message per second per
// channel (a token bucket per channel at the injected clock), the Retry-After of a
// 429 honoured, and bounded, jittered exponential backoff for 5xx and network
// errors. slack-go's own OptionRetry is not used: it sleeps on the wall clock and
// does not retry 5xx.
type sender struct {
	a *Adapter

	mu       sync.Mutex
	channels map[string]*channelLimiter
}

type channelLimiter struct {
	lim  *rate.Limiter
	used time.Time
}

func newSender(a *Adapter) *sender {
	return &sender{a: a, channels: map[string]*channelLimiter{}}
}

// limiter returns the limiter of a channel; idle ones are forgotten so the map stays
// small.
func (s *sender) limiter(channel string, now time.Time) *rate.Limiter {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.channels) > 1000 {
		for id, c := range s.channels {
			if now.Sub(c.used) > 10*time.Minute {
				delete(s.channels, id)
			}
		}
	}
	c := s.channels[channel]
	if c == nil {
		c = &channelLimiter{lim: rate.NewLimiter(rate.Every(s.a.cfg.PerChannel), 1)}
		s.channels[channel] = c
	}
	c.used = now
	return c.lim
}

// turn waits until a message may be posted to channel.
func (s *sender) turn(ctx context.Context, channel string) error {
	now := s.a.cfg.Now()
	r := s.limiter(channel, now).ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		if err := s.a.cfg.Sleep(ctx, d); err != nil {
			r.CancelAt(s.a.cfg.Now())
			return err
		}
	}
	return nil
}

// do runs call, pacing it per channel when channel is not "" (a message post), and
// retries it as Slack's answer allows.
func (s *sender) do(ctx context.Context, channel string, call func(ctx context.Context) error) error {
	b := newBackoff()
	attempts, waits := 0, 0
	for {
		if channel != "" {
			if err := s.turn(ctx, channel); err != nil {
				return err
			}
		}
		err := call(ctx)
		if err == nil {
			metrics.Sent("slack", "ok")
			return nil
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var rl *slack.RateLimitedError
		var sc slack.StatusCodeError
		var se slack.SlackErrorResponse
		switch {
		case errors.As(err, &rl):
			metrics.Sent("slack", "429")
			waits++
			if waits > s.a.cfg.MaxRateLimitWaits {
				return fmt.Errorf("slack: still rate limited after %d waits: %w", waits-1, err)
			}
			d := rl.RetryAfter
			if d <= 0 {
				d = time.Second
			}
			s.a.log.Warn("slack: rate limited; waiting", "retry_after", d, "channel", channel)
			if err := s.a.cfg.Sleep(ctx, d); err != nil {
				return err
			}
			continue
		case errors.As(err, &se):
			if se.Err != "ratelimited" && se.Err != "internal_error" && se.Err != "fatal_error" && se.Err != "service_unavailable" && se.Err != "request_timeout" {
				metrics.Sent("slack", "permanent")
				return err // a refusal: retrying cannot change it
			}
		case errors.As(err, &sc):
			if !sc.Retryable() {
				metrics.Sent("slack", "permanent")
				return err
			}
		}
		metrics.Sent("slack", "error")
		// 5xx, 429 without Retry-After, a transport error: back off.
		attempts++
		if attempts >= s.a.cfg.MaxAttempts {
			return fmt.Errorf("slack: giving up after %d attempts: %w", attempts, err)
		}
		d := b.NextBackOff()
		s.a.log.Warn("slack: call failed; retrying", "err", logErr(err), "attempt", attempts, "in", d)
		if err := s.a.cfg.Sleep(ctx, d); err != nil {
			return err
		}
	}
}

// newBackoff: 0.5 s doubling to at most 30 s, ±50 % jitter; callers bound attempts.
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

// post sends r to a channel (or a user's DM channel) with chat.postMessage.
func (a *Adapter) post(ctx context.Context, channel string, r bot.Reply) error {
	opts := messageOptions(r)
	return a.send.do(ctx, channel, func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
}

// upload shares r's picture in channel (files.getUploadURLExternal, the upload, then
// files.completeUploadExternal), with r's text as the comment and its buttons after.
func (a *Adapter) upload(ctx context.Context, channel string, r bot.Reply) error {
	img := r.Image
	err := a.send.do(ctx, channel, func(ctx context.Context) error {
		_, err := a.api.UploadFileContext(ctx, slack.UploadFileParameters{
			Reader:         bytes.NewReader(img.PNG),
			FileSize:       len(img.PNG),
			Filename:       img.Name,
			Title:          img.Name,
			InitialComment: escapeMrkdwn(r.Text),
			Channel:        channel,
		})
		return err
	})
	if err != nil || len(r.Buttons) == 0 {
		return err
	}
	rest := r
	rest.Image, rest.Text = nil, "⬆"
	if err := a.post(ctx, channel, rest); err != nil {
		return chartSentError{err}
	}
	return nil
}

// chartSentError is the failure of the buttons posted after a chart that was
// shared: the picture is there, so it must not be sent again as text.
type chartSentError struct{ error }

func (e chartSentError) Unwrap() error { return e.error }

// chartRefused reports whether err is Slack refusing a picture itself (not the
// buttons after it), so the report should go as text instead.
func chartRefused(err error) bool {
	var se slack.SlackErrorResponse
	var sent chartSentError
	return err != nil && !errors.As(err, &sent) && errors.As(err, &se)
}

// postEphemeral shows r to user only, in channel.
func (a *Adapter) postEphemeral(ctx context.Context, channel, user string, r bot.Reply, extra ...slack.Block) error {
	opts := messageOptions(r, extra...)
	return a.send.do(ctx, channel, func(ctx context.Context) error {
		_, err := a.api.PostEphemeralContext(ctx, channel, user, opts...)
		return err
	})
}

// respond answers through a response_url: ephemeral or in the channel, or replacing
// the message that carried the pressed button. The URL is not the Web API, so it is
// paced by the channel it answers in.
func (a *Adapter) respond(ctx context.Context, url, channel string, r bot.Reply, inChannel, replace bool, extra ...slack.Block) error {
	opts := messageOptions(r, extra...)
	switch {
	case replace:
		opts = append(opts, slack.MsgOptionReplaceOriginal(url))
	case inChannel:
		opts = append(opts, slack.MsgOptionResponseURL(url, slack.ResponseTypeInChannel))
	default:
		opts = append(opts, slack.MsgOptionResponseURL(url, slack.ResponseTypeEphemeral))
	}
	return a.send.do(ctx, channel, func(ctx context.Context) error {
		_, _, err := a.api.PostMessageContext(ctx, channel, opts...)
		return err
	})
}

// openIM returns the id of the DM channel between the bot and user.
func (a *Adapter) openIM(ctx context.Context, user string) (string, error) {
	var id string
	err := a.send.do(ctx, "", func(ctx context.Context) error {
		ch, _, _, err := a.api.OpenConversationContext(ctx, &slack.OpenConversationParameters{Users: []string{user}, ReturnIM: true})
		if err == nil {
			id = ch.ID
		}
		return err
	})
	return id, err
}
