package bot

import "strings"

// command is one entry of the grammar.
type command struct {
	name    string
	aliases []string
	// group is true when the command may be answered in a group chat: it shows
	// nothing about a single client and changes no data.
	group bool
	run   func(c *conv, args string) []Reply
}

// CommandInfo describes a command for a platform's command menu (setMyCommands).
type CommandInfo struct {
	Name        string
	Description string
}

var commands []*command
var commandIndex = map[string]*command{}

func init() {
	commands = []*command{
		{name: "help", aliases: []string{"start"}, group: true, run: (*conv).cmdHelp},
		{name: "new", run: (*conv).cmdNew},
		{name: "log", run: (*conv).cmdLog},
		{name: "next", run: (*conv).cmdNext},
		{name: "stage", run: (*conv).cmdStage},
		{name: "edit", aliases: []string{"fix"}, run: (*conv).cmdEdit},
		{name: "won", run: (*conv).cmdWon},
		{name: "proposal", run: (*conv).cmdProposal},
		{name: "confirm", run: (*conv).cmdConfirm},
		{name: "lost", run: (*conv).cmdLost},
		{name: "show", aliases: []string{"card"}, run: (*conv).cmdShow},
		{name: "find", aliases: []string{"search"}, run: (*conv).cmdFind},
		{name: "my", run: (*conv).cmdMy},
		{name: "today", run: (*conv).cmdToday},
		{name: "pipeline", group: true, run: (*conv).cmdPipeline},
		{name: "conversion", group: true, run: (*conv).cmdConversion},
		{name: "stale", run: (*conv).cmdStale},
		{name: "mailing", run: (*conv).cmdMailing},
		{name: "seminar", run: (*conv).cmdSeminar},
		{name: "export", run: (*conv).cmdExport},
		{name: "backup", run: (*conv).cmdBackup},
		{name: "assign", run: (*conv).cmdAssign},
		{name: "snooze", run: (*conv).cmdSnooze},
		{name: "digest", run: (*conv).cmdDigest},
		{name: "settings", run: (*conv).cmdSettings},
		{name: "channel", group: true, run: (*conv).cmdChannel},
		{name: "team", run: (*conv).cmdTeam},
		{name: "tz", run: (*conv).cmdTZ},
		{name: "lang", run: (*conv).cmdLang},
		{name: "cancel", run: (*conv).cmdCancel},
	}
	for _, cmd := range commands {
		commandIndex[cmd.name] = cmd
		for _, a := range cmd.aliases {
			commandIndex[a] = cmd
		}
	}
}

// IsCommand reports whether word (without "/") names a command or an alias, so an
// adapter can tell a command in text it rewrites for its platform.
func IsCommand(word string) bool { return commandIndex[strings.ToLower(word)] != nil }

// ForGroup reports whether an engine text ("/pipeline") may be answered for
// everyone in a group chat: its command shows nothing about a single client, and
// it is not an invite code being redeemed ("/start CODE"). An adapter asks before
// it posts a command's answer for the room on someone's behalf.
func ForGroup(text string) bool {
	name, args := splitCommand(text)
	cmd := commandIndex[name]
	if cmd == nil || !cmd.group {
		return false
	}
	return args == "" || (name != "start" && name != "join")
}

// Commands lists the commands with their one-line descriptions in the default
// language (CRMBOT_LANG), for platform command menus.
func (e *Engine) Commands() []CommandInfo { return e.CommandsIn(e.defLang) }

// dispatch routes the request: a button press, a command, an answer to the current
// prompt, or free text.
func (c *conv) dispatch() []Reply {
	if c.req.Action != "" {
		return c.action(c.req.Action)
	}
	if c.req.Contact != nil && c.req.Chat == ChatPrivate {
		return c.startNewFromContact(c.req.Contact)
	}
	name, args := splitCommand(c.req.Text)
	if name == "" && c.req.BareCommands {
		name, args = c.bareCommand(c.req.Text)
	}
	if name == "" {
		if c.req.Chat == ChatGroup {
			return nil // conversation among people in a group is not addressed to us
		}
		if c.d != nil && !(c.req.Forwarded && c.d.Flow != "freetext") {
			return c.answer(strings.TrimSpace(c.req.Text), false)
		}
		// A forward is never an answer: it is someone else's message, offered to be
		// logged, while the open question (if any) waits.
		return c.freeText(c.req.Text)
	}
	if (name == "start" || name == "join") && args != "" && commandIndex[strings.ToLower(strings.TrimPrefix(args, "/"))] == nil {
		return c.startCode(args)
	}
	return c.runCommand(name, args)
}

