package console

import "github.com/chzyer/readline"

// PrivateHistory exposes privateHistory to the tests.
var PrivateHistory = privateHistory

// NewPasteReader exposes the bracketed-paste filter to the tests.
var NewPasteReader = newPasteReader

// FakeTerminal makes c's interactive mode run on pipes: no raw mode, a fixed width.
func FakeTerminal(c *Console) {
	c.terminal = func(cfg *readline.Config) {
		cfg.FuncIsTerminal = func() bool { return true }
		cfg.FuncMakeRaw = func() error { return nil }
		cfg.FuncExitRaw = func() error { return nil }
		cfg.FuncGetWidth = func() int { return 200 }
		cfg.FuncOnWidthChanged = func(func()) {}
	}
}
