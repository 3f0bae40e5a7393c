package crm

import (
	"context"
	"crypto/rand"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Config holds the settings the rules depend on.
type Config struct {
	// DefaultRegion is the ISO 3166 region used for phone numbers written without a
	// country code ("HR", "RU", "US").
	DefaultRegion string
	// Currency is the ISO 4217 code assumed for estimated values ("EUR").
	Currency string
	// Cadence is the default follow-up table (R4).
	Cadence Cadence
	// ManagersSeeOwnOnly narrows what a manager reads to their own interests; by
	// default the whole team reads the shared database (R10).
	ManagersSeeOwnOnly bool
	// InviteTTL is how long an invite code stays valid.
	InviteTTL time.Duration
	// DefaultTZ is the IANA zone of a user created without one ("Europe/Zagreb"): the
	// team's zone, so that nobody's follow-ups are silently read in UTC.
	DefaultTZ string
}

// DefaultConfig returns the configuration used when nothing is set.
func DefaultConfig() Config {
	return Config{DefaultRegion: "HR", Currency: "EUR", Cadence: DefaultCadence, InviteTTL: 7 * 24 * time.Hour, DefaultTZ: "UTC"}
}

// Service applies the rules of DOMAIN.md to the data in a Store. Every method that
// changes data takes an Op: who acts, and an idempotency key so that a redelivered
// message does not repeat the change.
type Service struct {
	Store  Store
	Clock  Clock
	Config Config
}

// NewService returns a Service with the given store, clock and configuration; zero
// fields of cfg take their defaults.
func NewService(st Store, clock Clock, cfg Config) *Service {
	def := DefaultConfig()
	if cfg.DefaultRegion == "" {
		cfg.DefaultRegion = def.DefaultRegion
	}
	if cfg.Currency == "" {
		cfg.Currency = def.Currency
	}
	if cfg.Cadence == (Cadence{}) {
		cfg.Cadence = def.Cadence
	}
	if cfg.InviteTTL == 0 {
		cfg.InviteTTL = def.InviteTTL
	}
	if _, err := time.LoadLocation(cfg.DefaultTZ); cfg.DefaultTZ == "" || err != nil {
		cfg.DefaultTZ = def.DefaultTZ
	}
	if clock == nil {
		clock = time.Now
	}
	return &Service{Store: st, Clock: clock, Config: cfg}
}

// Op says who performs a change and under which idempotency key ("" for none).
type Op struct {
	Actor *User
	Key   string
}

func (s *Service) now() time.Time { return s.Clock().UTC().Truncate(time.Second) }

// replay returns the id recorded under op.Key, if this operation already ran.
func replay(tx Tx, op Op) (uint64, bool, error) {
	if op.Key == "" {
		return 0, false, nil
	}
	r, ok, err := tx.Idempotency(op.Key)
	if err != nil || !ok {
		return 0, false, err
	}
	id, _ := strconv.ParseUint(r, 10, 64)
	return id, true, nil
}

func remember(tx Tx, op Op, id uint64) error {
	if op.Key == "" {
		return nil
	}
	return tx.SetIdempotency(op.Key, strconv.FormatUint(id, 10))
}

// refused records a refused attempt in the audit log (in its own transaction, since
// the attempt's transaction was rolled back) and returns err.
func (s *Service) refused(ctx context.Context, op Op, entity string, id uint64, action string, err error) error {
	if ErrorCode(err) != EFORBIDDEN || op.Actor == nil {
		return err
	}
	_ = s.Store.Update(ctx, func(tx Tx) error {
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: entity, EntityID: id, Action: action, Refused: true, Detail: AsError(err).Key})
	})
	return err
}

// Authenticate resolves an identity to a team member. Strangers get EUNAUTHORIZED and
// nothing is stored.
func (s *Service) Authenticate(ctx context.Context, id Identity) (*User, error) {
	var u *User
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		u, err = tx.UserByIdentity(id)
		return err
	})
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(EUNAUTHORIZED, "err.unknown_identity", string(id))
	}
	if err == nil && u.Disabled {
		return nil, Errorf(EUNAUTHORIZED, "err.unknown_identity", string(id))
	}
	return u, err
}

// EnsureAdmin returns the user behind id, creating an admin with that identity if
// there is none. It is how configured admins (CRMBOT_ADMINS) and the local terminal user
// get in on the first start.
func (s *Service) EnsureAdmin(ctx context.Context, id Identity, name string) (*User, error) {
	return s.EnsureAdminLang(ctx, id, name, "")
}

