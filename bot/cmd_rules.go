package bot

import (
	"strconv"
	"strings"
	"time"
)

// cmdConfirm: "/confirm 42" records that the client's data of #42 is still current
// (R15); the digest's "still current?" button sends it.
func (c *conv) cmdConfirm(args string) []Reply {
	idStr, rest := firstWord(args)
	id, ok := parseID(idStr)
	if !ok || rest != "" {
		return c.badID("usage.confirm")
	}
	in, err := c.e.svc.ConfirmData(c.ctx, c.op(), id)
	if err != nil {
		return c.fail(err)
	}
	return []Reply{{Text: c.t("fresh.confirmed", id, c.day(in.ConfirmedAt.In(c.loc()))), Private: true,
		Buttons: [][]Button{{{Label: c.t("btn.card"), Action: "/show " + u64(id)}}}}}
}

// settingsResponse: "/settings response 2h" sets the first-response target (R16,
// heads and admins); "/settings response" shows it.
func (c *conv) settingsResponse(args string) []Reply {
	args = strings.TrimSpace(args)
	if args == "" {
		d, err := c.e.svc.ResponseTarget(c.ctx)
		if err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("response.current", c.hours(d)), Private: true}}
	}
	d, ok := parseTarget(args)
	if !ok {
		return []Reply{{Text: c.t("err.response_bad", args), Private: true, Error: true}}
	}
	if err := c.e.svc.SetResponseTarget(c.ctx, c.op(), d); err != nil {
		return c.fail(err)
	}
	return []Reply{{Text: c.t("response.saved", c.hours(d)), Private: true}}
}

// hours shows a target as hours and minutes ("2 h", "1 h 30 min").
func (c *conv) hours(d time.Duration) string {
	h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
	switch {
	case h == 0:
		return c.t("response.min", m)
	case m == 0:
		return c.t("response.h", h)
	}
	return c.t("response.h", h) + " " + c.t("response.min", m)
}

// targetUnits are the units a target is typed in, folded.
var targetUnits = map[string]time.Duration{
	"h": time.Hour, "hour": time.Hour, "hours": time.Hour, "sat": time.Hour, "sata": time.Hour, "sati": time.Hour,
	"m": time.Minute, "min": time.Minute, "mins": time.Minute, "minute": time.Minute, "minutes": time.Minute, "minuta": time.Minute,
}

// parseTarget reads "2h", "2 h", "90m", "1h30m", "2 sata", "1 h 30 min": whole numbers
// with a unit each. Anything else (a fraction, a bare number) is refused: "2" could be
// hours or days.
func parseTarget(s string) (time.Duration, bool) {
	var total time.Duration
	var toks []string
	for _, f := range strings.Fields(fold(s)) {
		// Split "1h30m" into 1 h 30 m.
		start := 0
		for i := 1; i <= len(f); i++ {
			if i == len(f) || (f[i] >= '0' && f[i] <= '9') != (f[i-1] >= '0' && f[i-1] <= '9') {
				toks = append(toks, f[start:i])
				start = i
			}
		}
	}
	if len(toks) == 0 || len(toks)%2 != 0 {
		return 0, false
	}
	for i := 0; i < len(toks); i += 2 {
		n, err := strconv.Atoi(toks[i])
		unit, ok := targetUnits[toks[i+1]]
		if err != nil || !ok || n < 0 || n > 1000 {
			return 0, false
		}
		total += time.Duration(n) * unit
	}
	return total, total > 0
}

// freshButtons offer the one-tap confirmation of an interest's client data (R15) and
// the way to correct it.
func (c *conv) freshButtons(id uint64) []Button {
	ids := u64(id)
	return []Button{{Label: c.t("btn.fresh_confirm", id), Action: "/confirm " + ids}, {Label: c.t("btn.fresh_edit", id), Action: "/edit " + ids}}
}
