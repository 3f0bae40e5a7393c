package bot

import (
	"regexp"
	"strconv"
	"strings"

	"crmbot/crm"
)

// parseID reads an interest number: "42" or "#42".
func parseID(s string) (uint64, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "#")
	id, err := strconv.ParseUint(s, 10, 64)
	return id, err == nil && id > 0
}

// firstWord splits s into its first word and the rest.
func firstWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t\n")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i+1:])
}

// lastWord splits s into everything but its last word, and the last word.
func lastWord(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.LastIndexAny(s, " \t\n")
	if i < 0 {
		return "", s
	}
	return strings.TrimSpace(s[:i]), s[i+1:]
}

// The alias tables read arguments in both languages at once: a word means the same
// whoever types it, so nothing depends on the user's language setting. Keys are
// folded (crm.Fold: lower case, no diacritics), so "razmišlja" and "razmislja",
// "bilješka" and "biljeska" are one key.
var kindAliases = map[string]crm.InteractionKind{
	"call": crm.InteractionCall, "called": crm.InteractionCall, "phone": crm.InteractionCall,
	"email": crm.InteractionEmail, "mail": crm.InteractionEmail, "e-mail": crm.InteractionEmail,
	"meeting": crm.InteractionMeeting, "met": crm.InteractionMeeting,
	"demo":    crm.InteractionDemo,
	"note":    crm.InteractionNote,
	"seminar": crm.InteractionSeminar, "invite": crm.InteractionSeminar, "invitation": crm.InteractionSeminar,
	// Croatian
	"poziv": crm.InteractionCall, "nazvao": crm.InteractionCall, "nazvala": crm.InteractionCall, "telefon": crm.InteractionCall,
	"e-posta": crm.InteractionEmail, "posta": crm.InteractionEmail,
	"sastanak": crm.InteractionMeeting, "sastanci": crm.InteractionMeeting,
	"prezentacija": crm.InteractionDemo,
	"biljeska":     crm.InteractionNote, "napomena": crm.InteractionNote,
	"pozivnica": crm.InteractionSeminar,
}

// parseKind reads an interaction kind at the start of text ("call:", "email ",
// "poziv:") and returns it with the rest; ok is false when text does not start with one.
func parseKind(text string) (crm.InteractionKind, string, bool) {
	w, rest := firstWord(text)
	w = crm.Fold(w)
	colon := strings.HasSuffix(w, ":")
	w = strings.TrimSuffix(w, ":")
	if k, ok := kindAliases[w]; ok {
		return k, rest, true
	}
	if i := strings.IndexByte(text, ':'); i > 0 && !colon {
		if k, ok := kindAliases[crm.Fold(strings.TrimSpace(text[:i]))]; ok {
			return k, strings.TrimSpace(text[i+1:]), true
		}
	}
	return "", text, false
}

var stageAliases = map[string]crm.Stage{
	"new": crm.StageNew, "first-contact": crm.StageNew,
	"meeting": crm.StageMeeting, "meet": crm.StageMeeting,
	"proposal": crm.StageProposal, "offer": crm.StageProposal, "quote": crm.StageProposal,
	"deliberating": crm.StageDeliberating, "thinking": crm.StageDeliberating, "deliberation": crm.StageDeliberating,
	"won": crm.StageWon, "deal": crm.StageWon,
	"lost": crm.StageLost, "refusal": crm.StageLost,
	// Croatian
	"novi": crm.StageNew, "upit": crm.StageNew,
	"sastanak": crm.StageMeeting,
	"ponuda":   crm.StageProposal, "ponudu": crm.StageProposal,
	"razmislja": crm.StageDeliberating, "razmisljanje": crm.StageDeliberating,
	"posao": crm.StageWon, "dobiven": crm.StageWon, "dobili": crm.StageWon,
	"odbijanje": crm.StageLost, "izgubljen": crm.StageLost, "odbijen": crm.StageLost,
}

