package bot

import (
	"sort"
	"strings"
	"time"

	"crmbot/crm"
)

// responsePeriod is the window /pipeline reads first responses from when it has no
// period of its own: a month, so that its cost stays that of a month's audit log.
const responsePeriod = 30 * 24 * time.Hour

// firstResponseLine renders the median first-response time per manager (R16), named
// by names, with the count each median is of; "" when nobody answered an inquiry.
func (c *conv) firstResponseLine(fr *crm.FirstResponses, names map[uint64]string) string {
	if fr == nil || fr.Total.N == 0 {
		return ""
	}
	ids := make([]uint64, 0, len(fr.PerOwner))
	for id := range fr.PerOwner {
		if _, ok := names[id]; ok {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, j int) bool { return names[ids[i]] < names[ids[j]] })
	var parts []string
	for _, id := range ids {
		st := fr.PerOwner[id]
		parts = append(parts, c.t("response.median_of", names[id], c.hours(st.Median.Round(time.Minute)), st.N))
	}
	if len(ids) > 1 {
		parts = append(parts, c.t("response.median_all", c.hours(fr.Total.Median.Round(time.Minute)), fr.Total.N))
	}
	return c.t("response.median_title") + " " + strings.Join(parts, " · ")
}

// firstResponses reads the report's first responses: of its period, or of the last
// responsePeriod when it has none.
func (c *conv) firstResponses(ra reportArgs, owner uint64) (*crm.FirstResponses, error) {
	// Up to and including this second: a response just given counts.
	from, to := c.now().Add(-responsePeriod), c.now().Add(time.Second)
	if ra.period != nil {
		from, to = ra.period.from, ra.period.to
	}
	return c.e.svc.FirstResponses(c.ctx, c.u, owner, from, to)
}

// ownerNames names the pipeline's managers by id.
func ownerNames(p *crm.Pipeline) map[uint64]string {
	names := map[uint64]string{}
	for _, r := range p.Rows {
		names[r.Owner.ID] = r.Owner.Name
	}
	return names
}
