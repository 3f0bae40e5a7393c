package crm

import (
	"errors"
	"fmt"
)

// Error codes. They say what kind of failure happened; the bot turns them, together with
// the error's message key, into a catalog message in the user's language.
const (
	ECONFLICT     = "conflict"     // the action conflicts with the current state
	EINTERNAL     = "internal"     // a bug or an I/O failure: never shown in detail
	EINVALID      = "invalid"      // bad input: the message says what to type instead
	ENOTFOUND     = "not_found"    // no such interest, user, invite…
	EFORBIDDEN    = "forbidden"    // the actor's role does not allow it
	EUNAUTHORIZED = "unauthorized" // the identity is not a team member
)

// Error is crm's error type. Key is a message-catalog key (for example
// "err.company_required") and Args its arguments, so that the text a user reads comes
// from the catalog in their language, not from the code.
type Error struct {
	Code string
	Key  string
	Args []any
}

// Errorf returns an *Error with the given code, catalog key and arguments.
func Errorf(code, key string, args ...any) *Error {
	return &Error{Code: code, Key: key, Args: args}
}

// Error implements the error interface. The text is meant for logs, not for users.
func (e *Error) Error() string {
	if len(e.Args) == 0 {
		return fmt.Sprintf("crm %s: %s", e.Code, e.Key)
	}
	return fmt.Sprintf("crm %s: %s %v", e.Code, e.Key, e.Args)
}

// ErrorCode returns the code of err if it is (or wraps) an *Error, and EINTERNAL
// otherwise (nil for nil).
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// AsError returns the *Error inside err, or nil when err is not a crm error.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return nil
}
