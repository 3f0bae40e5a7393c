package bot

import "testing"

// /new's labels. "value: 12,000" (the README's €12,000 form) is split at the
// comma: 12 stored, "000" put in the need; "segment: retail" must be honoured.
func TestNewLineLabels(t *testing.T) {
	n := parseNewLine("Iva Ivić, Gama, value: 12,000 EUR")
	if n.Value != 12000 || n.Need != "" {
		t.Errorf("value: 12,000 EUR => value %d, need %q", n.Value, n.Need)
	}
	n = parseNewLine("Iva Ivić, Gama, value: €12,000")
	if n.Value != 12000 || n.Need != "" {
		t.Errorf("value: €12,000 => value %d, need %q", n.Value, n.Need)
	}
	n = parseNewLine("Iva Ivić, Gama, segment: retail")
	if n.Need != "" {
		t.Errorf("segment: retail => need %q (issue 9: labels typed on /new are honoured)", n.Need)
	}
}
