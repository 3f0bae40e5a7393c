package main

import (
	"log/slog"
	"net/http"

	"crmbot/adapters/httpapi"
	"crmbot/bot"
	"crmbot/bot/scheduler"
	"crmbot/crm"
)

// mountAPI serves the HTTP API (/api/v1/…) on mux and registers the webhook sender with
// the scheduler, whose outbox carries webhook events like nudges. The API answers only
// requests with a token an admin made (/team token new), so it is always mounted.
func mountAPI(mux *http.ServeMux, svc *crm.Service, eng *bot.Engine, sched *scheduler.Scheduler, log *slog.Logger) error {
	api, err := httpapi.New(httpapi.Config{Service: svc, Notices: eng, Poke: sched.Poke, Catalog: eng.Catalog(), Logger: log.With("adapter", "httpapi")})
	if err != nil {
		return err
	}
	api.Register(mux)
	sched.AddNotifier(crm.WebhookPlatform, &httpapi.WebhookSender{Service: svc})
	return nil
}
