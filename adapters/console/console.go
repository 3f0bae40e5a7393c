// Package console is the terminal adapter: a chat with the bot on standard input and
// output. When stdin is a terminal it offers line editing and history; when it is
// piped it reads plain lines, so sessions can be scripted.
package console

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/chzyer/readline"

	"crmbot/bot"
	"crmbot/crm"
)

// Handler is what the console needs from the engine.
type Handler interface {
	Handle(ctx context.Context, req bot.Request) []bot.Reply
}

// Console is one terminal chat.
type Console struct {
	h        Handler
	identity crm.Identity
	out      io.Writer
	mu       sync.Mutex // serialises writes: replies and pushed nudges interleave
	buttons  []key      // the choices of the last reply that offered any
	imageDir string
	terminal func(*readline.Config) // tests: a fake terminal
}

// key is one pressable choice: what to type, and the button it presses.
type key struct {
	typed  string
	button bot.Button
	keyed  bool // typed is the button's own Key (an interest number), not a position
}

// New returns a console chat for identity, writing to out. Pictures (charts) are
// written as PNG files into imageDir.
func New(h Handler, identity crm.Identity, out io.Writer, imageDir string) *Console {
	return &Console{h: h, identity: identity, out: out, imageDir: imageDir}
}

// Run reads lines until EOF, "/quit" or ctx is done. With a terminal on in, it uses
// line editing and keeps history in historyFile ("" for none).
func (c *Console) Run(ctx context.Context, in io.Reader, interactive bool, historyFile string) error {
	if interactive {
		return c.runTerminal(ctx, in, historyFile)
	}
	r := bufio.NewReaderSize(in, 64*1024)
	var pending []string
	for {
		line, err := readLine(r, bot.MaxTextBytes)
		if err != nil && !(errors.Is(err, io.EOF) && line != "") {
			if errors.Is(err, io.EOF) {
				err = nil
			}
			return err
		}
		if ctx.Err() != nil {
			return nil
		}
		full, more := continued(&pending, line)
		if more {
			continue
		}
		if c.Line(ctx, full) {
			return nil
		}
	}
}

