package exchange

import (
	"bytes"
	"encoding/json"
	"testing"
	"time"

	"crmbot/crm"
)

// TestInteractionJSONIsEncodingJSON: the hand-written encoder writes what
// json.Marshal writes, for the texts managers type and for the awkward ones.
func TestInteractionJSONIsEncodingJSON(t *testing.T) {
	zagreb, err := time.LoadLocation("Europe/Zagreb")
	if err != nil {
		t.Fatal(err)
	}
	texts := []string{"", "called, wants 40 seats", "line\nbreak\r\ttab", `"quoted" \ back`, "<b>&amp;</b>",
		"Đurđa čeka ponudu — 3 €", "emoji 🎉 ok", "\x00\x01\x1f\x7f", "bad \xff\xfe utf8", "sep \u2028 \u2029 end", "\b\f"}
	times := []time.Time{{}, time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC), time.Date(2026, 3, 29, 2, 30, 0, 123456789, zagreb),
		time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}
	for _, text := range texts {
		for _, at := range times {
			it := &crm.Interaction{ID: 1<<64 - 1, InterestID: 42, Kind: crm.InteractionCall, AuthorID: 7, At: at, Text: text}
			want, werr := json.Marshal(it)
			got, gerr := appendInteractionJSON([]byte("x"), it)
			if (werr == nil) != (gerr == nil) {
				t.Fatalf("%q at %v: error %v, json.Marshal's %v", text, at, gerr, werr)
			}
			if werr == nil && !bytes.Equal(got, append([]byte("x"), want...)) {
				t.Errorf("%q at %v:\n got %s\nwant x%s", text, at, got, want)
			}
		}
	}
}

// TestInterestJSONIsEncodingJSON: so is the interests' encoder, empty optional fields
// and all.
func TestInterestJSONIsEncodingJSON(t *testing.T) {
	zagreb, err := time.LoadLocation("Europe/Zagreb")
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 3, 29, 2, 30, 0, 123000000, zagreb)
	for _, in := range []*crm.Interest{
		{},
		{ID: 7, Kind: crm.KindInterest, CompanyID: 1, ContactID: 2, OwnerID: 3, Segment: crm.SegmentCorporate, Stage: crm.StageNew,
			Next: crm.NextAction{What: "next.new", Due: at}, CreatedAt: at, UpdatedAt: at, LastActivityAt: at},
		{ID: 8, Kind: crm.KindPotentialDeal, Segment: crm.SegmentRetail, Need: "40 seats, <b>\"premium\"</b>\n& more \u2028", Source: "Web",
			Value: -5, Currency: "EUR", Stage: crm.StageLost, Deliberation: crm.DeliberationBudget, LossReason: crm.LossCompetitor,
			Next: crm.NextAction{What: "čekam \xff"}, ClosedAt: at.UTC(), CreatedAt: at.Add(time.Nanosecond)},
		{ID: 9, CreatedAt: time.Date(12345, 1, 1, 0, 0, 0, 0, time.UTC)},
	} {
		want, werr := json.Marshal(in)
		got, gerr := appendInterestJSON(nil, in)
		if (werr == nil) != (gerr == nil) || werr == nil && !bytes.Equal(got, want) {
			t.Errorf("interest %d:\n got %s %v\nwant %s %v", in.ID, got, gerr, want, werr)
		}
	}
}
