package crm

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
)

// change loads interest id, checks that the actor may change it, runs fn, and stores
// the result with an audit entry; all in one transaction, idempotent under op.Key.
func (s *Service) change(ctx context.Context, op Op, id uint64, action string, fn func(tx Tx, in *Interest, now time.Time) (string, error)) (*Interest, bool, error) {
	var out *Interest
	dup := false
	err := s.update(ctx, func(tx Tx) error {
		dup = false // fn may run again (Store.Update): nothing carries over
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
		if err := firstResponse(tx, op, in, action, now); err != nil {
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
		*out = Logged{} // a rerun of the transaction starts afresh
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
	// Proposal, with StageProposal only, sets the proposal's terms (R14).
	Proposal *ProposalTerms
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
	if c.Proposal != nil {
		if c.Stage != StageProposal {
			return nil, Errorf(EINVALID, "err.proposal_not_proposal")
		}
		if err := c.Proposal.check(s.now(), s.Config.Currency); err != nil {
			return nil, err
		}
	}
	in, _, err := s.change(ctx, op, id, "stage", func(tx Tx, in *Interest, now time.Time) (string, error) {
		if c.Proposal != nil && in.Stage == StageProposal {
			return "", errAtProposal
		}
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
		if c.Proposal != nil {
			terms := setTerms(in, *c.Proposal)
			text += " · " + terms
			// The terms are audited as a proposal change of their own: the stage
			// entry's detail stays "from→to", which reports and webhooks read.
			if err := tx.AddAudit(&AuditEntry{At: now, ActorID: op.Actor.ID, Entity: "interest", EntityID: in.ID, Action: "proposal", Detail: terms}); err != nil {
				return "", err
			}
		} else if c.Stage == StageProposal && in.Proposal == nil {
			in.Proposal = &Proposal{} // the checklist starts here (R14)
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
	if errors.Is(err, errAtProposal) {
		// Already at proposal: the terms typed with the move are what is wanted
		// (R14), not a refusal that would drop them.
		return s.SetProposal(ctx, op, id, *c.Proposal)
	}
	return in, err
}

// errAtProposal rolls back a move to proposal, with terms, of an interest already
// there: SetStage stores the terms with SetProposal instead.
var errAtProposal = Errorf(ECONFLICT, "err.same_stage")

// Reassign moves an interest to another manager (R12), respecting R13.
func (s *Service) Reassign(ctx context.Context, op Op, id, toUserID uint64) (*Interest, error) {
	var out *Interest
	err := s.update(ctx, func(tx Tx) error {
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
