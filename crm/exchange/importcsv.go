package exchange

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"crmbot/crm"
)

// ImportKind is what one row of an imported CSV becomes.
type ImportKind string

// Import kinds.
const (
	ImportInterests ImportKind = "interests" // a contact at a company, with an interest
	ImportCompanies ImportKind = "companies"
	ImportContacts  ImportKind = "contacts" // a contact at a company, no interest
)

// Fields an import understands. A Mapping names, for each, the source columns that
// hold it.
var Fields = []string{
	"name", "first_name", "last_name", "company", "position", "email", "phone", "mobile",
	"messenger", "website", "size", "employees", "line_of_business", "need", "source",
	"value", "currency", "kind", "owner", "opt_out", "notes", "oib",
}

// headerAliases are the column headers of a Croatian spreadsheet (and the usual
// English variants) for each field, folded (crm.Fold: case and diacritics ignored).
// They apply when no mapping names the field.
var headerAliases = map[string][]string{
	"name":             {"ime i prezime", "kontakt", "osoba", "full name", "contact"},
	"first_name":       {"ime", "first name"},
	"last_name":        {"prezime", "last name"},
	"company":          {"tvrtka", "firma", "naziv tvrtke", "poduzece", "klijent", "organizacija", "organization"},
	"position":         {"pozicija", "funkcija", "radno mjesto", "title", "job title"},
	"email":            {"e-posta", "e-mail", "mail", "e-mail adresa"},
	"phone":            {"telefon", "tel", "tel.", "broj telefona"},
	"mobile":           {"mobitel", "mob", "mob.", "gsm", "mobile phone"},
	"website":          {"web", "web stranica", "internet stranica", "www"},
	"size":             {"velicina"},
	"employees":        {"broj zaposlenih", "zaposlenih", "zaposleni"},
	"line_of_business": {"djelatnost", "industrija", "industry"},
	"need":             {"potreba", "opis", "upit"},
	"source":           {"izvor"},
	"value":            {"vrijednost", "iznos"},
	"currency":         {"valuta"},
	"owner":            {"vlasnik", "komercijalist"},
	"notes":            {"napomena", "napomene", "biljeske"},
	"oib":              {"oib", "porezni broj"},
}

// Mapping maps a field to the header of the source column that holds it; several
// alternatives are separated by "|" and the first present in the file wins. Headers
// compare case-insensitively. Fields not mapped are read from a column of their own
// name ("email", "company"…), so crmbot's own spreadsheets need no mapping.
type Mapping map[string]string

// Mappings are the built-in mappings, by name, for the usual exports of other CRMs.
var Mappings = map[string]Mapping{
	// HubSpot: Contacts → Export (one row per contact, with the associated company).
	"hubspot": {
		"first_name": "First Name", "last_name": "Last Name", "email": "Email",
		"phone": "Phone Number", "mobile": "Mobile Phone Number", "position": "Job Title",
		"company": "Company Name|Associated Company", "website": "Website URL|Company Domain Name",
		"line_of_business": "Industry", "employees": "Number of Employees",
		"source": "Original Source|Original Traffic Source", "need": "Message",
		"opt_out": "Unsubscribed from all email", "owner": "Contact owner",
	},
	// Pipedrive: Deals → Export with the person and organization fields.
	"pipedrive": {
		"name": "Deal - Contact person|Person - Name", "company": "Deal - Organization|Organization - Name|Person - Organization",
		"email": "Person - Email - Work|Person - Email", "phone": "Person - Phone - Work|Person - Phone",
		"mobile": "Person - Phone - Mobile", "position": "Person - Job title",
		"need": "Deal - Title", "value": "Deal - Value", "currency": "Deal - Currency",
		"source": "Deal - Source origin|Deal - Source", "owner": "Deal - Owner",
		"website": "Organization - Website", "employees": "Organization - Number of employees|Organization - Employee count",
		"line_of_business": "Organization - Industry",
	},
}

// ParseMapping reads a mapping file: "field = Source column" per line ("|" between
// alternatives), "#" comments.
func ParseMapping(r io.Reader) (Mapping, error) {
	m := Mapping{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		k = strings.TrimSpace(k)
		if !ok || !knownField(k) {
			return nil, fmt.Errorf("mapping line %d: want field = Column, with a field among %s", n, strings.Join(Fields, ", "))
		}
		m[k] = strings.TrimSpace(v)
	}
	return m, sc.Err()
}

func knownField(f string) bool {
	for _, x := range Fields {
		if x == f {
			return true
		}
	}
	return false
}

