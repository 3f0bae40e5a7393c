package bot

import (
	"regexp"
	"strings"
	"unicode"

	"crmbot/crm"
)

// R2: phone numbers often come from the client's email signature. ParseSignature
// reads a pasted signature block and extracts what it can; the user confirms before
// anything is stored.

var (
	reSigPhone   = regexp.MustCompile(`\+?\(?\d[\d\s().\-/]{6,}\d`)
	reSigWebsite = regexp.MustCompile(`(?i)\b(?:https?://)?(?:www\.)[\w-]+(?:\.[\w-]+)+\S*|\bhttps?://[\w-]+(?:\.[\w-]+)+\S*`)
	reMobileLbl  = regexp.MustCompile(`(?i)\b(mob|mobile|mobitel|cell|gsm|m)\b\.?\s*[:.]?`)
	reLabel      = regexp.MustCompile(`(?i)^\s*(tel|telefon|phone|ph|t|fax|faks|f|mob|mobitel|mobile|cell|gsm|m|e-?mail|e-pošta|e|web|www|w)\b\.?\s*[:.]\s*`)
	companyMarks = []string{"d.o.o", "d.d.", "d.d", "j.d.o.o", "obrt", "k.d.", "j.t.d.", "ltd", "llc", "gmbh", "inc", "corp", "s.a.", "s.r.l", "plc", "ag", "ооо", "зао", "оао", "ао", "ип", "company", "group", "holding"}
	titleWords   = []string{"director", "manager", "head", "ceo", "cto", "cfo", "coo", "officer", "president", "engineer", "specialist", "assistant", "lead", "owner", "founder", "partner", "consultant", "direktor", "voditelj", "menadžer", "referent", "директор", "менеджер", "руководитель", "начальник", "специалист", "инженер",
		// Croatian positions, masculine and feminine
		"direktorica", "voditeljica", "menadžerica", "referentica", "predsjednik", "predsjednica", "član", "članica", "savjetnik", "savjetnica",
		"suradnik", "suradnica", "komercijalist", "komercijalistica", "rukovoditelj", "rukovoditeljica", "šef", "šefica", "pomoćnik", "pomoćnica",
		"koordinator", "koordinatorica", "inženjer", "inženjerka", "tajnik", "tajnica", "prokurist", "prokuristica", "specijalist", "specijalistica",
		"stručnjak", "stručnjakinja", "nabave", "prodaje", "uprave", "key account"}
	// reGreeting is a closing line: never a name, never a position.
	reGreeting = regexp.MustCompile(`(?i)^(srdačan pozdrav|srdacan pozdrav|srdačni pozdravi|srdacni pozdravi|lijep pozdrav|lijepi pozdrav|lijepi pozdravi|pozdrav|pozdravi|s poštovanjem|s postovanjem|uz pozdrav|lp|hvala|unaprijed hvala|best regards|kind regards|regards|best|cheers|thanks|thank you|с уважением)[\s,.!]*$`)
	// reOIB finds a labelled Croatian tax number; the digits are checked (ValidOIB).
	reOIB = regexp.MustCompile(`(?i)\bOIB\b\s*[:.]*\s*(HR)?(\d[\d ]{9,13}\d)`)
	// reBankLine: account and registry numbers, which must not be read as phones.
	reBankLine = regexp.MustCompile(`(?i)^\s*(iban|mb|mbs|matični broj|maticni broj|žiro|ziro|swift|bic|pdv id|vat)\b`)
	// rePreTitle is an academic or professional title before a name: "mr. sc.",
	// "dr. sc.", "prof. dr. sc.", "izv. prof.", "doc.", "dr.", "mr.".
	rePreTitle = regexp.MustCompile(`(?i)^((?:izv\.\s*|red\.\s*)?prof\.|doc\.|dr\.\s*sc\.|mr\.\s*sc\.|dr\.\s*med\.|dr\.|mr\.|mag\.)\s*`)
	// rePostTitle is a degree after the name: "dipl. ing.", "dipl. oec.", "mag. ing.
	// el.", "univ. spec. oec.", "bacc. oec.", "struč. spec.", "MBA", "PhD".
	rePostTitle = regexp.MustCompile(`(?i)^(dipl\.|mag\.|univ\.|bacc\.|struč\.|struc\.|spec\.|ing\.|oec\.|iur\.|mba\b|phd\b|msc\b|m\.sc\.|bsc\b|b\.sc\.)`)
)