// EnsureAdminLang is EnsureAdmin that gives a newly created admin the language lang
// (the platform's hint, e.g. a Telegram language_code mapped to a catalog); "" leaves
// the default. An existing user keeps the language they have.
func (s *Service) EnsureAdminLang(ctx context.Context, id Identity, name, lang string) (*User, error) {
	var u *User
	err := s.Store.Update(ctx, func(tx Tx) error {
		var err error
		u, err = tx.UserByIdentity(id)
		if err == nil {
			if u.Role != RoleAdmin || u.Disabled {
				u.Role, u.Disabled = RoleAdmin, false
				return tx.PutUser(u)
			}
			return nil
		}
		if ErrorCode(err) != ENOTFOUND {
			return err
		}
		if name == "" {
			name = string(id)
		}
		u = &User{Name: name, Role: RoleAdmin, Segment: SegmentCorporate, TZ: s.Config.DefaultTZ, Lang: lang, Identities: []Identity{id}, CreatedAt: s.now()}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: u.ID, Entity: "user", EntityID: u.ID, Action: "bootstrap_admin", Detail: string(id)})
	})
	return u, err
}

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
	err := s.Store.Update(ctx, func(tx Tx) error {
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

// change loads interest id, checks that the actor may change it, runs fn, and stores
// the result with an audit entry; all in one transaction, idempotent under op.Key.
func (s *Service) change(ctx context.Context, op Op, id uint64, action string, fn func(tx Tx, in *Interest, now time.Time) (string, error)) (*Interest, bool, error) {
	var out *Interest
	dup := false
	err := s.Store.Update(ctx, func(tx Tx) error {
		if _, ok, err := replay(tx, op); err != nil {
			return err
		} else if ok {
			dup = true
			in, err := tx.Interest(id)
			out = in
			return err
		}
		in, err := tx.Interest(id)
		if err != nil {
			return err
		}
		if !CanChange(op.Actor, in) {
			if !CanSee(op.Actor, in, s.Config.ManagersSeeOwnOnly) {
				// Refused (and audited as such), but worded as for a number that does
				// not exist: a narrowed view must not confirm it does.
				return Errorf(EFORBIDDEN, "err.interest_not_found", in.ID)
			}
			return Errorf(EFORBIDDEN, "err.not_owner", in.ID)
		}
		now := s.now()
		detail, err := fn(tx, in, now)
		if err != nil {
			return err
		}
		in.UpdatedAt = now
		if in.Open() && in.Next.IsZero() {
			// The invariant is the domain's, not the caller's: never store an open
			// interest without a next action.
			in.Next = s.Config.Cadence.DefaultNext(in.Stage, in.Deliberation, now, op.Actor.Location())
		}
		if err := tx.PutInterest(in); err != nil {
			return err
		}
		if err := tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "interest", EntityID: in.ID, Action: action, Detail: detail}); err != nil {
			return err
		}
		out = in
		return remember(tx, op, in.ID)
	})
	if err != nil {
		return nil, false, s.refused(ctx, op, "interest", id, action, err)
	}
	return out, dup, nil
}

// Logged is the outcome of LogInteraction.
type Logged struct {
	Interest    *Interest
	Interaction *Interaction
	// Scheduled is true when the next action was set by the cadence because the user
	// named none; the reply says what was scheduled.
	Scheduled bool
	Duplicate bool
}

// LogInteraction records what happened with the client (R9). With next, the next
// action is set to it. Without, a next action still in the future is kept, and one
// that has fallen due (the user just did it) is replaced by the cadence's default.
func (s *Service) LogInteraction(ctx context.Context, op Op, id uint64, kind InteractionKind, text string, next *NextAction) (*Logged, error) {
	text = strings.TrimSpace(text)
	if !kind.Valid() {
		return nil, Errorf(EINVALID, "err.bad_interaction_kind", string(kind))
	}
	if text == "" {
		return nil, Errorf(EINVALID, "err.empty_text")
	}
	if err := CheckLength(FieldText, text); err != nil {
		return nil, err
	}
	if err := s.checkNext(next); err != nil {
		return nil, err
	}
	out := &Logged{}
	in, dup, err := s.change(ctx, op, id, "log", func(tx Tx, in *Interest, now time.Time) (string, error) {
		if next != nil && !in.Open() {
			return "", Errorf(ECONFLICT, "err.closed", in.ID)
		}
		it := &Interaction{InterestID: in.ID, Kind: kind, AuthorID: op.Actor.ID, At: now, Text: text}
		if err := tx.AddInteraction(it); err != nil {
			return "", err
		}
		out.Interaction = it
		in.LastActivityAt = now
		if in.Open() {
			switch {
			case next != nil:
				in.Next = *next
			case !in.Next.Due.After(now):
				in.Next = s.Config.Cadence.DefaultNext(in.Stage, in.Deliberation, now, op.Actor.Location())
				out.Scheduled = true
			}
		}
		return string(kind), nil
	})
	if err != nil {
		return nil, err
	}
	out.Interest, out.Duplicate = in, dup
	return out, nil
}

