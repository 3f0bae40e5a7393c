package bot

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"crmbot/bot/chart"
	"crmbot/crm"
)

// This file is the engine's side of the scheduler (package bot/scheduler): the
// messages it pushes, rendered in each person's language and zone from facts the
// Service read, so that no rendering happens inside a transaction.

// Now is the engine's clock.
func (e *Engine) Now() time.Time { return e.clock() }

// Logger is the engine's log, which the scheduler shares.
func (e *Engine) Logger() *slog.Logger { return e.log }

// DeptChannel is the department's channel: where the department digest and the
// escalation counts go (Target "" when none was set in chat). SetBy is the lead who
// set it; Named says escalations are posted there naming the client and the manager.
type DeptChannel struct {
	Target crm.Identity
	SetBy  uint64
	Named  bool
}

// DeptChannel reads the department channel as set in chat with /channel, and the
// escalation mode.
func (e *Engine) DeptChannel(ctx context.Context) (DeptChannel, error) {
	ts, err := e.svc.Settings(ctx)
	return DeptChannel{Target: ts.Channel, SetBy: ts.ChannelSetBy, Named: ts.EscalationsNamed}, err
}

// Pusher renders the scheduler's messages for one reader: a person, or a channel
// that follows a lead's language and zone.
type Pusher struct{ c *conv }

// Pusher returns the renderer for u.
func (e *Engine) Pusher(ctx context.Context, u *crm.User) *Pusher {
	return &Pusher{c: &conv{ctx: ctx, e: e, u: u, lang: e.userLang(u)}}
}

// T renders a catalog key in the reader's language.
func (p *Pusher) T(key string, args ...any) string { return p.c.t(key, args...) }

// When renders a time in the reader's zone and language.
func (p *Pusher) When(t time.Time) string { return p.c.when(t) }

// Day renders the date of t in the reader's zone and language: "Wed 25 Nov", "sri 25. 11.".
func (p *Pusher) Day(t time.Time) string { return p.c.day(t) }

// day renders the date of t in the person's zone and language.
func (c *conv) day(t time.Time) string { return formatDay(t.In(c.loc()), c.lang) }

// Nudge is the message a follow-up sends its owner when it falls due: what to do, the
// client, the last interaction, and buttons to act on it right there.
func (p *Pusher) Nudge(in *crm.Interest, f *crm.InterestFacts) Reply {
	c := p.c
	contact, phone := "", ""
	if f.Contact != nil {
		contact, phone = f.Contact.FullName, firstNonEmpty(f.Contact.Mobile, f.Contact.Phone)
	}
	var b strings.Builder
	b.WriteString(c.t("nudge.title", in.ID, f.Company, c.what(in.Next.What)))
	b.WriteString("\n" + c.t("nudge.due", c.when(in.Next.Due)) + " · " + contact)
	if phone != "" {
		b.WriteString(" · " + phone)
	}
	if last := f.Last; last != nil {
		b.WriteString("\n" + c.t("nudge.last", c.when(last.At), c.t("kind."+string(last.Kind)), clip(last.Text, 120)))
	}
	id := u64(in.ID)
	return Reply{Text: b.String(), Private: true, Buttons: [][]Button{
		{{Label: c.t("btn.done"), Action: "/log " + id}, {Label: c.t("btn.card"), Action: "/show " + id}},
		{{Label: c.t("btn.snooze_1h"), Action: "/snooze " + id + " 1h"}, {Label: c.t("btn.snooze_tomorrow"), Action: "/snooze " + id + " tomorrow"}, {Label: c.t("btn.snooze_week"), Action: "/snooze " + id + " next week"}},
		{{Label: c.t("btn.reschedule"), Action: "/next " + id}},
	}}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func clip(s string, n int) string {
	r := []rune(strings.ReplaceAll(s, "\n", " "))
	if len(r) <= n {
		return string(r)
	}
	return string(r[:n-1]) + "…"
}

// Escalation tells a head that a follow-up is overdue by more than the allowed number
// of working days, naming the manager and the client.
func (p *Pusher) Escalation(in *crm.Interest, company string, owner *crm.User, days int) Reply {
	c := p.c
	return Reply{Text: c.t("esc.head", in.ID, company, owner.Name, c.what(in.Next.What), c.when(in.Next.Due), days)}
}

// EscalationNote tells an owner their head was told of an overdue follow-up.
func (p *Pusher) EscalationNote(in *crm.Interest) Reply {
	c := p.c
	return Reply{Text: c.t("esc.told_owner", in.ID, c.when(in.Next.Due)), Private: true,
		Buttons: [][]Button{{{Label: c.t("btn.log"), Action: "/log " + u64(in.ID)}, {Label: c.t("btn.next"), Action: "/next " + u64(in.ID)}}}}
}

// DigestQuery is what the reader's digest at now reads: the follow-ups due before the
// end of their day, and interests untouched for idleDays.
func (p *Pusher) DigestQuery(now time.Time, idleDays int, keys []string) crm.DigestQuery {
	dayStart, dayEnd := p.dayOf(now)
	return crm.DigestQuery{Keys: keys, DayStart: dayStart, DayEnd: dayEnd, IdleBefore: now.AddDate(0, 0, -idleDays), Named: digestListed}
}

// digestListed is how many entries each section of a digest lists; the rest are a
// count.
const digestListed = 15

func (p *Pusher) dayOf(now time.Time) (start, end time.Time) {
	loc := p.c.loc()
	l := now.In(loc)
	start = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 0, 1)
}

