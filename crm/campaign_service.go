package crm

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// NewCampaign is what a head types to start a seminar campaign.
type NewCampaign struct {
	Name         string
	At           time.Time
	Filter       CampaignFilter
	FallbackDays int // 0: DefaultFallbackDays
}

// Audience is a campaign's audience before it is created: how many interests, how
// many of them are called first, and how many have no address to email.
type Audience struct {
	Members, Calls, NoEmail, NotProspective int
}

// CallRenderer renders the nudge an owner gets listing their seminar calls: where to
// send it and the outbox payload. It runs inside the transaction and must do no I/O.
// ok false: the owner cannot be reached on any platform (the calls wait in /seminar).
type CallRenderer interface {
	RenderSeminarCalls(owner *User, c *Campaign, calls []*CampaignMember) (to Identity, payload []byte, ok bool)
}

// EmailRenderer renders one invitation email's outbox payload. It runs inside the
// transaction and must do no I/O.
type EmailRenderer interface {
	RenderSeminarEmail(c *Campaign, m *CampaignMember) []byte
}

func (s *Service) checkNewCampaign(actor *User, nc *NewCampaign) error {
	if actor == nil || !actor.IsLead() {
		return Errorf(EFORBIDDEN, "err.seminar_leads_only")
	}
	nc.Name = strings.TrimSpace(nc.Name)
	if nc.Name == "" || len([]rune(nc.Name)) > 120 {
		return Errorf(EINVALID, "err.seminar_name")
	}
	if !nc.At.After(s.now()) {
		return Errorf(EINVALID, "err.seminar_past")
	}
	if nc.FallbackDays == 0 {
		nc.FallbackDays = DefaultFallbackDays
	}
	if nc.FallbackDays < 1 || nc.FallbackDays > 30 {
		return Errorf(EINVALID, "err.seminar_days")
	}
	return nil
}

// audience walks every interest once and returns the members a campaign with filter
// f would have: one per contact (a contact with two interests is called once), the
// not-prospective marked NoCall (R8). Rare, so a whole walk is fine.
func audience(tx Tx, f CampaignFilter) ([]*CampaignMember, error) {
	companies := map[uint64]*Company{}
	seen := map[uint64]bool{}
	var out []*CampaignMember
	err := tx.ForEachInterest(func(in *Interest) error {
		co, ok := companies[in.CompanyID]
		if !ok {
			c, err := tx.Company(in.CompanyID)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return err
			}
			co, companies[in.CompanyID] = c, c
		}
		if !matchesCampaign(f, in, co) || seen[in.ContactID] {
			return nil
		}
		ct, err := tx.Contact(in.ContactID)
		if err != nil {
			if ErrorCode(err) == ENOTFOUND {
				return nil
			}
			return err
		}
		seen[in.ContactID] = true
		m := &CampaignMember{InterestID: in.ID, OwnerID: in.OwnerID, ContactID: ct.ID, Name: ct.FullName,
			NoCall: in.Stage == StageLost}
		if co != nil {
			m.Company = co.Name
		}
		if !ct.OptOut {
			m.Email = ct.Email
		}
		out = append(out, m)
		return nil
	})
	return out, err
}

// SeminarAudience counts the audience a campaign would have, without creating anything
// (heads and admins).
func (s *Service) SeminarAudience(ctx context.Context, actor *User, nc NewCampaign) (Audience, error) {
	var a Audience
	if err := s.checkNewCampaign(actor, &nc); err != nil {
		return a, err
	}
	err := s.Store.View(ctx, func(tx Tx) error {
		ms, err := audience(tx, nc.Filter)
		if err != nil {
			return err
		}
		a = audienceOf(ms)
		return nil
	})
	return a, err
}

func audienceOf(ms []*CampaignMember) Audience {
	a := Audience{Members: len(ms)}
	for _, m := range ms {
		if m.NoCall {
			a.NotProspective++
		} else {
			a.Calls++
		}
		if m.Email == "" {
			a.NoEmail++
		}
	}
	return a
}