func (s *Service) checkNext(next *NextAction) error {
	if next == nil {
		return nil
	}
	next.What = strings.TrimSpace(next.What)
	if err := CheckLength(FieldNext, next.What); err != nil {
		return err
	}
	if next.Due.IsZero() {
		return Errorf(EINVALID, "err.bad_date", "")
	}
	if next.Due.Before(s.now().Add(-time.Minute)) {
		return Errorf(EINVALID, "err.due_in_past")
	}
	// The Slack form and imports reach here without the bot's date grammar, so the
	// horizon is enforced where every due date passes.
	if next.Due.After(Horizon(s.now())) {
		return Errorf(EINVALID, "err.due_too_far", HorizonYears)
	}
	next.Due = next.Due.UTC()
	return nil
}

// SetNext sets the next action of an open interest.
func (s *Service) SetNext(ctx context.Context, op Op, id uint64, next NextAction) (*Interest, error) {
	if err := s.checkNext(&next); err != nil {
		return nil, err
	}
	in, _, err := s.change(ctx, op, id, "next", func(tx Tx, in *Interest, now time.Time) (string, error) {
		if !in.Open() {
			return "", Errorf(ECONFLICT, "err.closed", in.ID)
		}
		in.Next = next
		return next.Due.Format(time.RFC3339), nil
	})
	return in, err
}

// StageChange is a request to move an interest along its path.
type StageChange struct {
	Stage        Stage
	Deliberation DeliberationReason
	Loss         LossReason
	Next         *NextAction // optional explicit next action for an open stage
	Note         string      // optional: logged as a note in the timeline
	Won          *WonValue   // optional, with StageWon only: what the deal was won for
	// Reopen confirms moving a won or lost interest: without it SetStage refuses with
	// ECONFLICT "err.reopen_unconfirmed", so that a closed deal is never reopened by a
	// stray /stage.
	Reopen bool
}

// SetStage moves an interest to another stage (R3–R8). Closing it (won or lost) clears
// its next action: no more follow-ups (R8). A note, if given, goes into the timeline.
func (s *Service) SetStage(ctx context.Context, op Op, id uint64, c StageChange) (*Interest, error) {
	if err := CheckLength(FieldText, c.Note); err != nil {
		return nil, err
	}
	if c.Won != nil {
		if c.Stage != StageWon {
			return nil, Errorf(EINVALID, "err.won_value_not_won")
		}
		if err := c.Won.check(); err != nil {
			return nil, err
		}
	}
	if err := s.checkNext(c.Next); err != nil {
		return nil, err
	}
	in, _, err := s.change(ctx, op, id, "stage", func(tx Tx, in *Interest, now time.Time) (string, error) {
		if err := CheckStage(op.Actor, in, c.Stage, c.Deliberation, c.Loss); err != nil {
			return "", err
		}
		from := in.Stage
		if !from.Open() && !c.Reopen {
			return "", Errorf(ECONFLICT, "err.reopen_unconfirmed", in.ID, string(from))
		}
		ApplyStage(in, c.Stage, c.Deliberation, c.Loss, c.Next, s.Config.Cadence, now, op.Actor.Location())
		detail := string(from) + "→" + string(c.Stage)
		if c.Deliberation != "" && c.Stage == StageDeliberating {
			detail += "/" + string(c.Deliberation)
		}
		if c.Loss != "" && c.Stage == StageLost {
			detail += "/" + string(c.Loss)
		}
		text := "stage " + detail
		if c.Won != nil {
			v, err := recordWonValue(tx, op.Actor, in, *c.Won, now)
			if err != nil {
				return "", err
			}
			text += " · " + v
		}
		if !from.Open() {
			// A closed interest moved again is audited as a reopen as well as a stage
			// move (reports read the move; people reading the audit see the reopen).
			text = "reopened: " + text
			if err := tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "interest", EntityID: in.ID, Action: "reopen", Detail: detail}); err != nil {
				return "", err
			}
		}
		if note := strings.TrimSpace(c.Note); note != "" {
			text += ": " + note
		}
		if err := tx.AddInteraction(&Interaction{InterestID: in.ID, Kind: InteractionSystem, AuthorID: op.Actor.ID, At: now, Text: text}); err != nil {
			return "", err
		}
		in.LastActivityAt = now
		return detail, nil
	})
	return in, err
}

