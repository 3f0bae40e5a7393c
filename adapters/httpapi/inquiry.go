package httpapi

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"

	"crmbot/crm"
)

// inquiryRequest is the body of POST /api/v1/inquiries: a web form's fields. Unknown
// fields are refused, so a misspelt one is never silently dropped.
type inquiryRequest struct {
	Name    string `json:"name"`
	Company string `json:"company"`
	Email   string `json:"email"`
	Phone   string `json:"phone"`
	Message string `json:"message"`
	Source  string `json:"source"`
	Segment string `json:"segment"`
	// Link and LinkContactID answer a contact_conflict: "existing" (with the
	// contact's id) attaches the inquiry to that contact, "new" records a new one.
	Link          string `json:"link"`
	LinkContactID uint64 `json:"link_contact_id"`
}

// inquiryResponse is the body of a created (201) or repeated (200) inquiry.
type inquiryResponse struct {
	Outcome    string     `json:"outcome"`
	InterestID uint64     `json:"interest_id"`
	CompanyID  uint64     `json:"company_id"`
	ContactID  uint64     `json:"contact_id"`
	OwnerID    uint64     `json:"owner_id"`
	Owner      string     `json:"owner"`
	Links      []linkJSON `json:"links"`
}

type linkJSON struct {
	What string `json:"what"`
	By   string `json:"by,omitempty"`
	ID   uint64 `json:"id"`
}

// maxIdempotencyKey bounds the Idempotency-Key header.
const maxIdempotencyKey = 200

func (s *Server) createInquiry(ctx context.Context, w http.ResponseWriter, r *http.Request, who *crm.TokenActor) {
	key := r.Header.Get("Idempotency-Key")
	if len(key) > maxIdempotencyKey {
		writeError(w, http.StatusBadRequest, "bad_idempotency_key", "The Idempotency-Key header is too long: send at most 200 characters (a UUID is usual).", nil)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBody))
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "too_large", "The body is larger than "+strconv.FormatInt(s.cfg.MaxBody>>10, 10)+" KiB. Send the form's fields only.", nil)
		return
	}
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad_body", "The body could not be read. Send it again.", nil)
		return
	}
	var req inquiryRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil || dec.More() {
		msg := "The body is not valid JSON. Send an object such as {\"name\": \"Ana Horvat\", \"company\": \"Acme d.o.o.\", \"email\": \"ana@acme.hr\", \"message\": \"…\"}."
		var syn *json.SyntaxError
		if err != nil && !errors.As(err, &syn) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
			// An unknown field or a wrong type: say which, the decoder's words name it.
			msg = "The body does not match the inquiry's fields (" + err.Error() + "). Allowed: name, company, email, phone, message, source, segment, link, link_contact_id — all strings but link_contact_id."
		}
		writeError(w, http.StatusBadRequest, "bad_json", msg, nil)
		return
	}
	link := crm.LinkDecision(req.Link)
	if link != crm.LinkAsk && link != crm.LinkExisting && link != crm.LinkNew {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "link must be \"existing\" (with link_contact_id) or \"new\".", nil)
		return
	}
	if link == crm.LinkExisting && req.LinkContactID == 0 {
		writeError(w, http.StatusUnprocessableEntity, "invalid", "link \"existing\" needs link_contact_id: the contact id of the conflict's match.", nil)
		return
	}
	sum := sha256.Sum256(body)
	op := crm.Op{Actor: who.Actor}
	if key != "" {
		// Keys are per token: two systems choosing the same UUID do not collide.
		op.Key = "api:" + strconv.FormatUint(who.Token.ID, 10) + ":" + key
	}
	q := crm.Inquiry{Name: req.Name, Company: req.Company, Email: req.Email, Phone: req.Phone, Message: req.Message,
		Source: req.Source, Segment: crm.Segment(req.Segment), Link: link, LinkContactID: req.LinkContactID,
		Via: who.Token.Name, Fingerprint: hex.EncodeToString(sum[:])}
	res, err := s.cfg.Service.CreateInquiry(ctx, op, q, s.cfg.Notices)
	if err != nil {
		s.fail(w, err)
		return
	}
	if !res.Replayed && s.cfg.Poke != nil {
		s.cfg.Poke()
	}
	out := inquiryResponse{Outcome: res.Outcome, InterestID: res.InterestID, CompanyID: res.CompanyID, ContactID: res.ContactID,
		OwnerID: res.OwnerID, Owner: res.Owner, Links: []linkJSON{}}
	for _, l := range res.Links {
		out.Links = append(out.Links, linkJSON{What: l.What, By: l.By, ID: l.ID})
	}
	status := http.StatusCreated
	if res.Outcome == crm.InquiryRepeat {
		status = http.StatusOK
	}
	if res.Replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	writeJSON(w, status, out)
}
