package bot

import (
	"strconv"
	"strings"

	"crmbot/crm"
)

// editAliases maps what people type to the field /edit corrects; the words are those
// the labelled parts of /new accept.
var editAliases = map[string]crm.EditField{
	"name": crm.EditName, "contact": crm.EditName,
	"position": crm.EditPosition, "title": crm.EditPosition, "role": crm.EditPosition,
	"phone": crm.EditPhone, "tel": crm.EditPhone,
	"mobile": crm.EditMobile, "mob": crm.EditMobile, "cell": crm.EditMobile,
	"email": crm.EditEmail, "mail": crm.EditEmail, "e-mail": crm.EditEmail,
	"messenger": crm.EditMessenger, "telegram": crm.EditMessenger, "whatsapp": crm.EditMessenger,
	"company": crm.EditCompany, "client": crm.EditCompany,
	"website": crm.EditWebsite, "site": crm.EditWebsite, "web": crm.EditWebsite,
	"size":     crm.EditSize,
	"business": crm.EditBusiness, "industry": crm.EditBusiness, "line": crm.EditBusiness,
	"segment": crm.EditSegment,
	"source":  crm.EditSource, "from": crm.EditSource,
	"need": crm.EditNeed, "needs": crm.EditNeed, "wants": crm.EditNeed,
	"value": crm.EditValue, "budget": crm.EditValue,
	"kind": crm.EditKind, "type": crm.EditKind,
	// Croatian, folded (diacritics optional), as /new's Croatian labels read them.
	"ime": crm.EditName, "kontakt": crm.EditName,
	"pozicija": crm.EditPosition, "funkcija": crm.EditPosition,
	"telefon": crm.EditPhone, "mobitel": crm.EditMobile, "e-posta": crm.EditEmail,
	"tvrtka": crm.EditCompany, "firma": crm.EditCompany, "klijent": crm.EditCompany,
	"stranica": crm.EditWebsite, "velicina": crm.EditSize, "djelatnost": crm.EditBusiness,
	"izvor": crm.EditSource, "potreba": crm.EditNeed, "treba": crm.EditNeed,
	"vrijednost": crm.EditValue, "iznos": crm.EditValue, "vrsta": crm.EditKind,
}

// editField reads the field word of /edit in either language.
func editField(w string) (crm.EditField, bool) {
	f, ok := editAliases[crm.Fold(strings.TrimSuffix(w, ":"))]
	return f, ok
}

// editValue reads the Croatian words for a size, a segment or a kind as their codes
// (velika → large, maloprodaja → retail, posao → potential deal), and an amount as
// /new reads one ("12.000,00 kn" is 12000 HRK; "30.5" is left for the service to
// refuse, never read as 305); anything else goes to the service as typed, to be
// checked there.
func editValue(f crm.EditField, v string) string {
	switch f {
	case crm.EditValue:
		if n, cur, ok := parseAmount(v); ok {
			return strings.TrimSpace(strconv.FormatInt(n, 10) + " " + cur)
		}
	case crm.EditSize:
		if s, ok := sizeAliases[crm.Fold(strings.TrimSpace(v))]; ok {
			return string(s)
		}
	case crm.EditSegment:
		return string(parseSegment(strings.TrimSpace(v)))
	case crm.EditKind:
		return string(kindOfInterest(v))
	}
	return v
}

// clearWords empty an optional field: "/edit 42 website -".
var clearWords = map[string]bool{"-": true, "—": true, "none": true, "clear": true}

// cmdEdit: "/edit 42 phone +385 91 …" corrects one field at once; "/edit 42 phone"
// asks for the new value; "/edit 42" offers the fields as buttons.
func (c *conv) cmdEdit(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok {
		return c.badID("usage.edit")
	}
	if r := c.refuseChange(id, "edit"); r != nil {
		return r
	}
	d := &dialog{Flow: "edit", ID: id}
	if rest == "" {
		return c.askEditField(d)
	}
	w, value := firstWord(rest)
	f, ok := editField(w)
	if !ok {
		return []Reply{{Text: c.t("err.bad_edit_field", w) + "\n" + c.t("usage.edit"), Private: true}}
	}
	d.Field = string(f)
	if value == "" {
		return c.askEditValue(d)
	}
	return c.edit(d, value)
}

func (c *conv) askEditField(d *dialog) []Reply {
	// Read first: a number that does not exist, or that the user may not change,
	// is refused before any question is asked.
	if r := c.refuseChange(d.ID, "edit"); r != nil {
		return r
	}
	var bs []Button
	for _, f := range crm.EditFields {
		bs = append(bs, Button{Label: c.t("field." + string(f)), Action: string(f)})
	}
	return []Reply{c.ask(d, "field", c.t("edit.ask_field", d.ID), append(rowsOf(3, bs...), []Button{c.cancelButton()}))}
}

func (c *conv) askEditValue(d *dialog) []Reply {
	return []Reply{c.ask(d, "value", c.t("edit.ask_value", c.t("field."+d.Field), d.ID, c.t("edit.hint."+d.Field)), [][]Button{{c.cancelButton()}})}
}

func (c *conv) answerEdit(d *dialog, v string) []Reply {
	switch d.Step {
	case "field":
		f, ok := editField(v)
		if !ok {
			return []Reply{{Text: c.t("err.bad_edit_field", v), Private: true}}
		}
		d.Field = string(f)
		return c.askEditValue(d)
	case "value":
		if v == "" {
			return c.askEditValue(d)
		}
		return c.edit(d, v)
	}
	return nil
}

// edit applies the correction. A value that does not validate keeps the question
// open, so only the value needs typing again.
func (c *conv) edit(d *dialog, value string) []Reply {
	if clearWords[strings.ToLower(strings.TrimSpace(value))] {
		value = ""
	}
	res, err := c.e.svc.Edit(c.ctx, c.op(), d.ID, crm.EditField(d.Field), editValue(crm.EditField(d.Field), value))
	if ce := crm.AsError(err); ce != nil && ce.Code == crm.EINVALID {
		return []Reply{c.errReply(err), c.ask(d, "value", c.t("edit.ask_value", c.t("field."+d.Field), d.ID, c.t("edit.hint."+d.Field)), [][]Button{{c.cancelButton()}})}
	}
	c.setDialog(nil)
	if err != nil {
		return c.fail(err)
	}
	ids := u64(d.ID)
	bs := [][]Button{{{Label: c.t("btn.edit_more"), Action: "/edit " + ids}, {Label: c.t("btn.card"), Action: "/show " + ids}}}
	if res.Unchanged {
		return []Reply{{Text: c.t("edit.unchanged", d.ID, c.t("field."+d.Field), dash(c.editWord(d.Field, res.New))), Private: true, Buttons: bs}}
	}
	return []Reply{{Text: c.t("edit.saved", d.ID, c.t("field."+d.Field), dash(c.editWord(d.Field, res.Old)), dash(c.editWord(d.Field, res.New))), Private: true, Buttons: bs}}
}

// editValuePrefix names the catalog prefix that words a field's stored code.
var editValuePrefix = map[string]string{
	string(crm.EditSize): "size.", string(crm.EditSegment): "segment.", string(crm.EditKind): "kind.",
}

// editWord words a stored size, segment or kind code in the reader's language
// (large → velika); other values are shown as stored.
func (c *conv) editWord(field, v string) string {
	if p, ok := editValuePrefix[field]; ok && v != "" && c.e.cat.Has(p+v) {
		return c.t(p + v)
	}
	return v
}

func dash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
