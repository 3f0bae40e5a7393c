package bot

import (
	"testing"

	"crmbot/crm"
)

// /edit reads its field words and the coded values in either language; a word it does
// not know is refused (field) or passed on for the service to refuse (value), never
// guessed.
func TestEditWordsBothLanguages(t *testing.T) {
	fields := []struct {
		in   string
		want crm.EditField
		ok   bool
	}{
		{"phone", crm.EditPhone, true},
		{"Telefon", crm.EditPhone, true},
		{"tvrtka:", crm.EditCompany, true},
		{"veličina", crm.EditSize, true},
		{"velicina", crm.EditSize, true},
		{"e-pošta", crm.EditEmail, true},
		{"vrijednost", crm.EditValue, true},
		{"boja", "", false},
	}
	for _, tc := range fields {
		got, ok := editField(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("editField(%q) = %q, %v; want %q, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
	values := []struct {
		field   crm.EditField
		in, out string
	}{
		{crm.EditSize, "Velika", "large"},
		{crm.EditSize, "državna", "government"},
		{crm.EditSize, "ogromna", "ogromna"},
		{crm.EditSegment, "maloprodaja", "retail"},
		{crm.EditSegment, "corporate", "corporate"},
		{crm.EditKind, "posao", "deal"},
		{crm.EditKind, "upit", "interest"},
		{crm.EditNeed, "posao", "posao"},
		{crm.EditCompany, "Velika d.o.o.", "Velika d.o.o."},
	}
	for _, tc := range values {
		if got := editValue(tc.field, tc.in); got != tc.out {
			t.Errorf("editValue(%s, %q) = %q; want %q", tc.field, tc.in, got, tc.out)
		}
	}
}
