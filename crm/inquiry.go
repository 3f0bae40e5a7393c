package crm

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Inquiry is what arrives from outside a chat — a web form, another system — through
// the HTTP API: a person, their company, how to reach them, and what they wrote.
type Inquiry struct {
	Name    string
	Company string
	Email   string
	Phone   string
	Message string
	Source  string
	// Segment is the form's hint of the market ("corporate" when empty).
	Segment Segment
	// Link resolves a contact conflict the way NewInterest.Link does (LinkExisting
	// with LinkContactID, or LinkNew); empty asks, i.e. a conflict is returned.
	Link          LinkDecision
	LinkContactID uint64
	// Via names what the inquiry came through (an API token's name), for the audit log.
	Via string
	// Fingerprint identifies the request's content (a hash of its body): the same
	// idempotency key with another fingerprint is a client's mistake, refused.
	Fingerprint string
}

// Inquiry outcomes.
const (
	InquiryCreated = "created"
	// InquiryRepeat: the same person already has an open interest; the message was
	// added to its timeline and its owner nudged, nothing else was created.
	InquiryRepeat = "repeat"
)

// Inquired is the outcome of CreateInquiry. It is what a retry under the same
// idempotency key gets back, exactly.
type Inquired struct {
	Outcome    string `json:"outcome"`
	InterestID uint64 `json:"interest_id"`
	CompanyID  uint64 `json:"company_id"`
	ContactID  uint64 `json:"contact_id"`
	OwnerID    uint64 `json:"owner_id"`
	Owner      string `json:"owner"`
	Links      []Link `json:"links,omitempty"`
	// Replayed is true when the key had been seen and nothing new was written.
	Replayed bool `json:"-"`
}

// InquiryNotice is what a manager is told when an inquiry is given to them.
type InquiryNotice struct {
	Interest *Interest
	Company  string
	Contact  string
	Message  string
	Repeat   bool
}

// NoticeRenderer renders the nudge an inquiry's owner gets at once: where to send it
// and the outbox payload. It runs inside the transaction and must do no I/O (the bot's
// catalog rendering is pure). ok false: the owner cannot be reached on any platform.
type NoticeRenderer interface {
	RenderInquiryNotice(owner *User, n InquiryNotice) (to Identity, payload []byte, ok bool)
}

// idempotent outcome stored under the operation's key: the request's fingerprint and
// the outcome.
type inquiryRecord struct {
	Fingerprint string   `json:"fp"`
	Result      Inquired `json:"r"`
}

