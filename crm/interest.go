package crm

import "time"

// Stage is where an interest is on its path (R3): first contact → meeting →
// proposal → deliberating → won | lost.
type Stage string

// Stages, in the order of R3.
const (
	StageNew          Stage = "new"
	StageMeeting      Stage = "meeting"
	StageProposal     Stage = "proposal"
	StageDeliberating Stage = "deliberating"
	StageWon          Stage = "won"
	StageLost         Stage = "lost"
)

// Stages lists every stage in path order.
var Stages = []Stage{StageNew, StageMeeting, StageProposal, StageDeliberating, StageWon, StageLost}

// OpenStages lists the stages of an interest still being worked.
var OpenStages = []Stage{StageNew, StageMeeting, StageProposal, StageDeliberating}

// Valid reports whether s is a known stage.
func (s Stage) Valid() bool {
	for _, x := range Stages {
		if x == s {
			return true
		}
	}
	return false
}

// Open reports whether an interest at this stage is still being worked.
func (s Stage) Open() bool { return s != StageWon && s != StageLost }

// DeliberationReason is why "the client is thinking about it" (R4). Each has its own
// follow-up cadence.
type DeliberationReason string

// Deliberation reasons (R4, R7).
const (
	DeliberationDecisionMaker DeliberationReason = "decision-maker"
	DeliberationComparing     DeliberationReason = "comparing"
	DeliberationBudget        DeliberationReason = "budget"
)

// DeliberationReasons lists the reasons in the order they are offered.
var DeliberationReasons = []DeliberationReason{DeliberationDecisionMaker, DeliberationComparing, DeliberationBudget}

// Valid reports whether r is a known reason.
func (r DeliberationReason) Valid() bool {
	return r == DeliberationDecisionMaker || r == DeliberationComparing || r == DeliberationBudget
}

// LossReason is why an interest ended in a refusal (R6).
type LossReason string

// Loss reasons (R6). Not-prospective stops follow-ups but keeps the contacts on the
// mailing list (R8).
const (
	LossUnreachable    LossReason = "unreachable"
	LossCompetitor     LossReason = "competitor"
	LossNotProspective LossReason = "not-prospective"
)

// LossReasons lists the reasons in the order they are offered.
var LossReasons = []LossReason{LossUnreachable, LossCompetitor, LossNotProspective}

// Valid reports whether r is a known reason.
func (r LossReason) Valid() bool {
	return r == LossUnreachable || r == LossCompetitor || r == LossNotProspective
}

// Kind says whether the client is exploring a problem (interest) or already knows the
// exact product and is choosing a supplier (potential deal).
type Kind string

// Kinds of interest.
const (
	KindInterest      Kind = "interest"
	KindPotentialDeal Kind = "deal"
)

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return k == KindInterest || k == KindPotentialDeal }

// CompanySize classifies a client (see the glossary).
type CompanySize string

// Company sizes.
const (
	SizeUnknown    CompanySize = ""
	SizeSmall      CompanySize = "small"
	SizeMedium     CompanySize = "medium"
	SizeLarge      CompanySize = "large"
	SizeGovernment CompanySize = "government"
)

// CompanySizes lists the known sizes in the order they are offered.
var CompanySizes = []CompanySize{SizeSmall, SizeMedium, SizeLarge, SizeGovernment}

// Valid reports whether s is a known size (or unknown, which is allowed).
func (s CompanySize) Valid() bool {
	return s == SizeUnknown || s == SizeSmall || s == SizeMedium || s == SizeLarge || s == SizeGovernment
}

// Company is a client: a legal entity or a sole trader.
type Company struct {
	ID             uint64      `json:"id"`
	Name           string      `json:"name"`
	Size           CompanySize `json:"size,omitempty"`
	LineOfBusiness string      `json:"line_of_business,omitempty"`
	Website        string      `json:"website,omitempty"`
	Notes          string      `json:"notes,omitempty"`
	CreatedAt      time.Time   `json:"created_at"`
	// OIB is the Croatian personal identification number of the company (its tax
	// number): 11 digits, the last an ISO 7064 MOD 11,10 check digit. In Croatia it
	// is the surest way to know two names are one company, so it is matched first.
	OIB string `json:"oib,omitempty"`
}

// Contact is a person at a client (R1). Email and phones are stored normalised (lower
// case; E.164) so that duplicates are found.
type Contact struct {
	ID        uint64    `json:"id"`
	CompanyID uint64    `json:"company_id"`
	FullName  string    `json:"full_name"`
	Position  string    `json:"position,omitempty"`
	Email     string    `json:"email,omitempty"`
	Phone     string    `json:"phone,omitempty"`
	Mobile    string    `json:"mobile,omitempty"`
	Messenger string    `json:"messenger,omitempty"`
	OptOut    bool      `json:"opt_out,omitempty"` // asked not to be mailed
	CreatedAt time.Time `json:"created_at"`
}

