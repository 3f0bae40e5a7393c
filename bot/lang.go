package bot

import (
	"sort"
	"strings"

	"golang.org/x/text/language"

	"crmbot/crm"
)

// readsAs maps languages whose speakers read another catalog's language as their own
// written standard: Bosnian and Serbian in Latin script read Croatian. Serbian in
// Cyrillic does not, and keeps the default.
var readsAs = map[string]string{"bs": "hr", "sr": "hr", "sh": "hr", "cnr": "hr"}

// hintLang maps a platform's language hint ("hr", "hr-HR", "sr-Latn", "en_US") to a
// catalog language; "" when none fits, so the default applies.
func (e *Engine) hintLang(hint string) string {
	hint = strings.ReplaceAll(strings.TrimSpace(hint), "_", "-")
	if hint == "" {
		return ""
	}
	tag, err := language.Parse(hint)
	if err != nil {
		return ""
	}
	base, _ := tag.Base()
	// Raw, not Script: Script guesses Cyrillic for a bare "sr", and a bare "sr" from
	// Telegram is as likely Latin as not; only an explicit Cyrillic tag opts out.
	_, script, _ := tag.Raw()
	b := base.String()
	if to, ok := readsAs[b]; ok && script.String() != "Cyrl" && e.cat.HasLang(to) {
		return to
	}
	if e.cat.HasLang(b) {
		return b
	}
	return ""
}

// DefaultLanguage is the language of people who chose none (CRMBOT_LANG), for
// adapters that word texts of their own (Slack forms, the App Home).
func (e *Engine) DefaultLanguage() string { return e.defLang }

// userLang is the language u reads: the one they chose, else the configured default.
func (e *Engine) userLang(u *crm.User) string {
	if u != nil && e.cat.HasLang(u.Lang) {
		return u.Lang
	}
	return e.defLang
}

// strangerLang words answers to someone not on the team: their platform's hint, else
// the default.
func (e *Engine) strangerLang(req Request) string {
	if l := e.hintLang(req.Lang); l != "" {
		return l
	}
	return e.defLang
}

// CommandsIn lists the commands with their one-line descriptions in lang.
func (e *Engine) CommandsIn(lang string) []CommandInfo {
	out := make([]CommandInfo, 0, len(commands))
	for _, cmd := range commands {
		out = append(out, CommandInfo{Name: cmd.name, Description: e.cat.T(lang, "cmd."+cmd.name)})
	}
	return out
}

// CommandMenus gives the command menu per platform language code, for menus that
// differ by the user's language (Telegram's setMyCommands with language_code): every
// catalog language other than the default, and the languages that read one of them
// (bs and sr get the Croatian menu). The default menu is Commands().
func (e *Engine) CommandMenus() map[string][]CommandInfo {
	out := map[string][]CommandInfo{}
	for _, l := range e.cat.Languages() {
		if l != e.defLang {
			out[l] = e.CommandsIn(l)
		}
	}
	var from []string
	for f := range readsAs {
		from = append(from, f)
	}
	sort.Strings(from)
	for _, f := range from {
		if to := readsAs[f]; to != e.defLang && e.cat.HasLang(to) && !e.cat.HasLang(f) {
			out[f] = e.CommandsIn(to)
		}
	}
	return out
}
