package console

import (
	"io"
	"strings"
)

// Bracketed paste: a terminal asked with pasteOn wraps whatever is pasted in
// pasteStart … pasteEnd, so a pasted email signature can be told apart from lines
// typed and sent one by one.
const (
	pasteOn    = "\x1b[?2004h"
	pasteOff   = "\x1b[?2004l"
	pasteStart = "\x1b[200~"
	pasteEnd   = "\x1b[201~"
	// pastedBreak stands for a line break inside a paste while the line editor holds
	// it: the editor ends a line at every CR or LF, so the pasted ones travel as
	// U+2028 LINE SEPARATOR and become "\n" again when the line is sent.
	pastedBreak = "\u2028"
)

// pasteReader removes the bracketed-paste markers from a terminal's input and turns
// the line breaks between them into pastedBreak, so the line editor returns a whole
// paste as one line. Everything else passes through unchanged.
type pasteReader struct {
	r       io.Reader
	pasting bool
	held    []byte // a possible start of a marker, waiting for more input
	out     []byte // processed, not yet read
	lastCR  bool   // the paste's last byte was CR: a following LF is the same break
	buf     [4096]byte
}

func newPasteReader(r io.Reader) *pasteReader { return &pasteReader{r: r} }

func (p *pasteReader) Read(b []byte) (int, error) {
	for len(p.out) == 0 {
		n, err := p.r.Read(p.buf[:])
		p.feed(p.buf[:n])
		if err != nil {
			if len(p.out) == 0 {
				p.out, p.held = p.held, nil // an unfinished marker was just input
			}
			if len(p.out) == 0 {
				return 0, err
			}
			break
		}
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	return n, nil
}

// feed processes input bytes into out.
func (p *pasteReader) feed(in []byte) {
	for _, c := range in {
		if len(p.held) > 0 || c == 0x1b {
			p.held = append(p.held, c)
			marker := pasteStart
			if p.pasting {
				marker = pasteEnd
			}
			switch {
			case string(p.held) == marker:
				p.pasting, p.held, p.lastCR = !p.pasting, nil, false
			case !strings.HasPrefix(marker, string(p.held)):
				// Not the marker (an arrow key, say): pass it on as it came.
				held := p.held
				p.held = nil
				for i, h := range held {
					if i > 0 && h == 0x1b {
						p.feed(held[i:])
						break
					}
					p.emit(h)
				}
			}
			continue
		}
		p.emit(c)
	}
}

func (p *pasteReader) emit(c byte) {
	if !p.pasting {
		p.out = append(p.out, c)
		return
	}
	switch {
	case c == '\n' && p.lastCR:
		p.lastCR = false
	case c == '\r' || c == '\n':
		p.out = append(p.out, pastedBreak...)
		p.lastCR = c == '\r'
	default:
		p.out = append(p.out, c)
		p.lastCR = false
	}
}

// unpaste turns the line breaks of a paste back into "\n".
func unpaste(line string) string {
	return strings.ReplaceAll(line, pastedBreak, "\n")
}