// Reassign moves an interest to another manager (R12), respecting R13.
func (s *Service) Reassign(ctx context.Context, op Op, id, toUserID uint64) (*Interest, error) {
	var out *Interest
	err := s.Store.Update(ctx, func(tx Tx) error {
		if _, ok, err := replay(tx, op); err != nil {
			return err
		} else if ok {
			in, err := tx.Interest(id)
			out = in
			return err
		}
		in, err := tx.Interest(id)
		if err != nil {
			return err
		}
		to, err := tx.User(toUserID)
		if err != nil {
			return err
		}
		if err := CheckReassign(op.Actor, to, in); err != nil {
			return err
		}
		now := s.now()
		from := in.OwnerID
		in.OwnerID, in.UpdatedAt = to.ID, now
		if err := tx.PutInterest(in); err != nil {
			return err
		}
		if err := tx.AddInteraction(&Interaction{InterestID: in.ID, Kind: InteractionSystem, AuthorID: op.Actor.ID, At: now, Text: "assigned to " + to.Name}); err != nil {
			return err
		}
		if err := tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "interest", EntityID: in.ID, Action: "assign", Detail: fmt.Sprintf("%d→%d", from, to.ID)}); err != nil {
			return err
		}
		out = in
		return remember(tx, op, in.ID)
	})
	if err != nil {
		return nil, s.refused(ctx, op, "interest", id, "assign", err)
	}
	return out, nil
}

// Summary is an interest with the names needed to show it in a list.
type Summary struct {
	Interest *Interest
	Company  string
	Contact  string
	Owner    string
}

// Card is everything about one interest: the client card and its timeline (R9).
type Card struct {
	Summary
	CompanyRec *Company
	ContactRec *Contact
	Timeline   []*Interaction
	Authors    map[uint64]string
}

func summarize(tx Tx, in *Interest, names map[uint64]string) (*Summary, error) {
	sm := &Summary{Interest: in, Owner: names[in.OwnerID]}
	if c, err := tx.Company(in.CompanyID); err == nil {
		sm.Company = c.Name
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	if c, err := tx.Contact(in.ContactID); err == nil {
		sm.Contact = c.FullName
	} else if ErrorCode(err) != ENOTFOUND {
		return nil, err
	}
	return sm, nil
}

func userNames(tx Tx) (map[uint64]string, error) {
	us, err := tx.Users()
	if err != nil {
		return nil, err
	}
	m := make(map[uint64]string, len(us))
	for _, u := range us {
		m[u.ID] = u.Name
	}
	return m, nil
}

// Card returns interest id with its client, contact and the latest limit timeline
// entries (all of them with limit <= 0).
func (s *Service) Card(ctx context.Context, viewer *User, id uint64, limit int) (*Card, error) {
	var card *Card
	err := s.Store.View(ctx, func(tx Tx) error {
		in, err := tx.Interest(id)
		if err != nil {
			return err
		}
		if !CanSee(viewer, in, s.Config.ManagersSeeOwnOnly) {
			// Not "forbidden": a narrowed view must not even confirm the number exists.
			return Errorf(ENOTFOUND, "err.interest_not_found", id)
		}
		names, err := userNames(tx)
		if err != nil {
			return err
		}
		sm, err := summarize(tx, in, names)
		if err != nil {
			return err
		}
		card = &Card{Summary: *sm, Authors: names}
		if card.CompanyRec, err = tx.Company(in.CompanyID); err != nil {
			return err
		}
		if card.ContactRec, err = tx.Contact(in.ContactID); err != nil {
			return err
		}
		card.Timeline, err = tx.Timeline(in.ID, limit)
		return err
	})
	return card, err
}

// Find searches interests by number ("42", "#42"), contact name, company name, email
// or phone (prefix, case- and diacritics-insensitive). Open interests come first.
func (s *Service) Find(ctx context.Context, viewer *User, query string, limit int) ([]*Summary, error) {
	query = strings.TrimSpace(query)
	if query == "" {
		return nil, Errorf(EINVALID, "err.empty_query")
	}
	if err := CheckLength(FieldSearchQuery, query); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = 20
	}
	var out []*Summary
	err := s.Store.View(ctx, func(tx Tx) error {
		names, err := userNames(tx)
		if err != nil {
			return err
		}
		seen := map[uint64]bool{}
		add := func(in *Interest) error {
			if seen[in.ID] || !CanSee(viewer, in, s.Config.ManagersSeeOwnOnly) {
				return nil
			}
			seen[in.ID] = true
			sm, err := summarize(tx, in, names)
			if err == nil {
				out = append(out, sm)
			}
			return err
		}
		if id, err := strconv.ParseUint(strings.TrimPrefix(query, "#"), 10, 64); err == nil && len(query) <= 8 {
			if in, err := tx.Interest(id); err == nil {
				if err := add(in); err != nil {
					return err
				}
			}
		}
		contacts, err := tx.FindContacts(query, limit)
		if err != nil {
			return err
		}
		for _, c := range contacts {
			ins, err := tx.InterestsByContact(c.ID, limit)
			if err != nil {
				return err
			}
			for _, in := range ins {
				if err := add(in); err != nil {
					return err
				}
			}
		}
		companies, err := tx.FindCompanies(query, limit)
		if err != nil {
			return err
		}
		for _, c := range companies {
			ins, err := tx.InterestsByCompany(c.ID, limit)
			if err != nil {
				return err
			}
			for _, in := range ins {
				if err := add(in); err != nil {
					return err
				}
			}
		}
		return nil
	})
	sort.SliceStable(out, func(a, b int) bool {
		oa, ob := out[a].Interest.Open(), out[b].Interest.Open()
		if oa != ob {
			return oa
		}
		return out[a].Interest.ID > out[b].Interest.ID
	})
	if len(out) > limit {
		out = out[:limit]
	}
	return out, err
}

