package telegram

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// ctxClient gives tgbotapi's context-free requests a context: tgbotapi builds every
// request with http.NewRequest, so without this a shutdown would wait for a 50-second
// long poll to end.
type ctxClient struct {
	ctx  context.Context
	base *http.Client
}

func (c ctxClient) Do(req *http.Request) (*http.Response, error) {
	return c.base.Do(req.WithContext(c.ctx))
}

// withContext returns a copy of api whose requests are bound to ctx. BotAPI holds no
// lock and is never modified after connect, so a shallow copy per call is safe.
func (a *Adapter) withContext(ctx context.Context, api *tgbotapi.BotAPI) *tgbotapi.BotAPI {
	cp := *api
	cp.Client = ctxClient{ctx, a.client}
	return &cp
}

// scrubbed is an error whose text has the token removed. It unwraps to the original
// only when that cannot reveal the token: a *tgbotapi.Error (the API's description)
// or a rebuilt *url.Error whose URL is redacted.
type scrubbed struct {
	msg   string
	inner error
}

func (e *scrubbed) Error() string { return e.msg }
func (e *scrubbed) Unwrap() error { return e.inner }

// scrub removes the bot token from err. tgbotapi puts the token in every request URL
// (".../bot<token>/sendMessage") and its transport errors print that URL.
func (a *Adapter) scrub(err error) error {
	return scrubToken(err, a.cfg.Token)
}

func scrubToken(err error, token string) error {
	if err == nil {
		return nil
	}
	var already *scrubbed
	if errors.As(err, &already) && !strings.Contains(err.Error(), token) {
		return err
	}
	msg := redact(err.Error(), token)
	var inner error
	var te *tgbotapi.Error
	var ue *url.Error
	switch {
	case errors.As(err, &te):
		inner = te
	case errors.As(err, &ue):
		// Keep Timeout()/Temporary() and context errors reachable, without the URL.
		inner = &url.Error{Op: ue.Op, URL: redact(ue.URL, token), Err: scrubInner(ue.Err, token)}
	case errors.Is(err, context.Canceled):
		inner = context.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		inner = context.DeadlineExceeded
	}
	return &scrubbed{msg: msg, inner: inner}
}

// scrubInner keeps a url.Error's cause when its text does not hold the token (a
// net.OpError, a context error), and replaces it otherwise.
func scrubInner(err error, token string) error {
	if err == nil || !strings.Contains(err.Error(), token) {
		return err
	}
	return errors.New(redact(err.Error(), token))
}

// redact replaces the token (raw and URL-escaped) with "<token>".
func redact(s, token string) string {
	if token == "" {
		return s
	}
	ts := []string{token, url.QueryEscape(token), url.PathEscape(token)}
	// The part after the colon is the secret: a URL parser that split the token
	// (as host:port, say) may quote it alone.
	if _, secret, ok := strings.Cut(token, ":"); ok && len(secret) >= 8 {
		ts = append(ts, secret, url.QueryEscape(secret), url.PathEscape(secret))
	}
	for _, t := range ts {
		s = strings.ReplaceAll(s, t, "<token>")
	}
	return s
}
