package httpapi_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"crmbot/adapters/httpapi"
	"crmbot/crm"
)

func TestReadEndpoints(t *testing.T) {
	h := newHarness(t)
	first := h.post(form).json(t)
	h.clk.Add(time.Minute)
	h.post(`{"name":"Nina Babić","company":"Acme d.o.o.","email":"nina@acme.hr"}`)

	co := h.do(http.MethodGet, fmt.Sprintf("/api/v1/companies/%v", first["company_id"]), h.read, nil)
	var c struct {
		Company   crm.Company
		Contacts  []crm.Contact
		Interests []crm.Interest
	}
	if err := json.Unmarshal(co.Body, &c); err != nil || co.Code != 200 {
		t.Fatalf("GET company: %d %s", co.Code, co.Body)
	}
	if c.Company.Name != "Acme d.o.o." || len(c.Contacts) != 2 || len(c.Interests) != 2 {
		t.Errorf("company card: %+v", c)
	}

	for _, tt := range []struct {
		path    string
		code    int
		errCode string
	}{
		{"/api/v1/interests/999", 404, "not_found"},
		{"/api/v1/companies/999", 404, "not_found"},
		{"/api/v1/interests/abc", 400, "bad_id"},
		{"/api/v1/changes?since=yesterday", 400, "bad_since"},
		{"/api/v1/changes?limit=0", 400, "bad_limit"},
		{"/api/v1/changes?limit=5000", 400, "bad_limit"},
		{"/api/v1/nothing", 404, "not_found"},
		{"/api/v1/inquiries", 405, "method_not_allowed"},
	} {
		res := h.do(http.MethodGet, tt.path, h.read, nil)
		if res.Code != tt.code || res.errCode(t) != tt.errCode {
			t.Errorf("%s: %d %s, want %d %s", tt.path, res.Code, res.Body, tt.code, tt.errCode)
		}
	}

	// The feed, page by page with the cursor, reads every entry once in order.
	type page struct {
		Changes []crm.AuditEntry
		Next    string
	}
	read := func(q string) page {
		t.Helper()
		res := h.do(http.MethodGet, "/api/v1/changes"+q, h.read, nil)
		var p page
		if err := json.Unmarshal(res.Body, &p); err != nil || res.Code != 200 {
			t.Fatalf("changes%s: %d %s", q, res.Code, res.Body)
		}
		return p
	}
	all := read("")
	var paged []uint64
	for cursor := "0"; ; {
		p := read("?limit=3&since=" + cursor)
		if len(p.Changes) == 0 {
			if p.Next != cursor {
				t.Errorf("empty page moved the cursor %s → %s", cursor, p.Next)
			}
			break
		}
		for _, e := range p.Changes {
			paged = append(paged, e.ID)
		}
		cursor = p.Next
	}
	if len(paged) != len(all.Changes) || len(paged) < 6 {
		t.Fatalf("paged %d entries, whole feed %d", len(paged), len(all.Changes))
	}
	for i, e := range all.Changes {
		if paged[i] != e.ID || (i > 0 && e.ID <= all.Changes[i-1].ID) {
			t.Fatalf("feed out of order at %d: %v", i, paged)
		}
	}
	// From a time: only what happened since.
	since := read("?since=" + h.clk.Now().Format(time.RFC3339))
	if len(since.Changes) == 0 || len(since.Changes) >= len(all.Changes) {
		t.Errorf("since a time: %d of %d entries", len(since.Changes), len(all.Changes))
	}
	for _, e := range since.Changes {
		if e.At.Before(h.clk.Now()) {
			t.Errorf("entry %d at %s is before since", e.ID, e.At)
		}
	}

	// The document is served as it is kept in the repository.
	doc := h.do(http.MethodGet, "/api/v1/openapi.json", "", nil)
	if doc.Code != 200 || string(doc.Body) != string(httpapi.OpenAPI) {
		t.Errorf("openapi.json: %d, %d bytes", doc.Code, len(doc.Body))
	}
}

// TestEveryOperationTested runs the other tests' requests again in one harness and
// checks that each operation of the document was exercised (so was validated).
func TestEveryOperationTested(t *testing.T) {
	h := newHarness(t)
	res := h.post(form).json(t)
	h.do(http.MethodGet, fmt.Sprintf("/api/v1/interests/%v", res["interest_id"]), h.read, nil)
	h.do(http.MethodGet, fmt.Sprintf("/api/v1/companies/%v", res["company_id"]), h.read, nil)
	h.do(http.MethodGet, "/api/v1/pipeline", h.read, nil)
	h.do(http.MethodGet, "/api/v1/changes", h.read, nil)
	h.do(http.MethodGet, "/api/v1/openapi.json", "", nil)
	for path, pi := range h.doc.Paths.Map() {
		for method := range pi.Operations() {
			if !h.covered[method+" "+path] {
				t.Errorf("%s %s is in the document but no test calls it", method, path)
			}
		}
	}
	if got := strings.Count(string(httpapi.OpenAPI), `"/api/v1/`); got != len(h.doc.Paths.Map()) {
		t.Errorf("paths: %d", got)
	}
}
