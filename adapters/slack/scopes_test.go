package slack

import (
	"os"
	"slices"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// manifestScopes reads the bot scopes manifest.yaml grants.
func manifestScopes(t testing.TB) []string {
	t.Helper()
	b, err := os.ReadFile("manifest.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		OAuth struct {
			Scopes struct {
				Bot []string `yaml:"bot"`
			} `yaml:"scopes"`
		} `yaml:"oauth_config"`
	}
	if err := yaml.Unmarshal(b, &m); err != nil {
		t.Fatalf("manifest.yaml: %v", err)
	}
	return m.OAuth.Scopes.Bot
}

// The manifest grants the scope of every Web API method the adapter calls.
func TestManifestGrantsWhatTheCodeCalls(t *testing.T) {
	granted := manifestScopes(t)
	if len(granted) == 0 {
		t.Fatal("manifest.yaml grants no bot scope")
	}
	for method, scope := range webAPIScopes {
		if scope != "" && !slices.Contains(granted, scope) {
			t.Errorf("%s needs %s, which manifest.yaml does not grant", method, scope)
		}
	}
	// The events the app subscribes to need their scopes too.
	for _, s := range []string{"commands", "im:history", "app_mentions:read"} {
		if !slices.Contains(granted, s) {
			t.Errorf("manifest.yaml lacks %s", s)
		}
	}
}

// Without files:write Slack refuses a chart's upload with missing_scope, as the
// fake does; the adapter gives up at once (retrying cannot help) and says so.
func TestMissingScopeIsRefusedLikeSlack(t *testing.T) {
	e := newEnv(t)
	e.slack.setScopes(slices.DeleteFunc(manifestScopes(t), func(s string) bool { return s == "files:write" }))
	e.command(testUser, "C1", "pipeline chart", "tr-chart")
	got := e.slack.waitFor("files.getUploadURLExternal", 1)
	if len(got) != 1 || got[0].Status != 200 || !strings.Contains(got[0].Reply, "missing_scope") {
		t.Fatalf("files.getUploadURLExternal: %+v", got)
	}
	// The person's next command is answered: nothing was retried in between.
	e.command(testUser, "C1", "help", "tr-next")
	e.slack.waitFor("response_url", 1)
	if n := len(e.slack.all("files.getUploadURLExternal")); n != 1 {
		t.Errorf("a missing scope was retried: %d calls", n)
	}
}
