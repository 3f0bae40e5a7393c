package bot

import "crmbot/crm"

// ResponseEscalation tells a head that an inquiry has waited past the first-response
// target without its owner touching it (R16), naming the client and the manager.
func (p *Pusher) ResponseEscalation(in *crm.Interest, company string, owner *crm.User) Reply {
	c := p.c
	id := u64(in.ID)
	return Reply{Text: c.t("resp.head", in.ID, company, owner.Name, c.when(in.CreatedAt), c.when(in.ResponseDue)), Private: true,
		Buttons: [][]Button{{{Label: c.t("btn.card"), Action: "/show " + id}, {Label: c.t("btn.assign"), Action: "/assign " + id}}}}
}

// ResponseNote tells the owner that their head was told of an unanswered inquiry.
func (p *Pusher) ResponseNote(in *crm.Interest) Reply {
	c := p.c
	id := u64(in.ID)
	return Reply{Text: c.t("resp.told_owner", in.ID, c.when(in.CreatedAt)), Private: true,
		Buttons: [][]Button{{{Label: c.t("btn.log"), Action: "/log " + id}, {Label: c.t("btn.card"), Action: "/show " + id}}}}
}
