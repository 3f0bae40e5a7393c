package slack

// webAPIScopes lists every Web API method the adapter calls and the bot token scope
// Slack documents for it ("" when the method needs none). manifest.yaml must grant
// each of them: a scope missing there makes Slack answer missing_scope in a real
// workspace, however well the tests pass (scopes_test.go checks the manifest, and
// the test fake refuses a method whose scope the manifest lacks).
//
// apps.connections.open is called with the app-level token (connections:write),
// which is granted when that token is generated, not in the manifest; response_url
// posts and file uploads to upload_url need no scope.
var webAPIScopes = map[string]string{
	"auth.test":                    "",
	"chat.postMessage":             "chat:write",
	"chat.postEphemeral":           "chat:write",
	"conversations.open":           "im:write",
	"users.info":                   "users:read",
	"views.open":                   "",
	"views.publish":                "",
	"files.getUploadURLExternal":   "files:write",
	"files.completeUploadExternal": "files:write",
	"apps.connections.open":        "",
}
