package exchange

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"crmbot/crm"
)

var zeroTime time.Time

// CSVFiles are the files of a CSV export, in the order a restore reads them.
var CSVFiles = []string{"users.csv", "companies.csv", "contacts.csv", "interests.csv", "interactions.csv"}

// column is one CSV column of a record type: its header, how to write the field and how
// to read it back. Export and restore use the same table, so they cannot drift apart.
type column[T any] struct {
	name string
	get  func(*T) string
	set  func(*T, string) error
}

func strCol[T any](name string, f func(*T) *string) column[T] {
	return column[T]{name, func(r *T) string { return *f(r) }, func(r *T, s string) error { *f(r) = s; return nil }}
}

func u64Col[T any](name string, f func(*T) *uint64) column[T] {
	return column[T]{name,
		func(r *T) string { return strconv.FormatUint(*f(r), 10) },
		func(r *T, s string) (err error) {
			*f(r), err = strconv.ParseUint(s, 10, 64)
			return err
		}}
}

func i64Col[T any](name string, f func(*T) *int64) column[T] {
	return column[T]{name,
		func(r *T) string { return strconv.FormatInt(*f(r), 10) },
		func(r *T, s string) (err error) {
			*f(r), err = strconv.ParseInt(s, 10, 64)
			return err
		}}
}

func boolCol[T any](name string, f func(*T) *bool) column[T] {
	return column[T]{name,
		func(r *T) string { return strconv.FormatBool(*f(r)) },
		func(r *T, s string) (err error) {
			*f(r), err = strconv.ParseBool(s)
			return err
		}}
}

// timeCol writes RFC 3339 in UTC with nanoseconds when there are any; the zero time is
// an empty cell.
func timeCol[T any](name string, f func(*T) *time.Time) column[T] {
	return column[T]{name,
		func(r *T) string {
			if f(r).IsZero() {
				return ""
			}
			return f(r).UTC().Format(time.RFC3339Nano)
		},
		func(r *T, s string) error {
			if s == "" {
				*f(r) = time.Time{}
				return nil
			}
			t, err := time.Parse(time.RFC3339Nano, s)
			*f(r) = t.UTC()
			return err
		}}
}

var userColumns = []column[crm.User]{
	u64Col("id", func(u *crm.User) *uint64 { return &u.ID }),
	strCol("name", func(u *crm.User) *string { return &u.Name }),
	strCol("role", func(u *crm.User) *string { return (*string)(&u.Role) }),
	strCol("segment", func(u *crm.User) *string { return (*string)(&u.Segment) }),
	strCol("tz", func(u *crm.User) *string { return &u.TZ }),
	strCol("lang", func(u *crm.User) *string { return &u.Lang }),
	{"identities", func(u *crm.User) string {
		s := make([]string, len(u.Identities))
		for i, id := range u.Identities {
			s[i] = string(id)
		}
		return strings.Join(s, " ")
	}, func(u *crm.User, s string) error {
		u.Identities = nil
		for _, f := range strings.Fields(s) {
			u.Identities = append(u.Identities, crm.Identity(f))
		}
		return nil
	}},
	boolCol("disabled", func(u *crm.User) *bool { return &u.Disabled }),
	strCol("digest_at", func(u *crm.User) *string { return &u.DigestAt }),
	timeCol("created_at", func(u *crm.User) *time.Time { return &u.CreatedAt }),
}

var companyColumns = []column[crm.Company]{
	u64Col("id", func(c *crm.Company) *uint64 { return &c.ID }),
	strCol("name", func(c *crm.Company) *string { return &c.Name }),
	strCol("size", func(c *crm.Company) *string { return (*string)(&c.Size) }),
	strCol("line_of_business", func(c *crm.Company) *string { return &c.LineOfBusiness }),
	strCol("website", func(c *crm.Company) *string { return &c.Website }),
	strCol("notes", func(c *crm.Company) *string { return &c.Notes }),
	timeCol("created_at", func(c *crm.Company) *time.Time { return &c.CreatedAt }),
	strCol("oib", func(c *crm.Company) *string { return &c.OIB }),
}

// optionalColumns may be missing from an export made before they existed.
var optionalColumns = map[string]bool{"oib": true}

var contactColumns = []column[crm.Contact]{
	u64Col("id", func(c *crm.Contact) *uint64 { return &c.ID }),
	u64Col("company_id", func(c *crm.Contact) *uint64 { return &c.CompanyID }),
	strCol("full_name", func(c *crm.Contact) *string { return &c.FullName }),
	strCol("position", func(c *crm.Contact) *string { return &c.Position }),
	strCol("email", func(c *crm.Contact) *string { return &c.Email }),
	strCol("phone", func(c *crm.Contact) *string { return &c.Phone }),
	strCol("mobile", func(c *crm.Contact) *string { return &c.Mobile }),
	strCol("messenger", func(c *crm.Contact) *string { return &c.Messenger }),
	boolCol("opt_out", func(c *crm.Contact) *bool { return &c.OptOut }),
	timeCol("created_at", func(c *crm.Contact) *time.Time { return &c.CreatedAt }),
}

