package telegram

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"crmbot/bot"
	"crmbot/crm"
	"crmbot/metrics"
)

// route is where the replies to one update go.
type route struct {
	chatID   int64 // the chat the update came from
	group    bool
	userID   int64 // the person, whose private chat id is the same number
	cbID     string
	cbChatID int64 // the message that carried the pressed button, for Replace
	cbMsgID  int
}

// chatOf returns the chat whose queue an update belongs to; ok is false for update
// kinds this adapter does not handle.
func chatOf(u *tgbotapi.Update) (int64, bool) {
	switch {
	case u.Message != nil && u.Message.Chat != nil:
		return u.Message.Chat.ID, true
	case u.CallbackQuery != nil:
		if m := u.CallbackQuery.Message; m != nil && m.Chat != nil {
			return m.Chat.ID, true
		}
		if u.CallbackQuery.From != nil {
			return u.CallbackQuery.From.ID, true
		}
	case u.MyChatMember != nil:
		return u.MyChatMember.Chat.ID, true
	}
	return 0, false
}

// forwardProbe reads forward_origin, which Bot API 7.0 put in place of the
// forward_from* fields that tgbotapi v5.5.1 knows; tgbotapi drops it.
type forwardProbe struct {
	Message *struct {
		ForwardOrigin json.RawMessage `json:"forward_origin"`
	} `json:"message"`
}

func isGroup(c *tgbotapi.Chat) bool {
	return c != nil && (c.IsGroup() || c.IsSuperGroup())
}

func displayName(u *tgbotapi.User) string {
	return strings.TrimSpace(u.FirstName + " " + u.LastName)
}

// request translates an update into an engine request. ok is false when the update
// asks nothing of the engine (a group message meant for another bot, a channel post,
// a service message).
func (a *Adapter) request(u *tgbotapi.Update, raw json.RawMessage) (req bot.Request, rt route, ok bool) {
	switch {
	case u.CallbackQuery != nil:
		cb := u.CallbackQuery
		if cb.From == nil {
			return req, rt, false
		}
		rt = route{chatID: cb.From.ID, userID: cb.From.ID, cbID: cb.ID}
		if m := cb.Message; m != nil && m.Chat != nil {
			rt.chatID, rt.group = m.Chat.ID, isGroup(m.Chat)
			rt.cbChatID, rt.cbMsgID = m.Chat.ID, m.MessageID
		}
		req = bot.Request{
			Identity: identity(cb.From.ID),
			Name:     displayName(cb.From),
			Action:   cb.Data,
			Lang:     cb.From.LanguageCode,
			Key:      "tg:cb:" + cb.ID,
			Chat:     chatKind(rt.group),
			ChatID:   chatIdentity(rt.chatID),
		}
		return req, rt, !cb.From.IsBot && cb.Data != ""

	case u.Message != nil:
		m := u.Message
		if m.From == nil || m.From.IsBot || m.Chat == nil || m.Chat.IsChannel() {
			// Channel posts and anonymous group admins have no person to identify.
			return req, rt, false
		}
		rt = route{chatID: m.Chat.ID, group: isGroup(m.Chat), userID: m.From.ID}
		req = bot.Request{
			Identity: identity(m.From.ID),
			Name:     displayName(m.From),
			Lang:     m.From.LanguageCode,
			Key:      "tg:u:" + strconv.Itoa(u.UpdateID),
			Chat:     chatKind(rt.group),
			ChatID:   chatIdentity(m.Chat.ID),
		}
		text := m.Text
		if text == "" {
			text = m.Caption
		}
		if m.IsCommand() {
			cmd, ours := a.ownCommand(m)
			if !ours {
				return req, rt, false // "/cmd@OtherBot"
			}
			text = cmd
		} else if rt.group {
			// In a group the bot reads commands, and answers to its own messages
			// (a prompt's reply); ordinary conversation and shared cards are not for it.
			if m.ReplyToMessage == nil || m.ReplyToMessage.From == nil || m.ReplyToMessage.From.ID != a.selfID() {
				return req, rt, false
			}
		}
		req.Text = text
		if c := m.Contact; c != nil {
			req.Contact = &bot.SharedContact{
				FirstName: c.FirstName, LastName: c.LastName, Phone: c.PhoneNumber, VCard: c.VCard,
			}
		}
		req.Forwarded = forwarded(m, raw)
		return req, rt, req.Text != "" || req.Contact != nil
	}
	return req, rt, false
}

func chatKind(group bool) bot.ChatKind {
	if group {
		return bot.ChatGroup
	}
	return bot.ChatPrivate
}

