package slack

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"

	"github.com/slack-go/slack/slackevents"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/metrics"
)

// eventAnswer is the HTTP answer to an Events API request.
type eventAnswer struct {
	status      int
	contentType string
	body        []byte
}

var answerOK = eventAnswer{status: http.StatusOK}

// acceptEvent handles one Events API body (HTTP, or a Socket Mode envelope's
// payload). It answers at once: url_verification with its challenge; an event it
// handles is accepted into the inbox and queued, and a redelivery of one already
// handled or in flight is dropped. When the queue is full the answer is 503, so that
// Slack delivers the event again later. Anything unparseable gets 200 as well,
// since a failure would only make Slack retry it.
func (a *Adapter) acceptEvent(ctx context.Context, body []byte) eventAnswer {
	ev, err := slackevents.ParseEvent(json.RawMessage(body), slackevents.OptionNoVerifyToken())
	if err != nil {
		a.log.Warn("slack: event not understood; ignored", "err", logErr(err))
		return answerOK
	}
	switch ev.Type {
	case slackevents.URLVerification:
		v, ok := ev.Data.(*slackevents.EventsAPIURLVerificationEvent)
		if !ok {
			return answerOK
		}
		return eventAnswer{status: http.StatusOK, contentType: "text/plain; charset=utf-8", body: []byte(v.Challenge)}
	case slackevents.CallbackEvent:
	default:
		a.log.Info("slack: outer event ignored", "type", ev.Type)
		return answerOK
	}
	cb, ok := ev.Data.(*slackevents.EventsAPICallbackEvent)
	if !ok || cb.EventID == "" {
		return answerOK
	}
	run := a.eventWork(ev, cb.EventID)
	if run == nil {
		return answerOK // not an event the bot acts on: nothing to remember
	}
	id := cb.EventID
	metrics.UpdateReceived("slack")
	a.mu.Lock()
	if a.inflight[id] {
		a.mu.Unlock()
		return answerOK // Slack's http_timeout retry while the first is being handled
	}
	a.inflight[id] = true
	a.mu.Unlock()

	if a.stranger(ctx, run.who) {
		// Not on the team: answered (refused, or an invite redeemed) but never
		// written to the inbox, so their words leave no trace in the file. A
		// lost refusal is harmless; only the count is kept.
		a.strangers.Add(1)
		metrics.Stranger("slack")
		ok := a.disp.add(run.queue, func(ctx context.Context) {
			defer a.release(id)
			run.run(ctx, 0)
		})
		if !ok {
			a.release(id)
			return eventAnswer{status: http.StatusServiceUnavailable}
		}
		return answerOK
	}
	seq, handle, err := a.acceptEventID(ctx, id, body)
	if err != nil {
		a.release(id)
		a.log.Error("slack: cannot record event", "event_id", id, "err", logErr(err))
		return eventAnswer{status: http.StatusInternalServerError}
	}
	if !handle {
		a.release(id)
		return answerOK
	}
	if !a.dispatchEvent(id, seq, run) {
		a.release(id)
		return eventAnswer{status: http.StatusServiceUnavailable}
	}
	return answerOK
}

// Gate tells team members from strangers; *bot.Engine satisfies it.
type Gate interface {
	Member(ctx context.Context, id crm.Identity) (bool, error)
}

// stranger reports whether who is surely not on the team. When the check fails the
// event is treated as a member's: storing a stranger's message beats losing a
// member's.
func (a *Adapter) stranger(ctx context.Context, who crm.Identity) bool {
	g, ok := a.engine.(Gate)
	if !ok || who == "" {
		return false
	}
	member, err := g.Member(ctx, who)
	return err == nil && !member
}

// Connected reports whether Run accepts requests: readiness.
func (a *Adapter) Connected() bool {
	select {
	case <-a.ready:
		return true
	default:
		return false
	}
}

// Strangers is how many events from people not on the team were answered and
// dropped since start: all that is kept of them.
func (a *Adapter) Strangers() int64 { return a.strangers.Load() }

// eventJob is an event's work: the queue it belongs to and what to do.
type eventJob struct {
	queue string
	who   crm.Identity // the person who wrote, "" for events without words
	// run does the work and reports whether it ran to the end; after runs once the
	// event is marked done (the App Home refresh, which need not be redone).
	run   func(ctx context.Context, seq uint64) bool
	after func(ctx context.Context)
}

