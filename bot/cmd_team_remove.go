package bot

import (
	"strings"

	"crmbot/crm"
)

// reassignButtons is how many of a removed person's open interests get a button to
// reassign; the rest are listed with the command to type.
const reassignButtons = 10

// teamRemove: "/team remove @ana" (admins) deactivates a person who left: no more
// nudges or digests, every platform account unlinked, history kept. The reply lists
// their open interests with buttons that reassign them (/assign).
func (c *conv) teamRemove(name string) []Reply {
	name = strings.TrimSpace(name)
	if name == "" {
		return []Reply{{Text: c.t("usage.team_remove"), Private: true, Error: true}}
	}
	if c.u.Role != crm.RoleAdmin {
		return c.fail(crm.Errorf(crm.EFORBIDDEN, "err.admin_only"))
	}
	u, err := c.e.svc.UserByName(c.ctx, name)
	if err != nil {
		return c.fail(err)
	}
	rm, err := c.e.svc.RemoveUser(c.ctx, c.op(), u.ID)
	if err != nil {
		return c.fail(err)
	}
	var b strings.Builder
	b.WriteString(c.t("team.removed", rm.User.Name))
	if len(rm.Platforms) > 0 {
		b.WriteString("\n" + c.t("team.removed_unlinked", strings.Join(rm.Platforms, ", ")))
	}
	r := Reply{Private: true}
	if len(rm.Open) == 0 {
		b.WriteString("\n" + c.t("team.removed_none_open"))
		r.Text = b.String()
		return []Reply{r}
	}
	b.WriteString("\n\n" + c.t("team.removed_open", rm.User.Name, len(rm.Open)))
	var bs []Button
	for i, sm := range rm.Open {
		b.WriteString("\n" + c.summaryLine(sm))
		if i < reassignButtons {
			id := u64(sm.Interest.ID)
			bs = append(bs, Button{Label: c.t("btn.reassign", id), Action: "/assign " + id})
		}
	}
	if len(rm.Open) > reassignButtons {
		b.WriteString("\n" + c.t("team.removed_more"))
	}
	r.Text, r.Buttons = b.String(), rowsOf(2, bs...)
	return []Reply{r}
}

// ownerOpen lists one manager's open interests by stage: "/my @ana" and
// "/pipeline @ana" for heads; a manager may name only themselves.
func (c *conv) ownerOpen(title string, items []*crm.Summary) string {
	var b strings.Builder
	b.WriteString(title)
	const max = 30
	stage := crm.Stage("")
	for i, sm := range items {
		if i == max {
			b.WriteString("\n" + c.t("list.more", len(items)-max))
			break
		}
		if sm.Interest.Stage != stage {
			stage = sm.Interest.Stage
			b.WriteString("\n\n" + c.t("stage."+string(stage)) + ":")
		}
		b.WriteString("\n" + c.summaryLine(sm))
	}
	return b.String()
}

// myOf: "/my @ana" — a head reads one manager's open interests by stage.
func (c *conv) myOf(name string) []Reply {
	u, err := c.e.svc.UserByName(c.ctx, name)
	if err != nil {
		return c.fail(err)
	}
	res, err := c.e.svc.OpenOf(c.ctx, c.u, u.ID)
	if err != nil {
		return c.fail(err)
	}
	if len(res) == 0 {
		return []Reply{{Text: c.t("my.none_of", u.Name), Private: true}}
	}
	return []Reply{{Text: c.ownerOpen(c.t("my.title_of", u.Name, len(res)), res), Private: true}}
}