func forwarded(m *tgbotapi.Message, raw json.RawMessage) bool {
	if m.ForwardDate != 0 || m.ForwardFrom != nil || m.ForwardFromChat != nil || m.ForwardSenderName != "" {
		return true
	}
	var p forwardProbe
	if json.Unmarshal(raw, &p) == nil && p.Message != nil && len(p.Message.ForwardOrigin) > 0 &&
		string(p.Message.ForwardOrigin) != "null" {
		return true
	}
	return false
}

// ownCommand returns the message text with "@OurBot" removed from the command, and
// false when the command names another bot ("/cmd@OtherBot", which tgbotapi's
// Command() would silently accept).
func (a *Adapter) ownCommand(m *tgbotapi.Message) (string, bool) {
	ent := m.Entities[0]
	if ent.Length <= 1 || ent.Length > len(m.Text) {
		return m.Text, true // command text is ASCII; a mismatch means a malformed entity
	}
	withAt := m.Text[1:ent.Length]
	rest := m.Text[ent.Length:]
	name, at, hasAt := strings.Cut(withAt, "@")
	if hasAt && !strings.EqualFold(at, a.Username()) {
		return "", false
	}
	return "/" + name + rest, true
}

func (a *Adapter) selfID() int64 {
	if api := a.api.Load(); api != nil {
		return api.Self.ID
	}
	return 0
}

// handleEntry handles one inbox entry: translate, ask the engine, deliver the
// replies, answer the button press, then remove the entry. An entry whose handling
// was cut short by shutdown stays in the inbox and is handled again at the next start
// (the engine's idempotency key keeps it from acting twice). An entry that cannot be
// handled (bad JSON, a panic) is logged and removed, so it cannot block the chat.
func (a *Adapter) handleEntry(ctx context.Context, e entry) {
	interrupted := false
	defer func() {
		if r := recover(); r != nil {
			a.log.Error("telegram: panic while handling an update", "update", e.seq, "panic", r)
		}
		if interrupted || ctx.Err() != nil {
			return
		}
		metrics.UpdateHandled("telegram")
		// The update was handled: remove it even if shutdown starts now.
		if err := a.done(context.WithoutCancel(ctx), e.seq); err != nil {
			a.log.Error("telegram: cannot remove handled update", "update", e.seq, "err", err)
		}
	}()

	var u tgbotapi.Update
	if err := json.Unmarshal(e.raw, &u); err != nil {
		a.log.Error("telegram: undecodable update dropped", "update", e.seq, "err", err)
		return
	}
	if u.MyChatMember != nil {
		a.chatMember(ctx, u.MyChatMember)
		return
	}
	req, rt, ok := a.request(&u, e.raw)
	if rt.cbID != "" {
		// Every callback_query is answered, or the button spins; answered first so
		// the spinner stops while the replies are sent.
		a.answerCallback(ctx, rt.cbID)
	}
	if !ok {
		return
	}
	// (The engine marks a returning user reachable again: it reads the user anyway.)
	replies := a.engine.Handle(ctx, req)
	if ctx.Err() != nil {
		interrupted = true
		return
	}
	if err := a.deliver(ctx, rt, replies); err != nil && ctx.Err() != nil {
		interrupted = true
	}
}

// answerCallback answers a callback query. answerCallbackQuery returns true, so it
// goes through Request, not Send.
func (a *Adapter) answerCallback(ctx context.Context, id string) {
	if _, err := a.send.call(ctx, 0, tgbotapi.NewCallback(id, "")); err != nil {
		a.log.Warn("telegram: answerCallbackQuery failed", "err", err)
	}
}

// chatMember follows the bot's membership: in a private chat "kicked" means the user
// blocked the bot, "member" that they unblocked it.
func (a *Adapter) chatMember(ctx context.Context, m *tgbotapi.ChatMemberUpdated) {
	if !m.Chat.IsPrivate() {
		a.log.Info("telegram: bot membership changed in a group", "chat", m.Chat.ID, "status", m.NewChatMember.Status)
		return
	}
	switch m.NewChatMember.Status {
	case "kicked":
		a.markUnreachable(ctx, m.From.ID)
	case "member":
		a.markReachable(ctx, identity(m.From.ID))
	}
}

// markReachable clears an unreachable mark: the person unblocked the bot. This
// membership change is rare, so it is written without reading first.
func (a *Adapter) markReachable(ctx context.Context, id crm.Identity) {
	if err := a.users.SetReachable(ctx, id, true); err != nil && crm.ErrorCode(err) != crm.ENOTFOUND && !errors.Is(err, context.Canceled) {
		a.log.Warn("telegram: cannot mark identity reachable", "identity", id, "err", err)
	}
}