var interestColumns = []column[crm.Interest]{
	u64Col("id", func(i *crm.Interest) *uint64 { return &i.ID }),
	strCol("kind", func(i *crm.Interest) *string { return (*string)(&i.Kind) }),
	u64Col("company_id", func(i *crm.Interest) *uint64 { return &i.CompanyID }),
	u64Col("contact_id", func(i *crm.Interest) *uint64 { return &i.ContactID }),
	u64Col("owner_id", func(i *crm.Interest) *uint64 { return &i.OwnerID }),
	strCol("segment", func(i *crm.Interest) *string { return (*string)(&i.Segment) }),
	strCol("need", func(i *crm.Interest) *string { return &i.Need }),
	strCol("source", func(i *crm.Interest) *string { return &i.Source }),
	i64Col("value", func(i *crm.Interest) *int64 { return &i.Value }),
	strCol("currency", func(i *crm.Interest) *string { return &i.Currency }),
	strCol("stage", func(i *crm.Interest) *string { return (*string)(&i.Stage) }),
	strCol("deliberation", func(i *crm.Interest) *string { return (*string)(&i.Deliberation) }),
	strCol("loss_reason", func(i *crm.Interest) *string { return (*string)(&i.LossReason) }),
	strCol("next_what", func(i *crm.Interest) *string { return &i.Next.What }),
	timeCol("next_due", func(i *crm.Interest) *time.Time { return &i.Next.Due }),
	timeCol("created_at", func(i *crm.Interest) *time.Time { return &i.CreatedAt }),
	timeCol("updated_at", func(i *crm.Interest) *time.Time { return &i.UpdatedAt }),
	timeCol("closed_at", func(i *crm.Interest) *time.Time { return &i.ClosedAt }),
	timeCol("last_activity_at", func(i *crm.Interest) *time.Time { return &i.LastActivityAt }),
}

var interactionColumns = []column[crm.Interaction]{
	u64Col("id", func(i *crm.Interaction) *uint64 { return &i.ID }),
	u64Col("interest_id", func(i *crm.Interaction) *uint64 { return &i.InterestID }),
	strCol("kind", func(i *crm.Interaction) *string { return (*string)(&i.Kind) }),
	u64Col("author_id", func(i *crm.Interaction) *uint64 { return &i.AuthorID }),
	timeCol("at", func(i *crm.Interaction) *time.Time { return &i.At }),
	strCol("text", func(i *crm.Interaction) *string { return &i.Text }),
}

// table writes records of one type as CSV.
type table[T any] struct {
	cols []column[T]
	w    *csv.Writer
	row  []string
}

func newTable[T any](w io.Writer, cols []column[T], style CSVStyle) (*table[T], error) {
	if style.BOM {
		if _, err := io.WriteString(w, utf8BOM); err != nil {
			return nil, err
		}
	}
	t := &table[T]{cols: cols, w: csv.NewWriter(w), row: make([]string, len(cols))}
	if style.Comma != 0 {
		t.w.Comma = style.Comma
	}
	for i, c := range cols {
		t.row[i] = c.name
	}
	return t, t.w.Write(t.row)
}

func (t *table[T]) write(r *T) error {
	for i, c := range t.cols {
		t.row[i] = c.get(r)
	}
	return t.w.Write(t.row)
}

func (t *table[T]) flush() error {
	t.w.Flush()
	return t.w.Error()
}

// CreateFunc opens a file of a multi-file export for writing.
type CreateFunc func(name string) (io.WriteCloser, error)

// OpenFunc opens a file of a multi-file export for reading.
type OpenFunc func(name string) (io.ReadCloser, error)

// CSVStyle is how CSV files are written: the zero value is RFC 4180 (commas, UTF-8).
type CSVStyle struct {
	Comma rune // ',' when 0
	BOM   bool // start with a UTF-8 byte-order mark
}

// ExcelStyle opens in a Croatian (or any comma-decimal) Excel by double-click:
// semicolons, and a byte-order mark without which Excel reads UTF-8 as Windows-1250.
var ExcelStyle = CSVStyle{Comma: ';', BOM: true}

// ExportCSV writes one CSV file per entity (CSVFiles) from one consistent snapshot.
// Cells hold the stored values (ids, E.164 phones, RFC 3339 UTC times), so that
// RestoreCSV reads them back field for field.
func ExportCSV(ctx context.Context, src Source, create CreateFunc, p Progress) (Counts, error) {
	return ExportCSVStyle(ctx, src, create, p, CSVStyle{})
}

