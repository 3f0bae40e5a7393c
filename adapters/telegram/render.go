package telegram

import (
	"context"
	"errors"
	"fmt"
	"html"
	"strings"
	"unicode/utf16"
	"unicode/utf8"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"crmbot/bot"
)

// Telegram's limits, in characters after entity parsing (counted here in UTF-16
// code units, as Telegram counts them, which is never fewer than the characters).
const (
	maxText    = 4096
	maxCaption = 1024
	maxAction  = 64 // callback_data, in bytes
)

// deliver sends the engine's replies to one update, in order. A reply marked Private
// that was asked for in a group goes to the person's private chat; if that chat does
// not exist yet (the person never pressed Start) the group gets only a pointer, never
// the reply itself.
func (a *Adapter) deliver(ctx context.Context, rt route, replies []bot.Reply) error {
	var first error
	for _, r := range replies {
		target, replace := rt.chatID, r.Replace && rt.cbMsgID != 0
		private := r.Private && rt.group
		if private {
			target, replace = rt.userID, false
		}
		var err error
		if replace && r.Image == nil {
			err = a.edit(ctx, rt.cbChatID, rt.cbMsgID, r)
		} else {
			err = a.sendReply(ctx, target, r)
		}
		if err == nil {
			continue
		}
		if ctx.Err() != nil {
			return err
		}
		if private && (errors.Is(err, ErrChatNotFound) || errors.Is(err, ErrBlocked)) {
			err = a.sendReply(ctx, rt.chatID, bot.Reply{Text: a.privatePointer()})
		}
		if err != nil {
			a.log.Warn("telegram: reply not delivered", "chat", target, "err", err)
			if first == nil {
				first = err
			}
		}
	}
	return first
}

// privatePointer is said in a group when a private answer cannot be delivered. It is
// transport-level text (the engine's own pointers come from its catalog).
func (a *Adapter) privatePointer() string {
	name := a.Username()
	if c, ok := a.engine.(interface{ Catalog() *bot.Catalog }); ok {
		lang := bot.DefaultLang
		if d, ok := a.engine.(interface{ DefaultLanguage() string }); ok {
			lang = d.DefaultLanguage() // a group has no one language: the configured one
		}
		return c.Catalog().T(lang, "telegram.start_private", name)
	}
	return fmt.Sprintf("Open a private chat with @%s and press Start: https://t.me/%s", name, name)
}

// sendReply renders r for chatID: the text split at line boundaries into messages of
// at most 4096 characters, the buttons on the last one, an image as a photo with the
// text as its caption when it fits.
func (a *Adapter) sendReply(ctx context.Context, chatID int64, r bot.Reply) error {
	kb := a.keyboard(r.Buttons)
	text := r.Text
	if r.Image != nil {
		photo := tgbotapi.NewPhoto(chatID, tgbotapi.FileBytes{Name: imageName(r.Image), Bytes: r.Image.PNG})
		if utf16Len(text) <= maxCaption {
			photo.Caption = html.EscapeString(text)
			photo.ParseMode = tgbotapi.ModeHTML
			if kb != nil {
				photo.ReplyMarkup = *kb
			}
			text = ""
		}
		if _, err := a.send.call(ctx, chatID, photo); err != nil {
			return fmt.Errorf("telegram: sendPhoto: %w", err)
		}
		if text == "" {
			return nil
		}
	}
	parts := splitText(text, maxText)
	for i, p := range parts {
		msg := tgbotapi.NewMessage(chatID, html.EscapeString(p))
		msg.ParseMode = tgbotapi.ModeHTML
		msg.DisableWebPagePreview = true
		if i == len(parts)-1 && kb != nil {
			msg.ReplyMarkup = *kb
		}
		if _, err := a.send.call(ctx, chatID, msg); err != nil {
			return fmt.Errorf("telegram: sendMessage: %w", err)
		}
	}
	return nil
}