// My returns the actor's open interests, by stage.
func (s *Service) My(ctx context.Context, actor *User) ([]*Summary, error) {
	return s.list(ctx, func(tx Tx) ([]*Interest, error) { return tx.OpenInterests(actor.ID, "", 0) })
}

// Today returns the actor's follow-ups due by the end of their local day, overdue ones
// included, earliest first.
func (s *Service) Today(ctx context.Context, actor *User) ([]*Summary, error) {
	loc := actor.Location()
	n := s.Clock().In(loc)
	end := time.Date(n.Year(), n.Month(), n.Day()+1, 0, 0, 0, 0, loc)
	return s.list(ctx, func(tx Tx) ([]*Interest, error) { return tx.DueBefore(actor.ID, end, 0) })
}

func (s *Service) list(ctx context.Context, q func(Tx) ([]*Interest, error)) ([]*Summary, error) {
	var out []*Summary
	err := s.Store.View(ctx, func(tx Tx) error {
		ins, err := q(tx)
		if err != nil {
			return err
		}
		names, err := userNames(tx)
		if err != nil {
			return err
		}
		for _, in := range ins {
			sm, err := summarize(tx, in, names)
			if err != nil {
				return err
			}
			out = append(out, sm)
		}
		return nil
	})
	return out, err
}

// PipelineRow is one manager's line in the pipeline report (R11).
type PipelineRow struct {
	Owner   *User
	Open    map[Stage]int
	Value   int64 // estimated value of open interests
	Overdue int
	Won     int
	Lost    int
}

// OpenCount is the number of the row's open interests.
func (r *PipelineRow) OpenCount() int {
	n := 0
	for _, v := range r.Open {
		n += v
	}
	return n
}

// Pipeline is the head's report: open interests by manager × stage, with values and
// overdue follow-ups (R11).
type Pipeline struct {
	Rows     []*PipelineRow
	Currency string
	At       time.Time
}

// Pipeline returns the report for the whole department, or for one owner when ownerID
// is not 0. Only heads and admins see other people's rows; managers get their own.
// It reads only the kept counters and the due index: its cost does not grow with the
// number of interests.
func (s *Service) Pipeline(ctx context.Context, actor *User, ownerID uint64) (*Pipeline, error) {
	if !actor.IsLead() {
		if ownerID != 0 && ownerID != actor.ID {
			return nil, Errorf(EFORBIDDEN, "err.pipeline_forbidden")
		}
		ownerID = actor.ID
	}
	var p *Pipeline
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		p, err = BuildPipeline(tx, s.Clock(), ownerID, s.Config.Currency)
		return err
	})
	return p, err
}