// ImportOptions configure ImportCSV.
type ImportOptions struct {
	Kind    ImportKind
	Mapping Mapping // nil: columns named like the fields
	// DryRun runs the whole import in a transaction that is then rolled back: the
	// report is exactly what a real run would do, and nothing is written.
	DryRun bool
	// Encoding of the file: EncodingAuto (UTF-8, with or without a byte-order mark,
	// else Windows-1250), EncodingUTF8 or EncodingWindows1250. The separator (',' or
	// ';') is read from the header line.
	Encoding string
	// Actor does the import and owns the new interests unless a row's owner column
	// names a team member.
	Actor    *crm.User
	Progress Progress
}

// Row outcomes.
const (
	RowCreate = "create"
	RowMerge  = "merge"
	RowReject = "reject"
)

// RowResult is what happened (or, in a dry run, would happen) to one row.
type RowResult struct {
	Line   int    `json:"line"`   // line in the file (the header is line 1)
	Action string `json:"action"` // create, merge or reject
	// Reason is the crm error key of a rejection ("err.bad_email").
	Reason string `json:"reason,omitempty"`
	// Detail says it in words: what was created or merged with what, or why not.
	Detail string `json:"detail"`
}

// ImportReport is the outcome of ImportCSV, row by row.
type ImportReport struct {
	DryRun                    bool
	Kind                      ImportKind
	Rows                      []RowResult
	Created, Merged, Rejected int
}

// errDryRun rolls back a dry run's transaction.
var errDryRun = errors.New("dry run")

