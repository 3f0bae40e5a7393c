package bot

import (
	"encoding/json"
	"regexp"
	"strconv"
	"strings"
	"time"

	"crmbot/crm"
	"crmbot/crm/exchange"
)

// cmdSeminar: seminar campaigns (R5: invitations go by phone first, then by email).
//
//	/seminar                                         — the campaigns
//	/seminar new "Name" 2027-02-10 14:00 [filters]   — heads/admins; asks to confirm
//	/seminar 3                                       — the funnel and the open calls
//	/seminar 3 called 42 accepted|declined|noanswer  — a call logged
//	/seminar 3 emails                                — the invitations due, as a list
//	/seminar 3 attended 42 43                        — after the event (heads/admins)
//
// Filters are segment:, size:, stage: and reason: (a deliberating reason), as
// /pipeline's; days:N sets how many working days to wait for a call before the email.
func (c *conv) cmdSeminar(args string) []Reply {
	args = strings.TrimSpace(args)
	sub, rest := firstWord(args)
	switch {
	case args == "":
		return c.seminarList()
	case fold(sub) == "new" || fold(sub) == "novi" || fold(sub) == "novo":
		return c.seminarNew(rest)
	}
	id, err := strconv.ParseUint(strings.TrimPrefix(sub, "#"), 10, 64)
	if err != nil || id == 0 {
		return c.seminarUsage()
	}
	verb, rest := firstWord(rest)
	switch fold(verb) {
	case "":
		return c.seminarShow(id)
	case "called", "call", "nazvan", "nazvao", "poziv":
		return c.seminarCalled(id, rest)
	case "emails", "email", "mailovi", "mail", "emailovi":
		return c.seminarEmails(id)
	case "attended", "dosli", "dosao", "prisutni":
		return c.seminarAttended(id, rest)
	}
	return c.seminarUsage()
}

func (c *conv) seminarUsage() []Reply {
	return []Reply{{Text: c.t("seminar.usage"), Private: true, Error: true}}
}

// dateShaped is a word written as a date (digits joined by dots, slashes or dashes).
var dateShaped = regexp.MustCompile(`^\d{1,4}[./-]\d{1,2}(?:[./-]\d{0,4})?\.?$`)

// parseSeminarNew reads `"Name" <date> [filters]`. Without quotes, the name is the
// words before the first split at which the rest reads as a date; when more than one
// split reads, the name is ambiguous and the user is asked to quote it.
func (c *conv) parseSeminarNew(args string) (crm.NewCampaign, error) {
	var nc crm.NewCampaign
	args = strings.TrimSpace(args)
	if args == "" {
		return nc, crm.Errorf(crm.EINVALID, "seminar.usage_new")
	}
	var name, rest string
	var at time.Time
	if q := args[0]; q == '"' || strings.HasPrefix(args, "“") || strings.HasPrefix(args, "„") {
		body := strings.TrimLeft(args, "\"“„")
		end := strings.IndexAny(body, "\"”“")
		if end < 0 {
			return nc, crm.Errorf(crm.EINVALID, "seminar.usage_new")
		}
		name = body[:end]
		after := strings.TrimLeft(body[end:], "\"”“")
		t, r, err := ParseWhen(strings.TrimSpace(after), c.now(), c.loc())
		if err != nil {
			return nc, crm.Errorf(crm.EINVALID, "seminar.bad_date", strings.TrimSpace(after))
		}
		at, rest = t, r
	} else {
		// The longest date wins: "Videokonferencije 2027 2027-02-10 14:00" is the
		// seminar on 10 February, not one today at 14:00 named "… 2027-02-10". Should
		// the name's last word read as a date by itself, which one was meant cannot be
		// told, and the user is asked to quote the name.
		words := strings.Fields(args)
		found := false
		for i := 1; i < len(words) && !found; i++ {
			t, r, err := ParseWhen(strings.Join(words[i:], " "), c.now(), c.loc())
			if err != nil {
				continue
			}
			found = true
			name, at, rest = strings.Join(words[:i], " "), t, r
			if _, r, err := ParseWhen(words[i-1], c.now(), c.loc()); err == nil && strings.TrimSpace(r) == "" {
				return nc, crm.Errorf(crm.EINVALID, "seminar.quote_name")
			}
		}
		if !found {
			return nc, crm.Errorf(crm.EINVALID, "seminar.no_date")
		}
		// A word of the name shaped like a date that did not read as one ("31.2.2027.")
		// was meant as the date: a seminar named after it, on another day, would be a
		// silent misreading.
		for _, w := range strings.Fields(name) {
			if dateShaped.MatchString(w) {
				return nc, crm.Errorf(crm.EINVALID, "seminar.bad_date", w)
			}
		}
	}
	nc.Name, nc.At = strings.TrimSpace(name), at
	for _, w := range strings.Fields(rest) {
		k, v, ok := strings.Cut(w, ":")
		if !ok || v == "" {
			return nc, crm.Errorf(crm.EINVALID, "seminar.bad_filter", w)
		}
		switch fold(k) {
		case "segment":
			s, ok := exchange.ParseSegment(v)
			if !ok {
				return nc, crm.Errorf(crm.EINVALID, "err.bad_segment_filter", v)
			}
			nc.Filter.Segment = s
		case "size", "velicina":
			s, ok := exchange.ParseSize(v)
			if !ok {
				return nc, crm.Errorf(crm.EINVALID, "err.bad_size", v)
			}
			nc.Filter.Size = s
		case "stage", "faza":
			s, ok := parseStage(v)
			if !ok {
				return nc, crm.Errorf(crm.EINVALID, "seminar.bad_filter", w)
			}
			nc.Filter.Stage = s
		case "reason", "razlog":
			r, _, ok := parseDeliberation(strings.ReplaceAll(v, "_", " "))
			if !ok {
				return nc, crm.Errorf(crm.EINVALID, "seminar.bad_filter", w)
			}
			nc.Filter.Deliberation = r
		case "days", "dana", "dani":
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 || n > 30 {
				return nc, crm.Errorf(crm.EINVALID, "err.seminar_days")
			}
			nc.FallbackDays = n
		default:
			return nc, crm.Errorf(crm.EINVALID, "seminar.bad_filter", w)
		}
	}
	if nc.FallbackDays == 0 {
		nc.FallbackDays = crm.DefaultFallbackDays
	}
	return nc, nil
}

