package storage

import (
	"fmt"
	"strings"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// companyEntries: the folded full name (for duplicates), the OIB when known (the
// surer duplicate key) and each distinct name word (for search).
func companyEntries(c *crm.Company) []entry {
	id := u64(c.ID)
	words := uniq(crm.Words(c.Name))
	es := make([]entry, 0, 2+len(words))
	es = append(es, entry{idxCompanyName, key(strKey(crm.FoldName(c.Name)), id), nil})
	if c.OIB != "" {
		es = append(es, entry{idxCompanyOIB, key([]byte(c.OIB), id), nil})
	}
	for _, w := range words {
		es = append(es, entry{idxCompanyWord, key(strKey(w), id), nil})
	}
	return es
}

func (t *tx) Company(id uint64) (*crm.Company, error) {
	c, err := load[crm.Company](t.btx, bucketCompanies, id)
	if err == nil && c == nil {
		err = notFound("company", id)
	}
	return c, err
}

func (t *tx) PutCompany(c *crm.Company) error {
	if err := nextID(t.btx.Bucket(bucketCompanies), &c.ID); err != nil {
		return err
	}
	old, err := load[crm.Company](t.btx, bucketCompanies, c.ID)
	if err != nil {
		return err
	}
	var oldEntries []entry
	if old != nil {
		oldEntries = companyEntries(old)
	}
	if err := store(t.btx, bucketCompanies, c.ID, c); err != nil {
		return err
	}
	if old != nil && old.Size != c.Size {
		// The reports' facets follow the company's size.
		if err := t.resizeFacets(c.ID, old.Size, c.Size); err != nil {
			return err
		}
	}
	return t.reindex(oldEntries, companyEntries(c))
}

func (t *tx) CompaniesByName(name string) ([]*crm.Company, error) {
	n := crm.FoldName(name)
	if n == "" {
		return nil, nil
	}
	ids := scanIDs(t.btx.Bucket(idxCompanyName), strKey(n), 0)
	return loadIDs[crm.Company](t.btx, bucketCompanies, ids)
}

// CompanyByOIB returns the company with that OIB; the oldest when, against the
// service's rule, two share one.
func (t *tx) CompanyByOIB(oib string) (*crm.Company, error) {
	if oib == "" {
		return nil, crm.Errorf(crm.ENOTFOUND, "err.company_not_found", oib)
	}
	ids := scanIDs(t.btx.Bucket(idxCompanyOIB), []byte(oib), 1)
	cs, err := loadIDs[crm.Company](t.btx, bucketCompanies, ids)
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, crm.Errorf(crm.ENOTFOUND, "err.company_not_found", oib)
	}
	return cs[0], nil
}

// FindCompanies seeks the word index on the longest query word (the most selective
// one), then keeps the companies whose name has a word starting with every other
// query word.
func (t *tx) FindCompanies(query string, limit int) ([]*crm.Company, error) {
	q := crm.Words(query)
	if len(q) == 0 {
		return nil, nil
	}
	var out []*crm.Company
	r := newReader[crm.Company](t.btx, bucketCompanies)
	err := findWords(t.btx.Bucket(idxCompanyWord), nil, q, func(id uint64) (bool, error) {
		c, err := r.get(id)
		if err == nil && c == nil {
			err = fmt.Errorf("company %d: indexed but missing (run crmbot doctor)", id)
		}
		if err != nil {
			return false, err
		}
		// With one query word the index seek alone decides; skip re-folding the name.
		if len(q) > 1 && !wordsMatch(crm.Words(c.Name), q) {
			return false, nil
		}
		out = append(out, c)
		return limit > 0 && len(out) >= limit, nil
	})
	return out, err
}

// findWords walks the keys of a word index (each kind+word \0 id) whose word starts
// with the longest of the query words, calling fn once per distinct id until fn
// reports it is done.
func findWords(b *bolt.Bucket, kind []byte, q []string, fn func(id uint64) (done bool, err error)) error {
	longest := q[0]
	for _, w := range q[1:] {
		if len(w) > len(longest) {
			longest = w
		}
	}
	prefix := key(kind, []byte(longest))
	seen := make(map[uint64]bool)
	c := b.Cursor()
	for k, _ := c.Seek(prefix); hasPrefix(k, prefix); k, _ = c.Next() {
		id := idAfter(k)
		if seen[id] {
			continue
		}
		seen[id] = true
		done, err := fn(id)
		if err != nil || done {
			return err
		}
	}
	return nil
}

// wordsMatch reports whether every query word is a prefix of some word of the name.
func wordsMatch(name, query []string) bool {
	for _, q := range query {
		found := false
		for _, w := range name {
			if strings.HasPrefix(w, q) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

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
