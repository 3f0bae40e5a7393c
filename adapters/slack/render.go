package slack

import (
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/slack-go/slack"

	"crmbot/bot"
)

// Block Kit limits (docs.slack.dev/reference/block-kit).
const (
	maxSectionText  = 3000 // characters in a section's text
	maxButtonLabel  = 75   // characters in a button's plain_text
	maxButtonsInRow = 25   // elements in an actions block
	maxBlocks       = 50   // blocks in a message
	maxFallback     = 3000 // the notification text we send with blocks
	maxFields       = 10   // fields in a section
	maxFieldText    = 2000 // characters in one field
	maxActionValue  = 2000 // characters in a button's value
)

// escapeMrkdwn escapes the three characters Slack's mrkdwn treats as control
// sequences; everything else in the engine's plain text is shown as written.
func escapeMrkdwn(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// blocks renders a reply: its text as mrkdwn sections (split at line boundaries to fit
// the section limit), and each row of buttons as an actions block. A button's
// action_id is unique in the message ("b<row>_<col>") and its value is the engine's
// Button.Action, sent back as Request.Action when it is pressed.
func blocks(r bot.Reply) []slack.Block {
	var out []slack.Block
	text := r.Text
	if c := r.Card; c != nil {
		// A client card: the title, then its fields two to a row (Slack takes at most
		// 10 per section), then the rest (the timeline) as text.
		out = append(out, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, "*"+escapeMrkdwn(c.Title)+"*", false, true), nil, nil))
		for i := 0; i < len(c.Fields); i += maxFields {
			var fs []*slack.TextBlockObject
			for _, f := range c.Fields[i:min(i+maxFields, len(c.Fields))] {
				fs = append(fs, slack.NewTextBlockObject(slack.MarkdownType, clip("*"+escapeMrkdwn(f.Label)+"*\n"+escapeMrkdwn(f.Value), maxFieldText), false, true))
			}
			out = append(out, slack.NewSectionBlock(nil, fs, nil))
		}
		text = c.Body
	}
	for _, chunk := range splitText(escapeMrkdwn(text), maxSectionText) {
		out = append(out, slack.NewSectionBlock(slack.NewTextBlockObject(slack.MarkdownType, chunk, false, true), nil, nil))
	}
	for i, row := range r.Buttons {
		var els []slack.BlockElement
		for j, b := range row {
			if j == maxButtonsInRow {
				break
			}
			btn := slack.NewButtonBlockElement("b"+strconv.Itoa(i)+"_"+strconv.Itoa(j), b.Action,
				slack.NewTextBlockObject(slack.PlainTextType, clip(b.Label, maxButtonLabel), true, false))
			els = append(els, btn)
		}
		if len(els) > 0 {
			out = append(out, slack.NewActionBlock("r"+strconv.Itoa(i), els...))
		}
	}
	if len(out) > maxBlocks {
		out = out[:maxBlocks]
	}
	return out
}

// messageOptions are the chat.postMessage options of a reply: blocks plus the text
// Slack shows in notifications and where blocks cannot be shown. An image is not
// uploaded; its caption is sent as text. extra blocks (the adapter's own buttons)
// come last.
func messageOptions(r bot.Reply, extra ...slack.Block) []slack.MsgOption {
	bs := blocks(r)
	if len(bs)+len(extra) > maxBlocks {
		bs = bs[:maxBlocks-len(extra)]
	}
	return []slack.MsgOption{
		slack.MsgOptionText(clip(escapeMrkdwn(r.Text), maxFallback), false),
		slack.MsgOptionBlocks(append(bs, extra...)...),
	}
}

// splitText cuts s into pieces of at most max characters, at line breaks where it can.
func splitText(s string, max int) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	for utf8.RuneCountInString(s) > max {
		cut := byteIndexOfRune(s, max)
		if nl := strings.LastIndexByte(s[:cut], '\n'); nl > 0 {
			cut = nl
		}
		out = append(out, s[:cut])
		s = strings.TrimLeft(s[cut:], "\n")
	}
	if s != "" {
		out = append(out, s)
	}
	return out
}

func byteIndexOfRune(s string, n int) int {
	i := 0
	for j := range s {
		if i == n {
			return j
		}
		i++
	}
	return len(s)
}

// clip shortens s to at most n characters, ending with "…" when cut.
func clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return s[:byteIndexOfRune(s, n-1)] + "…"
}
