// Package progress shows how far a run is, phase by phase (inventory,
// copy, flags, verify): bars on a terminal, JSON lines for scripts, or
// nothing. Stages only call a Reporter; the command picks the Display.
package progress

import (
	"fmt"
	"io"
	"os"

	"golang.org/x/term"
)

// Reporter is what stages tell about their progress. A phase's totals are
// 0 when unknown. Implementations are safe for concurrent use.
type Reporter interface {
	// Start begins a phase, ending the previous one if it is still open.
	Start(phase string, messages int, bytes int64)
	// Add counts work done in the current phase.
	Add(messages int, bytes int64)
	// Done ends the current phase.
	Done()
}

// Display is a Reporter that owns its output stream: log lines written to
// it come out whole and above any bar, and Close ends the display.
type Display interface {
	Reporter
	io.Writer
	Close()
}

// Modes of --progress.
const (
	ModeAuto = "auto" // bars when w is a terminal, else nothing
	ModeJSON = "json"
	ModeNone = "none"
)

// New returns the display for mode, writing to w (stderr).
func New(mode string, w io.Writer) (Display, error) {
	switch mode {
	case ModeNone:
		return None{W: w}, nil
	case ModeJSON:
		return NewJSON(w, 0), nil
	case ModeAuto, "":
		if isTerminal(w) {
			return newTerminal(w), nil
		}
		return None{W: w}, nil
	}
	return nil, fmt.Errorf("--progress %q: want auto, json or none", mode)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// None shows nothing; log lines go straight to W. Its zero value is a
// Reporter that does nothing.
type None struct{ W io.Writer }

func (None) Start(string, int, int64) {}
func (None) Add(int, int64)           {}
func (None) Done()                    {}
func (None) Close()                   {}

func (n None) Write(p []byte) (int, error) {
	if n.W == nil {
		return len(p), nil
	}
	return n.W.Write(p)
}
