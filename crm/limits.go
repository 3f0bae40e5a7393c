package crm

import "unicode/utf8"

// Field is a free-text field whose length is limited. Each names its own catalog
// key ("err.too_long.name"), so the refusal says which field and reads well in
// every language.
type Field string

// The limited fields.
const (
	FieldName        Field = "name"     // a contact's or a team member's name
	FieldCompany     Field = "company"  // a company's name
	FieldPosition    Field = "position" // a contact's job title
	FieldEmail       Field = "email"
	FieldPhone       Field = "phone"
	FieldMessenger   Field = "messenger"
	FieldWebsite     Field = "website"
	FieldLine        Field = "line"   // a company's line of business
	FieldSource      Field = "source" // where the interest came from
	FieldNeed        Field = "need"   // what the client needs
	FieldText        Field = "text"   // an interaction's text (a note, a call…)
	FieldNext        Field = "next"   // what the next step is
	FieldCurrency    Field = "currency"
	FieldSearchQuery Field = "query"
)

// Limits are the longest values, in characters, the fields accept. They are generous
// for what people type, and small enough that one record stays a small value in the
// database, a card fits in a chat message, and a paste by mistake (a whole email
// thread as a name) is caught instead of stored.
var Limits = map[Field]int{
	FieldName:        200,
	FieldCompany:     200,
	FieldPosition:    200,
	FieldEmail:       254, // RFC 5321's longest address
	FieldPhone:       50,
	FieldMessenger:   200,
	FieldWebsite:     500,
	FieldLine:        200,
	FieldSource:      200,
	FieldNeed:        4000,
	FieldText:        20000,
	FieldNext:        500,
	FieldCurrency:    3,
	FieldSearchQuery: 200,
}

// CheckLength refuses a value longer than its field's limit with an EINVALID error
// that names the field and the limit.
func CheckLength(f Field, s string) error {
	max, ok := Limits[f]
	if !ok || len(s) <= max { // bytes ≥ runes: most values need no counting
		return nil
	}
	if utf8.RuneCountInString(s) > max {
		return Errorf(EINVALID, "err.too_long."+string(f), max)
	}
	return nil
}

// fieldValue is one value to check against its field's limit.
type fieldValue struct {
	f Field
	v string
}

// checkLengths checks values in order; the first that is too long is the error.
func checkLengths(vs ...fieldValue) error {
	for _, fv := range vs {
		if err := CheckLength(fv.f, fv.v); err != nil {
			return err
		}
	}
	return nil
}
