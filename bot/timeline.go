package bot

import (
	"strconv"
	"strings"

	"crmbot/crm"
)

// systemText words a timeline entry the service wrote ("interest created",
// "stage new→deliberating/budget: note", "assigned to Ana") in the reader's language.
// The stored text stays as written, so old entries read the same in every language.
func (c *conv) systemText(text string) string {
	if c.e.cat.Has("timeline." + text) {
		return c.t("timeline." + text)
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
	// A deal closed with its value: "stage proposal→won · value 30000 EUR".
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
	if hasNote {
		out += ": " + note
	}
	return out
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
