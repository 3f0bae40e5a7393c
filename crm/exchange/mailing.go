package exchange

import (
	"context"
	"encoding/csv"
	"io"
	"strings"

	"crmbot/crm"
)

// MailingFilter narrows the mailing list. Zero fields match everything.
type MailingFilter struct {
	Segment crm.Segment     // contacts with an interest in this segment
	Size    crm.CompanySize // contacts at companies of this size
}

// Recipient is one line of the mailing list.
type Recipient struct {
	Contact *crm.Contact
	Company *crm.Company
}

// MailingList returns the contacts that may be mailed (R8): every contact with an
// email who has not opted out, whatever became of their interests — a not-prospective
// client gets no more calls but stays on the list. In contact id order.
func MailingList(ctx context.Context, src Source, f MailingFilter) ([]Recipient, error) {
	var out []Recipient
	err := src.Snapshot(ctx, func(tx crm.Records) error {
		companies := map[uint64]*crm.Company{}
		return tx.ForEachContact(func(ct *crm.Contact) error {
			if ct.Email == "" || ct.OptOut {
				return nil
			}
			co, ok := companies[ct.CompanyID]
			if !ok {
				c, err := tx.Company(ct.CompanyID)
				if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
					return err
				}
				co, companies[ct.CompanyID] = c, c
			}
			if co == nil {
				co = &crm.Company{ID: ct.CompanyID}
			}
			if f.Size != "" && co.Size != f.Size {
				return nil
			}
			if f.Segment != "" {
				ins, err := tx.InterestsByContact(ct.ID, 0)
				if err != nil {
					return err
				}
				match := false
				for _, in := range ins {
					match = match || in.Segment == f.Segment
				}
				if !match {
					return nil
				}
			}
			out = append(out, Recipient{Contact: ct, Company: co})
			return nil
		})
	})
	return out, err
}

// WriteMailingCSV writes the list as CSV: email, name, position, company, size.
func WriteMailingCSV(w io.Writer, list []Recipient) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"email", "name", "position", "company", "size"})
	for _, r := range list {
		cw.Write([]string{r.Contact.Email, r.Contact.FullName, r.Contact.Position, r.Company.Name, string(r.Company.Size)})
	}
	cw.Flush()
	return cw.Error()
}

// ParseSize reads a company size word, case-insensitively.
func ParseSize(s string) (crm.CompanySize, bool) {
	z := crm.CompanySize(strings.ToLower(s))
	if hr, ok := croatianSizes[crm.Fold(s)]; ok {
		z = hr
	}
	return z, z != "" && z.Valid()
}

// croatianSizes and croatianSegments read filters typed in Croatian (size:velika,
// segment:maloprodaja).
var (
	croatianSizes = map[string]crm.CompanySize{
		"mala": crm.SizeSmall, "mali": crm.SizeSmall, "srednja": crm.SizeMedium, "srednji": crm.SizeMedium,
		"velika": crm.SizeLarge, "veliki": crm.SizeLarge, "drzavna": crm.SizeGovernment, "drzavni": crm.SizeGovernment,
	}
	croatianSegments = map[string]crm.Segment{
		"korporativni": crm.SegmentCorporate, "korporativno": crm.SegmentCorporate,
		"maloprodaja": crm.SegmentRetail, "maloprodajni": crm.SegmentRetail,
	}
)

// ParseSegment reads a segment word.
func ParseSegment(s string) (crm.Segment, bool) {
	g := crm.Segment(strings.ToLower(s))
	if hr, ok := croatianSegments[crm.Fold(s)]; ok {
		g = hr
	}
	return g, g.Valid()
}
