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
	reMobileLbl  = regexp.MustCompile(`(?i)\b(mob|mobile|cell|gsm|m)\b\.?\s*[:.]?`)
	reLabel      = regexp.MustCompile(`(?i)^\s*(tel|phone|ph|t|fax|f|mob|mobile|cell|gsm|m|e-?mail|e|web|www|w)\b\.?\s*[:.]\s*`)
	companyMarks = []string{"d.o.o", "d.d.", "j.d.o.o", "ltd", "llc", "gmbh", "inc", "corp", "s.a.", "s.r.l", "plc", "ag", "ооо", "зао", "оао", "ао", "ип", "company", "group", "holding"}
	titleWords   = []string{"director", "manager", "head", "ceo", "cto", "cfo", "coo", "officer", "president", "engineer", "specialist", "assistant", "lead", "owner", "founder", "partner", "consultant", "direktor", "voditelj", "menadžer", "referent", "директор", "менеджер", "руководитель", "начальник", "специалист", "инженер"}
)

// ParseSignature extracts contact and company details from a pasted email signature.
func ParseSignature(text string) crm.NewInterest {
	var n crm.NewInterest
	var plain []string // lines that are neither phone, email nor website
	for _, raw := range strings.Split(text, "\n") {
		line := strings.TrimSpace(strings.Trim(raw, "-–—|•*> \t"))
		if line == "" {
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
				if strings.Contains(strings.ToLower(line), "fax") {
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
		if line == "" || strings.HasPrefix(strings.ToLower(line), "fax") {
			continue
		}
		plain = append(plain, line)
	}
	for _, line := range plain {
		low := strings.ToLower(line)
		switch {
		case n.CompanyName == "" && hasWordLike(low, companyMarks):
			n.CompanyName = line
		case n.Position == "" && hasWordLike(low, titleWords):
			n.Position = line
		case n.ContactName == "" && looksLikeName(line):
			n.ContactName = line
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