// ImportCSV reads companies, contacts or interests from CSV through a column mapping,
// de-duplicating against the database and against earlier rows of the same file (by
// email, then phone, then company name). The file is parsed whole before anything is
// written, and the import is one transaction: a malformed file, or any failure, changes
// nothing. Rows that break R1 (no name, no company) or carry a bad email or phone are
// rejected and reported; the others are applied.
func ImportCSV(ctx context.Context, svc *crm.Service, r io.Reader, opt ImportOptions) (*ImportReport, error) {
	switch opt.Kind {
	case ImportInterests, ImportCompanies, ImportContacts:
	default:
		return nil, crm.Errorf(crm.EINVALID, "err.bad_import_kind", string(opt.Kind))
	}
	if opt.Actor == nil {
		return nil, crm.Errorf(crm.EINVALID, "err.import_actor")
	}
	data, comma, err := decodeCSV(r, opt.Encoding)
	if err != nil {
		return nil, err
	}
	rows, err := readRows(bytes.NewReader(data), comma, opt.Mapping)
	if err != nil {
		return nil, err
	}
	var rep *ImportReport
	err = svc.Store.Update(ctx, func(tx crm.Tx) error {
		rep = &ImportReport{DryRun: opt.DryRun, Kind: opt.Kind}
		im := &importer{svc: svc, tx: tx, opt: opt}
		if err := im.loadUsers(); err != nil {
			return err
		}
		for i, row := range rows {
			res, err := im.row(row)
			if err != nil {
				return fmt.Errorf("line %d: %w", row.line, err)
			}
			res.Line = row.line
			rep.Rows = append(rep.Rows, res)
			switch res.Action {
			case RowCreate:
				rep.Created++
			case RowMerge:
				rep.Merged++
			default:
				rep.Rejected++
			}
			opt.Progress.tick("rows", i+1)
		}
		opt.Progress.done("rows", len(rows))
		if opt.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		err = nil
	}
	if err != nil {
		return nil, err
	}
	return rep, nil
}

// row is one data row, by field.
type row struct {
	line int
	f    map[string]string
}

// readRows parses the whole CSV and maps its columns to fields.
func readRows(r io.Reader, comma rune, m Mapping) ([]row, error) {
	cr := csv.NewReader(r)
	cr.Comma = comma
	head, err := cr.Read()
	if err != nil {
		return nil, crm.Errorf(crm.EINVALID, "err.bad_csv", "", err.Error())
	}
	col := map[string]int{} // folded header → index
	for i, h := range head {
		col[crm.Fold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	field := map[string]int{}
	for _, f := range Fields {
		alts := append([]string{f}, headerAliases[f]...)
		if v, ok := m[f]; ok {
			alts = strings.Split(v, "|")
		}
		for _, a := range alts {
			if i, ok := col[crm.Fold(strings.TrimSpace(a))]; ok {
				field[f] = i
				break
			}
		}
	}
	_, name := field["name"]
	_, first := field["first_name"]
	_, company := field["company"]
	if !name && !first && !company {
		return nil, crm.Errorf(crm.EINVALID, "err.bad_csv", "", "no column for a name or a company: choose a mapping (hubspot, pipedrive) or a mapping file")
	}
	var out []row
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, crm.Errorf(crm.EINVALID, "err.bad_csv", "", err.Error())
		}
		line, _ := cr.FieldPos(0)
		rw := row{line: line, f: map[string]string{}}
		for f, i := range field {
			rw.f[f] = strings.TrimSpace(rec[i])
		}
		out = append(out, rw)
	}
}

type importer struct {
	svc    *crm.Service
	tx     crm.Tx
	opt    ImportOptions
	byName map[string]*crm.User
}

func (im *importer) loadUsers() error {
	us, err := im.tx.Users()
	if err != nil {
		return err
	}
	im.byName = map[string]*crm.User{}
	for _, u := range us {
		if !u.Disabled {
			im.byName[crm.Fold(u.Name)] = u
		}
	}
	return nil
}

// reject turns a validation error into a rejected row; other errors end the import.
func reject(err error) (RowResult, error) {
	ce := crm.AsError(err)
	if ce == nil || ce.Code != crm.EINVALID {
		return RowResult{}, err
	}
	return RowResult{Action: RowReject, Reason: ce.Key, Detail: reasonText(ce)}, nil
}

// reasonText says a rejection in words for the terminal and the dry-run report.
func reasonText(e *crm.Error) string {
	arg := ""
	if len(e.Args) > 0 {
		arg = fmt.Sprint(e.Args[0])
	}
	switch e.Key {
	case "err.name_required":
		return "missing name"
	case "err.company_required":
		return "missing company"
	case "err.bad_email":
		return fmt.Sprintf("bad email %q", arg)
	case "err.bad_phone":
		return fmt.Sprintf("bad phone %q", arg)
	case "err.bad_size":
		return fmt.Sprintf("bad company size %q", arg)
	case "err.bad_kind":
		return fmt.Sprintf("bad kind %q", arg)
	case "err.bad_value":
		return fmt.Sprintf("bad value %q", arg)
	case "err.bad_oib":
		return fmt.Sprintf("bad OIB %q", arg)
	}
	return e.Key
}

func (im *importer) row(r row) (RowResult, error) {
	n, err := im.newInterest(r)
	if err != nil {
		return reject(err)
	}
	switch im.opt.Kind {
	case ImportCompanies:
		return im.company(n, r)
	case ImportContacts:
		if err := n.Validate(im.svc.Config.DefaultRegion); err != nil {
			return reject(err)
		}
		return im.contact(n, r)
	default:
		if err := n.Validate(im.svc.Config.DefaultRegion); err != nil {
			return reject(err)
		}
		return im.interest(n, r)
	}
}

// newInterest reads a row into the form the service validates (R1).
func (im *importer) newInterest(r row) (crm.NewInterest, error) {
	f := r.f
	name := f["name"]
	if name == "" {
		name = strings.TrimSpace(f["first_name"] + " " + f["last_name"])
	}
	n := crm.NewInterest{
		ContactName: name, Position: f["position"], Email: f["email"], Phone: f["phone"],
		Mobile: f["mobile"], Messenger: f["messenger"], CompanyName: f["company"],
		LineOfBusiness: f["line_of_business"], Website: f["website"], Kind: crm.Kind(strings.ToLower(f["kind"])),
		Need: f["need"], Source: f["source"], Currency: strings.ToUpper(f["currency"]),
		OIB: strings.Join(strings.Fields(strings.TrimPrefix(strings.ToUpper(f["oib"]), "HR")), ""),
	}
	if n.OIB != "" && !crm.ValidOIB(n.OIB) {
		return n, crm.Errorf(crm.EINVALID, "err.bad_oib", n.OIB)
	}
	n.CompanySize = crm.CompanySize(strings.ToLower(f["size"]))
	if n.CompanySize == "" && f["employees"] != "" {
		n.CompanySize = sizeByEmployees(f["employees"])
	}
	if v := f["value"]; v != "" {
		val, err := parseValue(v)
		if err != nil {
			return n, crm.Errorf(crm.EINVALID, "err.bad_value", v)
		}
		n.Value = val
	}
	return n, nil
}

// sizeByEmployees reads "35", "25-50" or "1,000+" as a company size: under 50 people
// small, under 250 medium, more large (the usual EU thresholds).
func sizeByEmployees(s string) crm.CompanySize {
	digits := strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		if r == '-' || r == '–' {
			return ' '
		}
		if r == ',' || r == '.' || r == ' ' {
			return -1
		}
		return ' '
	}, s)
	fs := strings.Fields(digits)
	if len(fs) == 0 {
		return crm.SizeUnknown
	}
	n, err := strconv.Atoi(fs[0])
	switch {
	case err != nil:
		return crm.SizeUnknown
	case n < 50:
		return crm.SizeSmall
	case n < 250:
		return crm.SizeMedium
	}
	return crm.SizeLarge
}