// parseStage reads a stage name in either language.
func parseStage(w string) (crm.Stage, bool) {
	st, ok := stageAliases[crm.Fold(strings.TrimSpace(w))]
	return st, ok
}

var deliberationAliases = map[string]crm.DeliberationReason{
	"decision-maker": crm.DeliberationDecisionMaker, "decisionmaker": crm.DeliberationDecisionMaker, "dm": crm.DeliberationDecisionMaker, "boss": crm.DeliberationDecisionMaker,
	"comparing": crm.DeliberationComparing, "compare": crm.DeliberationComparing, "competitors": crm.DeliberationComparing,
	"budget": crm.DeliberationBudget, "money": crm.DeliberationBudget,
	// Croatian; the two-word ones are in deliberationPhrases
	"nadredeni": crm.DeliberationDecisionMaker, "sef": crm.DeliberationDecisionMaker, "direktor": crm.DeliberationDecisionMaker,
	"usporeduje": crm.DeliberationComparing, "usporedba": crm.DeliberationComparing,
	"budzet": crm.DeliberationBudget,
}

// deliberationPhrases are the reasons of more than one word, longest first.
var deliberationPhrases = []struct {
	phrase string
	reason crm.DeliberationReason
}{
	{"odlucuje nadredeni", crm.DeliberationDecisionMaker},
	{"ceka budzet", crm.DeliberationBudget},
	{"nema budzet", crm.DeliberationBudget},
	{"decision maker", crm.DeliberationDecisionMaker},
}

// parseDeliberation reads a deliberation reason (R4) at the start of text, in either
// language, and returns it with the rest (a note).
func parseDeliberation(text string) (crm.DeliberationReason, string, bool) {
	text = strings.TrimSpace(text)
	if r, rest, ok := cutPhrase(text, len(deliberationPhrases), func(i int) string { return deliberationPhrases[i].phrase }); ok {
		return deliberationPhrases[r].reason, rest, true
	}
	w, rest := firstWord(text)
	r, ok := deliberationAliases[crm.Fold(w)]
	return r, rest, ok
}

// cutPhrase finds which of n phrases (folded, words separated by one space) text
// starts with as whole words; it returns its index and the rest of text.
func cutPhrase(text string, n int, phrase func(int) string) (int, string, bool) {
	words := strings.Fields(text)
	for i := 0; i < n; i++ {
		pw := strings.Fields(phrase(i))
		if len(words) < len(pw) {
			continue
		}
		match := true
		for j := range pw {
			match = match && strings.TrimRight(crm.Fold(words[j]), ",.;:") == pw[j]
		}
		if match {
			return i, strings.Join(words[len(pw):], " "), true
		}
	}
	return 0, text, false
}

var lossAliases = map[string]crm.LossReason{
	"unreachable": crm.LossUnreachable, "no-answer": crm.LossUnreachable,
	"competitor": crm.LossCompetitor, "competition": crm.LossCompetitor,
	"not-prospective": crm.LossNotProspective, "notprospective": crm.LossNotProspective, "np": crm.LossNotProspective, "not-a-fit": crm.LossNotProspective,
	// Croatian
	"nedostupan": crm.LossUnreachable, "nedostupna": crm.LossUnreachable, "nedostupni": crm.LossUnreachable,
	"konkurencija": crm.LossCompetitor, "konkurent": crm.LossCompetitor,
	"neperspektivan": crm.LossNotProspective, "neperspektivna": crm.LossNotProspective, "neperspektivni": crm.LossNotProspective,
}

// reasonNotNow is the pseudo loss reason for R7: "not now" keeps the interest open,
// waiting for budget.
const reasonNotNow = "not-now"

// lossPhrases are the loss reasons and "not now" (R7) of more than one word.
var lossPhrases = []struct{ phrase, reason string }{
	{"not now", reasonNotNow}, {"not-now", reasonNotNow}, {"notnow", reasonNotNow}, {"later", reasonNotNow},
	{"ne sada", reasonNotNow}, {"ne sad", reasonNotNow}, {"ne jos", reasonNotNow}, {"kasnije", reasonNotNow},
	{"not prospective", string(crm.LossNotProspective)},
	{"nije perspektivan", string(crm.LossNotProspective)},
	{"ne javlja se", string(crm.LossUnreachable)},
}

