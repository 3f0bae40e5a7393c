package bot

import (
	"strings"

	"crmbot/crm"
)

func init() {
	// The segments of a routing refusal are worded in the reader's language.
	errArgWords["err.routing_segment_mismatch"] = map[int]string{1: "segment.", 2: "segment."}
}

// settingsRouting: who gets the inquiries that arrive through the HTTP API (heads and
// admins):
//
//	/settings routing                      — the rules
//	/settings routing corporate @ivan      — every corporate inquiry to Ivan
//	/settings routing corporate auto       — balanced again (fewest open interests)
func (c *conv) settingsRouting(args string) []Reply {
	fields := strings.Fields(args)
	if len(fields) == 0 {
		rules, err := c.e.svc.InquiryRoutingRules(c.ctx)
		if err != nil {
			return c.fail(err)
		}
		users, err := c.e.svc.Users(c.ctx)
		if err != nil {
			return c.fail(err)
		}
		var b strings.Builder
		b.WriteString(c.t("api.routing_title"))
		for _, seg := range []crm.Segment{crm.SegmentCorporate, crm.SegmentRetail} {
			who := c.t("api.routing_balanced")
			if id := rules.Fixed[seg]; id != 0 {
				for _, u := range users {
					if u.ID == id {
						who = u.Name
					}
				}
			}
			b.WriteString("\n" + c.t("segment."+string(seg)) + ": " + who)
		}
		return []Reply{{Text: b.String(), Private: true}}
	}
	if len(fields) < 2 {
		return []Reply{{Text: c.t("api.usage_routing"), Private: true, Error: true}}
	}
	seg := parseSegment(fields[0])
	if !seg.Valid() {
		return c.fail(crm.Errorf(crm.EINVALID, "err.bad_segment", fields[0]))
	}
	name := strings.Join(fields[1:], " ")
	var id uint64
	who := c.t("api.routing_balanced")
	if !strings.EqualFold(name, "auto") {
		u, err := c.e.svc.UserByName(c.ctx, name)
		if err != nil {
			return c.fail(err)
		}
		id, who = u.ID, u.Name
	}
	if err := c.e.svc.SetInquiryRouting(c.ctx, c.op(), seg, id); err != nil {
		return c.fail(err)
	}
	return []Reply{{Text: c.t("api.routing_saved", c.t("segment."+string(seg)), who), Private: true}}
}
