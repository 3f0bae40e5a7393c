package crm

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// NewInterest is what a user supplies for a new interest (R1). ContactName and
// CompanyName are required; everything else is optional.
type NewInterest struct {
	ContactName    string
	Position       string
	Email          string
	Phone          string
	Mobile         string
	Messenger      string
	CompanyName    string
	CompanySize    CompanySize
	LineOfBusiness string
	Website        string
	Kind           Kind
	Need           string
	Source         string
	Value          int64
	Currency       string
	Next           *NextAction
	// Link decides what happens when the email or phone belongs to a contact known
	// under another name or company; LinkContactID is the contact the user chose to
	// link to (with LinkExisting).
	Link          LinkDecision `json:",omitempty"`
	LinkContactID uint64       `json:",omitempty"`
	// Segment, when given, is the segment the interest belongs to; R13 requires it
	// to be its owner's. OwnerID, when given by a head or admin, makes another team
	// member the owner (a retail interest added by a corporate head, for example).
	Segment Segment `json:",omitempty"`
	OwnerID uint64  `json:",omitempty"`
	// Note, when given, is recorded in the timeline as the first interaction: the
	// forwarded email or pasted text the interest was made from (R9).
	Note string `json:",omitempty"`
	// OIB is the company's Croatian tax number, when known (see Company.OIB).
	OIB string
}

// Validate normalises the input in place and checks R1.
func (n *NewInterest) Validate(region string) error {
	n.ContactName = strings.TrimSpace(n.ContactName)
	n.CompanyName = strings.TrimSpace(n.CompanyName)
	// Lengths first: a 100 KB paste is refused as too long, not misread as a bad
	// phone or email.
	if err := checkLengths(fieldValue{FieldName, n.ContactName}, fieldValue{FieldCompany, n.CompanyName},
		fieldValue{FieldPosition, n.Position}, fieldValue{FieldEmail, n.Email}, fieldValue{FieldPhone, n.Phone},
		fieldValue{FieldPhone, n.Mobile}, fieldValue{FieldMessenger, n.Messenger}, fieldValue{FieldLine, n.LineOfBusiness},
		fieldValue{FieldWebsite, n.Website}, fieldValue{FieldNeed, n.Need}, fieldValue{FieldSource, n.Source},
		fieldValue{FieldCurrency, n.Currency}); err != nil {
		return err
	}
	if n.Next != nil {
		if err := CheckLength(FieldNext, n.Next.What); err != nil {
			return err
		}
	}
	if n.ContactName == "" {
		return Errorf(EINVALID, "err.name_required")
	}
	if n.CompanyName == "" {
		return Errorf(EINVALID, "err.company_required")
	}
	var err error
	if n.Email, err = NormalizeEmail(n.Email); err != nil {
		return err
	}
	if n.Phone, err = NormalizePhone(n.Phone, region); err != nil {
		return err
	}
	if n.Mobile, err = NormalizePhone(n.Mobile, region); err != nil {
		return err
	}
	if !n.CompanySize.Valid() {
		return Errorf(EINVALID, "err.bad_size", string(n.CompanySize))
	}
	if n.Kind == "" {
		n.Kind = KindInterest
	}
	if !n.Kind.Valid() {
		return Errorf(EINVALID, "err.bad_kind", string(n.Kind))
	}
	if n.Value < 0 {
		return Errorf(EINVALID, "err.bad_value")
	}
	if n.Segment != "" && !n.Segment.Valid() {
		return Errorf(EINVALID, "err.bad_segment", string(n.Segment))
	}
	if n.OIB = strings.TrimSpace(n.OIB); n.OIB != "" && !ValidOIB(n.OIB) {
		return Errorf(EINVALID, "err.bad_oib", n.OIB)
	}
	return nil
}

// newOwner decides who owns a new interest and its segment (R13): the actor, or the
// member a head or admin named; a segment that was asked for must be the owner's.
func newOwner(tx Tx, actor *User, n NewInterest) (*User, Segment, error) {
	owner := actor
	if n.OwnerID != 0 && n.OwnerID != actor.ID {
		if !actor.IsLead() {
			return nil, "", Errorf(EFORBIDDEN, "err.assign_forbidden")
		}
		u, err := tx.User(n.OwnerID)
		if err != nil {
			return nil, "", err
		}
		if u.Disabled {
			return nil, "", Errorf(EINVALID, "err.user_disabled", u.Name)
		}
		owner = u
	}
	seg := owner.Segment
	if seg == "" {
		seg = SegmentCorporate
	}
	if n.Segment != "" && n.Segment != seg {
		return nil, "", Errorf(EINVALID, "err.new_segment_mismatch", owner.Name, string(seg), string(n.Segment))
	}
	return owner, seg, nil
}

