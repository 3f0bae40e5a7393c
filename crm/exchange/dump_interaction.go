package exchange

import (
	"encoding/json"
	"strconv"
	"time"
	"unicode/utf8"

	"crmbot/crm"
)

// appendInteractionJSON appends it as json.Marshal writes it, byte for byte, without
// reflection: interactions are most of a dump (ten for each interest), and
// reflection made the export spend more time encoding than reading. Whatever this
// encoder cannot write exactly as encoding/json does (a year outside 0–9999), it
// leaves to json.Marshal.
func appendInteractionJSON(b []byte, it *crm.Interaction) ([]byte, error) {
	if y := it.At.Year(); y < 0 || y > 9999 {
		j, err := json.Marshal(it)
		return append(b, j...), err
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, it.ID, 10)
	b = append(b, `,"interest_id":`...)
	b = strconv.AppendUint(b, it.InterestID, 10)
	b = append(b, `,"kind":`...)
	b = appendJSONString(b, string(it.Kind))
	b = append(b, `,"author_id":`...)
	b = strconv.AppendUint(b, it.AuthorID, 10)
	b = append(b, `,"at":"`...)
	b = it.At.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","text":`...)
	b = appendJSONString(b, it.Text)
	return append(b, '}'), nil
}

// appendInterestJSON appends in as json.Marshal writes it, byte for byte (omitempty
// fields left out when empty), without reflection; like appendInteractionJSON it
// leaves a time it cannot write to json.Marshal.
func appendInterestJSON(b []byte, in *crm.Interest) ([]byte, error) {
	for _, t := range []time.Time{in.Next.Due, in.CreatedAt, in.UpdatedAt, in.ClosedAt, in.LastActivityAt, in.ConfirmedAt, in.ResponseDue, in.FirstResponseAt} {
		if y := t.Year(); y < 0 || y > 9999 {
			j, err := json.Marshal(in)
			return append(b, j...), err
		}
	}
	str := func(name, v string, omitEmpty bool) {
		if omitEmpty && v == "" {
			return
		}
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, '"', ':')
		b = appendJSONString(b, v)
	}
	at := func(name string, t time.Time) {
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, `":"`...)
		b = t.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, in.ID, 10)
	str("kind", string(in.Kind), false)
	b = append(b, `,"company_id":`...)
	b = strconv.AppendUint(b, in.CompanyID, 10)
	b = append(b, `,"contact_id":`...)
	b = strconv.AppendUint(b, in.ContactID, 10)
	b = append(b, `,"owner_id":`...)
	b = strconv.AppendUint(b, in.OwnerID, 10)
	str("segment", string(in.Segment), false)
	str("need", in.Need, true)
	str("source", in.Source, true)
	if in.Value != 0 {
		b = append(b, `,"value":`...)
		b = strconv.AppendInt(b, in.Value, 10)
	}
	str("currency", in.Currency, true)
	str("stage", string(in.Stage), false)
	str("deliberation", string(in.Deliberation), true)
	str("loss_reason", string(in.LossReason), true)
	b = append(b, `,"next":{"what":`...)
	b = appendJSONString(b, in.Next.What)
	at("due", in.Next.Due)
	b = append(b, '}')
	at("created_at", in.CreatedAt)
	at("updated_at", in.UpdatedAt)
	at("closed_at", in.ClosedAt)
	at("last_activity_at", in.LastActivityAt)
	if in.Proposal != nil {
		// Rare (interests at proposal), so encoding/json's own encoding is cheap enough.
		p, err := json.Marshal(in.Proposal)
		if err != nil {
			return b, err
		}
		b = append(b, `,"proposal":`...)
		b = append(b, p...)
	}
	at("confirmed_at", in.ConfirmedAt)
	at("response_due", in.ResponseDue)
	at("first_response_at", in.FirstResponseAt)
	return append(b, '}'), nil
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does by default: HTML-safe
// (<, > and & escaped), U+2028 and U+2029 escaped, invalid UTF-8 as U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
