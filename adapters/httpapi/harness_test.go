package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"golang.org/x/time/rate"

	"crmbot/adapters/httpapi"
	"crmbot/bot"
	"crmbot/crm"
	"crmbot/storage"
	"crmbot/storage/storagetest"
)

// clock is a time source the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// harness is an API on a real database with a team: an admin, two corporate managers
// (Ana, then Ivan) and a retail one (Rita), each on Telegram; a write token and a read
// token. Every response it sees is validated against the OpenAPI document.
type harness struct {
	t          testing.TB
	db         *storage.DB
	svc        *crm.Service
	clk        *clock
	eng        *bot.Engine
	h          http.Handler
	admin      *crm.User
	ana, ivan  *crm.User
	rita       *crm.User
	write      string
	read       string
	doc        *openapi3.T
	pokes      int
	rateLimit  float64
	rateBurst  int
	covered    map[string]bool
	coveredMu  sync.Mutex
	skipVerify bool
}

var openapiDoc = func() func(t testing.TB) *openapi3.T {
	var once sync.Once
	var doc *openapi3.T
	var err error
	return func(t testing.TB) *openapi3.T {
		once.Do(func() {
			doc, err = openapi3.NewLoader().LoadFromData(httpapi.OpenAPI)
			if err == nil {
				err = doc.Validate(context.Background())
			}
		})
		if err != nil {
			t.Fatalf("openapi.json: %v", err)
		}
		return doc
	}
}()

type opt func(*harness)

func withRate(r float64, burst int) opt {
	return func(h *harness) { h.rateLimit, h.rateBurst = r, burst }
}

func newHarness(t testing.TB, opts ...opt) *harness {
	t.Helper()
	h := &harness{t: t, clk: &clock{t: time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC)}, covered: map[string]bool{}, rateLimit: 1000, rateBurst: 1000}
	for _, o := range opts {
		o(h)
	}
	h.doc = openapiDoc(t)
	h.db = storagetest.Open(t)
	h.svc = crm.NewService(h.db, h.clk.Now, crm.Config{})
	ctx := context.Background()
	var err error
	if h.admin, err = h.svc.EnsureAdmin(ctx, "console:root", "Root"); err != nil {
		t.Fatal(err)
	}
	add := func(name string, seg crm.Segment, tg crm.Identity) *crm.User {
		u, err := h.svc.AddUser(ctx, crm.Op{Actor: h.admin}, name, crm.RoleManager, seg, "Europe/Zagreb")
		if err != nil {
			t.Fatal(err)
		}
		if u, err = h.svc.LinkIdentity(ctx, crm.Op{Actor: h.admin}, u.ID, tg); err != nil {
			t.Fatal(err)
		}
		return u
	}
	h.ana = add("Ana", crm.SegmentCorporate, "telegram:101")
	h.ivan = add("Ivan", crm.SegmentCorporate, "telegram:102")
	h.rita = add("Rita", crm.SegmentRetail, "telegram:103")
	h.write = h.token("web-form", crm.ScopeWrite)
	h.read = h.token("reports", crm.ScopeRead)
	h.eng = bot.New(h.svc, bot.Options{Clock: h.clk.Now})
	api, err := httpapi.New(httpapi.Config{Service: h.svc, Notices: h.eng, Poke: func() { h.pokes++ }, Now: h.clk.Now,
		Rate: rateOf(h.rateLimit), Burst: h.rateBurst})
	if err != nil {
		t.Fatal(err)
	}
	h.h = api.Handler()
	return h
}

func (h *harness) token(name string, scope crm.TokenScope) string {
	nt, err := h.svc.CreateAPIToken(context.Background(), crm.Op{Actor: h.admin}, name, scope)
	if err != nil {
		h.t.Fatal(err)
	}
	return nt.Secret
}

// response is what a request got back.
type response struct {
	Code   int
	Header http.Header
	Body   []byte
}

func (r response) json(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("response is not JSON: %v\n%s", err, r.Body)
	}
	return m
}

// errCode is the error code of an error response.
func (r response) errCode(t testing.TB) string {
	t.Helper()
	e, _ := r.json(t)["error"].(map[string]any)
	if e == nil {
		t.Fatalf("not an error response: %s", r.Body)
	}
	code, _ := e["code"].(string)
	return code
}

// do sends a request to the API and validates the response against the document.
func (h *harness) do(method, path, token string, body []byte, headers ...string) response {
	h.t.Helper()
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	rec := httptest.NewRecorder()
	h.h.ServeHTTP(rec, req)
	res := response{Code: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	h.validate(req, res)
	return res
}

func (h *harness) post(body string, headers ...string) response {
	h.t.Helper()
	return h.do(http.MethodPost, "/api/v1/inquiries", h.write, []byte(body), headers...)
}

var idSegment = regexp.MustCompile(`/[^/]+$`)

// validate checks one response against the operation the document gives its path:
// its status must be documented, its body must match the schema.
func (h *harness) validate(req *http.Request, res response) {
	h.t.Helper()
	if h.skipVerify {
		return // a benchmark measures the API, not the validator
	}
	path := req.URL.Path
	tmpl, params := path, map[string]string{}
	pi := h.doc.Paths.Value(path)
	if pi == nil {
		tmpl = idSegment.ReplaceAllString(path, "/{id}")
		pi = h.doc.Paths.Value(tmpl)
		params["id"] = path[strings.LastIndex(path, "/")+1:]
	}
	if pi == nil {
		if res.Code != http.StatusNotFound {
			h.t.Errorf("%s %s: not in the document, yet answered %d", req.Method, path, res.Code)
		}
		return
	}
	op := pi.GetOperation(req.Method)
	if op == nil {
		return // the mux answers an undocumented method itself
	}
	h.coveredMu.Lock()
	h.covered[req.Method+" "+tmpl] = true
	h.coveredMu.Unlock()
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params,
			Route: &routers.Route{Spec: h.doc, Path: tmpl, PathItem: pi, Method: req.Method, Operation: op},
		},
		Status:  res.Code,
		Header:  res.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(res.Body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		h.t.Errorf("%s %s → %d does not match openapi.json: %v\n%s", req.Method, path, res.Code, err, res.Body)
	}
}

func (h *harness) outbox(key string) *crm.OutboxMessage {
	h.t.Helper()
	return storagetest.OutboxMessage(h.t, h.db, key)
}

func (h *harness) pending(platform string) []*crm.OutboxMessage {
	h.t.Helper()
	ms, err := h.svc.PendingOutbox(context.Background(), platform, h.clk.Now().Add(24*time.Hour), 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return ms
}

func rateOf(r float64) rate.Limit { return rate.Limit(r) }
