package crm

import (
	"strings"
	"time"
)

// Activity counts what happened to interests in a period: opened, won and lost (by
// reason), in total and per owner (R17: the share of interests that end in a deal).
type Activity struct {
	From, To time.Time
	Opened   int
	Won      int
	Lost     int
	LostBy   map[LossReason]int
	PerOwner map[uint64]*OwnerActivity
}

// OwnerActivity is one owner's share of an Activity.
type OwnerActivity struct {
	Opened, Won, Lost int
}

// WonOfClosed is won ÷ (won + lost) in percent, and whether anything closed.
func (a *Activity) WonOfClosed() (int, bool) {
	if a.Won+a.Lost == 0 {
		return 0, false
	}
	return a.Won * 100 / (a.Won + a.Lost), true
}

// WonOfOpened is won ÷ opened in percent, and whether anything was opened.
func (a *Activity) WonOfOpened() (int, bool) {
	if a.Opened == 0 {
		return 0, false
	}
	return a.Won * 100 / a.Opened, true
}

// ActivitySince reads the audit log from t to now: its cost is in proportion to the
// changes in the period, not to the size of the database.
func ActivitySince(tx Tx, from, to time.Time) (*Activity, error) {
	a := &Activity{From: from, To: to, LostBy: map[LossReason]int{}, PerOwner: map[uint64]*OwnerActivity{}}
	owners := map[uint64]uint64{} // interest → current owner
	owner := func(id uint64) (*OwnerActivity, error) {
		o, ok := owners[id]
		if !ok {
			in, err := tx.Interest(id)
			if err != nil && ErrorCode(err) != ENOTFOUND {
				return nil, err
			}
			if in != nil {
				o = in.OwnerID
			}
			owners[id] = o
		}
		oa := a.PerOwner[o]
		if oa == nil {
			oa = &OwnerActivity{}
			a.PerOwner[o] = oa
		}
		return oa, nil
	}
	err := WalkChanges(tx, from, to, func(ch Change) error {
		if !ch.Opened && ch.Stage != StageWon && ch.Stage != StageLost {
			return nil
		}
		oa, err := owner(ch.InterestID)
		if err != nil {
			return err
		}
		switch {
		case ch.Opened:
			a.Opened++
			oa.Opened++
		case ch.Stage == StageWon:
			a.Won++
			oa.Won++
		default:
			a.Lost++
			oa.Lost++
			a.LostBy[ch.Loss]++
		}
		return nil
	})
	return a, err
}

// Change is one step in an interest's life, as the audit log records it: its
// creation, or a move to another stage.
type Change struct {
	InterestID uint64
	At         time.Time
	Opened     bool       // the interest was created
	Stage      Stage      // the stage it moved to (when not Opened)
	Loss       LossReason // why, when it moved to lost
}

// WalkChanges calls fn for every creation and stage change of an interest in
// [from, to), oldest first. It is the one reader of the audit entries SetStage and
// CreateInterest write, so every report counts them the same way; its cost is in
// proportion to the changes in the period.
func WalkChanges(tx Tx, from, to time.Time, fn func(Change) error) error {
	return tx.AuditSince(from, func(e *AuditEntry) error {
		if e.Refused || e.Entity != "interest" || !e.At.Before(to) {
			return nil
		}
		switch e.Action {
		case "create":
			return fn(Change{InterestID: e.EntityID, At: e.At, Opened: true})
		case "stage":
			// Detail is "from→to[/reason]" (see Service.SetStage).
			_, moved, _ := strings.Cut(e.Detail, "→")
			st, reason, _ := strings.Cut(moved, "/")
			ch := Change{InterestID: e.EntityID, At: e.At, Stage: Stage(st)}
			if ch.Stage == StageLost {
				ch.Loss = LossReason(reason)
			}
			return fn(ch)
		}
		return nil
	})
}
