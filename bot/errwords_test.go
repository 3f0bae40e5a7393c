package bot

import (
	"reflect"
	"testing"

	"crmbot/crm"
)

// Errors whose arguments are codes (a stage, a segment) word them in the reader's
// language: a Croatian reply must never say "won" or "corporate".
func TestErrorArgsWordCodes(t *testing.T) {
	cat, err := LoadCatalog()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		err  *crm.Error
		want []any
	}{
		{crm.Errorf(crm.ECONFLICT, "err.same_stage", uint64(2), "deliberating"), []any{uint64(2), "razmišlja"}},
		{crm.Errorf(crm.EFORBIDDEN, "err.reopen_forbidden", uint64(2), "won"), []any{uint64(2), "posao"}},
		{crm.Errorf(crm.ECONFLICT, "err.reopen_unconfirmed", uint64(3), "lost"), []any{uint64(3), "odbijanje"}},
		{crm.Errorf(crm.EINVALID, "err.segment_mismatch", "Ana", "corporate", "retail"), []any{"Ana", "korporativni", "maloprodaja"}},
		{crm.Errorf(crm.EINVALID, "err.new_segment_mismatch", "Ana", "corporate", "retail"), []any{"Ana", "korporativni", "maloprodaja"}},
		{crm.Errorf(crm.ECONFLICT, "err.edit_segment_mismatch", "Ana", "retail", "corporate"), []any{"Ana", "maloprodaja", "korporativni"}},
		// What the user typed is echoed as typed.
		{crm.Errorf(crm.EINVALID, "err.bad_stage", "sideways"), []any{"sideways"}},
	} {
		if got := cat.ErrorArgs("hr", tc.err); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.err.Key, got, tc.want)
		}
	}
}