// CreateCampaign creates the campaign and its members in one transaction, and tells
// each owner of their calls through the outbox (heads and admins). The audience is
// chosen again at creation (the count the user confirmed may have moved), in a read
// just before the write. A repeated op.Key returns the campaign already created.
func (s *Service) CreateCampaign(ctx context.Context, op Op, nc NewCampaign, calls CallRenderer) (*Campaign, Audience, error) {
	if err := s.checkNewCampaign(op.Actor, &nc); err != nil {
		return nil, Audience{}, s.refused(ctx, op, "campaign", 0, "create", err)
	}
	// The audience is chosen in a read: walking every interest inside the write would
	// hold the single writer for as long, and a member who changed in between is
	// still a fair invitation.
	var picked []*CampaignMember
	if err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		picked, err = audience(tx, nc.Filter)
		return err
	}); err != nil {
		return nil, Audience{}, err
	}
	var c *Campaign
	var a Audience
	err := s.Store.Update(ctx, func(tx Tx) error {
		if id, ok, err := replay(tx, op); err != nil || ok {
			if err != nil {
				return err
			}
			c, err = tx.Campaign(id)
			if err != nil {
				return err
			}
			ms, err := tx.CampaignMembers(id)
			a = audienceOf(ms)
			return err
		}
		now := s.now()
		c = &Campaign{Name: nc.Name, At: nc.At.UTC(), Filter: nc.Filter, FallbackDays: nc.FallbackDays, CreatedBy: op.Actor.ID, CreatedAt: now}
		if err := tx.PutCampaign(c); err != nil {
			return err
		}
		// Copies: a retried transaction must not see the ids of an earlier attempt.
		ms := make([]*CampaignMember, len(picked))
		for i, m := range picked {
			cp := *m
			ms[i] = &cp
		}
		a = audienceOf(ms)
		// The call is due within FallbackDays working days, counted in the creator's
		// working calendar; the email follows then without it.
		callBy := AddWorkingDays(now.In(op.Actor.Location()), c.FallbackDays).UTC()
		byOwner := map[uint64][]*CampaignMember{}
		var owners []uint64
		for _, m := range ms {
			m.CampaignID, m.CallBy = c.ID, callBy
			if m.NoCall {
				m.CallBy = now
			}
			if err := tx.PutCampaignMember(m); err != nil {
				return err
			}
			if m.NoCall {
				continue
			}
			if byOwner[m.OwnerID] == nil {
				owners = append(owners, m.OwnerID)
			}
			byOwner[m.OwnerID] = append(byOwner[m.OwnerID], m)
		}
		if c.NextEmail = nextEmailAt(ms); !c.NextEmail.IsZero() {
			if err := tx.PutCampaign(c); err != nil {
				return err
			}
		}
		if calls != nil {
			for _, id := range owners {
				u, err := tx.User(id)
				if err != nil {
					if ErrorCode(err) == ENOTFOUND {
						continue
					}
					return err
				}
				if u.Disabled {
					continue
				}
				to, payload, ok := calls.RenderSeminarCalls(u, c, byOwner[id])
				if !ok {
					continue
				}
				key := fmt.Sprintf("seminar-calls:%d:%d", c.ID, id)
				if _, err := tx.Enqueue(&OutboxMessage{Key: key, Target: to, Payload: payload, Created: now, NotBefore: now}); err != nil {
					return err
				}
			}
		}
		if err := remember(tx, op, c.ID); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "campaign", EntityID: c.ID, Action: "create", Detail: fmt.Sprintf("%d members", len(ms))})
	})
	if err != nil {
		return nil, Audience{}, err
	}
	return c, a, nil
}

// Campaigns lists every campaign (the whole team reads them, R10).
func (s *Service) Campaigns(ctx context.Context) ([]*Campaign, error) {
	var out []*Campaign
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = tx.Campaigns()
		return err
	})
	return out, err
}

// CampaignOf returns campaign id with the members actor may see: all of them, or a
// manager's own when managers see only their own interests.
func (s *Service) CampaignOf(ctx context.Context, actor *User, id uint64) (*Campaign, []*CampaignMember, error) {
	var c *Campaign
	var out []*CampaignMember
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		if c, err = findCampaign(tx, id); err != nil {
			return err
		}
		ms, err := tx.CampaignMembers(id)
		for _, m := range ms {
			if s.seesMember(actor, m) {
				out = append(out, m)
			}
		}
		return err
	})
	return c, out, err
}

func (s *Service) seesMember(actor *User, m *CampaignMember) bool {
	return actor != nil && CanSee(actor, &Interest{OwnerID: m.OwnerID}, s.Config.ManagersSeeOwnOnly)
}

func findCampaign(tx Tx, id uint64) (*Campaign, error) {
	c, err := tx.Campaign(id)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "err.seminar_not_found", id)
	}
	return c, err
}

