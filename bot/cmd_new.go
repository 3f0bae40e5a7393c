package bot

import (
	"errors"
	"strings"

	"crmbot/crm"
)

// cmdNew: "/new" asks for everything step by step; "/new name, company, …" creates at
// once; "/new" followed by a pasted email signature (several lines) extracts the
// details and asks to confirm (R2).
func (c *conv) cmdNew(args string) []Reply {
	d := &dialog{Flow: "new", New: &crm.NewInterest{}}
	switch {
	case args == "":
	case strings.Contains(args, "\n"):
		sig := ParseSignature(args)
		d.New, d.Confirm = &sig, true
	default:
		line, ownerName := cutOwner(args)
		n := parseNewLine(line)
		if ownerName != "" {
			// A head or admin may add an interest for someone else (a retail one,
			// say, which R13 keeps from a corporate owner); the service checks who.
			owner, err := c.e.svc.UserByName(c.ctx, ownerName)
			if err != nil {
				return c.fail(err)
			}
			n.OwnerID = owner.ID
		}
		if n.ContactName != "" && n.CompanyName != "" {
			return c.createInterest(&n)
		}
		d.New = &n
	}
	return c.nextNewStep(d)
}

// startNewFromContact starts /new prefilled from a contact card shared from the
// phone's address book (R1, R2).
func (c *conv) startNewFromContact(sc *SharedContact) []Reply {
	n := &crm.NewInterest{ContactName: strings.TrimSpace(sc.FirstName + " " + sc.LastName), Phone: sc.Phone}
	for _, line := range strings.Split(sc.VCard, "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), ":")
		if !ok {
			continue
		}
		k, _, _ = strings.Cut(strings.ToUpper(k), ";")
		v = strings.TrimSpace(v)
		switch k {
		case "ORG":
			n.CompanyName = strings.TrimRight(strings.ReplaceAll(v, ";", " "), " ")
		case "TITLE":
			n.Position = v
		case "EMAIL":
			n.Email = v
		case "URL":
			n.Website = v
		}
	}
	d := &dialog{Flow: "new", New: n}
	return c.nextNewStep(d)
}

// nextNewStep asks the first thing still missing, or creates the interest.
func (c *conv) nextNewStep(d *dialog) []Reply {
	n := d.New
	skip := Button{Label: c.t("btn.skip"), Action: "skip"}
	switch {
	case n.ContactName == "":
		return []Reply{c.ask(d, "name", c.t("new.ask_name"), [][]Button{{c.cancelButton()}})}
	case n.CompanyName == "":
		return []Reply{c.ask(d, "company", c.t("new.ask_company", n.ContactName), [][]Button{{c.cancelButton()}})}
	case n.Email == "" && n.Phone == "" && n.Mobile == "" && !d.asked("contact"):
		return []Reply{c.ask(d, "contact", c.t("new.ask_contact"), [][]Button{{skip, c.cancelButton()}})}
	case n.Need == "" && !d.asked("need") && !d.Confirm:
		return []Reply{c.ask(d, "need", c.t("new.ask_need"), [][]Button{{skip, c.cancelButton()}})}
	case n.CompanySize == "" && !d.asked("size") && !d.Confirm:
		var bs []Button
		for _, s := range crm.CompanySizes {
			bs = append(bs, Button{Label: c.t("size." + string(s)), Action: string(s)})
		}
		return []Reply{c.ask(d, "size", c.t("new.ask_size"), append(rowsOf(2, bs...), []Button{skip, c.cancelButton()}))}
	case d.Confirm:
		return []Reply{c.ask(d, "confirm", c.t("new.confirm", c.describeNew(n)), [][]Button{{{Label: c.t("btn.save"), Action: "save"}, c.cancelButton()}})}
	}
	c.setDialog(nil)
	return c.createInterest(n)
}

// describeNew lists what was gathered, for the confirmation question.
func (c *conv) describeNew(n *crm.NewInterest) string {
	var b strings.Builder
	add := func(label, v string) {
		if v != "" {
			b.WriteString("\n" + c.t(label) + " " + v)
		}
	}
	add("label.contact", n.ContactName)
	add("label.position", n.Position)
	add("label.company", n.CompanyName)
	add("label.oib", n.OIB)
	add("label.phone", n.Phone)
	add("label.mobile", n.Mobile)
	add("label.email", n.Email)
	add("label.website", n.Website)
	add("label.need", n.Need)
	return b.String()
}