// ParseSignature extracts contact and company details from a pasted email signature.
func ParseSignature(text string) crm.NewInterest {
	var n crm.NewInterest
	var plain []string  // lines that are neither phone, email nor website
	var titles []string // academic titles around the name
	// "Name | Position | Company | T: …" on one line is several lines.
	text = strings.NewReplacer(" | ", "\n", " • ", "\n").Replace(text)
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(strings.Trim(raw, "-–—|•*> \t"))
		if line == "" || reGreeting.MatchString(line) || reBankLine.MatchString(line) {
			continue
		}
		if m := reOIB.FindStringSubmatchIndex(line); m != nil {
			// A labelled OIB is taken out of the line whether or not it checks:
			// eleven digits must never become a phone number.
			oib := strings.ReplaceAll(line[m[4]:m[5]], " ", "")
			if crm.ValidOIB(oib) && n.OIB == "" {
				n.OIB = oib
			}
			line = strings.TrimSpace(line[:m[0]] + " " + line[m[1]:])
		}
		if name, ts, ok := nameWithTitles(line); ok && n.ContactName == "" {
			n.ContactName, titles = name, ts
			continue
		}
		if m := reEmail.FindString(line); m != "" && n.Email == "" {
			n.Email = m
			line = strings.TrimSpace(strings.Replace(line, m, "", 1))
		}
		if m := reSigWebsite.FindString(line); m != "" && n.Website == "" {
			n.Website = strings.TrimRight(m, ".,;")
			line = strings.TrimSpace(strings.Replace(line, m, "", 1))
		}
		if phones := reSigPhone.FindAllString(line, -1); len(phones) > 0 {
			mobile := reMobileLbl.MatchString(line)
			for _, p := range phones {
				p = strings.TrimSpace(p)
				if digits(p) < 7 {
					continue
				}
				if low := strings.ToLower(line); strings.Contains(low, "fax") || strings.Contains(low, "faks") {
					continue
				}
				switch {
				case mobile && n.Mobile == "":
					n.Mobile = p
				case n.Phone == "":
					n.Phone = p
				case n.Mobile == "":
					n.Mobile = p
				}
				line = strings.Replace(line, p, "", 1)
			}
		}
		line = strings.TrimSpace(reLabel.ReplaceAllString(line, ""))
		line = strings.Trim(line, ",;|:- ")
		if low := strings.ToLower(line); line == "" || strings.HasPrefix(low, "fax") || strings.HasPrefix(low, "faks") {
			continue
		}
		plain = append(plain, line)
	}
	for _, line := range plain {
		low := strings.ToLower(line)
		switch {
		case n.CompanyName == "" && (hasWordLike(low, companyMarks) || publicBody(line)):
			n.CompanyName = line
		case n.Position == "" && hasWordLike(low, titleWords):
			n.Position = line
		case n.ContactName == "" && looksLikeName(line):
			n.ContactName = line
		}
	}
	if len(titles) > 0 {
		// The titles are kept, with the position, rather than in the name: the name
		// is what duplicates and searches compare.
		t := strings.Join(titles, ", ")
		if n.Position == "" {
			n.Position = t
		} else {
			n.Position += " (" + t + ")"
		}
	}
	if n.CompanyName == "" && n.Website != "" {
		// No company line: the website's domain is the best guess, to be confirmed.
		host := crm.NormalizeWebsite(n.Website)
		host, _, _ = strings.Cut(host, "/")
		if i := strings.LastIndexByte(host, '.'); i > 0 {
			host = host[:i]
		}
		if host != "" {
			n.CompanyName = strings.ToUpper(host[:1]) + host[1:]
		}
	}
	return n
}

func digits(s string) int {
	n := 0
	for _, r := range s {
		if r >= '0' && r <= '9' {
			n++
		}
	}
	return n
}

func hasWordLike(low string, words []string) bool {
	for _, w := range words {
		i := strings.Index(low, w)
		if i < 0 {
			continue
		}
		before := i == 0 || !unicode.IsLetter(rune(low[i-1]))
		end := i + len(w)
		after := end >= len(low) || !unicode.IsLetter(rune(low[end]))
		if before && after {
			return true
		}
	}
	return false
}

// looksLikeName accepts two to four capitalised words of letters: "Marko Đurić",
// "Anna-Maria von Berg".
func looksLikeName(s string) bool {
	words := strings.Fields(s)
	if len(words) < 2 || len(words) > 4 {
		return false
	}
	caps := 0
	for _, w := range words {
		for _, r := range w {
			if !unicode.IsLetter(r) && r != '-' && r != '\'' && r != '.' {
				return false
			}
		}
		if unicode.IsUpper([]rune(w)[0]) {
			caps++
		}
	}
	return caps >= 2
}

// nameWithTitles reads "mr. sc. Tomislav Horvat, dipl. ing." as the name and its
// titles; ok is false unless at least one title is there and the rest is a name (a
// plain name is left to looksLikeName).
func nameWithTitles(line string) (string, []string, bool) {
	var titles, pre []string
	rest := strings.TrimSpace(line)
	for {
		m := rePreTitle.FindString(rest)
		if m == "" {
			break
		}
		pre = append(pre, strings.TrimSpace(m))
		rest = strings.TrimSpace(rest[len(m):])
	}
	if len(pre) > 0 {
		titles = append(titles, strings.Join(pre, " ")) // "prof. dr. sc.", as written
	}
	if head, tail, ok := strings.Cut(rest, ","); ok {
		tail = strings.TrimSpace(tail)
		if !rePostTitle.MatchString(tail) {
			return "", nil, false
		}
		titles = append(titles, tail)
		rest = strings.TrimSpace(head)
	} else if i := strings.LastIndexByte(rest, ' '); len(titles) == 0 && i > 0 {
		// "Ivana Kovač dipl. oec." without a comma: the degree starts at its first word.
		words := strings.Fields(rest)
		for k := 2; k < len(words); k++ {
			if rePostTitle.MatchString(words[k]) {
				titles = append(titles, strings.Join(words[k:], " "))
				rest = strings.Join(words[:k], " ")
				break
			}
		}
	}
	if len(titles) == 0 || !looksLikeName(rest) {
		return "", nil, false
	}
	return rest, titles, true
}

// publicBodies start the names of state bodies and public institutions, which carry no
// company form: "Grad Zagreb", "Ministarstvo financija", "Klinički bolnički centar".
var publicBodies = map[string]bool{
	"grad": true, "opcina": true, "zupanija": true, "ministarstvo": true, "agencija": true, "zavod": true,
	"fond": true, "ustanova": true, "bolnica": true, "klinicki": true, "sveuciliste": true, "fakultet": true,
	"skola": true, "udruga": true, "zadruga": true, "drzavni": true, "hrvatski": true, "hrvatska": true,
}

// publicBody reports whether line names a public body by its first word.
func publicBody(line string) bool {
	w, _ := firstWord(line)
	return publicBodies[crm.Fold(w)] && len(strings.Fields(line)) >= 2
}
