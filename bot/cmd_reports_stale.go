package bot

import (
	"strconv"
	"strings"

	"crmbot/crm"
)

// ---- /stale -------------------------------------------------------------------------

// staleShown is how many of one manager's forgotten interests /stale names when it
// lists the whole department (their own list shows staleShownOwn): the rest are
// counted, so a head sees who is drowning without scrolling through all of it.
const (
	staleShown    = 5
	staleShownOwn = 30
)

// cmdStale lists open interests nobody has touched for a while, by manager, the
// longest forgotten first: the ones about to be lost (R6). crm.Service.Stale counts
// them from the idle index and looks up only the lines it shows.
func (c *conv) cmdStale(args string) []Reply {
	ra, err := c.parseReportArgs(args)
	if e := crm.AsError(err); e != nil && e.Key == "err.bad_period" {
		// The periods the other reports suggest are not what /stale takes: say its own.
		err = crm.Errorf(crm.EINVALID, "err.stale_days", e.Args...)
	}
	if err != nil {
		return c.fail(err)
	}
	days := ra.days
	switch {
	case ra.num != "":
		// A bare number is days here, "2000" too: /stale has no periods.
		days, _ = strconv.Atoi(ra.num)
		if days <= 0 {
			return c.fail(crm.Errorf(crm.EINVALID, "err.stale_days", ra.num))
		}
	case ra.period != nil && ra.period.days > 0:
		days = ra.period.days // "/stale 30d", "/stale 30 dana"
		ra.period = nil       // it is the idle time, not a won/lost period to show
	case ra.period != nil:
		return c.fail(crm.Errorf(crm.EINVALID, "err.stale_days", ra.periodWord))
	default:
		days = staleDefaultDays
	}
	owner, err := c.reportOwner(&ra)
	if err != nil {
		return c.fail(err)
	}
	shown := staleShown
	if owner != 0 {
		shown = staleShownOwn
	}
	now := c.now()
	rep, err := c.e.svc.Stale(c.ctx, c.u, crm.StaleQuery{Owner: owner, Facet: ra.facet(), Before: now.AddDate(0, 0, -days), Shown: shown})
	if err != nil {
		return c.fail(err)
	}
	if rep.Total == 0 {
		return []Reply{{Text: c.t("stale.none", days), Private: true}}
	}
	var b strings.Builder
	b.WriteString(c.t("stale.title", days, rep.Total))
	if f := c.filterText(ra); f != "" {
		b.WriteString("\n" + f)
	}
	for _, g := range rep.Groups { // by name, each longest forgotten first
		b.WriteString("\n\n" + c.t("stale.manager", g.Name, g.Count))
		for _, sm := range g.Lines {
			in := sm.Interest
			idle := int(now.Sub(in.LastActivityAt).Hours() / 24)
			b.WriteString("\n#" + u64(in.ID) + " " + sm.Contact + " · " + sm.Company + " · " + c.stageName(in) + " · " + c.t("stale.idle", idle))
		}
		if more := g.Count - len(g.Lines); more > 0 {
			b.WriteString("\n" + c.t("list.more", more))
		}
	}
	return []Reply{{Text: b.String(), Private: true}}
}
