package slack

import (
	"context"

	"github.com/slack-go/slack"

	"crmbot/crm"
)

// Every Events API event and slash command passes through the durable inbox
// (bot.Inbox) so that the engine handles it exactly once. Slack retries an event it
// thinks failed (at once, after a minute, after five; hourly for a day with Delayed
// Events) with the same event_id, and the first retry can arrive while the first
// delivery is still being handled. So an event is accepted into the inbox, with its
// raw body, before the 200 goes out, and marked done once the engine has handled it.
// A retry of a done event is dropped; a retry of one accepted but not in flight (the
// process died before finishing) is handled; and Run hands the unfinished ones of the
// previous run back to the engine, since Slack does not retry an event it got a 200
// for. A slash command's trigger_id is accepted the same way, without a body (a
// command is not replayed: its response_url and trigger_id expire).
//
// The inbox remembers an id for its retention (storage.InboxOptions, 48 h by
// default: Delayed Events retry for 24 h) and prunes it after.
const (
	sourceEvents       = "slack"
	sourceCommands     = "slack-cmd"
	sourceInteractions = "slack-act"
)

// acceptEventID stores event id with its raw body, unless it is done already. It
// returns the inbox entry and false when the event was handled before.
func (a *Adapter) acceptEventID(ctx context.Context, id string, body []byte) (seq uint64, handle bool, err error) {
	es, err := a.inbox.Accept(ctx, sourceEvents, []crm.InboxItem{{ID: id, Body: body}}, "")
	if err != nil || len(es) == 0 {
		return 0, false, err
	}
	return es[0].Seq, true, nil
}

// finish marks an event or command handled.
func (a *Adapter) finish(ctx context.Context, seq uint64) error {
	return a.inbox.Done(ctx, seq)
}

// claim marks key (a slash command's trigger_id) in flight and, when durable,
// records it in the inbox. It reports false when the key was handled already or is
// being handled; a key recorded by a run that died before answering is handled
// again (the engine then repeats its stored answer rather than acting twice).
func (a *Adapter) claim(ctx context.Context, key, trigger string, durable bool) (uint64, bool, error) {
	return a.claimIn(ctx, sourceCommands, key, trigger, durable)
}

// claimIn is claim for an id of source.
func (a *Adapter) claimIn(ctx context.Context, source, key, id string, durable bool) (uint64, bool, error) {
	a.mu.Lock()
	if a.inflight[key] {
		a.mu.Unlock()
		return 0, false, nil
	}
	a.inflight[key] = true
	a.mu.Unlock()
	if !durable {
		return 0, true, nil
	}
	es, err := a.inbox.Accept(ctx, source, []crm.InboxItem{{ID: id}}, "")
	if err != nil || len(es) == 0 {
		a.release(key)
		return 0, false, err
	}
	return es[0].Seq, true, nil
}

// settle marks a claimed key no longer in flight, and done in the inbox when record
// is true. A command cut short by shutdown is not marked done: sent again, it is
// handled (the engine repeats its stored answer if it had acted).
func (a *Adapter) settle(ctx context.Context, key string, seq uint64, record bool) {
	defer a.release(key)
	if !record {
		return
	}
	if err := a.finish(context.WithoutCancel(ctx), seq); err != nil {
		a.log.Error("slack: cannot mark command done", "err", logErr(err))
	}
}

// interactOnce answers an interaction payload through interact unless the same
// interaction (its trigger_id) was answered already or is being answered: a proxy's
// retry, or a Socket Mode envelope delivered again. An interaction is not replayed
// after a crash (its trigger_id expires in three seconds), so its id alone is kept,
// and none of a stranger's. When the inbox cannot be written the interaction is
// still answered: dropping a member's button press would be worse than the rare
// duplicate.
func (a *Adapter) interactOnce(ctx context.Context, cb *slack.InteractionCallback) *slack.ViewSubmissionResponse {
	team := cb.Team.ID
	if team == "" {
		team = cb.User.TeamID
	}
	if cb.TriggerID == "" || team == "" || cb.User.ID == "" {
		return a.interact(ctx, cb)
	}
	key := "act:" + cb.TriggerID
	durable := !a.stranger(ctx, identity(team, cb.User.ID))
	seq, first, err := a.claimIn(ctx, sourceInteractions, key, cb.TriggerID, durable)
	if err != nil {
		a.log.Error("slack: cannot record interaction", "err", logErr(err))
		return a.interact(ctx, cb)
	}
	if !first {
		return nil
	}
	defer a.settle(ctx, key, seq, durable)
	return a.interact(ctx, cb)
}