// CreateInquiry records an inquiry as a new interest exactly as a chat /new does (same
// validation, normalisation and de-duplication; the message is the first entry of the
// timeline), gives it to a manager of the segment (see Route), and enqueues a nudge to
// them in the same transaction. When the same person (email or phone, with the same
// name and company) already has an open interest, the message is added to it instead
// (InquiryRepeat). A contact conflict (the email or phone is someone else's) returns
// the *DuplicateError, nothing written. The actor is the one the API acts for (a
// head or admin).
func (s *Service) CreateInquiry(ctx context.Context, op Op, q Inquiry, notices NoticeRenderer) (*Inquired, error) {
	if op.Actor == nil || !op.Actor.IsLead() {
		return nil, Errorf(EFORBIDDEN, "err.assign_forbidden")
	}
	seg := q.Segment
	if seg == "" {
		seg = SegmentCorporate
	}
	source := strings.TrimSpace(q.Source)
	if source == "" {
		source = "api"
	}
	n := NewInterest{ContactName: q.Name, CompanyName: q.Company, Email: q.Email, Phone: q.Phone, Source: source,
		Segment: seg, Note: q.Message, Link: q.Link, LinkContactID: q.LinkContactID}
	if err := n.Validate(s.Config.DefaultRegion); err != nil {
		return nil, err
	}
	if err := CheckLength(FieldText, strings.TrimSpace(q.Message)); err != nil {
		return nil, err
	}
	var out *Inquired
	err := s.Store.Update(ctx, func(tx Tx) error {
		if op.Key != "" {
			raw, ok, err := tx.Idempotency(op.Key)
			if err != nil {
				return err
			}
			if ok {
				var rec inquiryRecord
				if err := json.Unmarshal([]byte(raw), &rec); err != nil || rec.Fingerprint != q.Fingerprint {
					return Errorf(ECONFLICT, "err.idempotency_mismatch")
				}
				out = &rec.Result
				out.Replayed = true
				return nil
			}
		}
		var err error
		if out, err = s.inquiryTx(tx, op.Actor, n, q, notices); err != nil {
			return err
		}
		if op.Key == "" {
			return nil
		}
		raw, err := json.Marshal(inquiryRecord{Fingerprint: q.Fingerprint, Result: *out})
		if err != nil {
			return err
		}
		return tx.SetIdempotency(op.Key, string(raw))
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (s *Service) inquiryTx(tx Tx, actor *User, n NewInterest, q Inquiry, notices NoticeRenderer) (*Inquired, error) {
	now := s.now()
	via := "api"
	if q.Via != "" {
		via = "token " + q.Via
	}
	if in, err := s.repeatOf(tx, n); err != nil {
		return nil, err
	} else if in != nil {
		it := &Interaction{InterestID: in.ID, Kind: InteractionNote, AuthorID: actor.ID, At: now, Text: strings.TrimSpace(n.Note)}
		if it.Text == "" {
			it.Text = "inquiry again (" + n.Source + ")"
		}
		if err := tx.AddInteraction(it); err != nil {
			return nil, err
		}
		if err := tx.AddAudit(&AuditEntry{At: now, ActorID: actor.ID, Entity: "interest", EntityID: in.ID, Action: "inquiry", Detail: "repeat via " + via}); err != nil {
			return nil, err
		}
		owner, err := tx.User(in.OwnerID)
		if err != nil {
			return nil, err
		}
		res := &Inquired{Outcome: InquiryRepeat, InterestID: in.ID, CompanyID: in.CompanyID, ContactID: in.ContactID, OwnerID: owner.ID, Owner: owner.Name}
		return res, s.noticeTx(tx, owner, in, n, notices, true, "inquiry:"+strconv.FormatUint(in.ID, 10)+":"+strconv.FormatUint(it.ID, 10))
	}
	owner, err := Route(tx, n.Segment)
	if err != nil {
		return nil, err
	}
	n.OwnerID = owner.ID
	c, err := s.CreateInterestTx(tx, Op{Actor: actor}, n)
	if err != nil {
		return nil, err
	}
	if err := tx.AddAudit(&AuditEntry{At: now, ActorID: actor.ID, Entity: "interest", EntityID: c.Interest.ID, Action: "inquiry", Detail: fmt.Sprintf("owner=%d via %s", owner.ID, via)}); err != nil {
		return nil, err
	}
	res := &Inquired{Outcome: InquiryCreated, InterestID: c.Interest.ID, CompanyID: c.Company.ID, ContactID: c.Contact.ID, OwnerID: owner.ID, Owner: owner.Name, Links: c.Links}
	return res, s.noticeTx(tx, owner, c.Interest, n, notices, false, "inquiry:"+strconv.FormatUint(c.Interest.ID, 10))
}

// repeatOf returns the open interest of the same person in the same segment, when the
// inquiry's email or phone belongs to a contact with the same name and company: the
// form was sent again, and a second interest would be worked twice.
func (s *Service) repeatOf(tx Tx, n NewInterest) (*Interest, error) {
	if n.Link == LinkNew {
		return nil, nil
	}
	for _, probe := range []struct{ by, v string }{{"email", n.Email}, {"phone", n.Phone}} {
		if probe.v == "" {
			continue
		}
		var found []*Contact
		var err error
		if probe.by == "email" {
			found, err = tx.ContactsByEmail(probe.v)
		} else {
			found, err = tx.ContactsByPhone(probe.v)
		}
		if err != nil {
			return nil, err
		}
		for _, ct := range found {
			co, err := tx.Company(ct.CompanyID)
			if err != nil {
				return nil, err
			}
			if !sameParty(n, ct, co) {
				continue
			}
			ins, err := tx.InterestsByContact(ct.ID, 0)
			if err != nil {
				return nil, err
			}
			for _, in := range ins {
				if in.Open() && in.Segment == n.Segment {
					return in, nil
				}
			}
		}
	}
	return nil, nil
}

func (s *Service) noticeTx(tx Tx, owner *User, in *Interest, n NewInterest, notices NoticeRenderer, repeat bool, key string) error {
	if notices == nil {
		return nil
	}
	to, payload, ok := notices.RenderInquiryNotice(owner, InquiryNotice{Interest: in, Company: n.CompanyName, Contact: n.ContactName, Message: strings.TrimSpace(n.Note), Repeat: repeat})
	if !ok {
		return nil // the owner is on no platform: the interest waits in their lists
	}
	now := s.now()
	_, err := tx.Enqueue(&OutboxMessage{Key: key, Target: to, Payload: payload, Created: now, NotBefore: now})
	return err
}

// InquiryRouting holds the head's rules for giving inquiries to managers: a segment's
// inquiries all go to one person. Segments without a rule are balanced (see Route).
type InquiryRouting struct {
	Fixed map[Segment]uint64 `json:"fixed,omitempty"`
	// ResponseTarget is the first-response target in working time (R16), set with
	// /settings response; zero means DefaultResponseTarget. It lives here because it
	// is the rest of the head's rules for handling a new inquiry.
	ResponseTarget time.Duration `json:"response_target,omitempty"`
}

// Route picks the owner of a new inquiry in segment seg: the person the head's rule
// names, if they are active and in the segment; otherwise the active manager of the
// segment with the fewest open interests, ties to the lowest id (so equal managers
// take turns); with no manager, a head or admin of the segment. ECONFLICT when the
// segment has nobody.
func Route(tx Tx, seg Segment) (*User, error) {
	rules, err := tx.InquiryRouting()
	if err != nil {
		return nil, err
	}
	users, err := tx.Users()
	if err != nil {
		return nil, err
	}
	if id := rules.Fixed[seg]; id != 0 {
		for _, u := range users {
			if u.ID == id && !u.Disabled && u.Segment == seg {
				return u, nil
			}
		}
	}
	cells, err := tx.Pipeline()
	if err != nil {
		return nil, err
	}
	open := map[uint64]int{}
	for _, c := range cells {
		if c.Stage.Open() {
			open[c.OwnerID] += c.Count
		}
	}
	pick := func(ok func(*User) bool) *User {
		var cand []*User
		for _, u := range users {
			if !u.Disabled && u.Segment == seg && ok(u) {
				cand = append(cand, u)
			}
		}
		sort.Slice(cand, func(i, j int) bool {
			if open[cand[i].ID] != open[cand[j].ID] {
				return open[cand[i].ID] < open[cand[j].ID]
			}
			return cand[i].ID < cand[j].ID
		})
		if len(cand) == 0 {
			return nil
		}
		return cand[0]
	}
	if u := pick(func(u *User) bool { return u.Role == RoleManager }); u != nil {
		return u, nil
	}
	if u := pick(func(u *User) bool { return u.IsLead() }); u != nil {
		return u, nil
	}
	return nil, Errorf(ECONFLICT, "err.inquiry_no_manager", string(seg))
}

// SetInquiryRouting makes every inquiry of segment seg go to user userID, or (userID
// 0) balances them again (heads and admins).
func (s *Service) SetInquiryRouting(ctx context.Context, op Op, seg Segment, userID uint64) error {
	if op.Actor == nil || !op.Actor.IsLead() {
		return s.refused(ctx, op, "settings", 0, "routing", Errorf(EFORBIDDEN, "err.routing_forbidden"))
	}
	if !seg.Valid() {
		return Errorf(EINVALID, "err.bad_segment", string(seg))
	}
	return s.Store.Update(ctx, func(tx Tx) error {
		if userID != 0 {
			u, err := tx.User(userID)
			if err != nil {
				return err
			}
			if u.Disabled {
				return Errorf(EINVALID, "err.user_disabled", u.Name)
			}
			if u.Segment != seg {
				return Errorf(EINVALID, "err.routing_segment_mismatch", u.Name, string(u.Segment), string(seg))
			}
		}
		r, err := tx.InquiryRouting()
		if err != nil {
			return err
		}
		if r.Fixed == nil {
			r.Fixed = map[Segment]uint64{}
		}
		if userID == 0 {
			delete(r.Fixed, seg)
		} else {
			r.Fixed[seg] = userID
		}
		if err := tx.PutInquiryRouting(r); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "settings", Action: "routing", Detail: fmt.Sprintf("%s=%d", seg, userID)})
	})
}

// InquiryRoutingRules returns the head's routing rules.
func (s *Service) InquiryRoutingRules(ctx context.Context) (*InquiryRouting, error) {
	var r *InquiryRouting
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		r, err = tx.InquiryRouting()
		return err
	})
	return r, err
}