// continued gathers a message written over several lines: a line ending with a
// backslash continues on the next one (a pasted signature after "/new"). It returns
// the whole message, or more=true while it goes on.
func continued(pending *[]string, line string) (full string, more bool) {
	if strings.HasSuffix(line, `\`) {
		*pending = append(*pending, strings.TrimSuffix(line, `\`))
		return "", true
	}
	if len(*pending) > 0 {
		line = strings.Join(append(*pending, line), "\n")
		*pending = nil
	}
	return line, false
}

// readLine reads one line without its line ending. A line longer than max is not
// kept in memory: the first max+1 bytes are returned (so the engine refuses it as too
// long) and the rest is skipped, and the session goes on with the next line.
func readLine(r *bufio.Reader, max int) (string, error) {
	var buf []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if len(buf) <= max {
			buf = append(buf, chunk[:min(len(chunk), max+1-len(buf))]...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		line := strings.TrimSuffix(strings.TrimSuffix(string(buf), "\n"), "\r")
		return line, err
	}
}

func (c *Console) runTerminal(ctx context.Context, in io.Reader, historyFile string) error {
	if err := privateHistory(historyFile); err != nil {
		return err
	}
	c.mu.Lock()
	out := c.out
	c.mu.Unlock()
	cfg := &readline.Config{Prompt: "> ", HistoryFile: historyFile, InterruptPrompt: "^C", EOFPrompt: "/quit",
		Stdin: readline.NewCancelableStdin(newPasteReader(in)), Stdout: out}
	if c.terminal != nil {
		c.terminal(cfg)
	}
	rl, err := readline.NewEx(cfg)
	if err != nil {
		return err
	}
	defer rl.Close()
	// Ask the terminal to mark pastes, so a pasted signature arrives as one message;
	// and to stop when the chat ends, so the shell is not left with it.
	fmt.Fprint(out, pasteOn)
	defer fmt.Fprint(out, pasteOff)
	c.mu.Lock()
	c.out = rl.Stdout()
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		rl.Close()
	}()
	var pending []string
	for {
		line, err := rl.Readline()
		if errors.Is(err, readline.ErrInterrupt) {
			if line == "" {
				return nil
			}
			continue
		}
		if err != nil {
			return nil // EOF or closed
		}
		full, more := continued(&pending, unpaste(line))
		if more {
			rl.SetPrompt("… ")
			continue
		}
		rl.SetPrompt("> ")
		if c.Line(ctx, full) {
			return nil
		}
	}
}

// Line handles one typed message and prints the replies. It returns true when the
// user asked to quit. Typing a button's key presses it: the interest number for a
// choice of interest, otherwise the number shown before the button.
func (c *Console) Line(ctx context.Context, line string) (quit bool) {
	line = strings.TrimSpace(line)
	if line == "" {
		return false
	}
	if line == "/quit" || line == "/exit" {
		return true
	}
	req := bot.Request{Identity: c.identity, Text: line, Chat: bot.ChatPrivate}
	c.mu.Lock()
	if b, ok := c.press(line); ok {
		req.Text, req.Action = "", b.Action
	}
	c.mu.Unlock()
	replies := c.h.Handle(ctx, req)
	c.mu.Lock()
	defer c.mu.Unlock()
	if strings.HasPrefix(req.Text, "/") {
		// A typed command leaves the question being answered, even when it fails:
		// the earlier choices must not stay pressable by a stray number.
		c.buttons = nil
	}
	c.show(replies)
	return false
}

// press finds the button that typed presses. Called with mu held.
func (c *Console) press(typed string) (bot.Button, bool) {
	t := strings.ToLower(typed)
	for _, k := range c.buttons {
		if t == k.typed || (k.keyed && t[0] == '#' && t[1:] == k.typed) {
			return k.button, true
		}
	}
	return bot.Button{}, false
}

// show prints replies. The choices offered last stay pressable until a reply
// offers new ones, unless a reply without buttons moved the conversation on (a
// question without choices, or a result): only a refused answer keeps them, as a
// chat keeps the buttons of the message still being answered (Line drops them for
// a refused command). Called with mu held.
func (c *Console) show(replies []bot.Reply) {
	keep := true
	for _, r := range replies {
		if len(r.Buttons) > 0 || !r.Error {
			keep = false
		}
	}
	if !keep {
		c.buttons = nil
	}
	for _, r := range replies {
		c.render(r)
	}
}

// Notify prints a message pushed by the scheduler (a nudge or a digest).
func (c *Console) Notify(_ context.Context, _ crm.Identity, r bot.Reply) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	fmt.Fprintln(c.out, "🔔")
	c.show([]bot.Reply{r})
	return nil
}

// catalogued is the engine's message catalog, for the terminal's own notes.
type catalogued interface {
	Catalog() *bot.Catalog
}

// t words one of the terminal's own notes in lang, from the engine's catalog; an
// engine without one (a test's) gets the English fallback.
func (c *Console) t(lang, key string, args ...any) string {
	if e, ok := c.h.(catalogued); ok && e.Catalog() != nil {
		if lang == "" {
			lang = bot.DefaultLang
			if d, ok := c.h.(interface{ DefaultLanguage() string }); ok {
				lang = d.DefaultLanguage()
			}
		}
		return e.Catalog().T(lang, key, args...)
	}
	switch key {
	case "console.picture_failed":
		return fmt.Sprintf("(could not write %s: %v)", args...)
	}
	return fmt.Sprintf("(picture written to %s)", args...)
}

// render prints a reply; buttons become numbered choices. Called with mu held.
func (c *Console) render(r bot.Reply) {
	fmt.Fprintln(c.out, r.Text)
	if r.Image != nil {
		name := filepath.Join(c.imageDir, filepath.Base(r.Image.Name))
		if err := os.WriteFile(name, r.Image.PNG, 0o600); err != nil {
			fmt.Fprintln(c.out, c.t(r.Image.Lang, "console.picture_failed", name, err))
		} else {
			fmt.Fprintln(c.out, c.t(r.Image.Lang, "console.picture_written", name))
		}
	}
	if len(r.Buttons) == 0 {
		return
	}
	// Buttons are numbered by position, unless the reply keys them itself (a choice
	// of interest: typing 2 means #2); never both, so a number has one meaning.
	keyed := false
	for _, row := range r.Buttons {
		for _, b := range row {
			keyed = keyed || b.Key != ""
		}
	}
	var parts []string
	pos, letter := 0, 'a'
	for _, row := range r.Buttons {
		for _, b := range row {
			var k string
			switch {
			case keyed && b.Key != "":
				k = strings.ToLower(b.Key)
			case keyed:
				// A button the reply left unkeyed among keyed ones gets a letter:
				// a number would mean an interest.
				for c.taken(string(letter)) {
					letter++
				}
				k = string(letter)
				letter++
			default:
				// Positions skip a number an earlier reply of the same answer keyed.
				for pos++; c.taken(strconv.Itoa(pos)); pos++ {
				}
				k = strconv.Itoa(pos)
			}
			c.buttons = append(c.buttons, key{typed: k, button: b, keyed: keyed})
			parts = append(parts, fmt.Sprintf("[%s] %s", k, b.Label))
		}
	}
	fmt.Fprintln(c.out, "  "+strings.Join(parts, "  "))
}

// taken reports whether typing k already presses a button. Called with mu held.
func (c *Console) taken(k string) bool {
	for _, b := range c.buttons {
		if b.typed == k {
			return true
		}
	}
	return false
}

// privateHistory makes sure the history file, which holds what was typed (client
// names, phones, notes), is readable by its owner only: it creates it 0600, and
// narrows the mode of one an older version created 0644.
func privateHistory(path string) error {
	if path == "" {
		return nil
	}
	f, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o600)
	if err != nil {
		return fmt.Errorf("history file: %w", err)
	}
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return fmt.Errorf("history file: %w", err)
	}
	return f.Close()
}