// BuildPipeline computes the pipeline report in a transaction, for the whole department
// or for one owner (ownerID != 0). It reads only the kept counters and the due index.
func BuildPipeline(tx Tx, now time.Time, ownerID uint64, currency string) (*Pipeline, error) {
	p := &Pipeline{Currency: currency, At: now}
	users, err := tx.Users()
	if err != nil {
		return nil, err
	}
	rows := map[uint64]*PipelineRow{}
	for _, u := range users {
		if ownerID == 0 || u.ID == ownerID {
			rows[u.ID] = &PipelineRow{Owner: u, Open: map[Stage]int{}}
		}
	}
	cells, err := tx.Pipeline()
	if err != nil {
		return nil, err
	}
	for _, c := range cells {
		r := rows[c.OwnerID]
		if r == nil {
			continue
		}
		switch c.Stage {
		case StageWon:
			r.Won += c.Count
		case StageLost:
			r.Lost += c.Count
		default:
			r.Open[c.Stage] += c.Count
			r.Value += c.Value
		}
	}
	due, err := tx.CountDueBefore(now)
	if err != nil {
		return nil, err
	}
	for owner, n := range due {
		if r := rows[owner]; r != nil {
			r.Overdue = n
		}
	}
	for _, r := range rows {
		// Show people who sell or who have something; an admin with nothing is noise.
		// Someone who left stays while interests are still theirs to reassign.
		if r.Owner.Disabled && r.OpenCount() == 0 && r.Owner.ID != ownerID {
			continue
		}
		if r.OpenCount() > 0 || r.Won+r.Lost > 0 || r.Owner.Role == RoleManager || r.Owner.ID == ownerID {
			p.Rows = append(p.Rows, r)
		}
	}
	sort.Slice(p.Rows, func(a, b int) bool { return p.Rows[a].Owner.Name < p.Rows[b].Owner.Name })
	return p, nil
}

// Users returns the team, ordered by name.
func (s *Service) Users(ctx context.Context) ([]*User, error) {
	var out []*User
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Users()
		return err
	})
	sort.Slice(out, func(a, b int) bool { return out[a].Name < out[b].Name })
	return out, err
}

// UserByName finds a team member by name (case- and diacritics-insensitive, a unique
// prefix of the name or of any word of it is enough; "@" is ignored).
func (s *Service) UserByName(ctx context.Context, name string) (*User, error) {
	q := Fold(strings.TrimPrefix(strings.TrimSpace(name), "@"))
	if q == "" {
		return nil, Errorf(EINVALID, "err.user_name_required")
	}
	users, err := s.Users(ctx)
	if err != nil {
		return nil, err
	}
	var exact, prefix []*User
	for _, u := range users {
		f := Fold(u.Name)
		switch {
		case f == q:
			exact = append(exact, u)
		case strings.HasPrefix(f, q) || strings.HasPrefix(strings.ReplaceAll(f, " ", ""), q):
			prefix = append(prefix, u)
		default:
			for _, w := range Words(u.Name) {
				if strings.HasPrefix(w, q) {
					prefix = append(prefix, u)
					break
				}
			}
		}
	}
	switch {
	case len(exact) == 1:
		return exact[0], nil
	case len(exact) == 0 && len(prefix) == 1:
		return prefix[0], nil
	case len(exact)+len(prefix) == 0:
		return nil, Errorf(ENOTFOUND, "err.user_not_found", name)
	}
	return nil, Errorf(EINVALID, "err.user_ambiguous", name)
}

// UserPatch changes some fields of a user; nil fields stay as they are.
type UserPatch struct {
	Name    *string
	Role    *Role
	Segment *Segment
	TZ      *string
	Lang    *string
}

// AddUser adds a team member (admins only).
func (s *Service) AddUser(ctx context.Context, op Op, name string, role Role, seg Segment, tz string) (*User, error) {
	u, _, err := s.AddUserBack(ctx, op, name, role, seg, tz)
	return u, err
}

// AddUserBack is AddUser that also brings back someone removed (/team remove) under
// the same name: Disabled is cleared, role, segment and time zone set as given, and
// their history kept; back reports it. An active person of that name is refused.
func (s *Service) AddUserBack(ctx context.Context, op Op, name string, role Role, seg Segment, tz string) (u *User, back bool, err error) {
	if op.Actor.Role != RoleAdmin {
		return nil, false, s.refused(ctx, op, "user", 0, "add", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	name = strings.TrimSpace(name)
	if name == "" {
		return nil, false, Errorf(EINVALID, "err.user_name_required")
	}
	if err := CheckLength(FieldName, name); err != nil {
		return nil, false, err
	}
	if !role.Valid() {
		return nil, false, Errorf(EINVALID, "err.bad_role", string(role))
	}
	if !seg.Valid() {
		return nil, false, Errorf(EINVALID, "err.bad_segment", string(seg))
	}
	if tz == "" {
		tz = s.Config.DefaultTZ
	}
	if _, err := time.LoadLocation(tz); err != nil {
		return nil, false, Errorf(EINVALID, "err.bad_tz", tz)
	}
	err = s.Store.Update(ctx, func(tx Tx) error {
		if id, ok, err := replay(tx, op); err != nil {
			return err
		} else if ok {
			u, err = tx.User(id)
			return err
		}
		users, err := tx.Users()
		if err != nil {
			return err
		}
		for _, x := range users {
			if Fold(x.Name) == Fold(name) {
				if !x.Disabled {
					return Errorf(ECONFLICT, "err.user_exists", name)
				}
				u, back = x, true
				if err := s.reactivate(tx, op, x, role, seg, tz); err != nil {
					return err
				}
				return remember(tx, op, u.ID)
			}
		}
		u = &User{Name: name, Role: role, Segment: seg, TZ: tz, CreatedAt: s.now()}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		if err := tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "add", Detail: fmt.Sprintf("%s %s", role, seg)}); err != nil {
			return err
		}
		return remember(tx, op, u.ID)
	})
	return u, back, err
}

