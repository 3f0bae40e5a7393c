package bot_test

import (
	"testing"

	"crmbot/crm"
)

// A run of changes through the engine (sizes edited, a company shared by two
// interests, a reassignment, a loss reopened, a deal with its value) leaves the facet
// counters and the change index as a walk over the records finds them: storagetest's
// Verify checks at cleanup.
func TestFacetsFollowEveryChange(t *testing.T) {
	w := newUnitWorld(t)
	for _, s := range []struct{ id, text string }{
		{"console:admin", "/new Pero Perić, Acme d.o.o."},
		{"console:admin", "/edit 1 size large"},
		{"console:admin", "/edit 3 size small"},
		{"console:admin", "/pipeline size:small"},
		{"console:admin", "/assign 3 @Ana"},
		{"console:admin", "/edit 2 segment retail"},
		{"console:ana", "/lost 2 competitor"},
		{"console:ana", "/stage 2 meeting"},
		{"console:admin", "/stage 2 meeting"},
		{"console:ana", "/won 3 1500"},
		{"console:admin", "/edit 3 value 2000"},
		{"console:admin", "/edit 1 company Beta d.o.o."},
		{"console:admin", "/pipeline"},
		{"console:admin", "/pipeline size:large"},
		{"console:admin", "/stale"},
	} {
		w.send(crm.Identity(s.id), s.text, "")
	}
}