// edit replaces the text and buttons of the message that carried the pressed button.
// "message is not modified" means the edit is already there: success. A message that
// can no longer be edited (too old, deleted) gets a new message instead.
func (a *Adapter) edit(ctx context.Context, chatID int64, msgID int, r bot.Reply) error {
	parts := splitText(r.Text, maxText)
	if len(parts) == 0 {
		return nil
	}
	kb := a.keyboard(r.Buttons)
	e := tgbotapi.NewEditMessageText(chatID, msgID, html.EscapeString(parts[0]))
	e.ParseMode = tgbotapi.ModeHTML
	e.DisableWebPagePreview = true
	if len(parts) == 1 && kb != nil {
		e.ReplyMarkup = kb
	}
	_, err := a.send.call(ctx, chatID, e)
	switch {
	case err == nil, classify(err).kind == notModified:
	case ctx.Err() != nil || errors.Is(err, ErrBlocked):
		return err
	case classify(err).kind == permanent:
		a.log.Info("telegram: message not editable; sending a new one", "err", err)
		return a.sendReply(ctx, chatID, r)
	default:
		return fmt.Errorf("telegram: editMessageText: %w", err)
	}
	if len(parts) > 1 {
		rest := r
		rest.Text = strings.Join(parts[1:], "\n")
		return a.sendReply(ctx, chatID, rest)
	}
	return nil
}

// keyboard renders the buttons as an inline keyboard; nil when there are none. A
// button whose action exceeds callback_data's 64 bytes would make Telegram reject the
// whole message, so it is left out (and logged: it is an engine bug).
func (a *Adapter) keyboard(rows [][]bot.Button) *tgbotapi.InlineKeyboardMarkup {
	var out [][]tgbotapi.InlineKeyboardButton
	for _, row := range rows {
		var r []tgbotapi.InlineKeyboardButton
		for _, b := range row {
			if b.Label == "" || b.Action == "" || len(b.Action) > maxAction {
				a.log.Error("telegram: button left out (empty, or action over 64 bytes)", "action_bytes", len(b.Action))
				continue
			}
			r = append(r, tgbotapi.NewInlineKeyboardButtonData(b.Label, b.Action))
		}
		if len(r) > 0 {
			out = append(out, r)
		}
	}
	if len(out) == 0 {
		return nil
	}
	kb := tgbotapi.NewInlineKeyboardMarkup(out...)
	return &kb
}

func imageName(img *bot.Image) string {
	if img.Name != "" {
		return img.Name
	}
	return "image.png"
}

// utf16Len is the length Telegram measures.
func utf16Len(s string) int {
	n := 0
	for _, r := range s { // an invalid byte comes as U+FFFD: one unit
		n += utf16.RuneLen(r)
	}
	return n
}

// splitText cuts s into parts of at most limit UTF-16 units, at line boundaries; a
// single line longer than limit is cut at its last space that fits, or mid-word when
// there is none. Parts carry no trailing newline. Escaping happens after splitting,
// so an entity such as &amp; is never cut in half.
func splitText(s string, limit int) []string {
	s = strings.TrimRight(s, "\n")
	if s == "" {
		return nil
	}
	if utf16Len(s) <= limit {
		return []string{s}
	}
	var parts []string
	var cur strings.Builder
	curLen := 0
	flush := func() {
		if cur.Len() > 0 {
			parts = append(parts, strings.TrimRight(cur.String(), "\n"))
			cur.Reset()
			curLen = 0
		}
	}
	for _, line := range strings.SplitAfter(s, "\n") {
		n := utf16Len(line)
		// The newline ending a part is dropped, so it does not count against it.
		if curLen+utf16Len(strings.TrimSuffix(line, "\n")) <= limit {
			cur.WriteString(line)
			curLen += n
			continue
		}
		flush()
		for utf16Len(strings.TrimSuffix(line, "\n")) > limit {
			head, tail := cutLine(line, limit)
			parts = append(parts, strings.TrimRight(head, "\n"))
			line = tail
		}
		cur.WriteString(line)
		curLen = utf16Len(line)
	}
	flush()
	return parts
}

// cutLine returns the longest prefix of line within limit UTF-16 units, ending after
// a space when one is found in it, and the rest.
func cutLine(line string, limit int) (string, string) {
	n, end, lastSpace := 0, 0, -1
	for end < len(line) {
		r, size := utf8.DecodeRuneInString(line[end:])
		w := utf16.RuneLen(r)
		if n+w > limit {
			break
		}
		n += w
		end += size
		if r == ' ' {
			lastSpace = end
		}
	}
	if end == 0 { // limit smaller than one character: cannot happen with real limits
		_, size := utf8.DecodeRuneInString(line)
		end = size
	}
	if lastSpace > 0 {
		end = lastSpace
	}
	return line[:end], line[end:]
}