// parseLoss reads a loss reason (or "not now", "ne sada") at the start of text.
func parseLoss(text string) (string, string, bool) {
	text = strings.TrimSpace(text)
	if i, rest, ok := cutPhrase(text, len(lossPhrases), func(i int) string { return lossPhrases[i].phrase }); ok {
		return lossPhrases[i].reason, rest, true
	}
	w, rest := firstWord(text)
	if r, ok := lossAliases[crm.Fold(w)]; ok {
		return string(r), rest, true
	}
	return "", text, false
}

// sizeAliases read a company size in either language.
var sizeAliases = map[string]crm.CompanySize{
	"small": crm.SizeSmall, "medium": crm.SizeMedium, "large": crm.SizeLarge, "government": crm.SizeGovernment,
	"mala": crm.SizeSmall, "mali": crm.SizeSmall, "srednja": crm.SizeMedium, "srednji": crm.SizeMedium,
	"velika": crm.SizeLarge, "veliki": crm.SizeLarge, "drzavna": crm.SizeGovernment, "drzavni": crm.SizeGovernment,
}

var (
	reNextClause = regexp.MustCompile(`(?i)(?:^\s*|[,;.]\s*|\n\s*|\s)(?:next|sljedeće|sljedece|sljedeći korak|sljedeci korak)\s*[:\s]\s*`)
	rePhoneLike  = regexp.MustCompile(`^\+?[\d\s().\-/]{6,}$`)
	reEmail      = regexp.MustCompile(`[\w.+'-]+@[\w-]+(\.[\w-]+)+`)
	reWebsite    = regexp.MustCompile(`(?i)^(https?://)?(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?$`)
	reOwnerLabel = regexp.MustCompile(`(?i)(?:^|[,;])\s*owner\s*:\s*([^,;]*)`)
)

// splitNext separates "text, next <when> <what>" (or ", sljedeće <when> <what>") into
// the text and the clause after "next". The clause is found only after a separator (", next", "; next", "next:") so
// that "the next version" in a note is not mistaken for it, or at the very start of
// the text ("call: next tomorrow 14:00 …"), where text is then "" (no note typed).
func splitNext(s string) (text, clause string, found bool) {
	locs := reNextClause.FindAllStringIndex(s, -1)
	for i := len(locs) - 1; i >= 0; i-- {
		l := locs[i]
		sep := s[l[0]:l[1]]
		if l[0] == 0 || strings.ContainsAny(sep, ",;.\n:") {
			return strings.TrimSpace(s[:l[0]]), strings.TrimSpace(s[l[1]:]), true
		}
	}
	return s, "", false
}

// parseNewLine reads the one-line form of /new: "name, company[, phone][, email]
// [, website][, size][, key: value…]". Unlabelled parts after the first two are
// recognised by their shape; anything unrecognised is the client's need.
func parseNewLine(s string) crm.NewInterest {
	var n crm.NewInterest
	parts := splitParts(s)
	if strings.HasPrefix(strings.TrimSpace(s), ",") {
		parts = append([]string{""}, parts...) // "/new , Acme": the name is missing
	}
	var need []string
	pos := 0
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			if pos == 0 {
				pos++
			}
			continue
		}
		if k, v, ok := strings.Cut(p, ":"); ok && !strings.Contains(k, " ") && setField(&n, crm.Fold(k), strings.TrimSpace(v)) {
			continue
		}
		switch {
		case pos == 0:
			n.ContactName = p
		case pos == 1 && !reEmail.MatchString(p) && !rePhoneLike.MatchString(p):
			n.CompanyName = p
		case strings.Contains(p, "@") && !strings.Contains(p, " ") && n.Email == "":
			n.Email = p // validated later: "marko@" gets a clear message, not a silent need
		case looksLikePhone(p) && n.Phone == "":
			n.Phone = p
		case looksLikePhone(p) && n.Mobile == "":
			n.Mobile = p
		case reWebsite.MatchString(p) && n.Website == "":
			n.Website = p
		case sizeAliases[crm.Fold(p)] != "" && n.CompanySize == "":
			n.CompanySize = sizeAliases[crm.Fold(p)]
		case kindOfInterest(p) == crm.KindPotentialDeal:
			n.Kind = crm.KindPotentialDeal
		default:
			need = append(need, p)
		}
		pos++
	}
	if len(need) > 0 {
		// Parts not read as anything else belong to the need, also when a labelled
		// need: was given ("need: cameras, 5 rooms"): dropping them loses what was typed.
		n.Need = strings.Join(append(nonEmpty(n.Need), need...), ", ")
	}
	return n
}