// Link says that a new interest was attached to a record that already existed.
type Link struct {
	What   string // "company", "contact", "open_interest"
	By     string // "name", "email", "phone"
	ID     uint64
	Detail string // a name to show
}

// Created is the outcome of CreateInterest.
type Created struct {
	Interest  *Interest
	Company   *Company
	Contact   *Contact
	Links     []Link
	Duplicate bool // the idempotency key had been seen: nothing new was written
}

// CreateInterest records a new interest owned by the actor, de-duplicating the company
// (by name) and the contact (by email, then phone) against what is already known, and
// reports every link it made so the user is told.
func (s *Service) CreateInterest(ctx context.Context, op Op, n NewInterest) (*Created, error) {
	if err := n.Validate(s.Config.DefaultRegion); err != nil {
		return nil, err
	}
	out := &Created{}
	err := s.update(ctx, func(tx Tx) error {
		var err error
		out, err = s.CreateInterestTx(tx, op, n)
		return err
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CreateInterestTx is CreateInterest inside the caller's transaction, for bulk work
// (an import) that must land whole or not at all. n must have passed Validate.
func (s *Service) CreateInterestTx(tx Tx, op Op, n NewInterest) (*Created, error) {
	now := s.now()
	out := &Created{}
	err := func() error {
		if id, ok, err := replay(tx, op); err != nil {
			return err
		} else if ok {
			out.Duplicate = true
			return s.loadCreated(tx, id, out)
		}
		owner, segment, err := newOwner(tx, op.Actor, n)
		if err != nil {
			return err
		}
		// The contact: an existing one with the same email or phone may be the same
		// person. It is linked when the name and company agree, or when the user
		// decided so; a new contact is made when they decided that; otherwise the
		// match goes back to be asked about, so the typed values are never lost.
		var contact *Contact
		var company *Company
		if n.Link != LinkNew {
			for _, probe := range []struct{ by, v string }{{"email", n.Email}, {"phone", n.Phone}, {"phone", n.Mobile}} {
				if probe.v == "" || contact != nil {
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
					return err
				}
				// In an own-only view a contact none of whose interests the actor may
				// see is not theirs to know of: it is no match at all, so nothing of
				// it is named and the typed party is recorded as new.
				var ct *Contact
				for _, c := range found {
					ok, err := s.seesContact(tx, op.Actor, n.Link, c.ID)
					if err != nil {
						return err
					}
					if ok {
						ct = c
						break
					}
				}
				if ct == nil {
					continue
				}
				co, err := tx.Company(ct.CompanyID)
				if err != nil {
					return err
				}
				chosen := n.Link == LinkAuto || (n.Link == LinkExisting && n.LinkContactID == ct.ID)
				if !chosen && !sameParty(n, ct, co) {
					return newDuplicateError(Match{ContactID: ct.ID, Contact: ct.FullName, CompanyID: co.ID, Company: co.Name, By: probe.by, Value: probe.v})
				}
				contact, company = ct, co
				out.Links = append(out.Links, Link{What: "contact", By: probe.by, ID: contact.ID, Detail: contact.FullName})
				if Fold(co.Name) != Fold(n.CompanyName) {
					out.Links = append(out.Links, Link{What: "company", By: "contact", ID: co.ID, Detail: co.Name})
				}
			}
		}
		if company == nil && n.OIB != "" {
			// The tax number names one company whatever it is called today
			// ("Acme d.o.o." and "ACME grupa" with one OIB are one client).
			c, err := tx.CompanyByOIB(n.OIB)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			if c != nil {
				ok, err := s.seesCompany(tx, op.Actor, n.Link, c.ID)
				if err != nil {
					return err
				}
				if ok {
					company = c
					out.Links = append(out.Links, Link{What: "company", By: "oib", ID: c.ID, Detail: c.Name})
				}
			}
		}
		// The company, when no contact decided it: an existing one of the same name.
		if company == nil {
			same, err := tx.CompaniesByName(n.CompanyName)
			if err != nil {
				return err
			}
			for _, c := range same {
				ok, err := s.seesCompany(tx, op.Actor, n.Link, c.ID)
				if err != nil {
					return err
				}
				if ok {
					company = c
					out.Links = append(out.Links, Link{What: "company", By: "name", ID: company.ID, Detail: company.Name})
					break
				}
			}
		}
		if company == nil {
			company = &Company{Name: n.CompanyName, CreatedAt: now}
		}
		fillCompany(company, n)
		if err := tx.PutCompany(company); err != nil {
			return err
		}
		if contact == nil {
			contact = &Contact{FullName: n.ContactName, CompanyID: company.ID, CreatedAt: now}
		}
		fillContact(contact, n)
		if err := tx.PutContact(contact); err != nil {
			return err
		}
		// Tell the user about interests already open for this company (R6: no
		// interest is lost, and none is worked twice by accident).
		open, err := tx.InterestsByCompany(company.ID, 0)
		if err != nil {
			return err
		}
		for _, o := range open {
			if o.Open() && CanSee(op.Actor, o, s.Config.ManagersSeeOwnOnly) {
				out.Links = append(out.Links, Link{What: "open_interest", ID: o.ID, Detail: strconv.FormatUint(o.OwnerID, 10)})
			}
		}
		in := &Interest{
			Kind: n.Kind, CompanyID: company.ID, ContactID: contact.ID, OwnerID: owner.ID,
			Segment: segment, Need: strings.TrimSpace(n.Need), Source: strings.TrimSpace(n.Source),
			Value: n.Value, Currency: strings.ToUpper(n.Currency), Stage: StageNew,
			CreatedAt: now, UpdatedAt: now, LastActivityAt: now,
		}
		if in.Currency == "" {
			in.Currency = s.Config.Currency
		}
		ApplyStage(in, StageNew, "", "", n.Next, s.Config.Cadence, now, owner.Location())
		if err := startResponse(tx, in, owner, now); err != nil {
			return err
		}
		if err := tx.PutInterest(in); err != nil {
			return err
		}
		if err := tx.AddInteraction(&Interaction{InterestID: in.ID, Kind: InteractionSystem, AuthorID: op.Actor.ID, At: now, Text: "created"}); err != nil {
			return err
		}
		if note := strings.TrimSpace(n.Note); note != "" {
			if err := tx.AddInteraction(&Interaction{InterestID: in.ID, Kind: InteractionNote, AuthorID: op.Actor.ID, At: now, Text: note}); err != nil {
				return err
			}
		}
		if err := tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "interest", EntityID: in.ID, Action: "create", Detail: fmt.Sprintf("company=%d contact=%d", company.ID, contact.ID)}); err != nil {
			return err
		}
		out.Interest, out.Company, out.Contact = in, company, contact
		return remember(tx, op, in.ID)
	}()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// seesContact reports whether the actor may know of the contact: always, unless
// managers see only their own interests; then only through an interest they may see.
// An import (LinkAuto) links to anything: it is run by an operator of the whole
// database, on behalf of the rows' owners, and its report is the operator's.
func (s *Service) seesContact(tx Tx, actor *User, link LinkDecision, contactID uint64) (bool, error) {
	if !s.Config.ManagersSeeOwnOnly || actor.IsLead() || link == LinkAuto {
		return true, nil
	}
	ins, err := tx.InterestsByContact(contactID, 0)
	if err != nil {
		return false, err
	}
	return s.seesAny(actor, ins), nil
}

// seesCompany is seesContact for a company.
func (s *Service) seesCompany(tx Tx, actor *User, link LinkDecision, companyID uint64) (bool, error) {
	if !s.Config.ManagersSeeOwnOnly || actor.IsLead() || link == LinkAuto {
		return true, nil
	}
	ins, err := tx.InterestsByCompany(companyID, 0)
	if err != nil {
		return false, err
	}
	return s.seesAny(actor, ins), nil
}

func (s *Service) seesAny(actor *User, ins []*Interest) bool {
	for _, in := range ins {
		if CanSee(actor, in, s.Config.ManagersSeeOwnOnly) {
			return true
		}
	}
	return false
}

func (s *Service) loadCreated(tx Tx, id uint64, out *Created) error {
	in, err := tx.Interest(id)
	if err != nil {
		return err
	}
	out.Interest = in
	if out.Company, err = tx.Company(in.CompanyID); err != nil {
		return err
	}
	out.Contact, err = tx.Contact(in.ContactID)
	return err
}

// fillCompany copies what the user supplied into fields the company does not have yet:
// a second inquiry adds to what is known (R15) without overwriting it.
func fillCompany(c *Company, n NewInterest) {
	if c.Size == "" {
		c.Size = n.CompanySize
	}
	if c.LineOfBusiness == "" {
		c.LineOfBusiness = strings.TrimSpace(n.LineOfBusiness)
	}
	if c.Website == "" {
		c.Website = NormalizeWebsite(n.Website)
	}
	if c.OIB == "" {
		c.OIB = n.OIB
	}
}

func fillContact(c *Contact, n NewInterest) {
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = strings.TrimSpace(v)
		}
	}
	set(&c.Position, n.Position)
	set(&c.Email, n.Email)
	set(&c.Messenger, n.Messenger)
	switch {
	case c.Phone == "":
		c.Phone = n.Phone
	case n.Phone != "" && n.Phone != c.Phone && c.Mobile == "":
		c.Mobile = n.Phone
	}
	if c.Mobile == "" && n.Mobile != c.Phone {
		c.Mobile = n.Mobile
	}
}