// parseValue reads "12000", "12 000", "12,000.50" or "12.000,50" in whole units.
func parseValue(s string) (int64, error) {
	s = strings.Map(func(r rune) rune {
		if r == ' ' || r == '\u00a0' || r == '\u202f' {
			return -1
		}
		return r
	}, s)
	// The last separator followed by one or two digits is the decimal one.
	if i := strings.LastIndexAny(s, ".,"); i >= 0 && len(s)-i-1 <= 2 {
		s = s[:i]
	}
	s = strings.NewReplacer(",", "", ".", "").Replace(s)
	v, err := strconv.ParseInt(s, 10, 64)
	if err == nil && v < 0 {
		err = errors.New("negative")
	}
	return v, err
}

// findContact is the de-duplication of CreateInterest: the same email, then the same
// phone or mobile, is the same person.
func (im *importer) findContact(n crm.NewInterest) (*crm.Contact, string, error) {
	for _, p := range []struct{ by, v string }{{"email", n.Email}, {"phone", n.Phone}, {"phone", n.Mobile}} {
		if p.v == "" {
			continue
		}
		var found []*crm.Contact
		var err error
		if p.by == "email" {
			found, err = im.tx.ContactsByEmail(p.v)
		} else {
			found, err = im.tx.ContactsByPhone(p.v)
		}
		if err != nil || len(found) > 0 {
			if len(found) > 0 {
				return found[0], p.by, err
			}
			return nil, "", err
		}
	}
	return nil, "", nil
}

func (im *importer) interest(n crm.NewInterest, r row) (RowResult, error) {
	// A person already known with an interest still open is the same inquiry again
	// (a duplicate row, or a client already being worked): it is merged into what is
	// there, not opened twice.
	ct, by, err := im.findContact(n)
	if err != nil {
		return RowResult{}, err
	}
	if ct != nil {
		open, err := im.tx.InterestsByContact(ct.ID, 0)
		if err != nil {
			return RowResult{}, err
		}
		for _, in := range open {
			if in.Open() {
				if err := im.fillContact(ct, n); err != nil {
					return RowResult{}, err
				}
				return RowResult{Action: RowMerge, Detail: fmt.Sprintf("same %s as contact %d %s, who has open interest #%d", by, ct.ID, ct.FullName, in.ID)}, nil
			}
		}
	}
	actor := im.opt.Actor
	if o := r.f["owner"]; o != "" {
		if u := im.byName[crm.Fold(o)]; u != nil {
			actor = u
		}
	}
	// An import cannot ask which contact is meant: a row whose email or phone is
	// known is linked to that contact, and its result line says so.
	n.Link = crm.LinkAuto
	out, err := im.svc.CreateInterestTx(im.tx, crm.Op{Actor: actor}, n)
	if err != nil {
		return reject(err)
	}
	detail := fmt.Sprintf("interest #%d: %s (%s), owner %s", out.Interest.ID, out.Contact.FullName, out.Company.Name, actor.Name)
	var links []string
	for _, l := range out.Links {
		switch l.What {
		case "contact":
			links = append(links, fmt.Sprintf("existing contact %d by %s", l.ID, l.By))
		case "company":
			links = append(links, fmt.Sprintf("existing company %d by %s", l.ID, l.By))
		}
	}
	if len(links) > 0 {
		detail += "; linked to " + strings.Join(links, ", ")
	}
	return RowResult{Action: RowCreate, Detail: detail}, nil
}

func (im *importer) contact(n crm.NewInterest, r row) (RowResult, error) {
	ct, by, err := im.findContact(n)
	if err != nil {
		return RowResult{}, err
	}
	if ct != nil {
		if err := im.fillContact(ct, n); err != nil {
			return RowResult{}, err
		}
		return RowResult{Action: RowMerge, Detail: fmt.Sprintf("same %s as contact %d %s", by, ct.ID, ct.FullName)}, nil
	}
	co, existed, err := im.companyFor(n)
	if err != nil {
		return RowResult{}, err
	}
	ct = &crm.Contact{CompanyID: co.ID, FullName: n.ContactName, Position: strings.TrimSpace(n.Position),
		Email: n.Email, Phone: n.Phone, Mobile: n.Mobile, Messenger: strings.TrimSpace(n.Messenger),
		OptOut: parseBool(r.f["opt_out"]), CreatedAt: im.now()}
	if err := im.tx.PutContact(ct); err != nil {
		return RowResult{}, err
	}
	detail := fmt.Sprintf("contact %d %s at company %d %s", ct.ID, ct.FullName, co.ID, co.Name)
	if existed {
		detail += " (existing company)"
	}
	return RowResult{Action: RowCreate, Detail: detail}, nil
}

