package slack

import (
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/slack-go/slack"
)

// serveCommand is the slash command's Request URL.
func (a *Adapter) serveCommand(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil {
		http.Error(w, "bad form", http.StatusBadRequest)
		return
	}
	if form.Get("ssl_check") == "1" {
		w.WriteHeader(http.StatusOK)
		return
	}
	sc := slack.SlashCommand{
		TeamID:      form.Get("team_id"),
		TeamDomain:  form.Get("team_domain"),
		ChannelID:   form.Get("channel_id"),
		ChannelName: form.Get("channel_name"),
		UserID:      form.Get("user_id"),
		UserName:    form.Get("user_name"),
		Command:     form.Get("command"),
		Text:        form.Get("text"),
		ResponseURL: form.Get("response_url"),
		TriggerID:   form.Get("trigger_id"),
		APIAppID:    form.Get("api_app_id"),
	}
	writeAck(w, a.command(r.Context(), sc))
}

// serveEvent is the Events API Request URL.
func (a *Adapter) serveEvent(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r)
	if !ok {
		return
	}
	ans := a.acceptEvent(r.Context(), body)
	if ans.contentType != "" {
		w.Header().Set("Content-Type", ans.contentType)
	}
	w.WriteHeader(ans.status)
	w.Write(ans.body)
}

// serveInteraction is the Interactivity Request URL: a form with one field, payload,
// holding the JSON. Only the body counts: the signature does not cover the URL
// (slack-go v0.35.0 stopped reading payload from the query string for that reason).
func (a *Adapter) serveInteraction(w http.ResponseWriter, r *http.Request) {
	body, ok := a.readVerified(w, r)
	if !ok {
		return
	}
	form, err := url.ParseQuery(string(body))
	if err != nil || form.Get("payload") == "" {
		http.Error(w, "no payload", http.StatusBadRequest)
		return
	}
	var cb slack.InteractionCallback
	if err := json.Unmarshal([]byte(form.Get("payload")), &cb); err != nil {
		a.log.Warn("slack: interaction not understood; ignored", "err", logErr(err))
		w.WriteHeader(http.StatusOK)
		return
	}
	writeAck(w, a.interactOnce(r.Context(), &cb))
}

// writeAck answers 200 with v as JSON, or with an empty body when v is nil.
func writeAck[T any](w http.ResponseWriter, v *T) {
	if v == nil {
		w.WriteHeader(http.StatusOK)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}