// NextAction is the follow-up every open interest must have: what to do, and when.
type NextAction struct {
	What string    `json:"what"`
	Due  time.Time `json:"due"`
}

// IsZero reports whether no next action is set.
func (n NextAction) IsZero() bool { return n.Due.IsZero() }

// Interest is a client's request, from first contact to deal or refusal. Its ID is
// the short human number (#42).
type Interest struct {
	ID           uint64             `json:"id"`
	Kind         Kind               `json:"kind"`
	CompanyID    uint64             `json:"company_id"`
	ContactID    uint64             `json:"contact_id"`
	OwnerID      uint64             `json:"owner_id"`
	Segment      Segment            `json:"segment"`
	Need         string             `json:"need,omitempty"`
	Source       string             `json:"source,omitempty"`
	Value        int64              `json:"value,omitempty"` // estimated value in whole units of Currency
	Currency     string             `json:"currency,omitempty"`
	Stage        Stage              `json:"stage"`
	Deliberation DeliberationReason `json:"deliberation,omitempty"`
	LossReason   LossReason         `json:"loss_reason,omitempty"`
	Next         NextAction         `json:"next"`
	CreatedAt    time.Time          `json:"created_at"`
	UpdatedAt    time.Time          `json:"updated_at"`
	ClosedAt     time.Time          `json:"closed_at,omitempty"`
	// LastActivityAt is the time of the latest interaction (creation counts), used to
	// find interests nobody has touched for a while.
	LastActivityAt time.Time `json:"last_activity_at"`
	// Proposal is what the proposal offers (R14), nil until the interest first
	// reaches the proposal stage or someone sets its terms or checklist.
	Proposal *Proposal `json:"proposal,omitempty"`
	// ConfirmedAt is when the client's data was last confirmed current (R15):
	// creation, an edit of client data, or an explicit confirmation. Zero for
	// interests created before it was kept: their CreatedAt stands in.
	ConfirmedAt time.Time `json:"confirmed_at,omitempty"`
	// ResponseDue is when the owner's first response is due (R16), decided at
	// creation from the owner's working hours; zero for interests created before it
	// was kept, which are never escalated for it.
	ResponseDue time.Time `json:"response_due,omitempty"`
	// FirstResponseAt is when the owner first touched the interest (logged an
	// interaction or changed its stage).
	FirstResponseAt time.Time `json:"first_response_at,omitempty"`
}

// Open reports whether the interest is still being worked.
func (i *Interest) Open() bool { return i.Stage.Open() }

// InteractionKind is what happened with a client (glossary).
type InteractionKind string

// Interaction kinds.
const (
	InteractionCall    InteractionKind = "call"
	InteractionEmail   InteractionKind = "email"
	InteractionMeeting InteractionKind = "meeting"
	InteractionDemo    InteractionKind = "demo"
	InteractionNote    InteractionKind = "note"
	InteractionSeminar InteractionKind = "seminar"
	// InteractionSystem records a change the CRM made (stage, owner…) in the timeline.
	InteractionSystem InteractionKind = "system"
)

// InteractionKinds lists the kinds a user may log, in the order they are offered.
var InteractionKinds = []InteractionKind{InteractionCall, InteractionEmail, InteractionMeeting, InteractionDemo, InteractionNote, InteractionSeminar}

// Valid reports whether k is a kind a user may log.
func (k InteractionKind) Valid() bool {
	for _, x := range InteractionKinds {
		if x == k {
			return true
		}
	}
	return false
}

// Interaction is one thing that happened with a client (R9).
type Interaction struct {
	ID         uint64          `json:"id"`
	InterestID uint64          `json:"interest_id"`
	Kind       InteractionKind `json:"kind"`
	AuthorID   uint64          `json:"author_id"`
	At         time.Time       `json:"at"`
	Text       string          `json:"text"`
}

// AuditEntry records one change, or one refused attempt at a change: who, when, what.
type AuditEntry struct {
	ID       uint64    `json:"id"`
	At       time.Time `json:"at"`
	ActorID  uint64    `json:"actor_id"`
	Entity   string    `json:"entity"` // "interest", "user", "invite"…
	EntityID uint64    `json:"entity_id"`
	Action   string    `json:"action"` // "create", "stage", "assign"…
	Detail   string    `json:"detail,omitempty"`
	Refused  bool      `json:"refused,omitempty"`
}

// PipelineCell is the number and value of interests one owner has at one stage. The
// store keeps these counts current in the same transaction as every change.
type PipelineCell struct {
	OwnerID uint64 `json:"owner_id"`
	Stage   Stage  `json:"stage"`
	Count   int    `json:"count"`
	Value   int64  `json:"value"`
}
