package crm

import (
	"fmt"
	"strings"
)

// LinkDecision says what CreateInterest does when the new interest's email or phone
// belongs to a contact already known under another name or at another company. The
// CRM never decides that silently: the typed name and company could be lost.
type LinkDecision string

// Link decisions.
const (
	// LinkAsk (the default) returns a *DuplicateError carrying the match, so the
	// user can be asked. A match with the same name and company still links.
	LinkAsk LinkDecision = ""
	// LinkExisting attaches the interest to the matched contact (NewInterest.
	// LinkContactID must name it) and its company.
	LinkExisting LinkDecision = "existing"
	// LinkNew creates a new contact with the typed name, at the typed company.
	LinkNew LinkDecision = "new"
	// LinkAuto links to any match without asking. For imports, which cannot ask and
	// report every link they make in their result.
	LinkAuto LinkDecision = "auto"
)

// Match is an existing contact that a new interest's details point to.
type Match struct {
	ContactID uint64 `json:"contact_id"`
	Contact   string `json:"contact"`
	CompanyID uint64 `json:"company_id"`
	Company   string `json:"company"`
	By        string `json:"by"`    // "email" or "phone"
	Value     string `json:"value"` // the email or phone that matched, normalised
}

// DuplicateError is returned by CreateInterest when the typed details match an existing
// contact whose name or company differs and no LinkDecision was made. It unwraps to an
// ECONFLICT *Error, so ErrorCode and AsError work on it.
type DuplicateError struct {
	Match Match
	err   *Error
}

func newDuplicateError(m Match) *DuplicateError {
	return &DuplicateError{Match: m, err: Errorf(ECONFLICT, "err.duplicate_contact", m.Contact, m.Company, m.By)}
}

// Error implements the error interface (for logs: no personal data).
func (e *DuplicateError) Error() string {
	return fmt.Sprintf("crm conflict: details match contact %d by %s", e.Match.ContactID, e.Match.By)
}

// Unwrap returns the underlying *Error.
func (e *DuplicateError) Unwrap() error { return e.err }

// sameParty reports whether the typed name and company are those of the matched
// contact: then linking is what the user meant, and nothing needs asking.
func sameParty(n NewInterest, ct *Contact, co *Company) bool {
	return sameName(n.ContactName, ct.FullName) && sameName(n.CompanyName, co.Name)
}

// sameName compares names as people type them: case, diacritics and spacing aside, and
// "Dj" for "Đ", as Croatian names are written on a keyboard without it.
func sameName(a, b string) bool {
	key := func(s string) string {
		return strings.ReplaceAll(strings.Join(strings.Fields(Fold(s)), " "), "dj", "d")
	}
	return key(a) == key(b)
}
