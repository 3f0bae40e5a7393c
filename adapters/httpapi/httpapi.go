// Package httpapi is crmbot's HTTP API for inquiries and integrations: it translates
// HTTP and JSON into crm.Service calls and typed results back into JSON. It holds no
// rules of its own (those are crm's) and never touches storage.
//
//	POST /api/v1/inquiries        a web form's inquiry → a routed, nudged interest (write)
//	GET  /api/v1/interests/{id}   an interest with its client and timeline (read)
//	GET  /api/v1/companies/{id}   a company with its contacts and interests (read)
//	GET  /api/v1/pipeline         open interests by manager × stage (read)
//	GET  /api/v1/changes          the audit log as a feed, with a cursor (read)
//	GET  /api/v1/openapi.json     the OpenAPI 3 document (no token)
package httpapi

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"crmbot/bot"
	"crmbot/crm"
)

// OpenAPI is the API's OpenAPI 3 document, served at /api/v1/openapi.json.
//
//go:embed openapi.json
var OpenAPI []byte

// Config configures the API; zero fields take their defaults.
type Config struct {
	Service *crm.Service
	// Notices renders the nudge an inquiry's owner gets (the bot engine); nil sends none.
	Notices crm.NoticeRenderer
	// Poke is called after a request enqueued a message, to wake the senders.
	Poke func()
	// Catalog renders error messages (English); bot.LoadCatalog's when nil.
	Catalog *bot.Catalog
	Logger  *slog.Logger
	// Now is the rate limiter's clock (tests drive it); time.Now when nil.
	Now func() time.Time
	// Rate and Burst are each token's request rate limit. Default 5/s, burst 20.
	Rate  rate.Limit
	Burst int
	// MaxBody bounds a request body. Default 64 KiB.
	MaxBody int64
}

// Server serves the API.
type Server struct {
	cfg      Config
	mu       sync.Mutex
	limiters map[uint64]*rate.Limiter
}

// New returns the API server.
func New(cfg Config) (*Server, error) {
	if cfg.Service == nil {
		return nil, errors.New("httpapi: no service")
	}
	if cfg.Catalog == nil {
		cat, err := bot.LoadCatalog()
		if err != nil {
			return nil, err
		}
		cfg.Catalog = cat
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Rate == 0 {
		cfg.Rate = 5
	}
	if cfg.Burst == 0 {
		cfg.Burst = 20
	}
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 64 << 10
	}
	return &Server{cfg: cfg, limiters: map[uint64]*rate.Limiter{}}, nil
}

// Register mounts the API's routes on mux.
func (s *Server) Register(mux *http.ServeMux) {
	mux.HandleFunc("GET /api/v1/openapi.json", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(OpenAPI)
	})
	mux.Handle("POST /api/v1/inquiries", s.auth(crm.ScopeWrite, s.createInquiry))
	mux.Handle("GET /api/v1/interests/{id}", s.auth(crm.ScopeRead, s.getInterest))
	mux.Handle("GET /api/v1/companies/{id}", s.auth(crm.ScopeRead, s.getCompany))
	mux.Handle("GET /api/v1/pipeline", s.auth(crm.ScopeRead, s.getPipeline))
	mux.Handle("GET /api/v1/changes", s.auth(crm.ScopeRead, s.getChanges))
	mux.HandleFunc("/api/v1/", func(w http.ResponseWriter, r *http.Request) {
		if allow := allowed(r.URL.Path); allow != "" {
			w.Header().Set("Allow", allow)
			writeError(w, http.StatusMethodNotAllowed, "method_not_allowed", "Use "+allow+" on "+r.URL.Path+".", nil)
			return
		}
		writeError(w, http.StatusNotFound, "not_found", "No such endpoint. GET /api/v1/openapi.json lists them.", nil)
	})
}

// allowed is the method of an endpoint the path names, "" when it names none: the
// catch-all route answers a wrong method with 405 in JSON, not the mux's plain text.
func allowed(path string) string {
	switch {
	case path == "/api/v1/inquiries":
		return http.MethodPost
	case path == "/api/v1/pipeline", path == "/api/v1/changes", path == "/api/v1/openapi.json":
		return http.MethodGet
	}
	for _, p := range []string{"/api/v1/interests/", "/api/v1/companies/"} {
		if rest, ok := strings.CutPrefix(path, p); ok && rest != "" && !strings.Contains(rest, "/") {
			return http.MethodGet
		}
	}
	return ""
}

// Handler returns the API on a mux of its own.
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	s.Register(mux)
	return mux
}

