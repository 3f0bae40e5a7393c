package bot

// HomeView is a person's home as a platform draws it on a page of its own (Slack's
// App Home): who they are, the follow-ups overdue and due today, and what they can
// start from there. Every text is worded in the reader's language; no field holds a
// catalog key or a code.
type HomeView struct {
	Name string // the person's name on the team
	Role string // their role, worded
	// Title heads the follow-ups; Empty stands in for them when there are none.
	Title, Empty string
	// Actions start something new: a button with Action "/new" or "/log" opens
	// that form where the platform has forms, and runs the command otherwise.
	Actions []Button
	Items   []HomeItem
	// More, when set, says how many follow-ups were left out and where to see them.
	More string
}

// HomeItem is one follow-up on the home.
type HomeItem struct {
	ID    uint64
	Title string // "#42 Acme d.o.o. — Marko Horvat"
	Next  string // "Wed 2 Dec 10:00 — first call back ⚠ overdue"
	// Buttons: log (Action "/log 42", a form where there are forms), the card, and
	// move it to tomorrow.
	Buttons []Button
}

// MaxHomeItems is the most follow-ups a home lists; Slack's 100-block limit allows
// about 40 with their buttons.
const MaxHomeItems = 40

// home answers a ViewHome request.
func (c *conv) home() []Reply {
	due, err := c.e.svc.Today(c.ctx, c.u)
	if err != nil {
		return c.fail(err)
	}
	h := &HomeView{
		Name:  c.u.Name,
		Role:  c.t("role." + string(c.u.Role)),
		Title: c.t("today.title"),
		Actions: []Button{
			{Label: c.t("btn.new_interest"), Action: "/new"},
			{Label: c.t("btn.log"), Action: "/log"},
		},
	}
	if len(due) == 0 {
		h.Empty = c.t("today.none")
	}
	for i, sm := range due {
		if i == MaxHomeItems {
			h.More = c.t("home.more", len(due)-i)
			break
		}
		in := sm.Interest
		id := u64(in.ID)
		title := "#" + id + " " + sm.Company
		if sm.Contact != "" {
			title += " — " + sm.Contact
		}
		h.Items = append(h.Items, HomeItem{ID: in.ID, Title: title, Next: c.nextLine(in), Buttons: []Button{
			{Label: c.t("btn.log") + " #" + id, Action: "/log " + id},
			{Label: c.t("btn.card"), Action: "/show " + id},
			{Label: c.t("btn.snooze_tomorrow"), Action: "/snooze " + id + " tomorrow"},
		}})
	}
	return []Reply{{Private: true, Home: h}}
}
