package bot

import (
	"strconv"
	"strings"
	"time"

	"crmbot/crm"
)

// systemText words a timeline entry the service wrote ("interest created",
// "stage new→deliberating/budget: note", "assigned to Ana") in the reader's language.
// The stored text stays as written, so old entries read the same in every language.
func (c *conv) systemText(text string) string {
	if c.e.cat.Has("timeline." + text) {
		return c.t("timeline." + text)
	}
	if text == "proposal sent" {
		return c.t("timeline.proposal_sent")
	}
	if name, ok := strings.CutPrefix(text, "assigned to "); ok {
		return c.t("timeline.assigned", name)
	}
	if rest, ok := strings.CutPrefix(text, "reopened: "); ok {
		return c.t("timeline.reopened", c.systemText(rest))
	}
	if rest, ok := strings.CutPrefix(text, "edited "); ok {
		// "edited phone: +385… → —": the field named as /edit's buttons name it; the
		// values stay as stored.
		field, change, ok := strings.Cut(rest, ": ")
		if ok && c.e.cat.Has("field."+field) {
			if from, to, ok := strings.Cut(change, " → "); ok {
				change = c.editWord(field, from) + " → " + c.editWord(field, to)
			}
			return c.t("timeline.edited", c.t("field."+field), change)
		}
	}
	detail, ok := strings.CutPrefix(text, "stage ")
	if !ok {
		return text
	}
	detail, note, hasNote := strings.Cut(detail, ": ")
	// A deal closed with its value: "stage proposal→won · value 30000 EUR"; a move to
	// proposal with its terms (R14): "stage new→proposal · value=12000 EUR
	// delivery=3 week valid=2026-12-31".
	detail, terms, hasTerms := strings.Cut(detail, " · value=")
	detail, value, hasValue := strings.Cut(detail, " · value ")
	from, to, ok := strings.Cut(detail, "→")
	if !ok {
		return text
	}
	to, reason, _ := strings.Cut(to, "/")
	if !crm.Stage(from).Valid() || !crm.Stage(to).Valid() {
		return text
	}
	toName := c.t("stage." + to)
	if reason != "" {
		toName += "/" + c.t("reason."+reason)
	}
	out := c.t("timeline.stage", c.t("stage."+from), toName)
	if hasValue {
		v, ok := c.storedAmount(value)
		if !ok {
			return text
		}
		out += " · " + c.t("timeline.value", v)
	}
	if hasTerms {
		t, ok := c.storedTerms(terms)
		if !ok {
			return text
		}
		out += " · " + t
	}
	if hasNote {
		out += ": " + note
	}
	return out
}

// storedTerms words proposal terms as the service wrote them ("12000 EUR
// delivery=3 week valid=2026-12-31") as the card words them.
func (c *conv) storedTerms(s string) (string, bool) {
	value, rest, ok := strings.Cut(s, " delivery=")
	if !ok {
		return "", false
	}
	delivery, valid, ok := strings.Cut(rest, " valid=")
	if !ok {
		return "", false
	}
	amount, ok := c.storedAmount(value)
	if !ok {
		return "", false
	}
	n, unit, _ := strings.Cut(delivery, " ")
	lt := crm.LeadTime{Unit: crm.DeliveryUnit(unit)}
	var err error
	if lt.N, err = strconv.Atoi(n); err != nil || !lt.Valid() {
		return "", false
	}
	until, err := time.Parse("2006-01-02", valid)
	if err != nil {
		return "", false
	}
	return amount + " · " + c.t("proposal.delivery", c.leadTime(lt)) + " · " + c.t("proposal.valid", c.date(until)), true
}

// storedAmount words an amount as the service wrote it ("30000 EUR", whole units and
// an optional code) in the reader's format: "30.000,00 €" in Croatian.
func (c *conv) storedAmount(s string) (string, bool) {
	num, cur, _ := strings.Cut(s, " ")
	v, err := strconv.ParseInt(num, 10, 64)
	if err != nil || v < 0 {
		return "", false
	}
	return strings.TrimSpace(c.amount(v, cur)), true
}
