package bot

import "crmbot/crm"

// ChatKind says where a message was written. In a group, client data is never shown:
// commands that show one client's details or change data answer with a pointer to the
// private chat.
type ChatKind int

// Chat kinds.
const (
	ChatPrivate ChatKind = iota // a direct chat with the bot (or the terminal)
	ChatGroup                   // a group chat or a channel the team shares
)

// SharedContact is a contact card shared from a phone's address book (Telegram).
type SharedContact struct {
	FirstName string
	LastName  string
	Phone     string
	VCard     string
}

// Request is one thing a person did: a line of text (a command, an answer to a prompt,
// or free text) or a button press. Adapters build it from a platform event.
type Request struct {
	// Identity is who wrote, e.g. "telegram:123".
	Identity crm.Identity
	// Name is the person's display name on the platform, used only in replies to
	// strangers and when bootstrapping admins; never stored otherwise.
	Name string
	// Text is the message text: "/log 42 call: …", or an answer to a prompt.
	Text string
	// Action is the payload of a pressed button (Button.Action), when one was pressed.
	Action string
	// Key identifies the platform message or update ("telegram:u:1234"), so a
	// redelivered one is not acted on twice. Empty when the platform has no id.
	Key string
	// Chat says whether the message came from a private chat or a group.
	Chat ChatKind
	// ChatID is the chat the message came from, as an identity an adapter can deliver
	// to ("telegram:-1001234", "slack:T01/C02"); used by /channel in a group.
	ChatID crm.Identity
	// Ephemeral is true when the platform shows the answers to the person who asked
	// alone, even in a group (a Slack slash command or mention, answered
	// ephemerally). Every command then runs in a group as well; the replies of
	// commands that are not safe for a group are marked Private, and the adapter
	// shows only unmarked replies to the room.
	Ephemeral bool
	// BareCommands is true where a "/" cannot be typed (Slack intercepts it in the
	// DM with the bot): a first word that names a command runs that command, unless
	// a question is waiting for its answer.
	BareCommands bool
	// Contact is set when a contact card was shared.
	Contact *SharedContact
	// Forwarded is true when the text was forwarded from someone else's message.
	Forwarded bool
	// Lang is the platform's hint of the person's language (Telegram's language_code,
	// a Slack user's locale): "hr", "en-US", "sr-Latn". It words the answer to a
	// stranger and becomes the language of someone who first links; a language the
	// person chose with /lang always wins.
	Lang string
	// Form is a form submitted in one go (a Slack modal), handled as /new or /log
	// would handle its values; with View ViewForm, the form to show, prefilled.
	Form *Form
	// View asks for a structured answer the platform draws itself (ViewHome,
	// ViewForm) instead of a line of conversation.
	View string
}

// Button is a choice offered with a reply. Action is sent back in Request.Action when
// the button is pressed; it is at most 64 bytes (Telegram's callback_data limit) and
// carries no client data, only ids and short words.
type Button struct {
	Label  string
	Action string
	// Key, when set, is what a person types to press the button where buttons are
	// typed (the terminal), instead of its position. A choice of interest sets it to
	// the interest's number, so typing 2 means #2 whether a button shows it or not:
	// one prompt never has two meanings for the same number.
	Key string
}

// Reply is the engine's platform-neutral answer. Adapters render it: Telegram as HTML
// with an inline keyboard, Slack as Block Kit, the terminal as text with numbered
// choices. Text is plain text (adapters escape it); lines are separated by "\n".
type Reply struct {
	Text string
	// Buttons are rows of choices.
	Buttons [][]Button
	// Private is true when the reply carries personal or client data and must go to
	// the person privately (never into a group channel).
	Private bool
	// Replace asks the adapter to edit the message that carried the pressed button
	// instead of sending a new one, so multi-step flows do not flood the chat.
	Replace bool
	// Image, when set, is a picture (PNG) to send with Text as its caption.
	Image *Image
	// Card, when set, is the same content as Text in structured form (a client card),
	// for platforms that lay out fields (Slack Block Kit). Text stays complete for
	// the others.
	Card *Card
	// Error is true when the request was refused and nothing changed: the question
	// asked before is still open, so the choices offered with it still stand (the
	// terminal keeps its numbered buttons).
	Error bool
	// FieldErrors, on the refusal of a submitted form, are the messages to show on
	// its fields, keyed by field name (FieldContact, …); Text holds them all.
	FieldErrors map[string]string
	// Home is the answer to a ViewHome request.
	Home *HomeView
	// FormView is the answer to a ViewForm request: the form to draw.
	FormView *FormView
}

// Card is a titled set of labelled fields with a free-text part after them.
type Card struct {
	Title  string
	Fields []Field
	Body   string // e.g. the timeline
}

// Field is one labelled value of a Card.
type Field struct {
	Label string
	Value string
}

// Image is a picture to send, such as a chart.
type Image struct {
	Name string // file name, e.g. "pipeline.png"
	PNG  []byte
	// Alt is what the picture shows, as the text report, for a platform that could
	// not send the picture (a Slack app without permission to upload files).
	Alt string
	// Lang is the reader's language, for an adapter that words a note of its own
	// about the picture (the terminal's "picture written to …").
	Lang string
}
