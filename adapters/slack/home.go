package slack

import (
	"context"
	"strconv"
	"strings"

	"github.com/slack-go/slack"

	"crmbot/bot"
	"crmbot/crm"
)

// maxHomeItems keeps the Home view under Slack's 100-block limit (each follow-up
// takes two blocks).
const maxHomeItems = bot.MaxHomeItems

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
	req := bot.Request{Identity: id, View: bot.ViewHome, Chat: bot.ChatPrivate}
	p, err := a.engine.Who(ctx, id)
	if err != nil {
		return err
	}
	if !p.Known {
		if !strangers {
			return nil // another request's refresh never puts a refusal on the tab
		}
		// An admin from CRMBOT_ADMINS who opens the tab first joins under their
		// Slack name; anyone else gets the engine's refusal in their language.
		a.fillName(ctx, &req)
	}
	replies := a.engine.Handle(ctx, req)
	var bs []slack.Block
	for _, r := range replies {
		if r.Home != nil {
			bs = homeBlocks(r.Home)
			break
		}
	}
	if bs == nil {
		// The engine's refusal (someone not on the team) or its apology.
		for _, r := range replies {
			if strings.TrimSpace(r.Text) != "" {
				bs = append(bs, section(clip(r.Text, maxSectionText)))
			}
		}
		if bs == nil {
			return nil
		}
	}
	pub := slack.PublishViewContextRequest{UserID: uid, View: slack.HomeTabViewRequest{Type: slack.VTHomeTab, Blocks: slack.Blocks{BlockSet: bs}}}
	return a.send.do(ctx, "", func(ctx context.Context) error {
		_, err := a.api.PublishViewContext(ctx, pub)
		return err
	})
}

func section(text string) *slack.SectionBlock {
	return slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, escapeMrkdwn(text), false, true), nil, nil)
}

func button(actionID, value, label string) *slack.ButtonBlockElement {
	return slack.NewButtonBlockElement(actionID, value, slack.NewTextBlockObject(slack.PlainTextType, clip(label, maxButtonLabel), true, false))
}

// homeButton draws one of the home's buttons: "/new" and "/log [id]" open their
// forms at once (the trigger_id lives three seconds), any other runs its command
// through the engine as a pressed button does.
func homeButton(b bot.Button, actionID string) *slack.ButtonBlockElement {
	switch name, arg, _ := strings.Cut(b.Action, " "); name {
	case "/new":
		return button(actionOpenNew, "new", b.Label)
	case "/log":
		return button(actionOpenLog, arg, b.Label)
	}
	return button(actionID, b.Action, b.Label)
}

// homeBlocks draws the engine's home: a header, who the person is, the entry
// points, then each follow-up with its buttons (maxHomeItems of them at most).
func homeBlocks(h *bot.HomeView) []slack.Block {
	var top []slack.BlockElement
	for i, b := range h.Actions {
		top = append(top, homeButton(b, "home_top_"+strconv.Itoa(i)))
	}
	bs := []slack.Block{
		slack.NewHeaderBlock(plain(clip(h.Title, 150))),
		slack.NewContextBlock("home_who", slack.NewTextBlockObject(slack.PlainTextType, clip(h.Name+" · "+h.Role, 150), false, false)),
		slack.NewActionBlock("home_top", top...),
		slack.NewDividerBlock(),
	}
	if h.Empty != "" {
		bs = append(bs, section(h.Empty))
	}
	for i, it := range h.Items {
		if i == maxHomeItems {
			break
		}
		id := strconv.FormatUint(it.ID, 10)
		var els []slack.BlockElement
		for j, b := range it.Buttons {
			els = append(els, homeButton(b, "home_"+id+"_"+strconv.Itoa(j)))
		}
		bs = append(bs, section(it.Title+"\n"+it.Next), slack.NewActionBlock("home_"+id, els...))
	}
	if h.More != "" {
		bs = append(bs, section(slackForms(h.More, false)))
	}
	return bs
}