func (c *conv) answerNew(d *dialog, v string, button bool) []Reply {
	n := d.New
	skip := button && v == "skip"
	switch d.Step {
	case "name":
		if v == "" {
			return []Reply{c.ask(d, "name", c.t("new.ask_name"), nil)}
		}
		if strings.Contains(v, "\n") {
			// A pasted signature (several lines) is read as /new reads one after the
			// command, and confirmed: taken whole it would be a five-line name.
			sig := ParseSignature(v)
			if sig.ContactName == "" {
				// "Ana\nKovač": a name broken over lines by a phone's Enter. Only when
				// nothing else was read, and it reads as a name; it is confirmed.
				if joined := strings.Join(strings.Fields(v), " "); sig.CompanyName == "" && sig.Position == "" &&
					sig.Email == "" && sig.Phone == "" && sig.Mobile == "" && sig.Website == "" && looksLikeName(joined) {
					sig.ContactName = joined
				}
			}
			keepGiven(&sig, n)
			d.New, d.Confirm = &sig, true
			if sig.ContactName == "" {
				// Asking again as if nothing had been typed would throw the lines away
				// unexplained: say no name was found, and how to type it.
				return []Reply{c.ask(d, "name", c.t("new.no_name")+"\n"+c.t("new.ask_name"), [][]Button{{c.cancelButton()}})}
			}
			return c.nextNewStep(d)
		}
		if l := parseNewLine(v); strings.Contains(v, ",") && l.ContactName != "" && l.CompanyName != "" &&
			(l.Phone != "" || l.Mobile != "" || l.Email != "" || l.Website != "" || l.Need != "" || l.Value != 0 ||
				hasWordLike(strings.ToLower(l.CompanyName), companyMarks)) {
			// "Marko Đurić, Acme d.o.o., 091 …": the one-line form of /new typed as
			// the answer. Read as /new reads it, and confirmed; taken whole it would be
			// a name with the company and phone inside. "Đurić, Marko" stays a name.
			keepGiven(&l, n)
			d.New, d.Confirm = &l, true
			return c.nextNewStep(d)
		}
		n.ContactName = v
	case "company":
		if v == "" {
			return []Reply{c.ask(d, "company", c.t("new.ask_company", n.ContactName), nil)}
		}
		n.CompanyName = v
	case "contact":
		if !skip {
			for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ';' || r == '\n' }) {
				f = strings.TrimSpace(f)
				if strings.Contains(f, "@") {
					n.Email = f
				} else if n.Phone == "" {
					n.Phone = f
				} else {
					n.Mobile = f
				}
			}
			// Check now, so the question can be asked again instead of failing at the end.
			probe := *n
			probe.ContactName, probe.CompanyName = "x", "x"
			if err := probe.Validate(c.e.svc.Config.DefaultRegion); err != nil {
				n.Email, n.Phone, n.Mobile = "", "", ""
				r := c.errReply(err)
				return []Reply{r, c.ask(d, "contact", c.t("new.ask_contact"), [][]Button{{{Label: c.t("btn.skip"), Action: "skip"}, c.cancelButton()}})}
			}
		}
	case "need":
		if !skip {
			n.Need = v
		}
	case "size":
		if !skip {
			s := crm.CompanySize(strings.ToLower(v))
			if s == "" || !s.Valid() {
				return []Reply{{Text: c.t("err.bad_size", v), Private: true, Error: true}}
			}
			n.CompanySize = s
		}
	case "fix":
		return c.answerField(d, v, button)
	case "duplicate":
		return c.answerDuplicate(d, v)
	case "confirm":
		if v != "save" && !strings.EqualFold(v, "yes") && !strings.EqualFold(v, "save") {
			return []Reply{{Text: c.t("new.confirm_hint"), Private: true}}
		}
		c.setDialog(nil)
		return c.createInterest(n)
	}
	return c.nextNewStep(d)
}

// keepGiven copies into sig what n already had and the signature did not give, so a
// draft started with "/new , Acme d.o.o., value: 5000 EUR, source: fair" or "… owner:
// @ana" keeps its value, source and owner.
func keepGiven(sig, n *crm.NewInterest) {
	for _, f := range []struct{ to, from *string }{
		{&sig.ContactName, &n.ContactName}, {&sig.Position, &n.Position}, {&sig.Email, &n.Email},
		{&sig.Phone, &n.Phone}, {&sig.Mobile, &n.Mobile}, {&sig.CompanyName, &n.CompanyName},
		{&sig.Website, &n.Website}, {&sig.Need, &n.Need}, {&sig.OIB, &n.OIB},
		{&sig.Messenger, &n.Messenger}, {&sig.LineOfBusiness, &n.LineOfBusiness},
		{&sig.Source, &n.Source}, {&sig.Note, &n.Note},
	} {
		if *f.to == "" {
			*f.to = *f.from
		}
	}
	if sig.Value == 0 {
		sig.Value, sig.Currency = n.Value, n.Currency
	}
	if sig.CompanySize == "" {
		sig.CompanySize = n.CompanySize
	}
	if sig.Kind == "" {
		sig.Kind = n.Kind
	}
	if sig.Next == nil {
		sig.Next = n.Next
	}
	if sig.OwnerID == 0 {
		sig.OwnerID = n.OwnerID
	}
	if sig.Segment == "" {
		sig.Segment = n.Segment
	}
}

