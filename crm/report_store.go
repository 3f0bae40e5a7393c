package crm

import (
	"strings"
	"time"
)

// Facet narrows the kept report counters and indexes to the interests of one
// segment and of companies of one size; "" matches any. An interest's facet follows
// its company: when the company's size changes, the store moves its interests.
type Facet struct {
	Segment Segment
	Size    CompanySize
}

// Any reports whether f narrows nothing.
func (f Facet) Any() bool { return f.Segment == "" && f.Size == "" }

// Match reports whether a segment and size are in f.
func (f Facet) Match(seg Segment, size CompanySize) bool {
	return (f.Segment == "" || f.Segment == seg) && (f.Size == "" || f.Size == size)
}

// IdleGroup is one owner's share of the interests idle since a time: how many, and
// the longest idle of them.
type IdleGroup struct {
	OwnerID uint64
	Count   int
	Oldest  []*Interest // longest idle first, at most the number asked for
}

// ReportStore is what the reports need from a transaction beyond the records: kept
// counters and indexes, so that their cost does not grow with the database.
type ReportStore interface {
	// PipelineOf returns the kept counts, like Pipeline, of the interests in f.
	PipelineOf(f Facet) ([]PipelineCell, error)
	// CountDueBeforeOf counts, per owner, the open interests in f whose next action
	// is due before t, without decoding them.
	CountDueBeforeOf(f Facet, t time.Time) (map[uint64]int, error)
	// IdleOf groups by owner the open interests in f whose last activity is before
	// t (ownerID 0: every owner), in owner id order, with at most perOwner of each
	// owner's longest idle decoded.
	IdleOf(f Facet, ownerID uint64, before time.Time, perOwner int) ([]IdleGroup, error)
	// ChangesBetween calls fn for every creation and stage change of an interest in
	// [from, to), oldest first, with the interest's current figures: what
	// BuildConversion counts, without reading the audit entries or the interests.
	// The ChangeFact is valid only during the call: fn copies what it keeps.
	ChangesBetween(from, to time.Time, fn func(*ChangeFact) error) error
	// FirstResponsesBetween calls fn for every first response (R16) given in
	// [from, to), of owner alone when owner is not 0, oldest first, with the working
	// time it took: what BuildFirstResponses counts, without reading the audit log.
	FirstResponsesBetween(from, to time.Time, owner uint64, fn func(owner uint64, took time.Duration) error) error
}

// ChangeFact is one Change with what a period's report groups and filters it by:
// the interest's current owner, segment, company size, source, value and creation
// time. The store keeps these current as the interest and its company change.
type ChangeFact struct {
	Change
	OwnerID   uint64
	Segment   Segment
	Size      CompanySize
	Source    string
	Value     int64
	Currency  string
	CreatedAt time.Time
}

// ChangeOf reads an audit entry as a Change: the creation of an interest or its move
// to another stage; ok is false for any other entry. It is the one reader of the
// entries SetStage and CreateInterest write, so every report counts them alike.
func ChangeOf(e *AuditEntry) (ch Change, ok bool) {
	if e.Refused || e.Entity != "interest" {
		return Change{}, false
	}
	switch e.Action {
	case "create":
		return Change{InterestID: e.EntityID, At: e.At, Opened: true}, true
	case "stage":
		// Detail is "from→to[/reason]" (see Service.SetStage).
		_, moved, _ := strings.Cut(e.Detail, "→")
		st, reason, _ := strings.Cut(moved, "/")
		ch := Change{InterestID: e.EntityID, At: e.At, Stage: Stage(st)}
		if ch.Stage == StageLost {
			ch.Loss = LossReason(reason)
		}
		return ch, true
	}
	return Change{}, false
}
