package postgres

import (
	"fmt"
	"strings"

	"crmbot/crm"
)

func (t *tx) Company(id uint64) (*crm.Company, error) {
	return getOne[crm.Company](t, notFound("company", id), `SELECT data FROM companies WHERE id = $1`, int64(id))
}

// PutCompany stores c with its folded name, OIB and name words.
func (t *tx) PutCompany(c *crm.Company) error {
	explicit := c.ID != 0
	if err := t.nextID("companies", &c.ID); err != nil {
		return err
	}
	row, err := companyRow(c)
	if err != nil {
		return err
	}
	var inserted bool
	if err := t.q.QueryRow(t.ctx, `INSERT INTO companies (id, name_key, oib, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (id) DO UPDATE SET name_key = EXCLUDED.name_key, oib = EXCLUDED.oib, data = EXCLUDED.data
		RETURNING xmax = 0`, row...).Scan(&inserted); err != nil {
		return err
	}
	if inserted && explicit {
		if err := t.raiseSeq("companies", c.ID); err != nil {
			return err
		}
	}
	if !inserted {
		if _, err := t.q.Exec(t.ctx, `DELETE FROM company_words WHERE company_id = $1`, int64(c.ID)); err != nil {
			return err
		}
	}
	if words := uniq(crm.Words(c.Name)); len(words) > 0 {
		if _, err := t.q.Exec(t.ctx, `INSERT INTO company_words (word, company_id) SELECT unnest($1::text[]), $2::int8`,
			words, int64(c.ID)); err != nil {
			return err
		}
	}
	return nil
}

func (t *tx) CompaniesByName(name string) ([]*crm.Company, error) {
	n := foldName(name)
	if n == "" {
		return nil, nil
	}
	return list[crm.Company](t, `SELECT data FROM companies WHERE name_key = $1 ORDER BY id`, n)
}

// CompanyByOIB returns the company with that OIB; the oldest when, against the
// service's rule, two share one.
func (t *tx) CompanyByOIB(oib string) (*crm.Company, error) {
	nf := notFound("company", oib)
	if oib == "" {
		return nil, nf()
	}
	return getOne[crm.Company](t, nf, `SELECT data FROM companies WHERE oib = $1 ORDER BY id LIMIT 1`, oib)
}

// FindCompanies matches the longest query word as a prefix through the word index
// and requires each other word to be the prefix of some word of the same name. The
// order is that of the bbolt index: by the matching word, then by id.
func (t *tx) FindCompanies(query string, limit int) ([]*crm.Company, error) {
	q := crm.Words(query)
	if len(q) == 0 {
		return nil, nil
	}
	first, rest := longest(q)
	sql, args := wordQuery("company_words", "word", "company_id", "", first, rest)
	return list[crm.Company](t, `SELECT c.data FROM (`+sql+`) m JOIN companies c ON c.id = m.id
		ORDER BY m.w, m.id LIMIT $`+fmt.Sprint(len(args)+1), append(args, limitArg(limit))...)
}

// wordQuery builds the subquery of ids (and their first matching word w) whose words
// in table start with first and, for each of rest, with that word as well. kindCond
// narrows the table to one kind of term ("" for none).
func wordQuery(table, col, idCol, kindCond, first string, rest []string) (string, []any) {
	args := []any{first, prefixEnd(first)}
	var b strings.Builder
	fmt.Fprintf(&b, `SELECT %[3]s AS id, min(%[2]s) AS w FROM %[1]s t0 WHERE %[4]s t0.%[2]s >= $1 AND t0.%[2]s < $2`,
		table, col, idCol, kindCond)
	for _, w := range rest {
		args = append(args, w, prefixEnd(w))
		fmt.Fprintf(&b, ` AND EXISTS (SELECT 1 FROM %[1]s tn WHERE %[5]s tn.%[3]s = t0.%[3]s AND tn.%[2]s >= $%[6]d AND tn.%[2]s < $%[7]d)`,
			table, col, idCol, "", strings.ReplaceAll(kindCond, "t0.", "tn."), len(args)-1, len(args))
	}
	fmt.Fprintf(&b, ` GROUP BY %s`, idCol)
	return b.String(), args
}

func (t *tx) ForEachCompany(fn func(*crm.Company) error) error {
	return eachByID(t, "companies", "", func(c *crm.Company) uint64 { return c.ID }, fn)
}
