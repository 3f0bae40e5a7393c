package bot

import (
	"encoding/json"
	"fmt"
	"strings"

	"crmbot/crm"
)

// maxCallButtons bounds the buttons on the calls nudge: three per call, and a chat
// message with more than a screenful of buttons helps nobody. The rest are logged by
// typing /seminar N called …, which the message says.
const maxCallButtons = 8

// RenderSeminarCalls implements crm.CallRenderer: the nudge an owner gets listing the
// calls a new campaign gave them, with a row of outcome buttons for each, sent to the
// first platform they are reachable on (the terminal last).
func (e *Engine) RenderSeminarCalls(owner *crm.User, camp *crm.Campaign, calls []*crm.CampaignMember) (crm.Identity, []byte, bool) {
	to := reachableIdentity(owner)
	if to == "" {
		return "", nil, false
	}
	c := &conv{e: e, u: owner, lang: e.userLang(owner)}
	var b strings.Builder
	b.WriteString(c.t("seminar.calls_nudge", camp.Name, c.when(camp.At), len(calls), camp.FallbackDays))
	var rows [][]Button
	for i, m := range calls {
		// A chat message has a size limit (Telegram's is 4096 characters): a long
		// list is named in part and counted; /seminar N and the digest show the rest.
		if i == digestListed {
			b.WriteString("\n" + c.t("list.more", len(calls)-digestListed))
			break
		}
		b.WriteString("\n" + c.t("seminar.call_line", m.InterestID, m.Name, m.Company, c.when(m.CallBy)))
		if i >= maxCallButtons {
			continue
		}
		cmd := fmt.Sprintf("/seminar %d called %d ", camp.ID, m.InterestID)
		rows = append(rows, []Button{
			{Label: fmt.Sprintf("#%d ✓", m.InterestID), Action: cmd + string(crm.CallAccepted)},
			{Label: fmt.Sprintf("#%d ✗", m.InterestID), Action: cmd + string(crm.CallDeclined)},
			{Label: fmt.Sprintf("#%d …", m.InterestID), Action: cmd + string(crm.CallNoAnswer)},
		})
	}
	b.WriteString("\n" + c.t("seminar.calls_how", camp.ID))
	payload, err := json.Marshal(Reply{Text: b.String(), Private: true, Buttons: rows})
	if err != nil {
		return "", nil, false
	}
	return to, payload, true
}

// reachableIdentity is where to push to a person: their first reachable platform,
// the terminal only when there is nothing else.
func reachableIdentity(u *crm.User) crm.Identity {
	var to crm.Identity
	for _, id := range u.Identities {
		if !u.Reachable(id) {
			continue
		}
		if to == "" || (to.Platform() == "console" && id.Platform() != "console") {
			to = id
		}
	}
	return to
}

// RenderSeminarEmail implements crm.EmailRenderer: one invitation, in the default
// language (clients do not choose one), as a Reply whose text is the subject line,
// an empty line and the body — what the SMTP sender reads.
func (e *Engine) RenderSeminarEmail(camp *crm.Campaign, m *crm.CampaignMember) []byte {
	// The date is written in the service's default zone.
	c := &conv{e: e, u: &crm.User{TZ: e.svc.Config.DefaultTZ}, lang: e.defLang}
	text := c.t("seminar.email_subject", camp.Name) + "\n\n" + c.t("seminar.email_body", m.Name, camp.Name, c.when(camp.At))
	payload, _ := json.Marshal(Reply{Text: text})
	return payload
}

// seminarCalls adds a section per campaign with the reader's calls still to make (the
// digest, /today): the first few named, the rest counted.
func (c *conv) seminarCalls(b *strings.Builder, calls []crm.CampaignCalls) {
	for _, cc := range calls {
		b.WriteString("\n\n" + c.t("seminar.digest_calls", cc.Campaign.Name, len(cc.Calls), cc.Campaign.ID))
		for i, m := range cc.Calls {
			if i == digestListed {
				b.WriteString("\n" + c.t("list.more", len(cc.Calls)-digestListed))
				break
			}
			b.WriteString("\n" + c.t("seminar.call_line", m.InterestID, m.Name, m.Company, c.when(m.CallBy)))
		}
	}
}
