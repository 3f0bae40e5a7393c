package crm

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// EditField names a field that Edit corrects: of the interest, its contact or its
// company.
type EditField string

// The fields Edit corrects, in the order they are offered.
const (
	EditName      EditField = "name"     // the contact's full name
	EditPosition  EditField = "position" // the contact's
	EditPhone     EditField = "phone"
	EditMobile    EditField = "mobile"
	EditEmail     EditField = "email"
	EditMessenger EditField = "messenger"
	EditCompany   EditField = "company" // the company's name
	EditWebsite   EditField = "website"
	EditSize      EditField = "size"
	EditBusiness  EditField = "business" // the company's line of business
	EditSegment   EditField = "segment"  // the interest's (R13)
	EditSource    EditField = "source"
	EditNeed      EditField = "need"
	EditValue     EditField = "value" // "30000 EUR"
	EditKind      EditField = "kind"  // interest or deal
)

// EditFields lists every field Edit corrects.
var EditFields = []EditField{EditName, EditPosition, EditPhone, EditMobile, EditEmail, EditMessenger, EditCompany, EditWebsite, EditSize, EditBusiness, EditSegment, EditSource, EditNeed, EditValue, EditKind}

// Valid reports whether f is a field Edit corrects.
func (f EditField) Valid() bool {
	for _, x := range EditFields {
		if x == f {
			return true
		}
	}
	return false
}

// ClientData reports whether the field is the client's data (who they are, how to
// reach them, what they need), whose correction confirms it current (R15).
func (f EditField) ClientData() bool {
	return f != EditSegment && f != EditSource && f != EditValue && f != EditKind
}

// Required reports whether the field may not be emptied (R1: name and company).
func (f EditField) Required() bool { return f == EditName || f == EditCompany }

// Edited is the outcome of Edit: the field's value before and after, as stored.
type Edited struct {
	Interest *Interest
	Field    EditField
	Old, New string
	// Unchanged is true when the value was already the one given: nothing was written.
	Unchanged bool
}

// Edit corrects one field of interest id, its contact or its company. value is
// validated and normalised as on creation (phones E.164, email lower case); an empty
// value clears an optional field. The owner, a head or an admin may edit (as for any
// change); a segment must stay its owner's (R13). The change is audited with the old
// and the new value and shown in the timeline. A contact or company shared by other
// interests is corrected for them too: it is the same person or firm.
func (s *Service) Edit(ctx context.Context, op Op, id uint64, field EditField, value string) (*Edited, error) {
	if !field.Valid() {
		return nil, Errorf(EINVALID, "err.bad_edit_field", string(field))
	}
	value = strings.TrimSpace(value)
	if value == "" && field.Required() {
		return nil, Errorf(EINVALID, "err.edit_required", string(field))
	}
	out := &Edited{Field: field}
	in, _, err := s.change(ctx, op, id, "edit", func(tx Tx, in *Interest, now time.Time) (string, error) {
		old, nw, err := s.applyEdit(tx, in, field, value)
		if err != nil {
			return "", err
		}
		out.Old, out.New = old, nw
		if old == nw {
			out.Unchanged = true
			return "", errUnchanged
		}
		if field.ClientData() {
			in.ConfirmedAt = now // corrected client data is current data (R15)
		}
		text := "edited " + string(field) + ": " + orDash(old) + " → " + orDash(nw)
		if err := tx.AddInteraction(&Interaction{InterestID: in.ID, Kind: InteractionSystem, AuthorID: op.Actor.ID, At: now, Text: text}); err != nil {
			return "", err
		}
		return string(field) + ": " + strconv.Quote(old) + " → " + strconv.Quote(nw), nil
	})
	if err == errUnchanged {
		// Nothing to write: the transaction was rolled back on purpose.
		c, err := s.Card(ctx, op.Actor, id, 1)
		if err != nil {
			return nil, err
		}
		out.Interest = c.Interest
		return out, nil
	}
	if err != nil {
		return nil, err
	}
	out.Interest = in
	return out, nil
}

// errUnchanged rolls back an edit that would change nothing, so that no audit entry
// or timeline line records a non-change.
var errUnchanged = Errorf(ECONFLICT, "err.edit_unchanged")

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

