package crm

import (
	"fmt"
	"strings"
	"time"
)

// WonValue is what a deal was won for, in whole units of Currency ("" keeps the
// interest's currency). /won 42 value 30000 EUR records it with the stage change, so
// the reports sum real values, not the estimate typed when the interest opened.
type WonValue struct {
	Value    int64
	Currency string
}

// check validates the won value: a positive amount and a three-letter currency code.
func (v *WonValue) check() error {
	v.Currency = strings.ToUpper(strings.TrimSpace(v.Currency))
	if v.Value <= 0 {
		return Errorf(EINVALID, "err.bad_won_value")
	}
	if v.Currency != "" && !isCurrencyCode(v.Currency) {
		return Errorf(EINVALID, "err.bad_currency", v.Currency)
	}
	return nil
}

func isCurrencyCode(s string) bool {
	if len(s) != 3 {
		return false
	}
	for _, r := range s {
		if r < 'A' || r > 'Z' {
			return false
		}
	}
	return true
}

// recordWonValue sets the interest's value and currency to what it was won for and
// audits the change with the old and the new value. It returns the text for the
// timeline ("value 30000 EUR").
func recordWonValue(tx Tx, actor *User, in *Interest, v WonValue, now time.Time) (string, error) {
	old := fmt.Sprintf("%d %s", in.Value, in.Currency)
	in.Value = v.Value
	if v.Currency != "" {
		in.Currency = v.Currency
	}
	now2 := fmt.Sprintf("%d %s", in.Value, in.Currency)
	if err := tx.AddAudit(&AuditEntry{At: now, ActorID: actor.ID, Entity: "interest", EntityID: in.ID, Action: "value", Detail: old + "→" + now2}); err != nil {
		return "", err
	}
	return "value " + now2, nil
}
