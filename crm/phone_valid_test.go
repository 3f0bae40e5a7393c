package crm

import (
	"strings"
	"testing"
)

// Regression: a Croatian number typed with digits missing ("091 2345", "0912345") is
// stored as "+3850912345": the trunk 0 is kept inside the E.164 form, a number no
// phone can dial, and /new's reply does not show the phone. IsPossibleNumber checks
// the length only; the number should be refused (err.bad_phone) so /new asks again.
func TestPhoneWithTrunkZeroIsRefused(t *testing.T) {
	for _, s := range []string{"0912345", "091 2345"} {
		got, err := NormalizePhone(s, "HR")
		if err == nil && strings.HasPrefix(got, "+3850") {
			t.Errorf("%q => %q: stored with the trunk 0, not refused", s, got)
		}
	}
}
