package storage

import (
	"encoding/binary"
	"errors"
	"time"

	"crmbot/crm"
)

// The records read on hot paths (due lists, timelines, search results) are encoded
// in a compact binary form, version 2: profiling the benchmarks on 100,000 interests
// showed encoding/json at 60% of a 100-interest due list and of a 200-entry timeline,
// nearly four times the cost of the bbolt lookups; the binary form decodes an
// interest about twelve times faster (BenchmarkDecodeInterest). The rarely read records (users, invites, idempotency keys) stay
// JSON, version 1; decode reads both, so a file holding either form stays readable,
// and the due indexes hold copies of interests in this form (see interestEntries).
//
// Layout: fields in declaration order; unsigned integers as uvarints, signed as
// varints, strings length-prefixed, bools as one byte, times as 8-byte Unix seconds
// and 4-byte nanoseconds (UTC: the instant is kept, the zone is not).
// TestCodecCoversEveryField fails when a crm type gains a field this file ignores.
//
// Version 3 adds the company's OIB after its CreatedAt; every other record is laid
// out as in version 2, and version 2 records stay readable (a company without OIB).
//
// Version 4 adds, after an interest's LastActivityAt, its proposal (a presence byte,
// then value, currency, delivery time, validity, checklist, sent time), its client
// data's confirmation time, its first-response due time and its first response
// (rules R14–R16); these times are optional (see optTime). Version 3 interests
// read as having none of them.
const (
	binaryVersion   = 4
	binaryVersionV3 = 3
	binaryVersionV2 = 2
)

var errShort = errors.New("record truncated")

type encoder struct{ b []byte }

