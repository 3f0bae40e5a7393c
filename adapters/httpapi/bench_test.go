package httpapi_test

import (
	"fmt"
	"net/http"
	"testing"
)

// BenchmarkCreateInquiry is POST /api/v1/inquiries end to end on a real database:
// token check, routing, de-duplication probes, the interest, its note, audit, nudge
// and idempotency record in one transaction.
func BenchmarkCreateInquiry(b *testing.B) {
	h := newHarness(b)
	h.skipVerify = true
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		body := fmt.Sprintf(`{"name":"Person %d","company":"Firm %d","email":"p%d@firm.hr","message":"We need a quote."}`, i, i, i)
		res := h.post(body, "Idempotency-Key", fmt.Sprintf("bench-%d", i))
		if res.Code != http.StatusCreated {
			b.Fatalf("%d %s", res.Code, res.Body)
		}
	}
}

// BenchmarkGetInterest is GET /api/v1/interests/{id}.
func BenchmarkGetInterest(b *testing.B) {
	h := newHarness(b)
	h.skipVerify = true
	id := h.post(form).json(b)["interest_id"]
	path := fmt.Sprintf("/api/v1/interests/%v", id)
	b.ReportAllocs()
	for b.Loop() {
		if res := h.do(http.MethodGet, path, h.read, nil); res.Code != http.StatusOK {
			b.Fatal(res.Code)
		}
	}
}
