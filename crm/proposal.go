package crm

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// ChecklistItem is one thing a corporate buyer weighs that a proposal must carry (R14).
// Items are bits, so an interest keeps its whole checklist in one small number.
type ChecklistItem uint8

// The proposal checklist (R14), in the order it is shown.
const (
	CheckPrice    ChecklistItem = 1 << iota // price range and terms
	CheckSpecs                              // full specifications
	CheckSupport                            // support
	CheckDelivery                           // delivery time
	CheckBenefit                            // benefit to the client's business
)

// ChecklistItems lists the checklist in the order it is shown.
var ChecklistItems = []ChecklistItem{CheckPrice, CheckSpecs, CheckSupport, CheckDelivery, CheckBenefit}

// checkAll is every item checked.
const checkAll = CheckPrice | CheckSpecs | CheckSupport | CheckDelivery | CheckBenefit

var checkNames = map[ChecklistItem]string{CheckPrice: "price", CheckSpecs: "specs", CheckSupport: "support", CheckDelivery: "delivery", CheckBenefit: "benefit"}

// String is the item's key word ("specs"): catalog keys and audit details use it.
func (c ChecklistItem) String() string { return checkNames[c] }

// ParseChecklistItem reads an item's key word.
func ParseChecklistItem(s string) (ChecklistItem, bool) {
	for k, v := range checkNames {
		if v == s {
			return k, true
		}
	}
	return 0, false
}

// DeliveryUnit is the unit a delivery time is promised in. Months are kept as months,
// not converted to days: "2 months" is what the client was promised.
type DeliveryUnit string

// Delivery units.
const (
	DeliveryDays   DeliveryUnit = "day"
	DeliveryWeeks  DeliveryUnit = "week"
	DeliveryMonths DeliveryUnit = "month"
)

// DeliveryUnits lists the units in the order they are offered.
var DeliveryUnits = []DeliveryUnit{DeliveryDays, DeliveryWeeks, DeliveryMonths}

// LeadTime is a promised delivery time: N units after the order.
type LeadTime struct {
	N    int          `json:"n"`
	Unit DeliveryUnit `json:"unit"`
}

// MaxDeliveryN bounds a delivery time: 999 of any unit is already a typo.
const MaxDeliveryN = 999

// Valid reports whether d is a delivery time that can be promised.
func (d LeadTime) Valid() bool {
	return d.N > 0 && d.N <= MaxDeliveryN && (d.Unit == DeliveryDays || d.Unit == DeliveryWeeks || d.Unit == DeliveryMonths)
}

// String is the audit's form ("3 week").
func (d LeadTime) String() string { return strconv.Itoa(d.N) + " " + string(d.Unit) }

// Proposal is what an interest's proposal offers (R14): its value, the delivery time,
// how long it is valid, which checklist items it carries, and when it was sent.
type Proposal struct {
	Value      int64         `json:"value"`
	Currency   string        `json:"currency"`
	Delivery   LeadTime      `json:"delivery"`
	ValidUntil time.Time     `json:"valid_until"` // the last day, as midnight UTC of that date
	Checked    ChecklistItem `json:"checked,omitempty"`
	SentAt     time.Time     `json:"sent_at,omitempty"`
}

// Unchecked returns the checklist items not yet checked, in checklist order.
func (p *Proposal) Unchecked() []ChecklistItem {
	var out []ChecklistItem
	for _, c := range ChecklistItems {
		if p == nil || p.Checked&c == 0 {
			out = append(out, c)
		}
	}
	return out
}

// Sent reports whether the proposal was marked sent.
func (p *Proposal) Sent() bool { return p != nil && !p.SentAt.IsZero() }

// ProposalTerms are the terms asked for when an interest moves to proposal.
type ProposalTerms struct {
	Value      int64
	Currency   string
	Delivery   LeadTime
	ValidUntil time.Time // a date: only its year, month and day are read
}

