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
	err := tx.AuditSince(from, func(e *AuditEntry) error {
		if e.Refused || e.Entity != "interest" || !e.At.Before(to) {
			return nil
		}
		switch e.Action {
		case "create":
			oa, err := owner(e.EntityID)
			if err != nil {
				return err
			}
			a.Opened++
			oa.Opened++
		case "stage":
			// Detail is "from→to[/reason]" (see Service.SetStage).
			_, to, _ := strings.Cut(e.Detail, "→")
			st, reason, _ := strings.Cut(to, "/")
			switch Stage(st) {
			case StageWon:
				oa, err := owner(e.EntityID)
				if err != nil {
					return err
				}
				a.Won++
				oa.Won++
			case StageLost:
				oa, err := owner(e.EntityID)
				if err != nil {
					return err
				}
				a.Lost++
				oa.Lost++
				a.LostBy[LossReason(reason)]++
			}
		}
		return nil
	})
	return a, err
}