// seminarNew shows what would be created, and the audience's size, and asks to
// confirm: nothing is stored until the user says yes.
func (c *conv) seminarNew(args string) []Reply {
	nc, err := c.parseSeminarNew(args)
	if err != nil {
		return c.fail(err)
	}
	a, err := c.e.svc.SeminarAudience(c.ctx, c.u, nc)
	if err != nil {
		return c.fail(err)
	}
	if a.Members == 0 {
		return []Reply{{Text: c.t("seminar.nobody", nc.Name, c.seminarFilter(nc.Filter)), Private: true, Error: true}}
	}
	draft, err := json.Marshal(nc)
	if err != nil {
		return c.fail(err)
	}
	d := &dialog{Flow: "seminar", Text: string(draft)}
	prompt := c.t("seminar.confirm", nc.Name, c.when(nc.At), c.seminarFilter(nc.Filter), a.Members, a.Calls, a.NotProspective, a.NoEmail, nc.FallbackDays)
	return []Reply{c.ask(d, "confirm", prompt, [][]Button{{{Label: c.t("seminar.btn_create"), Action: "yes"}, {Label: c.t("btn.cancel"), Action: "cancel"}}})}
}

// answerSeminar takes the answer to "create it?".
func (c *conv) answerSeminar(d *dialog, v string) []Reply {
	switch fold(v) {
	case "yes", "y", "da", "create", "kreiraj", "stvori":
	case "no", "n", "ne", "cancel", "odustani":
		return c.cmdCancel("")
	default:
		return []Reply{{Text: c.t("seminar.confirm_again"), Private: true, Error: true}}
	}
	var nc crm.NewCampaign
	if err := json.Unmarshal([]byte(d.Text), &nc); err != nil {
		c.setDialog(nil)
		return c.fail(err)
	}
	camp, a, err := c.e.svc.CreateCampaign(c.ctx, c.op(), nc, c.e)
	if err != nil {
		return c.fail(err)
	}
	c.setDialog(nil)
	return []Reply{{Text: c.t("seminar.created", camp.ID, camp.Name, c.when(camp.At), a.Members, a.Calls, camp.FallbackDays), Private: true}}
}

func (c *conv) seminarFilter(f crm.CampaignFilter) string {
	var parts []string
	if f.Segment != "" {
		parts = append(parts, c.t("segment."+string(f.Segment)))
	}
	if f.Size != "" {
		parts = append(parts, c.t("size."+string(f.Size)))
	}
	if f.Stage != "" {
		parts = append(parts, c.t("stage."+string(f.Stage)))
	}
	if f.Deliberation != "" {
		parts = append(parts, c.t("reason."+string(f.Deliberation)))
	}
	if len(parts) == 0 {
		return c.t("seminar.everyone")
	}
	return strings.Join(parts, ", ")
}

func (c *conv) seminarList() []Reply {
	cs, err := c.e.svc.Campaigns(c.ctx)
	if err != nil {
		return c.fail(err)
	}
	if len(cs) == 0 {
		return []Reply{{Text: c.t("seminar.none"), Private: true}}
	}
	var b strings.Builder
	b.WriteString(c.t("seminar.list_title"))
	for _, camp := range cs {
		b.WriteString("\n" + c.t("seminar.list_line", camp.ID, camp.Name, c.when(camp.At)))
	}
	return []Reply{{Text: b.String(), Private: true}}
}

