package slack

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
)

// logErr is err as it may be written to the log. A transport error (*url.Error)
// quotes the request's URL, and a slash command's or a button's response_url holds
// a secret that lets whoever has it post into the channel: the URL is dropped, and
// only the method and the class of the failure are kept ("Post: timeout").
// Slack's own refusals (a fixed error word) pass as they are.
func logErr(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	var ue *url.Error
	if !errors.As(err, &ue) {
		return msg
	}
	safe := ue.Op + ": " + errClass(ue.Err)
	if full := ue.Error(); strings.Contains(msg, full) {
		msg = strings.ReplaceAll(msg, full, safe)
	} else {
		msg = safe
	}
	if ue.URL != "" && strings.Contains(msg, ue.URL) {
		msg = safe // a wrapper quoted the URL on its own: keep nothing of it
	}
	return msg
}

// errClass names the kind of a transport failure without any of its text that
// could carry a URL.
func errClass(err error) string {
	var ne net.Error
	var op *net.OpError
	var dns *net.DNSError
	var cert *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostname x509.HostnameError
	switch {
	case err == nil:
		return "error"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline exceeded"
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed"
	case errors.As(err, &dns):
		return "DNS lookup failed"
	case errors.As(err, &cert), errors.As(err, &unknownAuth), errors.As(err, &hostname):
		return "TLS certificate not accepted"
	case errors.As(err, &ne) && ne.Timeout():
		return "timeout"
	case errors.As(err, &op):
		if op.Err != nil {
			var se interface{ Unwrap() error }
			if errors.As(op.Err, &se) && se.Unwrap() != nil {
				return op.Op + ": " + se.Unwrap().Error() // "dial: connection refused"
			}
		}
		return op.Op + " failed"
	}
	return fmt.Sprintf("%T", err)
}

// scrubbed is an error whose text is logErr's: what an exported method returns
// leaves the adapter (the scheduler logs it and keeps it in the outbox record), so
// it must not quote a URL that is a capability (a response_url, a file upload_url).
// Unwrap keeps errors.Is and errors.As working on the original.
type scrubbed struct{ err error }

func (e scrubbed) Error() string { return logErr(e.err) }
func (e scrubbed) Unwrap() error { return e.err }

// scrub wraps err so that its text is safe to log and store; nil stays nil.
func scrub(err error) error {
	if err == nil {
		return nil
	}
	return scrubbed{err}
}