type handler func(ctx context.Context, w http.ResponseWriter, r *http.Request, who *crm.TokenActor)

// auth checks the bearer token, its scope and its rate limit before h runs.
func (s *Server) auth(need crm.TokenScope, h handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The scheme is case-insensitive (RFC 9110); the secret is not.
		scheme, secret, ok := strings.Cut(strings.TrimSpace(r.Header.Get("Authorization")), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") {
			w.Header().Set("WWW-Authenticate", `Bearer realm="crmbot"`)
			s.fail(w, crm.Errorf(crm.EUNAUTHORIZED, "err.api_token_unknown"))
			return
		}
		who, err := s.cfg.Service.AuthenticateToken(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			if crm.ErrorCode(err) == crm.EUNAUTHORIZED {
				w.Header().Set("WWW-Authenticate", `Bearer realm="crmbot", error="invalid_token"`)
			}
			s.fail(w, err)
			return
		}
		if !who.Token.Scope.Allows(need) {
			writeError(w, http.StatusForbidden, "insufficient_scope", "This token may only read. An admin makes a write token with /team token new <name> write.", nil)
			return
		}
		if wait, ok := s.allow(who.Token.ID); !ok {
			w.Header().Set("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
			writeError(w, http.StatusTooManyRequests, "rate_limited", "Too many requests with this token. Wait for Retry-After seconds, then retry.", nil)
			return
		}
		h(r.Context(), w, r, who)
	})
}

// allow takes one request from the token's budget, or says how long until one is free.
func (s *Server) allow(tokenID uint64) (time.Duration, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	l := s.limiters[tokenID]
	if l == nil {
		l = rate.NewLimiter(s.cfg.Rate, s.cfg.Burst)
		s.limiters[tokenID] = l
	}
	now := s.cfg.Now()
	res := l.ReserveN(now, 1)
	if d := res.DelayFrom(now); d > 0 {
		res.CancelAt(now)
		return max(d, time.Second), false
	}
	return 0, true
}

// apiError is the body of every error response.
type apiError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	// Match is the existing contact a contact_conflict is about.
	Match *crm.Match `json:"match,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	_ = enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, code, msg string, m *crm.Match) {
	writeJSON(w, status, apiError{Error: errorBody{Code: code, Message: msg, Match: m}})
}

// fail answers with err's status and code. Internal errors are logged (never the body
// or a token) and answered with a generic message.
func (s *Server) fail(w http.ResponseWriter, err error) {
	e := crm.AsError(err)
	if e == nil || e.Code == crm.EINTERNAL {
		s.cfg.Logger.Error("api request failed", "err", err)
		writeError(w, http.StatusInternalServerError, "internal", "Something went wrong on our side; nothing may have been saved. Retry with the same Idempotency-Key.", nil)
		return
	}
	msg := s.cfg.Catalog.T("en", e.Key, s.cfg.Catalog.ErrorArgs("en", e)...)
	var dup *crm.DuplicateError
	switch {
	case errors.As(err, &dup):
		writeError(w, http.StatusConflict, "contact_conflict", msg, &dup.Match)
	case e.Key == "err.idempotency_mismatch":
		writeError(w, http.StatusUnprocessableEntity, "idempotency_mismatch", msg, nil)
	case e.Key == "err.inquiry_no_manager":
		writeError(w, http.StatusConflict, "no_manager", msg, nil)
	case e.Code == crm.EINVALID:
		writeError(w, http.StatusUnprocessableEntity, "invalid", msg, nil)
	case e.Code == crm.ENOTFOUND:
		writeError(w, http.StatusNotFound, "not_found", msg, nil)
	case e.Code == crm.EFORBIDDEN:
		writeError(w, http.StatusForbidden, "forbidden", msg, nil)
	case e.Code == crm.EUNAUTHORIZED:
		writeError(w, http.StatusUnauthorized, "unauthorized", msg, nil)
	case e.Code == crm.ECONFLICT:
		writeError(w, http.StatusConflict, "conflict", msg, nil)
	default:
		writeError(w, http.StatusInternalServerError, "internal", msg, nil)
	}
}

// pathID reads the {id} of the path, answering 400 when it is not a number.
func pathID(w http.ResponseWriter, r *http.Request) (uint64, bool) {
	id, err := strconv.ParseUint(strings.TrimPrefix(r.PathValue("id"), "#"), 10, 64)
	if err != nil || id == 0 {
		writeError(w, http.StatusBadRequest, "bad_id", "The id in the path must be a positive number, e.g. /api/v1/interests/42.", nil)
		return 0, false
	}
	return id, true
}