func (im *importer) company(n crm.NewInterest, r row) (RowResult, error) {
	n.CompanyName = strings.TrimSpace(n.CompanyName)
	if n.CompanyName == "" {
		return reject(crm.Errorf(crm.EINVALID, "err.company_required"))
	}
	if !n.CompanySize.Valid() {
		return reject(crm.Errorf(crm.EINVALID, "err.bad_size", string(n.CompanySize)))
	}
	co, existed, err := im.companyFor(n)
	if err != nil {
		return RowResult{}, err
	}
	if notes := r.f["notes"]; notes != "" && co.Notes == "" {
		co.Notes = notes
		if err := im.tx.PutCompany(co); err != nil {
			return RowResult{}, err
		}
	}
	if existed {
		return RowResult{Action: RowMerge, Detail: fmt.Sprintf("same name as company %d %s", co.ID, co.Name)}, nil
	}
	return RowResult{Action: RowCreate, Detail: fmt.Sprintf("company %d %s", co.ID, co.Name)}, nil
}

// companyFor finds the company by OIB, then by name, or creates it, filling fields it
// lacks (R15).
func (im *importer) companyFor(n crm.NewInterest) (*crm.Company, bool, error) {
	co, existed := &crm.Company{Name: n.CompanyName, CreatedAt: im.now()}, false
	if n.OIB != "" {
		c, err := im.tx.CompanyByOIB(n.OIB)
		if err != nil && crm.ErrorCode(err) != crm.ENOTFOUND {
			return nil, false, err
		}
		if c != nil {
			co, existed = c, true
		}
	}
	if !existed {
		same, err := im.tx.CompaniesByName(n.CompanyName)
		if err != nil {
			return nil, false, err
		}
		if len(same) > 0 {
			co, existed = same[0], true
		}
	}
	before := *co
	if co.Size == "" {
		co.Size = n.CompanySize
	}
	if co.LineOfBusiness == "" {
		co.LineOfBusiness = strings.TrimSpace(n.LineOfBusiness)
	}
	if co.Website == "" {
		co.Website = crm.NormalizeWebsite(n.Website)
	}
	if co.OIB == "" {
		co.OIB = n.OIB
	}
	if !existed || before != *co {
		if err := im.tx.PutCompany(co); err != nil {
			return nil, false, err
		}
	}
	return co, existed, nil
}

// fillContact adds what the row knows and the contact does not (R15), never
// overwriting.
func (im *importer) fillContact(ct *crm.Contact, n crm.NewInterest) error {
	before := *ct
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = strings.TrimSpace(v)
		}
	}
	set(&ct.Position, n.Position)
	set(&ct.Email, n.Email)
	set(&ct.Messenger, n.Messenger)
	if n.Phone != ct.Phone && n.Phone != ct.Mobile {
		set(&ct.Phone, n.Phone)
	}
	if n.Mobile != ct.Phone && n.Mobile != ct.Mobile {
		set(&ct.Mobile, n.Mobile)
	}
	if before == *ct {
		return nil
	}
	return im.tx.PutContact(ct)
}

func (im *importer) now() time.Time { return im.svc.Clock().UTC().Truncate(time.Second) }

func parseBool(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "yes", "y", "1", "x":
		return true
	}
	return false
}

// Summary says the report's totals in one line.
func (r *ImportReport) Summary() string {
	if r.DryRun {
		return fmt.Sprintf("dry run of %s, nothing written: %d would be created, %d merged, %d rejected", r.Kind, r.Created, r.Merged, r.Rejected)
	}
	return fmt.Sprintf("imported %s: %d created, %d merged, %d rejected", r.Kind, r.Created, r.Merged, r.Rejected)
}

// RejectedBy counts rejections by reason key, sorted by key.
func (r *ImportReport) RejectedBy() []string {
	m := map[string]int{}
	for _, row := range r.Rows {
		if row.Action == RowReject {
			m[row.Reason]++
		}
	}
	var out []string
	for k, v := range m {
		out = append(out, fmt.Sprintf("%s=%d", k, v))
	}
	sort.Strings(out)
	return out
}
