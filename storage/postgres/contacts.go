package postgres

import (
	"strings"

	"crmbot/crm"
)

// Term kinds in contact_terms, as in the bbolt index: a name word never matches an
// email prefix.
const (
	termName  = "n"
	termEmail = "e"
	termPhone = "p"
)

// contactTerms returns the search terms of c as parallel kind and term lists.
func contactTerms(c *crm.Contact) (kinds, terms []string) {
	seen := make(map[string]bool)
	add := func(kind, s string) {
		if seen[kind+"\x00"+s] {
			return
		}
		seen[kind+"\x00"+s] = true
		kinds, terms = append(kinds, kind), append(terms, s)
	}
	if c.Email != "" {
		add(termEmail, c.Email)
	}
	for _, p := range uniq([]string{c.Phone, c.Mobile}) {
		if p == "" {
			continue
		}
		for _, d := range crm.PhoneTerms(p) {
			add(termPhone, d)
		}
	}
	for _, w := range crm.Words(c.FullName) {
		add(termName, w)
	}
	return kinds, terms
}

func (t *tx) Contact(id uint64) (*crm.Contact, error) {
	return getOne[crm.Contact](t, notFound("contact", id), `SELECT data FROM contacts WHERE id = $1`, int64(id))
}

// PutContact stores c with its company, email, phones and search terms.
func (t *tx) PutContact(c *crm.Contact) error {
	explicit := c.ID != 0
	if err := t.nextID("contacts", &c.ID); err != nil {
		return err
	}
	row, err := contactRow(c)
	if err != nil {
		return err
	}
	var inserted bool
	if err := t.q.QueryRow(t.ctx, `INSERT INTO contacts (id, company_id, email, phone, mobile, data) VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (id) DO UPDATE SET company_id = EXCLUDED.company_id, email = EXCLUDED.email,
			phone = EXCLUDED.phone, mobile = EXCLUDED.mobile, data = EXCLUDED.data
		RETURNING xmax = 0`, row...).Scan(&inserted); err != nil {
		return err
	}
	if inserted && explicit {
		if err := t.raiseSeq("contacts", c.ID); err != nil {
			return err
		}
	}
	if !inserted {
		if _, err := t.q.Exec(t.ctx, `DELETE FROM contact_terms WHERE contact_id = $1`, int64(c.ID)); err != nil {
			return err
		}
	}
	if kinds, terms := contactTerms(c); len(terms) > 0 {
		if _, err := t.q.Exec(t.ctx, `INSERT INTO contact_terms (kind, term, contact_id)
			SELECT k::"char", w, $3::int8 FROM unnest($1::text[], $2::text[]) AS x(k, w)`,
			kinds, terms, int64(c.ID)); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) ContactsByEmail(email string) ([]*crm.Contact, error) {
	if email == "" {
		return nil, nil
	}
	return list[crm.Contact](t, `SELECT data FROM contacts WHERE email = $1 ORDER BY id`, email)
}

func (t *tx) ContactsByPhone(e164 string) ([]*crm.Contact, error) {
	if e164 == "" {
		return nil, nil
	}
	return list[crm.Contact](t, `SELECT data FROM contacts WHERE phone = $1 OR mobile = $1 ORDER BY id`, e164)
}

func (t *tx) ContactsByCompany(companyID uint64) ([]*crm.Contact, error) {
	return list[crm.Contact](t, `SELECT data FROM contacts WHERE company_id = $1 ORDER BY id`, int64(companyID))
}

// FindContacts reads the query as an email prefix when it has an '@', as phone digits
// when it has digits and no letters, and as name words otherwise (as bbolt does).
func (t *tx) FindContacts(query string, limit int) ([]*crm.Contact, error) {
	query = strings.TrimSpace(query)
	var (
		kind  string
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
	w := words{table: "contact_terms", col: "term", idCol: "contact_id", kind: kind}
	first, rest := terms[0], []string(nil)
	if kind == termName {
		first, rest = longest(terms)
	}
	ids, err := t.findWords(w, first, rest, limit)
	if err != nil {
		return nil, err
	}
	// Each alternative form of a phone is a prefix of its own; the first that fills
	// the limit wins.
	if kind == termPhone {
		seen := make(map[int64]bool, len(ids))
		for _, id := range ids {
			seen[id] = true
		}
		for _, alt := range terms[1:] {
			if limit > 0 && len(ids) >= limit {
				break
			}
			more, err := t.findWords(w, alt, nil, limit)
			if err != nil {
				return nil, err
			}
			for _, id := range more {
				if !seen[id] && (limit <= 0 || len(ids) < limit) {
					seen[id] = true
					ids = append(ids, id)
				}
			}
		}
	}
	return byIDs[crm.Contact](t, "contacts", ids, func(c *crm.Contact) uint64 { return c.ID })
}

func (t *tx) ForEachContact(fn func(*crm.Contact) error) error {
	return eachByID(t, "contacts", "", func(c *crm.Contact) uint64 { return c.ID }, fn)
}