// check validates the terms against now: a positive value, a delivery time, and a
// validity date not before today and within the horizon.
func (t *ProposalTerms) check(now time.Time, def string) error {
	if t.Value <= 0 {
		return Errorf(EINVALID, "err.proposal_value")
	}
	t.Currency = strings.ToUpper(strings.TrimSpace(t.Currency))
	if t.Currency == "" {
		t.Currency = def
	}
	if len(t.Currency) != 3 || !isLetters(t.Currency) {
		return Errorf(EINVALID, "err.proposal_value")
	}
	if !t.Delivery.Valid() {
		return Errorf(EINVALID, "err.proposal_delivery")
	}
	if t.ValidUntil.IsZero() {
		return Errorf(EINVALID, "err.proposal_valid")
	}
	y, m, d := t.ValidUntil.Date()
	t.ValidUntil = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	ny, nm, nd := now.Date()
	if t.ValidUntil.Before(time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)) {
		return Errorf(EINVALID, "err.proposal_valid_past")
	}
	if t.ValidUntil.After(Horizon(now)) {
		return Errorf(EINVALID, "err.due_too_far", HorizonYears)
	}
	return nil
}

// setTerms stores terms on the interest's proposal, keeping its checklist, and
// returns the audit detail.
func setTerms(in *Interest, t ProposalTerms) string {
	p := in.Proposal
	if p == nil {
		p = &Proposal{}
		in.Proposal = p
	}
	p.Value, p.Currency, p.Delivery, p.ValidUntil = t.Value, t.Currency, t.Delivery, t.ValidUntil
	return "value=" + strconv.FormatInt(t.Value, 10) + " " + t.Currency + " delivery=" + t.Delivery.String() + " valid=" + t.ValidUntil.Format("2006-01-02")
}

// SetProposal sets (or corrects) the terms of an interest's proposal; the checklist is
// kept. The interest must be open.
func (s *Service) SetProposal(ctx context.Context, op Op, id uint64, t ProposalTerms) (*Interest, error) {
	if err := t.check(s.now(), s.Config.Currency); err != nil {
		return nil, err
	}
	in, _, err := s.change(ctx, op, id, "proposal", func(tx Tx, in *Interest, now time.Time) (string, error) {
		if !in.Open() {
			return "", Errorf(ECONFLICT, "err.closed", in.ID)
		}
		return setTerms(in, t), nil
	})
	return in, err
}

// CheckProposal checks (on) or unchecks items of the proposal's checklist. Checking an
// item of a proposal whose terms were never set is allowed: the checklist is about the
// proposal document, which may be written before the terms are agreed.
func (s *Service) CheckProposal(ctx context.Context, op Op, id uint64, items ChecklistItem, on bool) (*Interest, error) {
	if items == 0 || items&^checkAll != 0 {
		return nil, Errorf(EINVALID, "err.proposal_no_item")
	}
	in, _, err := s.change(ctx, op, id, "proposal_check", func(tx Tx, in *Interest, now time.Time) (string, error) {
		if !in.Open() {
			return "", Errorf(ECONFLICT, "err.closed", in.ID)
		}
		if in.Proposal == nil {
			in.Proposal = &Proposal{}
		}
		if on {
			in.Proposal.Checked |= items
		} else {
			in.Proposal.Checked &^= items
		}
		var names []string
		for _, c := range ChecklistItems {
			if items&c != 0 {
				names = append(names, c.String())
			}
		}
		sign := "+"
		if !on {
			sign = "-"
		}
		return sign + strings.Join(names, ","), nil
	})
	return in, err
}

// ProposalSent records that the proposal went to the client: from then on the card
// stops listing unchecked items. The terms must be set first (R14: a proposal without
// value, delivery time and validity is not what a buyer weighs). Unchecked items do
// not block it: the manager decides; the reply names them.
func (s *Service) ProposalSent(ctx context.Context, op Op, id uint64) (*Interest, error) {
	in, _, err := s.change(ctx, op, id, "proposal_sent", func(tx Tx, in *Interest, now time.Time) (string, error) {
		if !in.Open() {
			return "", Errorf(ECONFLICT, "err.closed", in.ID)
		}
		if in.Proposal == nil || in.Proposal.Value == 0 {
			return "", Errorf(ECONFLICT, "err.proposal_no_terms", in.ID)
		}
		if in.Proposal.Sent() {
			return "", Errorf(ECONFLICT, "err.proposal_already_sent", in.ID)
		}
		in.Proposal.SentAt = now
		if err := tx.AddInteraction(&Interaction{InterestID: in.ID, Kind: InteractionSystem, AuthorID: op.Actor.ID, At: now, Text: "proposal sent"}); err != nil {
			return "", err
		}
		in.LastActivityAt = now
		return "", nil
	})
	return in, err
}
