package httpapi

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"crmbot/crm"
)

// timelineLimit is how many of an interest's latest timeline entries GET returns.
const timelineLimit = 50

type interestResponse struct {
	Interest *crm.Interest      `json:"interest"`
	Owner    string             `json:"owner"`
	Company  *crm.Company       `json:"company"`
	Contact  *crm.Contact       `json:"contact"`
	Timeline []*crm.Interaction `json:"timeline"`
}

func (s *Server) getInterest(ctx context.Context, w http.ResponseWriter, r *http.Request, who *crm.TokenActor) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	card, err := s.cfg.Service.Card(ctx, who.Actor, id, timelineLimit)
	if err != nil {
		s.fail(w, err)
		return
	}
	tl := card.Timeline
	if tl == nil {
		tl = []*crm.Interaction{}
	}
	writeJSON(w, http.StatusOK, interestResponse{Interest: card.Interest, Owner: card.Owner, Company: card.CompanyRec, Contact: card.ContactRec, Timeline: tl})
}

type companyResponse struct {
	Company   *crm.Company    `json:"company"`
	Contacts  []*crm.Contact  `json:"contacts"`
	Interests []*crm.Interest `json:"interests"`
}

func (s *Server) getCompany(ctx context.Context, w http.ResponseWriter, r *http.Request, who *crm.TokenActor) {
	id, ok := pathID(w, r)
	if !ok {
		return
	}
	v, err := s.cfg.Service.CompanyCard(ctx, who.Actor, id)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := companyResponse{Company: v.Company, Contacts: v.Contacts, Interests: v.Interests}
	if out.Contacts == nil {
		out.Contacts = []*crm.Contact{}
	}
	if out.Interests == nil {
		out.Interests = []*crm.Interest{}
	}
	writeJSON(w, http.StatusOK, out)
}

type pipelineRow struct {
	OwnerID uint64            `json:"owner_id"`
	Owner   string            `json:"owner"`
	Open    map[crm.Stage]int `json:"open"`
	Value   int64             `json:"value"`
	Overdue int               `json:"overdue"`
	Won     int               `json:"won"`
	Lost    int               `json:"lost"`
}

type pipelineResponse struct {
	At       time.Time     `json:"at"`
	Currency string        `json:"currency"`
	Rows     []pipelineRow `json:"rows"`
}

func (s *Server) getPipeline(ctx context.Context, w http.ResponseWriter, r *http.Request, who *crm.TokenActor) {
	p, err := s.cfg.Service.Pipeline(ctx, who.Actor, 0)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := pipelineResponse{At: p.At.UTC(), Currency: p.Currency, Rows: []pipelineRow{}}
	for _, row := range p.Rows {
		out.Rows = append(out.Rows, pipelineRow{OwnerID: row.Owner.ID, Owner: row.Owner.Name, Open: row.Open, Value: row.Value, Overdue: row.Overdue, Won: row.Won, Lost: row.Lost})
	}
	writeJSON(w, http.StatusOK, out)
}

type changesResponse struct {
	Changes []*crm.AuditEntry `json:"changes"`
	Next    string            `json:"next"`
}

// defaultChangesLimit is a page of the feed when limit is not given.
const defaultChangesLimit = 100

func (s *Server) getChanges(ctx context.Context, w http.ResponseWriter, r *http.Request, who *crm.TokenActor) {
	q := r.URL.Query()
	var after uint64
	var since time.Time
	if v := q.Get("since"); v != "" {
		if n, err := strconv.ParseUint(v, 10, 64); err == nil {
			after = n
		} else if t, err := time.Parse(time.RFC3339, v); err == nil {
			since = t
		} else {
			writeError(w, http.StatusBadRequest, "bad_since", "since must be a cursor (the next of the previous page, a number) or a time in RFC 3339, e.g. 2026-11-30T08:00:00Z.", nil)
			return
		}
	}
	limit := defaultChangesLimit
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > crm.MaxChangePage {
			writeError(w, http.StatusBadRequest, "bad_limit", "limit must be a number from 1 to "+strconv.Itoa(crm.MaxChangePage)+".", nil)
			return
		}
		limit = n
	}
	page, err := s.cfg.Service.Changes(ctx, who.Actor, after, since, limit)
	if err != nil {
		s.fail(w, err)
		return
	}
	out := changesResponse{Changes: page.Entries, Next: strconv.FormatUint(page.Next, 10)}
	if out.Changes == nil {
		out.Changes = []*crm.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, out)
}