// looksLikePhone is true for a part that is mostly digits: a phone, perhaps mistyped
// (then validation says so rather than filing it as the client's need).
func looksLikePhone(p string) bool {
	if rePhoneLike.MatchString(p) {
		return true
	}
	d, other := 0, 0
	for _, r := range p {
		switch {
		case r >= '0' && r <= '9':
			d++
		case r == ' ' || r == '+' || r == '-' || r == '(' || r == ')' || r == '.' || r == '/':
		default:
			other++
		}
	}
	return d >= 6 && other <= 2
}

// setField applies a labelled part ("email: …") of a /new line; false when the label
// is not a field.
func setField(n *crm.NewInterest, k, v string) bool {
	switch k {
	case "name", "contact", "ime", "kontakt":
		n.ContactName = v
	case "company", "client", "tvrtka", "firma", "klijent":
		n.CompanyName = v
	case "position", "title", "role", "pozicija", "funkcija":
		n.Position = v
	case "email", "mail", "e-mail", "e-posta":
		n.Email = v
	case "phone", "tel", "telefon":
		n.Phone = v
	case "mobile", "mob", "cell", "mobitel":
		n.Mobile = v
	case "messenger", "telegram", "whatsapp", "viber":
		n.Messenger = v
	case "website", "site", "web", "stranica":
		n.Website = v
	case "size", "velicina":
		n.CompanySize = crm.CompanySize(strings.ToLower(v))
		if sz, ok := sizeAliases[crm.Fold(v)]; ok {
			n.CompanySize = sz
		}
	case "business", "industry", "line", "djelatnost":
		n.LineOfBusiness = v
	case "kind", "type", "vrsta":
		n.Kind = kindOfInterest(v)
	case "need", "needs", "wants", "potreba", "treba":
		n.Need = v
	case "source", "from", "izvor":
		n.Source = v
	case "segment":
		n.Segment = parseSegment(v) // either language; checked by Validate and R13
	case "oib":
		// Checked by Validate: a mistyped OIB is refused, not stored.
		n.OIB = strings.Join(strings.Fields(strings.TrimPrefix(strings.ToUpper(v), "HR")), "")
	case "value", "budget", "vrijednost", "iznos", "budzet":
		val, cur, ok := parseAmount(v)
		if !ok {
			n.Value = -1 // rejected by Validate with a clear message
		} else {
			n.Value = val
		}
		n.Currency = cur
	default:
		return false
	}
	return true
}

// kindOfInterest reads the kind of an interest in either language; anything else is
// kept as typed, for Validate to refuse with a clear message.
func kindOfInterest(v string) crm.Kind {
	switch f := crm.Fold(strings.TrimSpace(v)); {
	case f == "deal" || strings.HasPrefix(f, "potential") || f == "posao" || strings.HasPrefix(f, "potencijaln"):
		return crm.KindPotentialDeal
	case f == "interest" || f == "interes" || f == "upit":
		return crm.KindInterest
	default:
		return crm.Kind(f)
	}
}

// reDecimalComma is a comma inside a number written the Croatian way ("12.000,00"):
// a digit before it, one or two digits after it and then no more digits.
var reDecimalComma = regexp.MustCompile(`\d,\d{1,2}(?:\D|$)`)

