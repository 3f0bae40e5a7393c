package slack

import (
	"context"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"crmbot/crm"
)

// maxHomeItems keeps the Home view under Slack's 100-block limit (each follow-up
// takes two blocks).
const maxHomeItems = 40

// RefreshHome publishes the App Home tab of a Slack identity ("slack:T…/U…"): the
// person's follow-ups that are overdue and due today, with buttons to log, open the
// card or move them to tomorrow, and entry points for a new interest and a call. The
// scheduler may call it when follow-ups fall due; the adapter calls it when the tab
// is opened and after each private request.
func (a *Adapter) RefreshHome(ctx context.Context, id crm.Identity) error {
	return a.publishHome(ctx, id, true)
}

// refreshHome is RefreshHome for the adapter's own calls, which only log failures;
// with strangers false a non-member's tab is left alone.
func (a *Adapter) refreshHome(ctx context.Context, id crm.Identity, strangers bool) {
	if err := a.publishHome(ctx, id, strangers); err != nil && ctx.Err() == nil {
		a.log.Warn("slack: App Home not published", "err", logErr(err))
	}
}

func (a *Adapter) publishHome(ctx context.Context, id crm.Identity, strangers bool) error {
	_, uid, ok := parseIdentity(id)
	if !ok || !isUserID(uid) {
		return nil
	}
	var bs []slack.Block
	u, err := a.svc.Authenticate(ctx, id)
	switch {
	case crm.ErrorCode(err) == crm.EUNAUTHORIZED:
		if !strangers {
			return nil
		}
		bs = []slack.Block{section(a.t("", "err.unknown_identity", string(id)))}
	case err != nil:
		return err
	default:
		if bs, err = a.homeBlocks(ctx, u); err != nil {
			return err
		}
	}
	req := slack.PublishViewContextRequest{UserID: uid, View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: bs}}}
	return a.send.do(ctx, "", func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, req)
		return err
	})
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, escapeMrkdwn(text), false, true), nil, nil)
}

func button(actionID, value, label string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, slack.NewTextBlockObject(slack.PlainTextType, clip(label, maxButtonLabel), true, false))
}

func (a *Adapter) homeBlocks(ctx context.Context, u *crm.User) ([]slack.Block, error) {
	due, err := a.svc.Today(ctx, u)
	if err != nil {
		return nil, err
	}
	lang := u.Lang
	bs := []slack.Block{
		slack.NewHeaderBlock(plain(clip(a.t(lang, "today.title"), 150))),
		slack.NewActionBlock("home_top",
			button(actionOpenNew, "new", a.t(lang, "btn.new_interest")),
			button(actionOpenLog, "", a.t(lang, "btn.log")),
		),
		slack.NewDividerBlock(),
	}
	if len(due) == 0 {
		return append(bs, section(a.t(lang, "today.none"))), nil
	}
	for i, sm := range due {
		if i == maxHomeItems {
			bs = append(bs, section("… +"+strconv.Itoa(len(due)-i)+" — "+slackForms("/today", false)))
			break
		}
		in := sm.Interest
		id := strconv.FormatUint(in.ID, 10)
		var b strings.Builder
		b.WriteString("#" + id + " " + sm.Company)
		if sm.Contact != "" {
			b.WriteString(" — " + sm.Contact)
		}
		b.WriteString("\n" + a.followUpLine(u, in))
		bs = append(bs, section(b.String()), slack.NewActionBlock("home_"+id,
			button(actionOpenLog, id, a.t(lang, "btn.log")+" #"+id),
			button("home_card_"+id, "/show "+id, a.t(lang, "btn.card")),
			button("home_snooze_"+id, "/snooze "+id+" tomorrow", a.t(lang, "btn.snooze_tomorrow")),
		))
	}
	return bs, nil
}

// followUps is what the adapter uses, when the engine offers it, to word a
// follow-up exactly as the chat does; *bot.Engine satisfies it.
type followUps interface {
	FollowUpLine(u *crm.User, in *crm.Interest) string
}

// followUpLine is in's next step in u's words: the engine's wording, or, for an
// engine without one, the date and the step with a cadence key looked up in the
// catalog.
func (a *Adapter) followUpLine(u *crm.User, in *crm.Interest) string {
	if f, ok := a.engine.(followUps); ok {
		return f.FollowUpLine(u, in)
	}
	what := in.Next.What
	if strings.HasPrefix(what, "next.") {
		what = a.t(u.Lang, what)
	}
	return in.Next.Due.In(u.Location()).Format("Mon 2 Jan 15:04") + " — " + what
}
