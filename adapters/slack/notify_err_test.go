package slack

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"crmbot/bot"
)

// The upload_url files.getUploadURLExternal hands out is a capability: whoever has
// it may upload into the workspace. A transport failure on it (*url.Error) quotes
// the URL, and Notify's error goes to the scheduler's log and into the outbox
// record's last_error (so into every backup). Notify's error must not carry it,
// and must still say what failed.
func TestNotifyErrorCarriesNoUploadURL(t *testing.T) {
	e := newEnv(t)
	const secret = "Qq7SecretUploadTicket"
	e.slack.hook = func(m string, w http.ResponseWriter, _ int) bool {
		switch m {
		case "files.getUploadURLExternal":
			// On the API's host: slack-go sends the token nowhere else.
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true,"upload_url":"` + e.slack.srv.URL + `/upload/v1/` + secret + `","file_id":"F0PNG"}`))
			return true
		case "upload":
			panic(http.ErrAbortHandler) // the connection drops: a transport error
		}
		return false
	}
	err := e.a.Notify(context.Background(), identity(testTeam, testUser), bot.Reply{Text: "Pipeline",
		Image: &bot.Image{Name: "pipeline.png", PNG: []byte("\x89PNG"), Alt: "Pipeline"}})
	if err == nil {
		t.Fatal("an upload to a closed port was reported delivered")
	}
	if strings.Contains(err.Error(), secret) {
		t.Fatalf("Notify's error quotes the upload URL: %v", err)
	}
	if !strings.Contains(err.Error(), "Post") {
		t.Fatalf("Notify's error no longer says what failed: %v", err)
	}
}
