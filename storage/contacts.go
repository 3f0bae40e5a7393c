package storage

import (
	"fmt"
	"slices"
	"strings"

	"crmbot/crm"
)

// contactEntries: the company, and the search terms (name words, the email, the digits
// of each phone), which the duplicate checks by email and phone read too.
func contactEntries(c *crm.Contact) []entry {
	id := u64(c.ID)
	es := []entry{{idxContactCompany, key(u64(c.CompanyID), id), nil}}
	term := func(kind byte, s string) {
		k := key([]byte{kind}, strKey(s), id)
		for _, e := range es {
			if string(e.bucket) == string(idxContactTerm) && string(e.key) == string(k) {
				return
			}
		}
		es = append(es, entry{idxContactTerm, k, nil})
	}
	if c.Email != "" {
		term(termEmail, c.Email)
	}
	for _, p := range uniq([]string{c.Phone, c.Mobile}) {
		if p == "" {
			continue
		}
		for _, d := range crm.PhoneTerms(p) {
			term(termPhone, d)
		}
	}
	for _, w := range crm.Words(c.FullName) {
		term(termName, w)
	}
	return es
}

func (t *tx) Contact(id uint64) (*crm.Contact, error) {
	c, err := load[crm.Contact](t.btx, bucketContacts, id)
	if err == nil && c == nil {
		err = notFound("contact", id)
	}
	return c, err
}

func (t *tx) PutContact(c *crm.Contact) error {
	if err := nextID(t.btx.Bucket(bucketContacts), &c.ID); err != nil {
		return err
	}
	old, err := load[crm.Contact](t.btx, bucketContacts, c.ID)
	if err != nil {
		return err
	}
	var oldEntries []entry
	if old != nil {
		oldEntries = contactEntries(old)
	}
	if err := store(t.btx, bucketContacts, c.ID, c); err != nil {
		return err
	}
	return t.reindex(oldEntries, contactEntries(c))
}

func (t *tx) ContactsByEmail(email string) ([]*crm.Contact, error) {
	if email == "" {
		return nil, nil
	}
	ids := scanIDs(t.btx.Bucket(idxContactTerm), key([]byte{termEmail}, strKey(email)), 0)
	return loadIDs[crm.Contact](t.btx, bucketContacts, ids)
}

func (t *tx) ContactsByPhone(e164 string) ([]*crm.Contact, error) {
	if e164 == "" {
		return nil, nil
	}
	// The term index holds digits: the number's own, and its national significant
	// number, which may equal another country's number written in full. Only a
	// contact whose phone or mobile is e164 itself is a match.
	ids := scanIDs(t.btx.Bucket(idxContactTerm), key([]byte{termPhone}, strKey(crm.Digits(e164))), 0)
	cs, err := loadIDs[crm.Contact](t.btx, bucketContacts, ids)
	if err != nil {
		return nil, err
	}
	return slices.DeleteFunc(cs, func(c *crm.Contact) bool { return c.Phone != e164 && c.Mobile != e164 }), nil
}

func (t *tx) ContactsByCompany(companyID uint64) ([]*crm.Contact, error) {
	ids := scanIDs(t.btx.Bucket(idxContactCompany), u64(companyID), 0)
	return loadIDs[crm.Contact](t.btx, bucketContacts, ids)
}

// FindContacts reads the query as an email prefix when it has an '@', as phone
// digits when it has digits and no letters, and as name words otherwise.
func (t *tx) FindContacts(query string, limit int) ([]*crm.Contact, error) {
	query = strings.TrimSpace(query)
	var (
		kind  byte
		terms []string
	)
	switch {
	case strings.Contains(query, "@"):
		kind, terms = termEmail, []string{strings.ToLower(query)}
	case crm.IsPhoneQuery(query):
		kind = termPhone
		d := crm.Digits(query)
		if strings.HasPrefix(query, "00") {
			d = d[2:] // international prefix: the rest is E.164 digits
		}
		terms = []string{d}
		if national := strings.TrimLeft(d, "0"); national != d && national != "" {
			terms = append(terms, national) // "091…" is dialled at home for NSN "91…"
		}
	default:
		kind, terms = termName, crm.Words(query)
	}
	if len(terms) == 0 || terms[0] == "" {
		return nil, nil
	}
	var out []*crm.Contact
	seen := make(map[uint64]bool)
	r := newReader[crm.Contact](t.btx, bucketContacts)
	add := func(id uint64) (bool, error) {
		if seen[id] {
			return false, nil
		}
		seen[id] = true
		c, err := r.get(id)
		if err == nil && c == nil {
			err = fmt.Errorf("contact %d: indexed but missing (run crmbot doctor)", id)
		}
		if err != nil {
			return false, err
		}
		if kind == termName && len(terms) > 1 && !wordsMatch(crm.Words(c.FullName), terms) {
			return false, nil
		}
		out = append(out, c)
		return limit > 0 && len(out) >= limit, nil
	}
	b := t.btx.Bucket(idxContactTerm)
	if kind == termName {
		return out, findWords(b, []byte{kind}, terms, add)
	}
	// Each alternative form is a prefix of its own; the first that fills the limit wins.
	for _, term := range terms {
		done := false
		err := findWords(b, []byte{kind}, []string{term}, func(id uint64) (bool, error) {
			var err error
			done, err = add(id)
			return done, err
		})
		if err != nil || done {
			return out, err
		}
	}
	return out, nil
}
