package bot

import (
	"strconv"
	"strings"

	"crmbot/crm"
)

// teamWebhook: outgoing webhooks (admins):
//
//	/team webhook add <url> [created stage won lost]   — the signing secret is shown once
//	/team webhook list
//	/team webhook remove <id>
func (c *conv) teamWebhook(args string) []Reply {
	sub, rest := firstWord(args)
	switch strings.ToLower(sub) {
	case "add":
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			return []Reply{{Text: c.t("api.usage_webhook"), Private: true, Error: true}}
		}
		var evs []crm.WebhookEvent
		for _, f := range fields[1:] {
			for _, part := range strings.Split(f, ",") {
				if part == "" {
					continue
				}
				ev, ok := crm.ParseWebhookEvent(part)
				if !ok {
					return []Reply{{Text: c.t("api.bad_event", part), Private: true, Error: true}}
				}
				evs = append(evs, ev)
			}
		}
		w, err := c.e.svc.AddWebhook(c.ctx, c.op(), fields[0], evs)
		if err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("api.webhook_added", w.ID, w.URL, c.webhookEvents(w), w.Secret), Private: true}}
	case "list", "":
		ws, err := c.e.svc.Webhooks(c.ctx, c.u)
		if err != nil {
			return c.fail(err)
		}
		if len(ws) == 0 {
			return []Reply{{Text: c.t("api.webhooks_none"), Private: true}}
		}
		var b strings.Builder
		b.WriteString(c.t("api.webhooks_title"))
		for _, w := range ws {
			b.WriteString("\n" + strconv.FormatUint(w.ID, 10) + ". " + w.URL + " — " + c.webhookEvents(w))
		}
		return []Reply{{Text: b.String(), Private: true}}
	case "remove":
		id, err := strconv.ParseUint(strings.TrimPrefix(strings.TrimSpace(rest), "#"), 10, 64)
		if err != nil {
			return []Reply{{Text: c.t("api.usage_webhook"), Private: true, Error: true}}
		}
		w, err := c.e.svc.RemoveWebhook(c.ctx, c.op(), id)
		if err != nil {
			return c.fail(err)
		}
		return []Reply{{Text: c.t("api.webhook_removed", w.ID, w.URL), Private: true}}
	}
	return []Reply{{Text: c.t("api.usage_webhook"), Private: true, Error: true}}
}

func (c *conv) webhookEvents(w *crm.Webhook) string {
	if len(w.Events) == 0 {
		return c.t("api.events_all")
	}
	var s []string
	for _, e := range w.Events {
		s = append(s, string(e))
	}
	return strings.Join(s, ", ")
}
