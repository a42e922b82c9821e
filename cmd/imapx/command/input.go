package command

import (
	"io"
	"os"

	"github.com/imapx/imapx/internal/exitcode"
)

// inputArg is the command's optional input file argument: args[i], or "-"
// (stdin) when it is not given.
func inputArg(args []string, i int) string {
	if len(args) > i {
		return args[i]
	}
	return "-"
}

// openInput opens a named input ("-" is stdin).
func (s *streams) openInput(path string) (io.Reader, func(), error) {
	if path == "-" {
		return s.stdin, func() {}, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, exitcode.New(exitcode.NoInput, err)
	}
	// A directory opens, then fails at the first read as an internal
	// error: say what it is, as bad input (66).
	if st, err := f.Stat(); err == nil && st.IsDir() {
		f.Close()
		return nil, nil, exitcode.Newf(exitcode.NoInput, "%s: is a directory, not a file of JSON lines or mbox", path)
	}
	return f, func() { f.Close() }, nil
}

// inputName names an input in messages.
func inputName(path string) string {
	if path == "-" {
		return "<stdin>"
	}
	return path
}