func (e *encoder) uint(v uint64) { e.b = binary.AppendUvarint(e.b, v) }
func (e *encoder) int(v int64)   { e.b = binary.AppendVarint(e.b, v) }
func (e *encoder) str(s string)  { e.uint(uint64(len(s))); e.b = append(e.b, s...) }
func (e *encoder) bool(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

// time writes fixed-width Unix seconds and nanoseconds: five times per interest made
// varints the decoder's largest cost.
func (e *encoder) time(t time.Time) {
	e.b = binary.BigEndian.AppendUint64(e.b, uint64(t.Unix()))
	e.b = binary.BigEndian.AppendUint32(e.b, uint32(t.Nanosecond()))
}

// optTime writes a time that is often unset: uvarint Unix seconds, 0 for the zero
// time, then (when set) uvarint nanoseconds, one byte for the service's whole
// seconds. Times before 1970 are not kept by the service and are written as unset.
func (e *encoder) optTime(t time.Time) {
	if t.IsZero() || t.Unix() <= 0 {
		e.uint(0)
		return
	}
	e.uint(uint64(t.Unix()))
	e.uint(uint64(t.Nanosecond()))
}

// decoder reads a record. Its strings are substrings of one copy of the record (s),
// so a record costs one string allocation however many text fields it has.
type decoder struct {
	b   []byte
	s   string
	off int
	err error
}

func (d *decoder) uint() uint64 {
	v, n := binary.Uvarint(d.b[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return v
}

func (d *decoder) int() int64 {
	v, n := binary.Varint(d.b[d.off:])
	if n <= 0 {
		d.fail()
		return 0
	}
	d.off += n
	return v
}

// span returns the bounds of the next length-prefixed string.
func (d *decoder) span() (int, int) {
	n := d.uint()
	if n > uint64(len(d.b)-d.off) {
		d.fail()
		return 0, 0
	}
	start := d.off
	d.off += int(n)
	return start, d.off
}

func (d *decoder) str() string {
	i, j := d.span()
	return d.s[i:j]
}

// enum returns the known constant equal to the next string, so the few values of a
// stage or a kind cost no allocation.
func enum[T ~string](d *decoder, known []T) T {
	i, j := d.span()
	b := d.b[i:j]
	for _, k := range known {
		if string(b) == string(k) {
			return k
		}
	}
	return T(d.s[i:j])
}

func (d *decoder) bool() bool {
	if d.off >= len(d.b) {
		d.fail()
		return false
	}
	v := d.b[d.off] != 0
	d.off++
	return v
}

func (d *decoder) time() time.Time {
	if len(d.b)-d.off < 12 {
		d.fail()
		return time.Time{}
	}
	b := d.b[d.off:]
	sec, nsec := int64(binary.BigEndian.Uint64(b)), binary.BigEndian.Uint32(b[8:])
	d.off += 12
	// time.Unix(…).UTC() of the zero instant is exactly time.Time{}.
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *decoder) optTime() time.Time {
	v := d.uint()
	if v == 0 {
		return time.Time{}
	}
	return time.Unix(int64(v), int64(d.uint())).UTC()
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = errShort
	}
	d.off = len(d.b)
}

var (
	kinds            = []crm.Kind{crm.KindInterest, crm.KindPotentialDeal}
	segments         = []crm.Segment{crm.SegmentCorporate, crm.SegmentRetail}
	interactionKinds = append([]crm.InteractionKind{crm.InteractionSystem}, crm.InteractionKinds...)
	currencies       = []string{"EUR", "USD", ""}
)

// encodeBinary appends v in the binary form when its type has one.
func encodeBinary(v any) ([]byte, bool) {
	e := &encoder{b: make([]byte, 1, 128)}
	e.b[0] = binaryVersion
	switch v := v.(type) {
	case *crm.Company:
		e.uint(v.ID)
		e.str(v.Name)
		e.str(string(v.Size))
		e.str(v.LineOfBusiness)
		e.str(v.Website)
		e.str(v.Notes)
		e.time(v.CreatedAt)
		e.str(v.OIB)
	case *crm.Contact:
		e.uint(v.ID)
		e.uint(v.CompanyID)
		e.str(v.FullName)
		e.str(v.Position)
		e.str(v.Email)
		e.str(v.Phone)
		e.str(v.Mobile)
		e.str(v.Messenger)
		e.bool(v.OptOut)
		e.time(v.CreatedAt)
	case *crm.Interest:
		e.uint(v.ID)
		e.str(string(v.Kind))
		e.uint(v.CompanyID)
		e.uint(v.ContactID)
		e.uint(v.OwnerID)
		e.str(string(v.Segment))
		e.str(v.Need)
		e.str(v.Source)
		e.int(v.Value)
		e.str(v.Currency)
		e.str(string(v.Stage))
		e.str(string(v.Deliberation))
		e.str(string(v.LossReason))
		e.str(v.Next.What)
		e.time(v.Next.Due)
		e.time(v.CreatedAt)
		e.time(v.UpdatedAt)
		e.time(v.ClosedAt)
		e.time(v.LastActivityAt)
		if p := v.Proposal; p != nil {
			e.bool(true)
			e.int(p.Value)
			e.str(p.Currency)
			e.uint(uint64(p.Delivery.N))
			e.str(string(p.Delivery.Unit))
			e.optTime(p.ValidUntil)
			e.uint(uint64(p.Checked))
			e.optTime(p.SentAt)
		} else {
			e.bool(false)
		}
		e.optTime(v.ConfirmedAt)
		e.optTime(v.ResponseDue)
		e.optTime(v.FirstResponseAt)
	case *crm.Interaction:
		e.uint(v.ID)
		e.uint(v.InterestID)
		e.str(string(v.Kind))
		e.uint(v.AuthorID)
		e.time(v.At)
		e.str(v.Text)
	case *crm.AuditEntry:
		e.uint(v.ID)
		e.time(v.At)
		e.uint(v.ActorID)
		e.str(v.Entity)
		e.uint(v.EntityID)
		e.str(v.Action)
		e.str(v.Detail)
		e.bool(v.Refused)
	default:
		return nil, false
	}
	return e.b, true
}

// decodeBinary reads data (without its version byte, which is version) into v.
func decodeBinary(data []byte, version byte, v any) (bool, error) {
	return decodeBinaryIn(data, string(data), version, v)
}

// decodeBinaryIn is decodeBinary whose strings are cut from s, a copy of data that
// the caller made: a list copies its records into one string, one allocation for all.
func decodeBinaryIn(data []byte, s string, version byte, v any) (bool, error) {
	d := &decoder{b: data, s: s}
	switch v := v.(type) {
	case *crm.Company:
		v.ID = d.uint()
		v.Name = d.str()
		v.Size = enum(d, crm.CompanySizes)
		v.LineOfBusiness = d.str()
		v.Website = d.str()
		v.Notes = d.str()
		v.CreatedAt = d.time()
		v.OIB = ""
		if version >= 3 {
			v.OIB = d.str()
		}
	case *crm.Contact:
		v.ID = d.uint()
		v.CompanyID = d.uint()
		v.FullName = d.str()
		v.Position = d.str()
		v.Email = d.str()
		v.Phone = d.str()
		v.Mobile = d.str()
		v.Messenger = d.str()
		v.OptOut = d.bool()
		v.CreatedAt = d.time()
	case *crm.Interest:
		v.ID = d.uint()
		v.Kind = enum(d, kinds)
		v.CompanyID = d.uint()
		v.ContactID = d.uint()
		v.OwnerID = d.uint()
		v.Segment = enum(d, segments)
		v.Need = d.str()
		v.Source = d.str()
		v.Value = d.int()
		v.Currency = enum(d, currencies)
		v.Stage = enum(d, crm.Stages)
		v.Deliberation = enum(d, crm.DeliberationReasons)
		v.LossReason = enum(d, crm.LossReasons)
		v.Next.What = d.str()
		v.Next.Due = d.time()
		v.CreatedAt = d.time()
		v.UpdatedAt = d.time()
		v.ClosedAt = d.time()
		v.LastActivityAt = d.time()
		v.Proposal, v.ConfirmedAt, v.ResponseDue, v.FirstResponseAt = nil, time.Time{}, time.Time{}, time.Time{}
		if version >= 4 {
			if d.bool() {
				p := &crm.Proposal{}
				p.Value = d.int()
				p.Currency = enum(d, currencies)
				p.Delivery.N = int(d.uint())
				p.Delivery.Unit = enum(d, crm.DeliveryUnits)
				p.ValidUntil = d.optTime()
				p.Checked = crm.ChecklistItem(d.uint())
				p.SentAt = d.optTime()
				v.Proposal = p
			}
			v.ConfirmedAt = d.optTime()
			v.ResponseDue = d.optTime()
			v.FirstResponseAt = d.optTime()
		}
	case *crm.Interaction:
		v.ID = d.uint()
		v.InterestID = d.uint()
		v.Kind = enum(d, interactionKinds)
		v.AuthorID = d.uint()
		v.At = d.time()
		v.Text = d.str()
	case *crm.AuditEntry:
		v.ID = d.uint()
		v.At = d.time()
		v.ActorID = d.uint()
		v.Entity = d.str()
		v.EntityID = d.uint()
		v.Action = d.str()
		v.Detail = d.str()
		v.Refused = d.bool()
	default:
		return false, nil
	}
	if d.err == nil && d.off != len(d.b) {
		d.err = errors.New("trailing bytes in record")
	}
	return true, d.err
}
