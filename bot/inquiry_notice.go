package bot

import (
	"encoding/json"

	"crmbot/crm"
)

// RenderInquiryNotice implements crm.NoticeRenderer: the nudge a manager gets at once
// when an inquiry from the HTTP API is given to them, in their language, sent to the
// first platform they are reachable on (the terminal last: nobody may be watching it).
func (e *Engine) RenderInquiryNotice(owner *crm.User, n crm.InquiryNotice) (crm.Identity, []byte, bool) {
	var to crm.Identity
	for _, id := range owner.Identities {
		if !owner.Reachable(id) {
			continue
		}
		if to == "" || (to.Platform() == "console" && id.Platform() != "console") {
			to = id
		}
	}
	if to == "" {
		return "", nil, false
	}
	c := &conv{e: e, u: owner, lang: e.userLang(owner)}
	key := "api.inquiry_new"
	if n.Repeat {
		key = "api.inquiry_repeat"
	}
	text := c.t(key, n.Interest.ID, n.Company, n.Contact)
	if n.Message != "" {
		text += "\n" + clip(n.Message, 300)
	}
	id := u64(n.Interest.ID)
	r := Reply{Text: text, Private: true, Buttons: [][]Button{
		{{Label: c.t("btn.card"), Action: "/show " + id}, {Label: c.t("btn.log"), Action: "/log " + id}},
	}}
	payload, err := json.Marshal(r)
	if err != nil {
		return "", nil, false
	}
	return to, payload, true
}