// reCommaDash is a digit and ",-", the Croatian way to write no decimals ("12.000,-").
var reCommaDash = regexp.MustCompile(`^\d,[-–]`)

// reCommaDashAmount finds that ",-" (or ",--") in an amount, to read it as ",00".
var reCommaDashAmount = regexp.MustCompile(`(\d),[-–]{1,2}(\D|$)`)

// reThousandsComma is a comma between a digit and exactly three digits.
var reThousandsComma = regexp.MustCompile(`^\d,\d{3}(?:\D|$)`)

// isValuePart reports whether a /new part so far is labelled as the value.
func isValuePart(p string) bool {
	k, _, ok := strings.Cut(p, ":")
	if !ok {
		return false
	}
	switch crm.Fold(strings.TrimSpace(k)) {
	case "value", "budget", "vrijednost", "iznos", "budzet":
		return true
	}
	return false
}

// isNeedPart reports whether p is labelled as the client's need, where a price may be
// written "12,- kn po komadu": its ",-" is not the end of the part.
func isNeedPart(p string) bool {
	k, _, ok := strings.Cut(p, ":")
	if !ok {
		return false
	}
	switch crm.Fold(strings.TrimSpace(k)) {
	case "need", "needs", "wants", "potreba", "treba":
		return true
	}
	return false
}

// splitParts splits a /new line at commas and semicolons, except the decimal comma of
// an amount, so "value: 12.000,00 kn" stays one part.
func splitParts(s string) []string {
	var parts []string
	from := 0
	for i := 0; i < len(s); i++ {
		if s[i] != ',' && s[i] != ';' {
			continue
		}
		if s[i] == ',' && i > 0 && reDecimalComma.MatchString(s[i-1:min(len(s), i+4)]) {
			continue
		}
		// "12.000,- kn" is a whole amount as Croatian price lists write it: the ",-"
		// is its empty decimal part, not the end of the part.
		if s[i] == ',' && i > 0 && reCommaDash.MatchString(s[i-1:min(len(s), i+2)]) && (isValuePart(s[from:i]) || isNeedPart(s[from:i])) {
			continue
		}
		// "value: 12,000" (and "€1,250,000.00"): in a value part a comma before exactly
		// three digits groups thousands; elsewhere "Gama,000" is left to split.
		if s[i] == ',' && i > 0 && reThousandsComma.MatchString(s[i-1:min(len(s), i+5)]) && isValuePart(s[from:i]) {
			continue
		}
		if p := s[from:i]; strings.TrimSpace(p) != "" {
			parts = append(parts, p)
		}
		from = i + 1
	}
	if p := s[from:]; strings.TrimSpace(p) != "" {
		parts = append(parts, p)
	}
	return parts
}

// currencyAliases name currencies by their sign or a word, in either language.
var currencyAliases = map[string]string{
	"€": "EUR", "eur": "EUR", "euro": "EUR", "eura": "EUR", "eure": "EUR", "euros": "EUR",
	"kn": "HRK", "kuna": "HRK", "kune": "HRK", "hrk": "HRK",
	"$": "USD", "usd": "USD", "£": "GBP", "gbp": "GBP", "chf": "CHF",
}