func findMember(tx Tx, c *Campaign, interestID uint64) (*CampaignMember, error) {
	m, err := tx.CampaignMember(c.ID, interestID)
	if ErrorCode(err) == ENOTFOUND {
		return nil, Errorf(ENOTFOUND, "err.seminar_no_member", interestID, c.ID)
	}
	return m, err
}

// LogCampaignCall records what the call to interest interestID about campaign id came
// to, on the campaign and in the interest's timeline (R9). The interest's owner, a
// head or an admin may log it; logging again corrects the outcome (until the email
// went out, when the outcome no longer changes what is sent).
func (s *Service) LogCampaignCall(ctx context.Context, op Op, id, interestID uint64, o CallOutcome) (*CampaignMember, error) {
	if !o.Valid() {
		return nil, Errorf(EINVALID, "err.seminar_outcome", string(o))
	}
	var out *CampaignMember
	err := s.Store.Update(ctx, func(tx Tx) error {
		c, err := findCampaign(tx, id)
		if err != nil {
			return err
		}
		m, err := findMember(tx, c, interestID)
		if err != nil {
			return err
		}
		in, err := tx.Interest(interestID)
		if err != nil {
			return err
		}
		if op.Actor == nil || !CanChange(op.Actor, in) {
			return Errorf(EFORBIDDEN, "err.not_owner", interestID)
		}
		if m.NoCall {
			return Errorf(ECONFLICT, "err.seminar_no_call", interestID)
		}
		now := s.now()
		m.Outcome, m.CalledAt = o, now
		if err := tx.PutCampaignMember(m); err != nil {
			return err
		}
		if err := tx.AddInteraction(&Interaction{InterestID: in.ID, Kind: InteractionSeminar, AuthorID: op.Actor.ID, At: now,
			Text: fmt.Sprintf("%s: call %s", c.Name, o)}); err != nil {
			return err
		}
		if at := m.EmailAt(); !at.IsZero() && (c.NextEmail.IsZero() || at.Before(c.NextEmail)) {
			c.NextEmail = at
			if err := tx.PutCampaign(c); err != nil {
				return err
			}
		}
		in.LastActivityAt = now
		if err := tx.PutInterest(in); err != nil {
			return err
		}
		out = m
		return tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "campaign", EntityID: c.ID, Action: "call", Detail: fmt.Sprintf("#%d %s", in.ID, o)})
	})
	if ErrorCode(err) == EFORBIDDEN {
		return nil, s.refused(ctx, op, "campaign", id, "call", err)
	}
	return out, err
}

// MarkAttended records who came to the seminar (heads and admins). It returns the
// members marked; an interest not in the campaign is an error and marks nothing.
func (s *Service) MarkAttended(ctx context.Context, op Op, id uint64, interestIDs []uint64) ([]*CampaignMember, error) {
	if op.Actor == nil || !op.Actor.IsLead() {
		return nil, s.refused(ctx, op, "campaign", id, "attended", Errorf(EFORBIDDEN, "err.seminar_leads_only"))
	}
	var out []*CampaignMember
	err := s.Store.Update(ctx, func(tx Tx) error {
		out = nil
		c, err := findCampaign(tx, id)
		if err != nil {
			return err
		}
		now := s.now()
		for _, iid := range interestIDs {
			m, err := findMember(tx, c, iid)
			if err != nil {
				return err
			}
			if !m.Attended {
				m.Attended = true
				if err := tx.PutCampaignMember(m); err != nil {
					return err
				}
				if err := tx.AddInteraction(&Interaction{InterestID: iid, Kind: InteractionSeminar, AuthorID: op.Actor.ID, At: now,
					Text: c.Name + ": attended"}); err != nil {
					return err
				}
			}
			out = append(out, m)
		}
		return tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "campaign", EntityID: c.ID, Action: "attended", Detail: fmt.Sprintf("%d", len(out))})
	})
	return out, err
}

// TakeCampaignEmails returns the invitations due now for someone to send by hand and
// marks them emailed (heads and admins), so the next list holds only new ones. Each is
// recorded in the interest's timeline (R9).
func (s *Service) TakeCampaignEmails(ctx context.Context, op Op, id uint64) (*Campaign, []*CampaignMember, error) {
	if op.Actor == nil || !op.Actor.IsLead() {
		return nil, nil, s.refused(ctx, op, "campaign", id, "emails", Errorf(EFORBIDDEN, "err.seminar_leads_only"))
	}
	var c *Campaign
	var out []*CampaignMember
	err := s.Store.Update(ctx, func(tx Tx) error {
		out = nil
		var err error
		if c, err = findCampaign(tx, id); err != nil {
			return err
		}
		now := s.now()
		ms, err := tx.CampaignMembers(id)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if !m.EmailDue(now) {
				continue
			}
			if err := markEmailed(tx, c, m, op.Actor.ID, now); err != nil {
				return err
			}
			out = append(out, m)
		}
		if len(out) == 0 {
			return nil
		}
		c.NextEmail = nextEmailAt(ms)
		if err := tx.PutCampaign(c); err != nil {
			return err
		}
		return tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "campaign", EntityID: c.ID, Action: "emails", Detail: fmt.Sprintf("%d listed", len(out))})
	})
	return c, out, err
}