// UpdateUser changes a user's name, role, segment, time zone or language. Admins change
// anyone; everyone may change their own time zone and language. R13 holds on segment.
func (s *Service) UpdateUser(ctx context.Context, op Op, userID uint64, p UserPatch) (*User, error) {
	self := userID == op.Actor.ID
	if op.Actor.Role != RoleAdmin && (!self || p.Name != nil || p.Role != nil || p.Segment != nil) {
		return nil, s.refused(ctx, op, "user", userID, "update", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	if p.TZ != nil {
		if _, err := time.LoadLocation(*p.TZ); err != nil || *p.TZ == "" {
			return nil, Errorf(EINVALID, "err.bad_tz", *p.TZ)
		}
	}
	if p.Role != nil && !p.Role.Valid() {
		return nil, Errorf(EINVALID, "err.bad_role", string(*p.Role))
	}
	if p.Name != nil {
		if err := CheckLength(FieldName, *p.Name); err != nil {
			return nil, err
		}
	}
	var u *User
	err := s.Store.Update(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.User(userID); err != nil {
			return err
		}
		var changes []string
		if p.Segment != nil {
			open, err := tx.OpenInterests(u.ID, "", 0)
			if err != nil {
				return err
			}
			if err := CheckUserSegment(u, *p.Segment, len(open)); err != nil {
				return err
			}
			u.Segment = *p.Segment
			changes = append(changes, "segment="+string(*p.Segment))
		}
		if p.Role != nil {
			if u.ID == op.Actor.ID && *p.Role != RoleAdmin {
				return Errorf(ECONFLICT, "err.demote_self")
			}
			u.Role = *p.Role
			changes = append(changes, "role="+string(*p.Role))
		}
		if p.Name != nil && strings.TrimSpace(*p.Name) != "" {
			u.Name = strings.TrimSpace(*p.Name)
			changes = append(changes, "name")
		}
		if p.TZ != nil {
			u.TZ = *p.TZ
			changes = append(changes, "tz="+*p.TZ)
		}
		if p.Lang != nil {
			u.Lang = *p.Lang
			changes = append(changes, "lang="+*p.Lang)
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "update", Detail: strings.Join(changes, " ")})
	})
	return u, err
}

// CreateInvite makes a one-time code that links the next identity redeeming it to user
// userID (admins only).
func (s *Service) CreateInvite(ctx context.Context, op Op, userID uint64) (*Invite, error) {
	if op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "invite", userID, "create", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	now := s.now()
	inv := &Invite{Code: newCode(), UserID: userID, CreatedBy: op.Actor.ID, CreatedAt: now, ExpiresAt: now.Add(s.Config.InviteTTL)}
	err := s.Store.Update(ctx, func(tx Tx) error {
		if _, err := tx.User(userID); err != nil {
			return err
		}
		if err := tx.PutInvite(inv); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "user", EntityID: userID, Action: "invite"})
	})
	if err != nil {
		return nil, err
	}
	return inv, nil
}

// RedeemInvite links identity id to the invite's user. An unknown or expired code
// changes nothing.
func (s *Service) RedeemInvite(ctx context.Context, id Identity, code string) (*User, error) {
	return s.RedeemInviteLang(ctx, id, code, "")
}

// RedeemInviteLang is RedeemInvite that sets the user's language to lang (the
// platform's hint) when they have none yet: the person who first links a Telegram
// account in Croatian reads Croatian from the welcome on.
func (s *Service) RedeemInviteLang(ctx context.Context, id Identity, code, lang string) (*User, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	var u *User
	err := s.Store.Update(ctx, func(tx Tx) error {
		if existing, err := tx.UserByIdentity(id); err == nil {
			return Errorf(ECONFLICT, "err.already_member", existing.Name)
		}
		inv, err := tx.TakeInvite(code)
		if ErrorCode(err) == ENOTFOUND {
			return Errorf(EINVALID, "err.bad_invite")
		} else if err != nil {
			return err
		}
		if s.now().After(inv.ExpiresAt) {
			return Errorf(EINVALID, "err.bad_invite")
		}
		if u, err = tx.User(inv.UserID); err != nil {
			return err
		}
		u.Identities = append(u.Identities, id)
		if u.Lang == "" {
			u.Lang = lang
		}
		if u.Disabled {
			// An admin invited someone removed: redeeming brings them back, as
			// /team add with their name does, or the welcome would be followed by
			// "not on the team" at the next message.
			u.Disabled = false
			if err := tx.AddAudit(&AuditEntry{At: s.now(), ActorID: inv.CreatedBy, Entity: "user", EntityID: u.ID, Action: "reactivate", Detail: "invite"}); err != nil {
				return err
			}
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: u.ID, Entity: "user", EntityID: u.ID, Action: "link", Detail: id.Platform()})
	})
	if ErrorCode(err) == EINVALID {
		// A wrong code is remembered nowhere: the stranger stays a stranger.
		return nil, err
	}
	return u, err
}