// ExportCSVStyle is ExportCSV in the given style; RestoreCSV reads every style.
func ExportCSVStyle(ctx context.Context, src Source, create CreateFunc, p Progress, style CSVStyle) (Counts, error) {
	var n Counts
	err := src.Snapshot(ctx, func(tx crm.Records) error {
		steps := []struct {
			file string
			run  func(w io.Writer) error
		}{
			{"users.csv", func(w io.Writer) error {
				us, err := tx.Users()
				if err != nil {
					return err
				}
				return writeAll(w, userColumns, style, &n.Users, "users", p, func(emit func(*crm.User) error) error {
					for _, u := range us {
						if err := emit(u); err != nil {
							return err
						}
					}
					return nil
				})
			}},
			{"companies.csv", func(w io.Writer) error {
				return writeAll(w, companyColumns, style, &n.Companies, "companies", p, tx.ForEachCompany)
			}},
			{"contacts.csv", func(w io.Writer) error {
				return writeAll(w, contactColumns, style, &n.Contacts, "contacts", p, tx.ForEachContact)
			}},
			{"interests.csv", func(w io.Writer) error {
				return writeAll(w, interestColumns, style, &n.Interests, "interests", p, tx.ForEachInterest)
			}},
			{"interactions.csv", func(w io.Writer) error {
				return writeAll(w, interactionColumns, style, &n.Interactions, "interactions", p, tx.ForEachInteraction)
			}},
		}
		for _, s := range steps {
			f, err := create(s.file)
			if err != nil {
				return err
			}
			err = s.run(f)
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return fmt.Errorf("%s: %w", s.file, err)
			}
		}
		return nil
	})
	return n, err
}

func writeAll[T any](w io.Writer, cols []column[T], style CSVStyle, count *int, what string, p Progress, walk func(func(*T) error) error) error {
	t, err := newTable(w, cols, style)
	if err != nil {
		return err
	}
	if err := walk(func(r *T) error {
		*count++
		p.tick(what, *count)
		return t.write(r)
	}); err != nil {
		return err
	}
	p.done(what, *count)
	return t.flush()
}

// RestoreCSV reads the files of a CSV export back into an empty database in one
// transaction, keeping every id. The audit log is not part of a CSV export: restore
// a JSON dump to keep the history that conversion reports read.
func RestoreCSV(ctx context.Context, st crm.Store, open OpenFunc, p Progress) (Counts, error) {
	var d Dump
	d.Format, d.Version = DumpFormat, DumpVersion
	var err error
	if d.Users, err = readAll(open, "users.csv", userColumns); err != nil {
		return Counts{}, err
	}
	if d.Companies, err = readAll(open, "companies.csv", companyColumns); err != nil {
		return Counts{}, err
	}
	if d.Contacts, err = readAll(open, "contacts.csv", contactColumns); err != nil {
		return Counts{}, err
	}
	if d.Interests, err = readAll(open, "interests.csv", interestColumns); err != nil {
		return Counts{}, err
	}
	if d.Interactions, err = readAll(open, "interactions.csv", interactionColumns); err != nil {
		return Counts{}, err
	}
	var n Counts
	err = st.Update(ctx, func(tx crm.Tx) error {
		n = Counts{}
		if err := checkEmpty(tx); err != nil {
			return err
		}
		return restore(tx, &d, &n, p)
	})
	return n, err
}

// readAll parses a whole file before anything is written, so a malformed one is
// refused with its line number and the database is not touched.
func readAll[T any](open OpenFunc, name string, cols []column[T]) ([]*T, error) {
	f, err := open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, comma, err := decodeCSV(f, EncodingUTF8)
	if err != nil {
		return nil, err
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.Comma = comma
	head, err := r.Read()
	if err != nil {
		return nil, crm.Errorf(crm.EINVALID, "err.bad_csv", name, err.Error())
	}
	idx := make([]int, len(cols))
	for i, c := range cols {
		idx[i] = -1
		for j, h := range head {
			if strings.TrimPrefix(h, "\ufeff") == c.name {
				idx[i] = j
			}
		}
		if idx[i] < 0 && !optionalColumns[c.name] {
			return nil, crm.Errorf(crm.EINVALID, "err.bad_csv", name, "no column "+c.name)
		}
	}
	var out []*T
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, crm.Errorf(crm.EINVALID, "err.bad_csv", name, err.Error())
		}
		v := new(T)
		for i, c := range cols {
			if idx[i] < 0 {
				continue
			}
			if err := c.set(v, rec[idx[i]]); err != nil {
				line, _ := r.FieldPos(idx[i])
				return nil, crm.Errorf(crm.EINVALID, "err.bad_csv", name, fmt.Sprintf("line %d, %s: %v", line, c.name, err))
			}
		}
		out = append(out, v)
	}
}