// parseAmount reads an estimated value in whole currency units: "12000 EUR",
// "12 000 €", "12.000,00 kn", "12.000,- kn", "€12,000", "12,000.00 USD". With both separators the last
// one is the decimal mark; a lone one is a decimal mark only when one or two digits
// follow it. A non-zero decimal part is refused: values are whole units. The currency is "" when none is
// written (the default applies); ok is false for anything else.
func parseAmount(v string) (int64, string, bool) {
	v = strings.TrimSpace(reCommaDashAmount.ReplaceAllString(v, "${1},00${2}"))
	cur := ""
	num := v
	// The currency may come before or after the number, with or without a space.
	i := strings.IndexFunc(v, func(r rune) bool { return r >= '0' && r <= '9' })
	j := strings.LastIndexFunc(v, func(r rune) bool { return r >= '0' && r <= '9' })
	if i < 0 {
		return 0, "", false
	}
	pre, post := strings.TrimSpace(v[:i]), strings.TrimSpace(v[j+1:])
	num = v[i : j+1]
	switch {
	case pre != "" && post != "":
		return 0, "", false
	case pre != "" || post != "":
		c := strings.ToLower(pre + post)
		if code, ok := currencyAliases[c]; ok {
			cur = code
		} else if len(c) == 3 && strings.IndexFunc(c, func(r rune) bool { return r < 'a' || r > 'z' }) < 0 {
			cur = strings.ToUpper(c)
		} else {
			return 0, "", false
		}
	}
	num = strings.NewReplacer(" ", "", "\u00a0", "", "\u202f", "", "_", "", "'", "").Replace(num)
	dec := -1
	lastDot, lastComma := strings.LastIndexByte(num, '.'), strings.LastIndexByte(num, ',')
	switch {
	case lastDot >= 0 && lastComma >= 0:
		dec = max(lastDot, lastComma)
	case lastComma >= 0 && len(num)-lastComma-1 <= 2 && strings.Count(num, ",") == 1:
		dec = lastComma
	case lastDot >= 0 && len(num)-lastDot-1 <= 2 && strings.Count(num, ".") == 1:
		dec = lastDot
	}
	whole, frac := num, ""
	if dec >= 0 {
		whole, frac = num[:dec], num[dec+1:]
	}
	// Thousands separators must group by three: "12.00.0" is a typo, not a number.
	groups := strings.FieldsFunc(whole, func(r rune) bool { return r == '.' || r == ',' })
	for k, g := range groups {
		if k > 0 && len(g) != 3 || g == "" {
			return 0, "", false
		}
	}
	n, err := strconv.ParseInt(strings.Join(groups, ""), 10, 64)
	if err != nil || (frac != "" && strings.Trim(frac, "0123456789") != "") {
		return 0, "", false
	}
	if strings.Trim(frac, "0") != "" {
		// Values are whole units: 30.5 is refused rather than stored as 30 or 31
		// (and never as 305). "12.000,00" has no cents and is 12000.
		return 0, "", false
	}
	return n, cur, true
}

// cutOwner removes an "owner: @name" part from a /new line and returns the line and
// the name ("" when there is none).
func cutOwner(s string) (string, string) {
	m := reOwnerLabel.FindStringSubmatchIndex(s)
	if m == nil {
		return s, ""
	}
	return s[:m[0]] + s[m[1]:], strings.TrimSpace(s[m[2]:m[3]])
}

// roleAliases and segmentAliases read /team's roles and segments in either language.
var (
	roleAliases = map[string]crm.Role{
		"komercijalist": crm.RoleManager, "komercijalistica": crm.RoleManager, "menadzer": crm.RoleManager, "menadzerica": crm.RoleManager,
		"voditelj": crm.RoleHead, "voditeljica": crm.RoleHead,
		"administrator": crm.RoleAdmin, "administratorica": crm.RoleAdmin,
	}
	segmentAliases = map[string]crm.Segment{
		"korporativni": crm.SegmentCorporate, "korporativno": crm.SegmentCorporate, "b2b": crm.SegmentCorporate,
		"maloprodaja": crm.SegmentRetail, "maloprodajni": crm.SegmentRetail,
	}
)

// parseRole reads a role; an unknown word is returned as typed, for the service to
// refuse with a message that names it.
func parseRole(w string) crm.Role {
	if r, ok := roleAliases[crm.Fold(w)]; ok {
		return r
	}
	return crm.Role(strings.ToLower(w))
}

// parseSegment reads a segment like parseRole.
func parseSegment(w string) crm.Segment {
	if s, ok := segmentAliases[crm.Fold(w)]; ok {
		return s
	}
	return crm.Segment(strings.ToLower(w))
}
