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

var kindAliases = map[string]crm.InteractionKind{
	"call": crm.InteractionCall, "called": crm.InteractionCall, "phone": crm.InteractionCall,
	"email": crm.InteractionEmail, "mail": crm.InteractionEmail, "e-mail": crm.InteractionEmail,
	"meeting": crm.InteractionMeeting, "met": crm.InteractionMeeting,
	"demo":    crm.InteractionDemo,
	"note":    crm.InteractionNote,
	"seminar": crm.InteractionSeminar, "invite": crm.InteractionSeminar, "invitation": crm.InteractionSeminar,
}

// parseKind reads an interaction kind at the start of text ("call:", "email ") and
// returns it with the rest; ok is false when text does not start with one.
func parseKind(text string) (crm.InteractionKind, string, bool) {
	w, rest := firstWord(text)
	w = strings.ToLower(w)
	colon := strings.HasSuffix(w, ":")
	w = strings.TrimSuffix(w, ":")
	if k, ok := kindAliases[w]; ok {
		return k, rest, true
	}
	if i := strings.IndexByte(text, ':'); i > 0 && !colon {
		if k, ok := kindAliases[strings.ToLower(strings.TrimSpace(text[:i]))]; ok {
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
}

var deliberationAliases = map[string]crm.DeliberationReason{
	"decision-maker": crm.DeliberationDecisionMaker, "decisionmaker": crm.DeliberationDecisionMaker, "dm": crm.DeliberationDecisionMaker, "boss": crm.DeliberationDecisionMaker,
	"comparing": crm.DeliberationComparing, "compare": crm.DeliberationComparing, "competitors": crm.DeliberationComparing,
	"budget": crm.DeliberationBudget, "money": crm.DeliberationBudget,
}

var lossAliases = map[string]crm.LossReason{
	"unreachable": crm.LossUnreachable, "no-answer": crm.LossUnreachable,
	"competitor": crm.LossCompetitor, "competition": crm.LossCompetitor,
	"not-prospective": crm.LossNotProspective, "notprospective": crm.LossNotProspective, "np": crm.LossNotProspective, "not-a-fit": crm.LossNotProspective,
}

// reasonNotNow is the pseudo loss reason for R7: "not now" keeps the interest open,
// waiting for budget.
const reasonNotNow = "not-now"

// parseLoss reads a loss reason (or "not now") at the start of text.
func parseLoss(text string) (string, string, bool) {
	low := strings.ToLower(strings.TrimSpace(text))
	for _, p := range []string{"not now", "not-now", "notnow", "later"} {
		if strings.HasPrefix(low, p) && (len(low) == len(p) || low[len(p)] == ' ') {
			return reasonNotNow, strings.TrimSpace(text[len(p):]), true
		}
	}
	if strings.HasPrefix(low, "not prospective") {
		return string(crm.LossNotProspective), strings.TrimSpace(text[len("not prospective"):]), true
	}
	w, rest := firstWord(text)
	if r, ok := lossAliases[strings.ToLower(w)]; ok {
		return string(r), rest, true
	}
	return "", text, false
}

var (
	reNextClause = regexp.MustCompile(`(?i)(?:[,;.]\s*|\n\s*|\s)next\s*[:\s]\s*`)
	rePhoneLike  = regexp.MustCompile(`^\+?[\d\s().\-/]{6,}$`)
	reEmail      = regexp.MustCompile(`[\w.+'-]+@[\w-]+(\.[\w-]+)+`)
	reWebsite    = regexp.MustCompile(`(?i)^(https?://)?(www\.)?[\w-]+(\.[\w-]+)+(/\S*)?$`)
	reOwnerLabel = regexp.MustCompile(`(?i)(?:^|[,;])\s*owner\s*:\s*([^,;]*)`)
)

// splitNext separates "text, next <when> <what>" into the text and the clause after
// "next". The clause is found only after a separator (", next", "; next", "next:") so
// that "the next version" in a note is not mistaken for it.
func splitNext(s string) (text, clause string, found bool) {
	locs := reNextClause.FindAllStringIndex(s, -1)
	for i := len(locs) - 1; i >= 0; i-- {
		l := locs[i]
		sep := s[l[0]:l[1]]
		if strings.ContainsAny(sep, ",;.\n:") {
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
	parts := strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' })
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
		if k, v, ok := strings.Cut(p, ":"); ok && !strings.Contains(k, " ") && setField(&n, strings.ToLower(k), strings.TrimSpace(v)) {
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
		case crm.CompanySize(strings.ToLower(p)).Valid() && n.CompanySize == "":
			n.CompanySize = crm.CompanySize(strings.ToLower(p))
		case strings.EqualFold(p, "deal") || strings.EqualFold(p, "potential deal"):
			n.Kind = crm.KindPotentialDeal
		default:
			need = append(need, p)
		}
		pos++
	}
	if len(need) > 0 && n.Need == "" {
		n.Need = strings.Join(need, ", ")
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
	case "name", "contact":
		n.ContactName = v
	case "company", "client":
		n.CompanyName = v
	case "position", "title", "role":
		n.Position = v
	case "email", "mail", "e-mail":
		n.Email = v
	case "phone", "tel":
		n.Phone = v
	case "mobile", "mob", "cell":
		n.Mobile = v
	case "messenger", "telegram", "whatsapp":
		n.Messenger = v
	case "website", "site", "web":
		n.Website = v
	case "size":
		n.CompanySize = crm.CompanySize(strings.ToLower(v))
	case "business", "industry", "line":
		n.LineOfBusiness = v
	case "kind", "type":
		n.Kind = crm.Kind(strings.ToLower(v))
		if strings.HasPrefix(strings.ToLower(v), "potential") {
			n.Kind = crm.KindPotentialDeal
		}
	case "need", "needs", "wants":
		n.Need = v
	case "source", "from":
		n.Source = v
	case "segment":
		n.Segment = crm.Segment(strings.ToLower(v)) // checked by Validate and R13
	case "value", "budget":
		num, cur := firstWord(v)
		val, err := strconv.ParseInt(strings.NewReplacer(".", "", " ", "", "_", "").Replace(num), 10, 64)
		if err != nil {
			n.Value = -1 // rejected by Validate with a clear message
		} else {
			n.Value = val
		}
		n.Currency = strings.ToUpper(cur)
	default:
		return false
	}
	return true
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