// badField names the field of n that err (from NewInterest.Validate) is about, when it
// is one the interest can be saved without: what was valid is kept as a draft and only
// that field is asked for again.
func badField(n *crm.NewInterest, err error) string {
	ce := crm.AsError(err)
	if ce == nil {
		return ""
	}
	switch ce.Key {
	case "err.bad_email":
		return "email"
	case "err.bad_phone":
		if len(ce.Args) > 0 && ce.Args[0] == n.Mobile && n.Mobile != n.Phone {
			return "mobile"
		}
		return "phone"
	case "err.bad_size":
		return "size"
	case "err.bad_value":
		return "value"
	case "err.bad_kind":
		return "kind"
	case "err.bad_segment":
		return "segment"
	}
	return ""
}

// clearField empties one optional field of n.
func clearField(n *crm.NewInterest, f string) {
	switch f {
	case "email":
		n.Email = ""
	case "phone":
		n.Phone = ""
	case "mobile":
		n.Mobile = ""
	case "size":
		n.CompanySize = ""
	case "value":
		n.Value, n.Currency = 0, ""
	case "kind":
		n.Kind = ""
	case "segment":
		n.Segment = ""
	}
}

// askField keeps the draft n and asks again for its one bad field f, after err; the
// interest may be saved without it.
func (c *conv) askField(n *crm.NewInterest, f string, err error) []Reply {
	clearField(n, f)
	d := &dialog{Flow: "new", New: n, Field: f}
	bs := [][]Button{{{Label: c.t("btn.save_without"), Action: "skip"}, c.cancelButton()}}
	return []Reply{c.errReply(err), c.ask(d, "fix", c.t("new.kept", c.describeNew(n))+"\n"+c.t("new.ask_field", c.t("field."+f)), bs)}
}

func (c *conv) answerField(d *dialog, v string, button bool) []Reply {
	n := d.New
	if !(button && v == "skip") {
		if v == "" {
			return []Reply{{Text: c.t("new.ask_field", c.t("field."+d.Field)), Private: true}}
		}
		setField(n, d.Field, v)
	}
	c.setDialog(nil)
	return c.createInterest(n)
}

// createInterest stores the interest and tells the user what was linked.
func (c *conv) createInterest(n *crm.NewInterest) []Reply {
	probe := *n
	if err := probe.Validate(c.e.svc.Config.DefaultRegion); err != nil {
		if f := badField(n, err); f != "" {
			return c.askField(n, f, err)
		}
	}
	res, err := c.e.svc.CreateInterest(c.ctx, c.op(), *n)
	var dup *crm.DuplicateError
	if errors.As(err, &dup) {
		return c.askDuplicate(n, dup.Match)
	}
	if err != nil {
		return c.fail(err)
	}
	in := res.Interest
	var b strings.Builder
	b.WriteString(c.t("new.created", in.ID, res.Contact.FullName, res.Company.Name))
	if in.Value > 0 {
		// An amount is read in several forms (12.000,- kn, 12 000 €): echo what was stored.
		b.WriteString("\n" + c.t("label.value") + " " + c.amount(in.Value, in.Currency))
	}
	b.WriteString("\n" + c.t("label.next") + " " + c.echoNext(in))
	for _, l := range res.Links {
		switch l.What {
		case "contact":
			b.WriteString("\n" + c.t("new.linked_contact", l.Detail, c.t("by."+l.By)))
		case "company":
			b.WriteString("\n" + c.t("new.linked_company", l.Detail))
		case "open_interest":
			b.WriteString("\n" + c.t("new.open_interest", l.ID))
		}
	}
	id := u64(in.ID)
	return []Reply{{Text: b.String(), Private: true, Buttons: [][]Button{
		{{Label: c.t("btn.log"), Action: "/log " + id}, {Label: c.t("btn.next"), Action: "/next " + id}, {Label: c.t("btn.card"), Action: "/show " + id}},
	}}}
}

// askDuplicate keeps the draft n and asks whether its details, which match an existing
// contact known under another name or company, mean that contact or a new one. The
// typed values come first: they are what the user meant unless they say otherwise.
func (c *conv) askDuplicate(n *crm.NewInterest, m crm.Match) []Reply {
	d := &dialog{Flow: "new", New: n, Match: &m}
	bs := [][]Button{
		{{Label: clipLabel(c.t("btn.dup_new", n.ContactName, n.CompanyName)), Action: "new"}},
		{{Label: clipLabel(c.t("btn.dup_link", m.Contact, m.Company)), Action: "link"}},
		{c.cancelButton()},
	}
	return []Reply{c.ask(d, "duplicate", c.t("new.duplicate", c.t("by."+m.By), m.Value, m.Contact, m.Company, n.ContactName, n.CompanyName), bs)}
}

func clipLabel(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:39]) + "…"
	}
	return s
}

func (c *conv) answerDuplicate(d *dialog, v string) []Reply {
	n := d.New
	switch strings.ToLower(v) {
	case "new":
		n.Link, n.LinkContactID = crm.LinkNew, 0
	case "link":
		n.Link, n.LinkContactID = crm.LinkExisting, d.Match.ContactID
	default:
		return []Reply{{Text: c.t("new.duplicate_hint"), Private: true}}
	}
	c.setDialog(nil)
	return c.createInterest(n)
}
