package crm

import (
	"strconv"
	"time"
)

// A seminar campaign (R5: seminar invitations go by phone first, then by email) picks
// an audience of interests, gives each owner a call to make, and makes the invitation
// email due once the call is logged or after a few working days without one.

// CampaignFilter narrows a campaign's audience, as /pipeline's filters do. Zero fields
// match everything.
type CampaignFilter struct {
	Segment      Segment            `json:"segment,omitempty"`
	Size         CompanySize        `json:"size,omitempty"`
	Stage        Stage              `json:"stage,omitempty"`
	Deliberation DeliberationReason `json:"deliberation,omitempty"`
}

// DefaultFallbackDays is how many working days a campaign waits for a call before the
// invitation email is due without one.
const DefaultFallbackDays = 3

// Campaign is a seminar and the invitations to it.
type Campaign struct {
	ID           uint64         `json:"id"`
	Name         string         `json:"name"`
	At           time.Time      `json:"at"` // when the seminar starts
	Filter       CampaignFilter `json:"filter"`
	FallbackDays int            `json:"fallback_days"`
	CreatedBy    uint64         `json:"created_by"`
	CreatedAt    time.Time      `json:"created_at"`
	// NextEmail is the earliest time a member's invitation is due (zero: none is
	// pending), kept by every write to the members, so the scheduler's look for due
	// emails skips a campaign without reading its members.
	NextEmail time.Time `json:"next_email,omitempty"`
}

// CallOutcome is what a seminar call came to.
type CallOutcome string

// Call outcomes.
const (
	CallAccepted CallOutcome = "accepted"
	CallDeclined CallOutcome = "declined"
	CallNoAnswer CallOutcome = "noanswer"
)

// Valid reports whether o is a known outcome.
func (o CallOutcome) Valid() bool {
	return o == CallAccepted || o == CallDeclined || o == CallNoAnswer
}

// CampaignMember is one interest invited to a campaign: who calls, whom, and how far
// the invitation has come. The contact's name, company and email are copied when the
// campaign is created, so the list reads the same later.
type CampaignMember struct {
	CampaignID uint64 `json:"campaign_id"`
	InterestID uint64 `json:"interest_id"`
	OwnerID    uint64 `json:"owner_id"`
	ContactID  uint64 `json:"contact_id"`
	Name       string `json:"name"`
	Company    string `json:"company"`
	Email      string `json:"email,omitempty"` // "" or opted out: never emailed
	// NoCall: a not-prospective client (R8) gets no calls, only the email.
	NoCall bool `json:"no_call,omitempty"`
	// CallBy is when the email is due if nobody has logged the call by then.
	CallBy    time.Time   `json:"call_by"`
	Outcome   CallOutcome `json:"outcome,omitempty"`
	CalledAt  time.Time   `json:"called_at,omitempty"`
	EmailedAt time.Time   `json:"emailed_at,omitempty"` // handed out as a list, or queued to SMTP
	Attended  bool        `json:"attended,omitempty"`
}

// Reached reports whether the call reached the client.
func (m *CampaignMember) Reached() bool {
	return m.Outcome == CallAccepted || m.Outcome == CallDeclined
}

// EmailDue reports whether the invitation email should go out at now (see EmailAt).
func (m *CampaignMember) EmailDue(now time.Time) bool {
	at := m.EmailAt()
	return !at.IsZero() && !now.Before(at)
}

// EmailAt is when the invitation email is due: when the call was logged (unless
// declined: someone who said no on the phone is not mailed an invitation again), or
// when the call's time runs out, or at once when there is to be no call (R8). Zero
// when it never will be: no address, or already emailed.
func (m *CampaignMember) EmailAt() time.Time {
	switch {
	case m.Email == "" || !m.EmailedAt.IsZero() || m.Outcome == CallDeclined:
		return time.Time{}
	case m.Outcome != "":
		return m.CalledAt
	}
	return m.CallBy // for NoCall, the campaign's creation
}

// nextEmailAt is the earliest EmailAt of ms; zero when none is pending.
func nextEmailAt(ms []*CampaignMember) time.Time {
	var next time.Time
	for _, m := range ms {
		if at := m.EmailAt(); !at.IsZero() && (next.IsZero() || at.Before(next)) {
			next = at
		}
	}
	return next
}

// CallOpen reports whether the member's call is still to be made.
func (m *CampaignMember) CallOpen() bool { return !m.NoCall && m.Outcome == "" }

// Funnel is how far a campaign's invitations have come.
type Funnel struct {
	Members, Calls, Called, Reached, Accepted, Emailed, EmailDue, Attended int
}

// FunnelOf counts the members at now.
func FunnelOf(members []*CampaignMember, now time.Time) Funnel {
	f := Funnel{Members: len(members)}
	for _, m := range members {
		if !m.NoCall {
			f.Calls++
		}
		if m.Outcome != "" {
			f.Called++
		}
		if m.Reached() {
			f.Reached++
		}
		if m.Outcome == CallAccepted {
			f.Accepted++
		}
		if !m.EmailedAt.IsZero() {
			f.Emailed++
		}
		if m.EmailDue(now) {
			f.EmailDue++
		}
		if m.Attended {
			f.Attended++
		}
	}
	return f
}

// EmailPlatform is the outbox target platform of invitation emails: a target is
// "email:<address>", delivered by the SMTP sender when one is configured.
const EmailPlatform = "email"

// EmailTarget is the outbox identity of an email to addr.
func EmailTarget(addr string) Identity { return Identity(EmailPlatform + ":" + addr) }

// EmailAddress returns the address of an outbox target "email:<address>".
func EmailAddress(target Identity) (string, bool) {
	if target.Platform() != EmailPlatform {
		return "", false
	}
	return string(target[len(EmailPlatform)+1:]), true
}

// campaignEmailKey is the outbox key of a member's invitation: one per member, ever.
func campaignEmailKey(m *CampaignMember) string {
	return "seminar-email:" + strconv.FormatUint(m.CampaignID, 10) + ":" + strconv.FormatUint(m.InterestID, 10)
}

// matchesCampaign reports whether interest in (at company co) belongs in an audience
// chosen by f. Open interests and won clients are invited; of the lost, only the
// not-prospective, who stay on the mailing list (R8) — those lost as unreachable or
// to a competitor are not. A stage filter narrows further.
func matchesCampaign(f CampaignFilter, in *Interest, co *Company) bool {
	if in.Stage == StageLost && in.LossReason != LossNotProspective {
		return false
	}
	if f.Segment != "" && in.Segment != f.Segment {
		return false
	}
	if f.Size != "" && (co == nil || co.Size != f.Size) {
		return false
	}
	if f.Stage != "" && in.Stage != f.Stage {
		return false
	}
	if f.Deliberation != "" && (in.Stage != StageDeliberating || in.Deliberation != f.Deliberation) {
		return false
	}
	return true
}
