package postgres

// The search keys themselves (crm.FoldName, crm.PhoneTerms, crm.IsPhoneQuery) are
// the ones the bbolt backend indexes by, so both find the same records for the same
// query; a test runs the same searches on both backends. Below: query helpers.

// uniq drops repeated strings, keeping the first of each.
func uniq(ss []string) []string {
	out := ss[:0:0]
	for _, s := range ss {
		dup := false
		for _, o := range out {
			if o == s {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

// prefixEnd is the upper bound of a prefix range in byte order (COLLATE "C"): every
// string starting with p is below p followed by the largest code point.
func prefixEnd(p string) string { return p + "\U0010FFFF" }

// longest returns the longest of the words (the most selective prefix) and the others.
func longest(q []string) (string, []string) {
	li := 0
	for i, w := range q {
		if len(w) > len(q[li]) {
			li = i
		}
	}
	rest := make([]string, 0, len(q)-1)
	rest = append(rest, q[:li]...)
	return q[li], append(rest, q[li+1:]...)
}