// Digest is a manager's morning summary: today's follow-ups, overdue ones, interests
// nobody touched for a while, and — it must never happen — open interests without a
// next step.
func (p *Pusher) Digest(now time.Time, f *crm.DigestFacts) Reply {
	c := p.c
	loc := c.loc()
	dayStart, _ := p.dayOf(now)
	var today, overdue []*crm.Interest
	for _, in := range f.Due {
		if in.Next.Due.Before(dayStart) {
			overdue = append(overdue, in)
		} else {
			today = append(today, in)
		}
	}
	var b strings.Builder
	if n := f.Note; n != nil {
		b.WriteString(c.t("sched.digest_skipped_offline", c.day(n.Date), c.when(n.From), c.when(n.To)) + "\n\n")
	}
	b.WriteString(c.t("digest.title", c.u.Name, c.day(now)))
	section := func(title string, items []*crm.Interest, line func(*crm.Interest, string) string) {
		if len(items) == 0 {
			return
		}
		b.WriteString("\n\n" + c.t(title, len(items)))
		for i, in := range items {
			if i == digestListed {
				b.WriteString("\n" + c.t("list.more", len(items)-digestListed))
				break
			}
			b.WriteString("\n" + line(in, f.Companies[in.CompanyID]))
		}
	}
	section("digest.today", today, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " — " + c.what(in.Next.What) + " · " + in.Next.Due.In(loc).Format("15:04")
	})
	section("digest.overdue", overdue, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " — " + c.what(in.Next.What) + " · " + c.t("digest.since", c.when(in.Next.Due))
	})
	section("digest.idle", f.Idle, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " · " + c.t("digest.last_touch", c.when(in.LastActivityAt))
	})
	var nonext []*crm.Interest
	for _, in := range f.Open {
		if in.Next.IsZero() {
			nonext = append(nonext, in)
		}
	}
	section("digest.no_next", nonext, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " — /next " + u64(in.ID)
	})
	c.seminarCalls(&b, f.Calls)
	// R15: deliberating or proposal with client data unconfirmed for too long.
	section("digest.stale", f.Stale, func(in *crm.Interest, co string) string {
		return "#" + u64(in.ID) + " " + co + " · " + c.t("digest.confirmed", c.day(crm.ConfirmedAt(in))) + " — /confirm " + u64(in.ID) + " · /edit " + u64(in.ID)
	})
	if len(today)+len(overdue)+len(f.Idle)+len(nonext)+len(f.Calls)+len(f.Stale) == 0 {
		b.WriteString("\n\n" + c.t("digest.clear", len(f.Open)))
	}
	r := Reply{Text: b.String(), Private: true}
	for i, in := range append(overdue, today...) {
		if i == 4 {
			break
		}
		id := u64(in.ID)
		r.Buttons = append(r.Buttons, []Button{{Label: c.t("btn.log") + " #" + id, Action: "/log " + id}, {Label: c.t("btn.card") + " #" + id, Action: "/show " + id}})
	}
	for i, in := range f.Stale {
		if i == 3 {
			break
		}
		r.Buttons = append(r.Buttons, c.freshButtons(in.ID)) // one tap: still current
	}
	return r
}

// HeadDigest is the department's morning report (R11, R17): open interests by manager
// and stage, overdue follow-ups, what opened, won and lost since the last digest with
// the loss reasons, and the conversion of the last 30 days.
func (p *Pusher) HeadDigest(since time.Time, rep *crm.DepartmentReport) Reply {
	c := p.c
	var b strings.Builder
	b.WriteString(c.pipeline(rep.Pipeline).Text)
	act := rep.Since
	b.WriteString("\n\n" + c.t("headdigest.since", c.when(since), act.Opened, act.Won, act.Lost))
	if act.Lost > 0 {
		var rs []string
		for _, r := range crm.LossReasons {
			if n := act.LostBy[r]; n > 0 {
				rs = append(rs, c.t("reason."+string(r))+" "+itoa(n))
			}
		}
		b.WriteString(" (" + strings.Join(rs, ", ") + ")")
	}
	month := rep.Month
	closed, okc := month.WonOfClosed()
	opened, oko := month.WonOfOpened()
	if okc || oko {
		b.WriteString("\n" + c.t("headdigest.conversion", month.Won, month.Won+month.Lost, closed, month.Opened, opened))
	}
	return Reply{Text: b.String()}
}

// PipelineChart draws the pipeline as a PNG in the reader's language. It is CPU work
// only, done outside any transaction.
func (p *Pusher) PipelineChart(pl *crm.Pipeline) (*Image, error) {
	img, err := chart.Pipeline(p.c.pipelineChart(pl, reportArgs{}))
	if err != nil {
		return nil, err
	}
	return &Image{Name: "pipeline.png", PNG: img, Lang: p.c.lang}, nil
}