// dispatchEvent queues an accepted event (inbox entry seq); when its work is done it
// is marked done in the inbox. On shutdown it stays pending, to be handled at the
// next start.
func (a *Adapter) dispatchEvent(id string, seq uint64, job *eventJob) bool {
	return a.disp.add(job.queue, func(ctx context.Context) {
		defer a.release(id)
		if ctx.Err() != nil || !job.run(ctx, seq) {
			return // left pending: handled again at the next start
		}
		// Done is recorded even if shutdown began meanwhile: the work is complete, and
		// handling it again would repeat its replies.
		metrics.UpdateHandled("slack")
		if err := a.finish(context.WithoutCancel(ctx), seq); err != nil {
			a.log.Error("slack: cannot mark event done", "event_id", id, "err", logErr(err))
		}
		if a.eventDone != nil {
			a.eventDone(id)
		}
		if job.after != nil {
			job.after(ctx)
		}
	})
}

func (a *Adapter) release(id string) {
	a.mu.Lock()
	delete(a.inflight, id)
	a.mu.Unlock()
}

// eventWork translates an inner event into work, or nil for events the bot does not
// act on: its own and other bots' messages, edits and other subtypes, messages
// outside DMs (mentions arrive as app_mention), the Messages tab of the App Home.
func (a *Adapter) eventWork(ev slackevents.EventsAPIEvent, id string) *eventJob {
	team := ev.TeamID
	key := "slack:ev:" + id
	var rt route
	var text string
	switch e := ev.InnerEvent.Data.(type) {
	case *slackevents.MessageEvent:
		if e.ChannelType != "im" || e.SubType != "" || e.BotID != "" || e.User == "" {
			return nil
		}
		// Slack keeps a leading "/" for its own commands in the DM, so there the
		// grammar is typed without it: "log 42 call: …".
		rt = route{team: team, user: e.User, channel: e.Channel, im: true, bare: true}
		text = e.Text
	case *slackevents.AppMentionEvent:
		if e.BotID != "" || e.User == "" {
			return nil
		}
		// "@crmbot pipeline" is the command /pipeline, answered to its author alone
		// unless it is a report for the room.
		text = commandText(leadingMention.ReplaceAllString(e.Text, ""))
		rt = channelRoute(team, e.User, e.Channel, text)
	case *slackevents.AppHomeOpenedEvent:
		if e.Tab != "home" || e.User == "" {
			return nil
		}
		who := identity(team, e.User)
		return &eventJob{queue: string(who), run: func(ctx context.Context, _ uint64) bool {
			a.refreshHome(ctx, who, true)
			return true
		}}
	default:
		return nil
	}
	req := bot.Request{
		Identity:     identity(team, rt.user),
		Key:          key,
		Chat:         chatKind(rt),
		ChatID:       identity(team, rt.channel),
		Ephemeral:    rt.whisper,
		BareCommands: rt.bare,
	}
	job := &eventJob{queue: string(req.Identity), who: req.Identity, run: func(ctx context.Context, seq uint64) bool {
		req := req
		prepare := func(ctx context.Context, r *bot.Request) {
			t := text
			if mentionRE.MatchString(t) {
				t = a.resolveMentions(ctx, team, t)
			}
			r.Text = strings.TrimSpace(plainText(t))
		}
		// The event's own job is already the person's turn in the queue: run the
		// request inline rather than queueing it again.
		return a.runRequest(ctx, req, rt, prepare)
	}}
	if !rt.group() {
		job.after = func(ctx context.Context) { a.refreshHome(ctx, req.Identity, false) }
	}
	return job
}

// replayPending hands the events accepted but never finished by a previous run back
// to the dispatcher. Slack will not redeliver them: it got its 200.
func (a *Adapter) replayPending(ctx context.Context) {
	pending, err := a.inbox.Pending(ctx, sourceEvents)
	if err != nil {
		a.log.Error("slack: cannot read unfinished events", "err", logErr(err))
		return
	}
	for _, p := range pending {
		id := p.ID
		ev, err := slackevents.ParseEvent(json.RawMessage(p.Body), slackevents.OptionNoVerifyToken())
		if err != nil {
			continue
		}
		job := a.eventWork(ev, id)
		if job == nil {
			continue
		}
		a.mu.Lock()
		if a.inflight[id] {
			a.mu.Unlock()
			continue
		}
		a.inflight[id] = true
		a.mu.Unlock()
		if !a.dispatchEvent(id, p.Seq, job) {
			a.release(id)
		}
	}
	if len(pending) > 0 {
		a.log.Info("slack: handling events left unfinished", "count", len(pending))
	}
}