func (c *conv) seminarShow(id uint64) []Reply {
	camp, ms, err := c.e.svc.CampaignOf(c.ctx, c.u, id)
	if err != nil {
		return c.fail(err)
	}
	f := crm.FunnelOf(ms, c.now())
	var b strings.Builder
	b.WriteString(c.t("seminar.funnel", camp.ID, camp.Name, c.when(camp.At), f.Members, f.Called, f.Calls, f.Reached, f.Accepted, f.Emailed, f.EmailDue, f.Attended))
	var open []string
	for _, m := range ms {
		if m.CallOpen() && (m.OwnerID == c.u.ID || c.u.IsLead()) {
			open = append(open, c.t("seminar.call_line", m.InterestID, m.Name, m.Company, c.when(m.CallBy)))
		}
	}
	if len(open) > 0 {
		b.WriteString("\n\n" + c.t("seminar.open_calls", camp.ID))
		for _, l := range open {
			b.WriteString("\n" + l)
		}
	}
	return []Reply{{Text: b.String(), Private: true}}
}

// callOutcomes reads an outcome in either language.
var callOutcomes = map[string]crm.CallOutcome{
	"accepted": crm.CallAccepted, "accept": crm.CallAccepted, "yes": crm.CallAccepted, "prihvatio": crm.CallAccepted, "prihvatila": crm.CallAccepted, "dolazi": crm.CallAccepted, "da": crm.CallAccepted,
	"declined": crm.CallDeclined, "decline": crm.CallDeclined, "no": crm.CallDeclined, "odbio": crm.CallDeclined, "odbila": crm.CallDeclined, "ne": crm.CallDeclined,
	"noanswer": crm.CallNoAnswer, "no-answer": crm.CallNoAnswer, "unreachable": crm.CallNoAnswer, "nedostupan": crm.CallNoAnswer, "nedostupna": crm.CallNoAnswer, "nejavlja": crm.CallNoAnswer,
}

func (c *conv) seminarCalled(id uint64, args string) []Reply {
	f := strings.Fields(args)
	if len(f) != 2 {
		return []Reply{{Text: c.t("seminar.usage_called", id), Private: true, Error: true}}
	}
	iid, err := strconv.ParseUint(strings.TrimPrefix(f[0], "#"), 10, 64)
	o, ok := callOutcomes[fold(f[1])]
	if err != nil || !ok {
		return []Reply{{Text: c.t("seminar.usage_called", id), Private: true, Error: true}}
	}
	m, err := c.e.svc.LogCampaignCall(c.ctx, c.op(), id, iid, o)
	if err != nil {
		return c.fail(err)
	}
	next := c.t("seminar.email_next")
	switch {
	case o == crm.CallDeclined:
		next = c.t("seminar.email_none")
	case m.Email == "":
		next = c.t("seminar.email_missing")
	}
	return []Reply{{Text: c.t("seminar.called", m.InterestID, m.Name, c.t("seminar.outcome_"+string(o)), next), Private: true}}
}

func (c *conv) seminarEmails(id uint64) []Reply {
	if c.e.emailBySMTP {
		camp, ms, err := c.e.svc.CampaignOf(c.ctx, c.u, id)
		if err != nil {
			return c.fail(err)
		}
		f := crm.FunnelOf(ms, c.now())
		return []Reply{{Text: c.t("seminar.emails_smtp", camp.ID, f.Emailed, f.EmailDue), Private: true}}
	}
	camp, ms, err := c.e.svc.TakeCampaignEmails(c.ctx, c.op(), id)
	if err != nil {
		return c.fail(err)
	}
	if len(ms) == 0 {
		return []Reply{{Text: c.t("seminar.emails_none", camp.ID), Private: true}}
	}
	var b strings.Builder
	b.WriteString(c.t("seminar.emails_title", len(ms), camp.Name, c.when(camp.At)))
	b.WriteString("\nemail,name,company")
	for _, m := range ms {
		b.WriteString("\n" + csvField(m.Email) + "," + csvField(m.Name) + "," + csvField(m.Company))
	}
	return []Reply{{Text: b.String(), Private: true}}
}

// csvField quotes a field the way encoding/csv would.
func csvField(s string) string {
	if strings.ContainsAny(s, ",\"\n\r") || strings.HasPrefix(s, " ") {
		return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
	}
	return s
}

func (c *conv) seminarAttended(id uint64, args string) []Reply {
	var ids []uint64
	for _, w := range strings.FieldsFunc(args, func(r rune) bool { return r == ' ' || r == ',' }) {
		n, err := strconv.ParseUint(strings.TrimPrefix(w, "#"), 10, 64)
		if err != nil || n == 0 {
			return []Reply{{Text: c.t("seminar.usage_attended", id), Private: true, Error: true}}
		}
		ids = append(ids, n)
	}
	if len(ids) == 0 {
		return []Reply{{Text: c.t("seminar.usage_attended", id), Private: true, Error: true}}
	}
	ms, err := c.e.svc.MarkAttended(c.ctx, c.op(), id, ids)
	if err != nil {
		return c.fail(err)
	}
	var names []string
	for _, m := range ms {
		names = append(names, "#"+u64(m.InterestID)+" "+m.Name)
	}
	return []Reply{{Text: c.t("seminar.attended", len(ms), strings.Join(names, ", ")), Private: true}}
}
