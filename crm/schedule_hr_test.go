package crm

import "testing"

// Working days may be written in Croatian (pon-pet, pon,sri,čet), diacritics optional.
func TestParseWorkScheduleCroatianDays(t *testing.T) {
	for days, want := range map[string][7]bool{
		"pon-pet":     {false, true, true, true, true, true, false},
		"pon,sri,čet": {false, true, false, true, true, false, false},
		"uto-cet":     {false, false, true, true, true, false, false},
		"sub-ned":     {true, false, false, false, false, false, true},
		"Mon-Fri":     {false, true, true, true, true, true, false},
	} {
		w, err := ParseWorkSchedule("09:00-17:00", days)
		if err != nil || w.Days != want {
			t.Errorf("%q: %v %v", days, w.Days, err)
		}
	}
	if _, err := ParseWorkSchedule("09:00-17:00", "pon-petak"); ErrorCode(err) != EINVALID {
		t.Errorf("pon-petak: %v", err)
	}
}
