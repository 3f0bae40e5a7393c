package telegram

import (
	"fmt"
	"strings"
	"testing"

	"crmbot/bot"
	"crmbot/crm"
)

func privateTextLang(updateID int, userID int64, first, lang, text string) string {
	return fmt.Sprintf(`{"update_id":%d,"message":{"message_id":%d,"date":1764083040,
"from":{"id":%d,"is_bot":false,"first_name":%q,"language_code":%q},
"chat":{"id":%d,"first_name":%q,"type":"private"},"text":%q%s}}`,
		updateID, updateID, userID, first, lang, userID, first, text, entities(text))
}

// A Croatian Telegram user is answered in Croatian from the first message, and the
// command menu is registered per language: ASCII names, Croatian descriptions for hr
// (and for bs, sr, who read it).
func TestLanguageCodeAndMenus(t *testing.T) {
	e := newEnv(t)
	eng := bot.New(e.svc, bot.Options{Clock: e.clock.Now, Admins: []crm.Identity{identity(adminID)}})
	a := e.adapter(eng, func(c *Config) {
		c.Commands = eng.Commands()
		c.Menus = eng.CommandMenus()
	})
	e.start(a)

	e.api.push(privateTextLang(1, 77, "Ivana", "hr", "/help"))
	sent := e.api.waitSent(1)
	if got := sent[0].Params["text"]; !strings.Contains(got, "Još niste u prodajnom timu") || !strings.Contains(got, "telegram:77") {
		t.Errorf("stranger with language_code hr got %q", got)
	}

	menus := map[string]string{}
	for _, c := range e.api.callsOf("setMyCommands") {
		menus[c.Params["language_code"]] = c.Params["commands"]
	}
	if !strings.Contains(menus[""], `"command":"log"`) || !strings.Contains(menus[""], "log a call") {
		t.Errorf("default menu: %s", menus[""])
	}
	for _, l := range []string{"hr", "bs", "sr"} {
		if !strings.Contains(menus[l], `"command":"log"`) || !strings.Contains(menus[l], "zabilježi poziv") {
			t.Errorf("%s menu: %q", l, menus[l])
		}
	}
}
