package crm

import (
	"slices"
	"testing"
)

func TestEventsOf(t *testing.T) {
	tests := []struct {
		name     string
		e        AuditEntry
		want     []WebhookEvent
		from, to Stage
	}{
		{"create", AuditEntry{Entity: "interest", Action: "create"}, []WebhookEvent{EventInterestCreated}, "", StageNew},
		{"stage", AuditEntry{Entity: "interest", Action: "stage", Detail: "new→meeting"}, []WebhookEvent{EventStageChanged}, StageNew, StageMeeting},
		{"deliberating with reason", AuditEntry{Entity: "interest", Action: "stage", Detail: "proposal→deliberating/budget"}, []WebhookEvent{EventStageChanged}, StageProposal, StageDeliberating},
		{"won", AuditEntry{Entity: "interest", Action: "stage", Detail: "deliberating→won"}, []WebhookEvent{EventStageChanged, EventInterestWon}, StageDeliberating, StageWon},
		{"lost with reason", AuditEntry{Entity: "interest", Action: "stage", Detail: "new→lost/competitor"}, []WebhookEvent{EventStageChanged, EventInterestLost}, StageNew, StageLost},
		{"refused", AuditEntry{Entity: "interest", Action: "stage", Detail: "new→won", Refused: true}, nil, "", ""},
		{"log", AuditEntry{Entity: "interest", Action: "log", Detail: "call"}, nil, "", ""},
		{"reopen is audited as a stage move too", AuditEntry{Entity: "interest", Action: "reopen", Detail: "lost→new"}, nil, "", ""},
		{"user", AuditEntry{Entity: "user", Action: "create"}, nil, "", ""},
		{"stage without arrow", AuditEntry{Entity: "interest", Action: "stage", Detail: "won"}, nil, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, from, to := eventsOf(&tt.e)
			if !slices.Equal(got, tt.want) || (len(tt.want) > 0 && (from != tt.from || to != tt.to)) {
				t.Errorf("got %v %s→%s, want %v %s→%s", got, from, to, tt.want, tt.from, tt.to)
			}
		})
	}
}

func TestParseWebhookEvent(t *testing.T) {
	for in, want := range map[string]WebhookEvent{"won": EventInterestWon, "Lost": EventInterestLost, "created": EventInterestCreated,
		"stage": EventStageChanged, "interest.stage_changed": EventStageChanged, "interest.created": EventInterestCreated} {
		if got, ok := ParseWebhookEvent(in); !ok || got != want {
			t.Errorf("%q → %q %v, want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "paid", "interest.", "interest.paid"} {
		if got, ok := ParseWebhookEvent(in); ok {
			t.Errorf("%q accepted as %q", in, got)
		}
	}
}
