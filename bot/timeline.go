package bot

import (
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
	detail, ok := strings.CutPrefix(text, "stage ")
	if !ok {
		return text
	}
	detail, note, hasNote := strings.Cut(detail, ": ")
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
	if hasNote {
		out += ": " + note
	}
	return out
}
