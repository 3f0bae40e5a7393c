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
	buttons  []bot.Button
	imageDir string
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
		return c.runTerminal(ctx, historyFile)
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	var pending []string
	for sc.Scan() {
		if ctx.Err() != nil {
			return nil
		}
		line := sc.Text()
		// A pasted signature follows "/new" on the next lines: lines ending with a
		// backslash continue the message.
		if strings.HasSuffix(line, `\`) {
			pending = append(pending, strings.TrimSuffix(line, `\`))
			continue
		}
		if len(pending) > 0 {
			line = strings.Join(append(pending, line), "\n")
			pending = nil
		}
		if c.Line(ctx, line) {
			return nil
		}
	}
	return sc.Err()
}

func (c *Console) runTerminal(ctx context.Context, historyFile string) error {
	rl, err := readline.NewEx(&readline.Config{Prompt: "> ", HistoryFile: historyFile, InterruptPrompt: "^C", EOFPrompt: "/quit"})
	if err != nil {
		return err
	}
	defer rl.Close()
	c.mu.Lock()
	c.out = rl.Stdout()
	c.mu.Unlock()
	go func() {
		<-ctx.Done()
		rl.Close()
	}()
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
		if c.Line(ctx, line) {
			return nil
		}
	}
}

// Line handles one typed line and prints the replies. It returns true when the user
// asked to quit. A bare number presses the numbered button of the last reply.
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
	if n, err := strconv.Atoi(line); err == nil && n >= 1 && n <= len(c.buttons) {
		req.Text, req.Action = "", c.buttons[n-1].Action
	}
	c.mu.Unlock()
	replies := c.h.Handle(ctx, req)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buttons = nil
	for _, r := range replies {
		c.render(r)
	}
	return false
}

// Notify prints a message pushed by the scheduler (a nudge or a digest).
func (c *Console) Notify(_ context.Context, _ crm.Identity, r bot.Reply) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.buttons = nil
	fmt.Fprintln(c.out, "🔔")
	c.render(r)
	return nil
}

// render prints a reply; buttons become numbered choices. Called with mu held.
func (c *Console) render(r bot.Reply) {
	fmt.Fprintln(c.out, r.Text)
	if r.Image != nil {
		name := filepath.Join(c.imageDir, filepath.Base(r.Image.Name))
		if err := os.WriteFile(name, r.Image.PNG, 0o600); err != nil {
			fmt.Fprintf(c.out, "(could not write %s: %v)\n", name, err)
		} else {
			fmt.Fprintf(c.out, "(picture written to %s)\n", name)
		}
	}
	if len(r.Buttons) == 0 {
		return
	}
	var parts []string
	for _, row := range r.Buttons {
		for _, b := range row {
			c.buttons = append(c.buttons, b)
			parts = append(parts, fmt.Sprintf("[%d] %s", len(c.buttons), b.Label))
		}
	}
	fmt.Fprintln(c.out, "  "+strings.Join(parts, "  "))
}