func markEmailed(tx Tx, c *Campaign, m *CampaignMember, actor uint64, now time.Time) error {
	m.EmailedAt = now
	if err := tx.PutCampaignMember(m); err != nil {
		return err
	}
	return tx.AddInteraction(&Interaction{InterestID: m.InterestID, Kind: InteractionEmail, AuthorID: actor, At: now,
		Text: c.Name + ": invitation email"})
}

// QueueCampaignEmails puts every invitation due at now into the outbox, for the SMTP
// sender, and marks it emailed in the same transaction: each is sent at least once and
// decided once. Campaigns whose seminar has begun send no more invitations. It runs
// on every scan, so it looks in a read first (the campaigns' NextEmail, without their
// members) and writes only when something is due.
func (s *Service) QueueCampaignEmails(ctx context.Context, now time.Time, render EmailRenderer) (int, error) {
	due := false
	err := s.Store.View(ctx, func(tx Tx) error {
		cs, err := emailCampaigns(tx, now)
		due = len(cs) > 0
		return err
	})
	if err != nil || !due {
		return 0, err
	}
	n := 0
	err = s.Store.Update(ctx, func(tx Tx) error {
		n = 0
		cs, err := emailCampaigns(tx, now)
		if err != nil {
			return err
		}
		for _, c := range cs {
			ms, err := tx.CampaignMembers(c.ID)
			if err != nil {
				return err
			}
			for _, m := range ms {
				if !m.EmailDue(now) {
					continue
				}
				msg := &OutboxMessage{Key: campaignEmailKey(m), Target: EmailTarget(m.Email), Payload: render.RenderSeminarEmail(c, m), Created: now, NotBefore: now}
				if _, err := tx.Enqueue(msg); err != nil {
					return err
				}
				if err := markEmailed(tx, c, m, 0, now); err != nil {
					return err
				}
				n++
			}
			c.NextEmail = nextEmailAt(ms)
			if err := tx.PutCampaign(c); err != nil {
				return err
			}
		}
		return nil
	})
	return n, err
}

// emailCampaigns returns the campaigns with an invitation due at now whose seminar is
// still to come.
func emailCampaigns(tx Tx, now time.Time) ([]*Campaign, error) {
	cs, err := tx.Campaigns()
	if err != nil {
		return nil, err
	}
	var out []*Campaign
	for _, c := range cs {
		if now.Before(c.At) && !c.NextEmail.IsZero() && !now.Before(c.NextEmail) {
			out = append(out, c)
		}
	}
	return out, nil
}

// CampaignCalls is one campaign's calls an owner still has to make.
type CampaignCalls struct {
	Campaign *Campaign
	Calls    []*CampaignMember
}

// openCalls returns ownerID's calls still to make in campaigns whose seminar is to
// come, for the digest and /today.
func openCalls(tx Tx, ownerID uint64, now time.Time) ([]CampaignCalls, error) {
	cs, err := tx.Campaigns()
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	var out []CampaignCalls
	for _, c := range cs {
		if !now.Before(c.At) {
			continue
		}
		ms, err := tx.CampaignMembers(c.ID)
		if err != nil {
			return nil, err
		}
		cc := CampaignCalls{Campaign: c}
		for _, m := range ms {
			if m.OwnerID == ownerID && m.CallOpen() {
				cc.Calls = append(cc.Calls, m)
			}
		}
		if len(cc.Calls) > 0 {
			out = append(out, cc)
		}
	}
	return out, nil
}

// OpenCampaignCalls returns u's seminar calls still to make.
func (s *Service) OpenCampaignCalls(ctx context.Context, u *User) ([]CampaignCalls, error) {
	var out []CampaignCalls
	err := s.Store.View(ctx, func(tx Tx) error {
		var err error
		out, err = openCalls(tx, u.ID, s.now())
		return err
	})
	return out, err
}