// newCode returns an invite code that is easy to type: 8 characters without 0/O/1/I.
func newCode() string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 8)
	if _, err := rand.Read(b); err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// SetReachable records whether the platform delivers to identity id. A platform that
// refuses for good (the user blocked the bot) makes it unreachable; the next message
// from that identity makes it reachable again.
func (s *Service) SetReachable(ctx context.Context, id Identity, reachable bool) error {
	return s.Store.Update(ctx, func(tx Tx) error {
		u, err := tx.UserByIdentity(id)
		if err != nil {
			return err
		}
		was := false
		kept := u.Unreachable[:0]
		for _, x := range u.Unreachable {
			if x == id {
				was = true
				continue
			}
			kept = append(kept, x)
		}
		u.Unreachable = kept
		if !reachable {
			u.Unreachable = append(u.Unreachable, id)
		}
		if was == !reachable {
			return nil // nothing changes
		}
		return tx.PutUser(u)
	})
}

// Reachable reports whether the platform is believed to deliver to id.
func (u *User) Reachable(id Identity) bool {
	for _, x := range u.Unreachable {
		if x == id {
			return false
		}
	}
	return true
}

// LinkIdentity attaches a platform identity to a user directly (admins only), for
// platforms where the admin can name the person (a Slack mention). An identity
// belongs to one user only.
func (s *Service) LinkIdentity(ctx context.Context, op Op, userID uint64, id Identity) (*User, error) {
	if op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "user", userID, "link", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	var u *User
	err := s.Store.Update(ctx, func(tx Tx) error {
		if other, err := tx.UserByIdentity(id); err == nil {
			if other.ID == userID {
				u = other
				return nil
			}
			return Errorf(ECONFLICT, "err.identity_taken", string(id), other.Name)
		}
		var err error
		if u, err = tx.User(userID); err != nil {
			return err
		}
		u.Identities = append(u.Identities, id)
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "link", Detail: id.Platform()})
	})
	return u, err
}

// Snooze moves the due time of an interest's next action, keeping what it is.
func (s *Service) Snooze(ctx context.Context, op Op, id uint64, due time.Time) (*Interest, error) {
	if err := s.checkNext(&NextAction{Due: due}); err != nil {
		return nil, err
	}
	in, _, err := s.change(ctx, op, id, "snooze", func(tx Tx, in *Interest, now time.Time) (string, error) {
		if !in.Open() {
			return "", Errorf(ECONFLICT, "err.closed", in.ID)
		}
		in.Next.Due = due.UTC()
		return due.UTC().Format(time.RFC3339), nil
	})
	return in, err
}

// SetSchedule sets a user's working hours and digest time ("08:30" or "off"); nil
// leaves a field unchanged.
func (s *Service) SetSchedule(ctx context.Context, op Op, userID uint64, work *WorkSchedule, digestAt *string) (*User, error) {
	if op.Actor.ID != userID && op.Actor.Role != RoleAdmin {
		return nil, s.refused(ctx, op, "user", userID, "schedule", Errorf(EFORBIDDEN, "err.admin_only"))
	}
	if digestAt != nil && *digestAt != "off" {
		m, err := parseClock(*digestAt)
		if err != nil {
			return nil, Errorf(EINVALID, "err.bad_clock", *digestAt)
		}
		v := FormatClock(m)
		digestAt = &v
	}
	var u *User
	err := s.Store.Update(ctx, func(tx Tx) error {
		var err error
		if u, err = tx.User(userID); err != nil {
			return err
		}
		if work != nil {
			w := *work
			u.Work = &w
		}
		if digestAt != nil {
			u.DigestAt = *digestAt
		}
		if err := tx.PutUser(u); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: s.now(), ActorID: op.Actor.ID, Entity: "user", EntityID: u.ID, Action: "schedule"})
	})
	return u, err
}