func (c *conv) runCommand(name, args string) (out []Reply) {
	cmd := commandIndex[name]
	if cmd == nil {
		if near := nearestCommand(name); near != "" {
			return []Reply{{Text: c.t("err.unknown_command_near", name, near), Private: true, Error: true}}
		}
		return []Reply{{Text: c.t("err.unknown_command", name), Private: true, Error: true}}
	}
	if c.req.Chat == ChatGroup && !cmd.group {
		if !c.req.Ephemeral {
			return []Reply{{Text: c.t("group.private_only", cmd.name)}}
		}
		// Seen by the person alone: the command runs, and none of its replies may
		// reach the room.
		defer func() { markPrivate(out) }()
	}
	if cmd.name != "cancel" && c.d != nil && c.req.Chat != ChatGroup {
		// A command typed over a dialogue that holds unsaved text waits until the
		// user says what becomes of that text; otherwise it leaves the dialogue. (A
		// command in a group is no part of the private dialogue and leaves it be.)
		if s := c.draftSummary(c.d); s != "" {
			line := "/" + cmd.name
			if args != "" {
				line += " " + args
			}
			return c.interrupt(c.d, s, line)
		}
		c.setDialog(nil)
	}
	return cmd.run(c, args)
}

// markPrivate marks every reply of out Private.
func markPrivate(out []Reply) {
	for i := range out {
		out[i].Private = true
	}
}

// bareCommand reads a line without "/" as a command when its first word names one
// ("log 42 call: …"). While a question is open the line is its answer ("cancel"
// aside), so a contact called "Find" is not taken for /find.
func (c *conv) bareCommand(text string) (string, string) {
	text = strings.TrimSpace(text)
	word, _, _ := strings.Cut(text, " ")
	if nl := strings.IndexByte(word, '\n'); nl >= 0 {
		word = word[:nl]
	}
	name := strings.ToLower(word)
	if commandIndex[name] == nil || (c.d != nil && name != "cancel") {
		return "", text
	}
	return splitCommand("/" + text)
}

// action handles a pressed button. Buttons either carry a command ("/show 42"),
// which is run as if typed, or an answer to a dialogue step ("@<seq>:<value>"),
// which is valid only while that very question is open.
func (c *conv) action(a string) []Reply {
	if strings.HasPrefix(a, "/") {
		return c.runCommand(splitCommand(a))
	}
	seqStr, value, ok := strings.Cut(strings.TrimPrefix(a, "@"), ":")
	if !strings.HasPrefix(a, "@") || !ok || c.d == nil || seqStr != itoa(c.d.Seq) {
		return []Reply{{Text: c.t("err.stale_button"), Private: true}}
	}
	out := c.answer(value, true)
	if c.req.Chat == ChatGroup {
		markPrivate(out) // a dialogue is one person's, wherever its buttons were shown
	}
	for i := range out {
		out[i].Replace = i == 0
	}
	return out
}

func (c *conv) cmdHelp(args string) []Reply {
	if args = strings.TrimPrefix(strings.ToLower(strings.TrimSpace(args)), "/"); args != "" {
		cmd := commandIndex[args]
		if cmd == nil {
			return []Reply{{Text: c.t("err.unknown_command", args), Private: true, Error: true}}
		}
		return []Reply{{Text: c.t("help." + cmd.name), Private: c.req.Chat == ChatPrivate}}
	}
	var b strings.Builder
	b.WriteString(c.t("help.title"))
	for _, cmd := range commands {
		b.WriteString("\n/" + cmd.name + " — " + c.t("cmd."+cmd.name))
	}
	b.WriteString("\n\n" + c.t("help.more"))
	return []Reply{{Text: b.String()}}
}

func (c *conv) cmdCancel(string) []Reply {
	if c.d == nil {
		return []Reply{{Text: c.t("cancel.nothing"), Private: true}}
	}
	if p := c.d.Parent; p != nil {
		// Cancelling the offer to log a forward returns to the question it interrupted.
		c.setDialog(p)
		return []Reply{{Text: c.t("cancel.done") + "\n" + c.t("sched.dialog_resumed"), Private: true}}
	}
	c.setDialog(nil)
	return []Reply{{Text: c.t("cancel.done"), Private: true}}
}

// nearestCommand names the command a mistyped name most likely meant ("nwe" → "new",
// "pipline" → "pipeline"): the one within two edits, when exactly one is closest. The
// user is told, never taken there: a guess must not run a command.
func nearestCommand(name string) string {
	if len(name) < 2 {
		return ""
	}
	best, bestD, tie := "", 3, false
	for n, cmd := range commandIndex {
		d := editDistance(name, n)
		switch {
		case d < bestD:
			best, bestD, tie = cmd.name, d, false
		case d == bestD && cmd.name != best:
			tie = true
		}
	}
	if tie {
		return ""
	}
	return best
}

// editDistance is the Damerau–Levenshtein distance (adjacent swaps count once) between
// two short ASCII words.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
