package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"crmbot/bot"
	"crmbot/crm"
)

// smtpSender delivers the seminar invitations the scheduler queued in the outbox
// (targets "email:<address>") through an SMTP server: CRMBOT_SMTP_URL, as
// smtp://user:password@host:587?from=sales@example.com (STARTTLS when the server
// offers it, and required before a password is sent to anything but loopback) or
// smtps://…:465 (TLS from the first byte). net/smtp does all this job needs; a
// dependency would add nothing.
type smtpSender struct {
	addr, host string
	implicit   bool // smtps: TLS from the start
	auth       smtp.Auth
	from       mail.Address
	tls        *tls.Config // nil: the system's roots and the host's name
	now        func() time.Time
}

// smtpFromEnv reads CRMBOT_SMTP_URL; nil, nil when it is not set.
func smtpFromEnv(getenv func(string) string) (*smtpSender, error) {
	raw := strings.TrimSpace(getenv("CRMBOT_SMTP_URL"))
	if raw == "" {
		return nil, nil
	}
	return parseSMTPURL(raw)
}

// parseSMTPURL checks the URL whole, so a typo stops the start instead of every
// invitation failing later. Its errors never repeat the URL: it holds a password.
func parseSMTPURL(raw string) (*smtpSender, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, errors.New("CRMBOT_SMTP_URL: not a URL; write smtp://user:password@host:587?from=sales@example.com")
	}
	s := &smtpSender{now: time.Now}
	port := u.Port()
	switch u.Scheme {
	case "smtp":
		if port == "" {
			port = "587"
		}
	case "smtps":
		s.implicit = true
		if port == "" {
			port = "465"
		}
	default:
		return nil, errors.New("CRMBOT_SMTP_URL: the scheme must be smtp:// or smtps://")
	}
	s.host = u.Hostname()
	if s.host == "" {
		return nil, errors.New("CRMBOT_SMTP_URL: no host; write smtp://user:password@host:587?from=sales@example.com")
	}
	s.addr = net.JoinHostPort(s.host, port)
	from, err := mail.ParseAddress(u.Query().Get("from"))
	if err != nil {
		return nil, errors.New("CRMBOT_SMTP_URL: from= must be the sender's address, e.g. ?from=sales@example.com")
	}
	s.from = *from
	if u.User != nil {
		pw, _ := u.User.Password()
		// PlainAuth itself refuses to send the password unencrypted to anything but
		// localhost.
		s.auth = smtp.PlainAuth("", u.User.Username(), pw, s.host)
	}
	return s, nil
}

// Notify implements bot.Notifier: r.Text is the subject line, an empty line and the
// body (bot.Engine.RenderSeminarEmail). A refused recipient (5xx) is permanent and
// not retried; anything else is retried by the outbox with backoff.
func (s *smtpSender) Notify(ctx context.Context, to crm.Identity, r bot.Reply) error {
	addr, ok := crm.EmailAddress(to)
	if !ok {
		return fmt.Errorf("%w: not an email target", bot.ErrUnreachable)
	}
	rcpt, err := mail.ParseAddress(addr)
	if err != nil {
		return fmt.Errorf("%w: not an email address", bot.ErrUnreachable)
	}
	subject, body, _ := strings.Cut(r.Text, "\n\n")
	msg, err := s.message(rcpt, subject, body)
	if err != nil {
		return err
	}
	err = s.send(ctx, rcpt.Address, msg)
	// A server's reply often repeats the address ("550 <ana@…>: no such user"): the
	// error keeps only its code, as it is logged and stored on the outbox message.
	var te *textproto.Error
	if errors.As(err, &te) {
		if te.Code >= 500 {
			return fmt.Errorf("%w: smtp %d", bot.ErrUnreachable, te.Code)
		}
		return fmt.Errorf("smtp %d", te.Code)
	}
	return err
}

// message builds the RFC 5322 message: UTF-8 text, quoted-printable, the subject
// encoded for non-ASCII (Croatian) letters.
func (s *smtpSender) message(to *mail.Address, subject, body string) ([]byte, error) {
	var b bytes.Buffer
	id := make([]byte, 12)
	rand.Read(id)
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\nMessage-ID: <%s@%s>\r\n",
		s.from.String(), to.String(), mime.QEncoding.Encode("utf-8", strings.TrimSpace(subject)),
		s.now().Format(time.RFC1123Z), hex.EncodeToString(id), s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:])
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n")
	qp := quotedprintable.NewWriter(&b)
	if _, err := qp.Write([]byte(strings.ReplaceAll(body, "\n", "\r\n"))); err != nil {
		return nil, err
	}
	if err := qp.Close(); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func (s *smtpSender) send(ctx context.Context, rcpt string, msg []byte) error {
	d := net.Dialer{Timeout: 30 * time.Second}
	var conn net.Conn
	var err error
	if s.implicit {
		conn, err = (&tls.Dialer{NetDialer: &d, Config: s.tlsConfig()}).DialContext(ctx, "tcp", s.addr)
	} else {
		conn, err = d.DialContext(ctx, "tcp", s.addr)
	}
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	// One deadline for the whole conversation: a server that stops answering must
	// not hold a sender's worker forever.
	deadline := time.Now().Add(time.Minute)
	if dl, ok := ctx.Deadline(); ok && dl.Before(deadline) {
		deadline = dl
	}
	conn.SetDeadline(deadline)
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp: %w", err)
	}
	defer c.Close()
	if !s.implicit {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig()); err != nil {
				return fmt.Errorf("smtp starttls: %w", err)
			}
		}
	}
	if s.auth != nil {
		if err := c.Auth(s.auth); err != nil {
			return fmt.Errorf("smtp auth: %w", err)
		}
	}
	if err := c.Mail(s.from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(rcpt); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	return c.Quit()
}

func (s *smtpSender) tlsConfig() *tls.Config {
	if s.tls != nil {
		return s.tls
	}
	return &tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12}
}
