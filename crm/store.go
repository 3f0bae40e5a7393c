package crm

import (
	"context"
	"errors"
	"time"
)

// ErrNothingWritten is what an Update function returns when it turned out to write
// nothing (a redelivered message, a command refused before any change): the store
// need not commit on its account, which would cost fsyncs for an empty transaction.
// Unlike any other error it does not spoil a transaction shared with other callers
// (storage's group commit): it wrote nothing, so there is nothing to roll back. Update
// returns it to the caller unchanged.
var ErrNothingWritten = errors.New("crm: nothing was written")

// Store persists the domain. Update runs fn in one read-write transaction: either all of
// its writes land (durably, before Update returns) or none do. View runs fn in a
// read-only snapshot. The storage package implements it on bbolt.
//
// fn must not do network I/O: a transaction holds the database's single writer lock.
// Concurrent Updates may share one transaction and one commit (group commit), so fn
// may run more than once: it must only assign to variables outside it, never append to
// them or count in them, so that a rerun leaves what a single run would.
type Store interface {
	View(ctx context.Context, fn func(Tx) error) error
	Update(ctx context.Context, fn func(Tx) error) error
}

// Tx is what the domain needs from one transaction. Every lookup by id returns an
// *Error with code ENOTFOUND when the record does not exist. Put methods assign an id
// (from a per-entity sequence) when the record's ID is 0, and keep every secondary
// index and counter current in the same transaction.
//
// Methods returning lists take a limit (<= 0 means no limit) and cost in proportion to
// what they return, never to the size of the database.
type Tx interface {
	// Users and access.
	User(id uint64) (*User, error)
	UserByIdentity(id Identity) (*User, error)
	Users() ([]*User, error)
	PutUser(u *User) error
	PutInvite(inv *Invite) error
	// Invite returns the invite under code without using it, ENOTFOUND if absent.
	Invite(code string) (*Invite, error)
	// TakeInvite returns the invite and deletes it (one use), ENOTFOUND if absent.
	TakeInvite(code string) (*Invite, error)

	// Companies and contacts.
	Company(id uint64) (*Company, error)
	PutCompany(c *Company) error
	// CompaniesByName returns companies whose folded name (see Fold) equals name's.
	CompaniesByName(name string) ([]*Company, error)
	// CompanyByOIB returns the company with that tax number, ENOTFOUND if none.
	CompanyByOIB(oib string) (*Company, error)
	// FindCompanies returns companies with a name word starting with each word of the
	// query, compared folded (case and diacritics ignored).
	FindCompanies(query string, limit int) ([]*Company, error)
	Contact(id uint64) (*Contact, error)
	PutContact(c *Contact) error
	ContactsByEmail(email string) ([]*Contact, error) // email as normalised
	ContactsByPhone(e164 string) ([]*Contact, error)  // phone or mobile, E.164
	ContactsByCompany(companyID uint64) ([]*Contact, error)
	// FindContacts matches the query against name words (folded prefix), email
	// (prefix) and phone digits (prefix).
	FindContacts(query string, limit int) ([]*Contact, error)
	// ForEachCompany and ForEachContact call fn for every record in id order: whole
	// exports and the mailing list, whose answer is every record anyway.
	ForEachCompany(fn func(*Company) error) error
	ForEachContact(fn func(*Contact) error) error

	// Interests.
	Interest(id uint64) (*Interest, error)
	PutInterest(i *Interest) error
	InterestsByCompany(companyID uint64, limit int) ([]*Interest, error)
	InterestsByContact(contactID uint64, limit int) ([]*Interest, error)
	// OpenInterests returns the owner's open interests, at one stage or at every open
	// stage when stage is "", ordered by stage then id.
	OpenInterests(ownerID uint64, stage Stage, limit int) ([]*Interest, error)
	// DueBefore returns open interests whose next action is due before t, earliest
	// first; ownerID 0 means every owner.
	DueBefore(ownerID uint64, t time.Time, limit int) ([]*Interest, error)
	// DueBetween returns open interests whose next action is due in [from, to),
	// earliest first (from zero: from the beginning).
	DueBetween(from, to time.Time, limit int) ([]*Interest, error)
	// DueAfter returns open interests whose (due time, id) comes after pos and whose
	// next action is due before to, in that order: a scan's chunk, resumed after the
	// last interest the previous chunk saw.
	DueAfter(pos DuePos, to time.Time, limit int) ([]*Interest, error)
	// CountDueBefore counts them per owner without decoding interests.
	CountDueBefore(t time.Time) (map[uint64]int, error)
	// IdleSince returns open interests whose LastActivityAt is before t, oldest first;
	// ownerID 0 means every owner.
	IdleSince(ownerID uint64, t time.Time, limit int) ([]*Interest, error)
	// Pipeline returns the kept counts for every owner × stage with a non-zero count.
	Pipeline() ([]PipelineCell, error)
	// Report queries (see report_store.go): kept counters and indexes by segment and
	// company size, so a filtered report never decodes every interest.
	ReportStore
	ForEachInterest(fn func(*Interest) error) error

	// Interactions: the timeline of an interest (R9), oldest first. With limit > 0,
	// the latest limit entries.
	AddInteraction(it *Interaction) error
	Timeline(interestID uint64, limit int) ([]*Interaction, error)
	// ForEachInteraction calls fn for every interaction in id order: whole exports,
	// which read them as one sequential walk rather than a timeline per interest.
	ForEachInteraction(fn func(*Interaction) error) error

	// Audit.
	AddAudit(e *AuditEntry) error
	AuditOf(entity string, entityID uint64, limit int) ([]*AuditEntry, error)
	// AuditSince calls fn for every entry at or after t, oldest first.
	AuditSince(t time.Time, fn func(*AuditEntry) error) error

	// Idempotency: the result (usually an id) recorded for a key, so a redelivered
	// message does not repeat a write. ok is false when the key is new.
	Idempotency(key string) (result string, ok bool, err error)
	SetIdempotency(key, result string) error

	// Outbox: pushes decided and waiting for delivery.
	Outbox
	// The scheduler's own state: its marks, the pass in progress, skip notes.
	SchedulerStore

	// The HTTP API's tokens, webhooks and inquiry routing.
	APIStore

	// Dialogues: the state of an identity's multi-step conversation, opaque to crm
	// (the bot owns its shape). A missing one is nil, nil.
	Dialog(id Identity) ([]byte, error)
	PutDialog(id Identity, state []byte) error
	DeleteDialog(id Identity) error

	// Settings: the team's settings record; the zero TeamSettings when none was set.
	Settings() (TeamSettings, error)
	PutSettings(s TeamSettings) error

	// Seminar campaigns and their members (R5).
	CampaignStore
}

// DuePos is a position in the due index: the due time and id of the last interest a
// chunked scan handled. The zero DuePos is before everything.
type DuePos struct {
	Due time.Time `json:"due"`
	ID  uint64    `json:"id"`
}

// IsZero reports whether p is the start of the index.
func (p DuePos) IsZero() bool { return p.Due.IsZero() && p.ID == 0 }

// PosOf is the position of in in the due index.
func PosOf(in *Interest) DuePos { return DuePos{Due: in.Next.Due, ID: in.ID} }