// applyEdit sets the field on the record it belongs to, storing that record, and
// returns the old and new values as shown to people.
func (s *Service) applyEdit(tx Tx, in *Interest, f EditField, v string) (string, string, error) {
	switch f {
	case EditSegment, EditSource, EditNeed, EditValue, EditKind:
		return s.editInterest(tx, in, f, v)
	case EditCompany, EditWebsite, EditSize, EditBusiness:
		co, err := tx.Company(in.CompanyID)
		if err != nil {
			return "", "", err
		}
		var dst *string
		switch f {
		case EditCompany:
			dst = &co.Name
		case EditWebsite:
			dst, v = &co.Website, NormalizeWebsite(v)
		case EditBusiness:
			dst = &co.LineOfBusiness
		case EditSize:
			size := CompanySize(strings.ToLower(v))
			if !size.Valid() {
				return "", "", Errorf(EINVALID, "err.bad_size", v)
			}
			old := string(co.Size)
			co.Size = size
			return old, string(size), tx.PutCompany(co)
		}
		old := *dst
		*dst = v
		return old, v, tx.PutCompany(co)
	}
	ct, err := tx.Contact(in.ContactID)
	if err != nil {
		return "", "", err
	}
	var dst *string
	switch f {
	case EditName:
		dst = &ct.FullName
	case EditPosition:
		dst = &ct.Position
	case EditMessenger:
		dst = &ct.Messenger
	case EditEmail:
		if v, err = NormalizeEmail(v); err != nil {
			return "", "", err
		}
		dst = &ct.Email
	case EditPhone, EditMobile:
		if v, err = NormalizePhone(v, s.Config.DefaultRegion); err != nil {
			return "", "", err
		}
		dst = &ct.Phone
		if f == EditMobile {
			dst = &ct.Mobile
		}
	}
	old := *dst
	*dst = v
	return old, v, tx.PutContact(ct)
}

func (s *Service) editInterest(tx Tx, in *Interest, f EditField, v string) (string, string, error) {
	switch f {
	case EditSegment:
		seg := Segment(strings.ToLower(v))
		if !seg.Valid() {
			return "", "", Errorf(EINVALID, "err.bad_segment", v)
		}
		owner, err := tx.User(in.OwnerID)
		if err != nil {
			return "", "", err
		}
		if seg != owner.Segment && seg != in.Segment {
			// R13: the owner works one segment; moving the interest to the other one
			// needs an owner who works it.
			return "", "", Errorf(ECONFLICT, "err.edit_segment_mismatch", owner.Name, string(owner.Segment), string(seg))
		}
		old := string(in.Segment)
		in.Segment = seg
		return old, string(seg), nil
	case EditSource:
		old := in.Source
		in.Source = v
		return old, v, nil
	case EditNeed:
		old := in.Need
		in.Need = v
		return old, v, nil
	case EditKind:
		k := Kind(strings.ToLower(v))
		if strings.HasPrefix(string(k), "potential") {
			k = KindPotentialDeal
		}
		if !k.Valid() {
			return "", "", Errorf(EINVALID, "err.bad_kind", v)
		}
		old := string(in.Kind)
		in.Kind = k
		return old, string(k), nil
	}
	// EditValue: "30000", "30 000 EUR", "30000 usd"; "" clears it.
	old := formatValue(in.Value, in.Currency)
	if v == "" {
		in.Value, in.Currency = 0, s.Config.Currency
		return old, "", nil
	}
	val, cur, err := ParseValue(v, s.Config.Currency)
	if err != nil {
		return "", "", err
	}
	in.Value, in.Currency = val, cur
	return old, formatValue(val, cur), nil
}

// ParseValue reads an amount in whole units with an optional ISO currency after it
// ("30000 EUR", "30000"); the currency defaults to def. Only digits are read: "30.5"
// or "30.000" is refused rather than guessed at (the bot reads amounts as people type
// them and hands them over in this form).
func ParseValue(s, def string) (int64, string, error) {
	s = strings.TrimSpace(s)
	cur := def
	if i := strings.LastIndexByte(s, ' '); i > 0 {
		if w := strings.TrimSpace(s[i+1:]); len(w) == 3 && isLetters(w) {
			cur, s = strings.ToUpper(w), strings.TrimSpace(s[:i])
		}
	}
	val, err := strconv.ParseInt(s, 10, 64)
	if err != nil || val < 0 {
		return 0, "", Errorf(EINVALID, "err.bad_value")
	}
	return val, cur, nil
}

func isLetters(s string) bool {
	for _, r := range s {
		if (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') {
			return false
		}
	}
	return true
}

func formatValue(v int64, cur string) string {
	if v == 0 {
		return ""
	}
	return strconv.FormatInt(v, 10) + " " + cur
}
