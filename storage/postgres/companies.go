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
		// The reports' facet of the company's interests follows its size.
		if _, err := t.q.Exec(t.ctx, `UPDATE interests SET size = $2 WHERE company_id = $1 AND size <> $2`,
			int64(c.ID), string(c.Size)); err != nil {
			return err
		}
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
	n := crm.FoldName(name)
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
	ids, err := t.findWords(words{table: "company_words", col: "word", idCol: "company_id"}, first, rest, limit)
	if err != nil {
		return nil, err
	}
	return byIDs[crm.Company](t, "companies", ids, func(c *crm.Company) uint64 { return c.ID })
}

// words names a table of search words: (kind,) word, id, with an index in that order.
type words struct {
	table, col, idCol string
	kind              string // the kind column's value, "" for a table without one
}

// findWords walks the word index from the first word starting with first, in index
// order as bbolt's cursor walks its keys, keeping the ids that also have a word
// starting with each of rest, until limit distinct ids (limit <= 0: all). It reads a
// page of index entries at a time, resuming after the last entry read, so a prefix
// that thousands of words share costs what the answer needs, not what matches.
func (t *tx) findWords(w words, first string, rest []string, limit int) ([]int64, error) {
	args := []any{first, prefixEnd(first)}
	cond := ""
	if w.kind != "" {
		args = append(args, w.kind)
		cond = `t0.kind = ($3::text)::"char" AND `
	}
	var exists strings.Builder
	for _, r := range rest {
		args = append(args, r, prefixEnd(r))
		fmt.Fprintf(&exists, ` AND EXISTS (SELECT 1 FROM %[1]s tn WHERE %[4]stn.%[3]s = t0.%[3]s AND tn.%[2]s >= $%[5]d AND tn.%[2]s < $%[6]d)`,
			w.table, w.col, w.idCol, strings.ReplaceAll(cond, "t0.", "tn."), len(args)-1, len(args))
	}
	n := len(args)
	page := 1000
	if limit > 0 {
		page = max(2*limit, 50)
	}
	base := fmt.Sprintf(`SELECT t0.%[2]s, t0.%[3]s FROM %[1]s t0 WHERE %[4]st0.%[2]s >= $1 AND t0.%[2]s < $2%[5]s`,
		w.table, w.col, w.idCol, cond, exists.String())
	next := base + fmt.Sprintf(` AND (t0.%[1]s, t0.%[2]s) > ($%[3]d, $%[4]d)`, w.col, w.idCol, n+1, n+2)
	order := fmt.Sprintf(` ORDER BY t0.%s, t0.%s LIMIT %d`, w.col, w.idCol, page)
	var ids []int64
	seen := make(map[int64]bool)
	var lastWord string
	var lastID int64
	for pageNo := 0; ; pageNo++ {
		sql, a := base+order, args
		if pageNo > 0 {
			sql, a = next+order, append(append([]any{}, args...), lastWord, lastID)
		}
		rows, err := t.q.Query(t.ctx, sql, a...)
		if err != nil {
			return nil, err
		}
		got := 0
		for rows.Next() {
			if err := rows.Scan(&lastWord, &lastID); err != nil {
				rows.Close()
				return nil, err
			}
			got++
			if !seen[lastID] && (limit <= 0 || len(ids) < limit) {
				seen[lastID] = true
				ids = append(ids, lastID)
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		if got < page || limit > 0 && len(ids) >= limit {
			return ids, nil
		}
	}
}

// byIDs reads the records of table with the given ids, in the order of ids.
func byIDs[T any](t *tx, table string, ids []int64, idOf func(*T) uint64) ([]*T, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	found, err := list[T](t, `SELECT data FROM `+table+` WHERE id = ANY($1)`, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[uint64]*T, len(found))
	for _, v := range found {
		byID[idOf(v)] = v
	}
	out := make([]*T, 0, len(ids))
	for _, id := range ids {
		v := byID[uint64(id)]
		if v == nil {
			return nil, fmt.Errorf("%s %d: indexed but missing", table, id)
		}
		out = append(out, v)
	}
	return out, nil
}

func (t *tx) ForEachCompany(fn func(*crm.Company) error) error {
	return eachByID(t, "companies", "", func(c *crm.Company) uint64 { return c.ID }, fn)
}
