package command

import (
	"fmt"
	"io"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/outfile"
)

// outputFlag is -o FILE; usage differs per command.
func outputFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "output", Aliases: []string{"o"}, Usage: usage}
}

// output is where a command writes its data: stdout, or -o's file, which
// replaces an old one only when Commit is called (a failed run leaves it
// as it was).
type output struct {
	io.Writer
	path string
	file *outfile.File // nil for stdout
}

// openOutput opens -o FILE ("" or "-" is stdout). Close discards an
// uncommitted file.
func (s *streams) openOutput(c *cli.Context) (*output, error) {
	path := c.String("output")
	if path == "" || path == "-" {
		return &output{Writer: s.stdout}, nil
	}
	f, err := outfile.Create(path)
	if err != nil {
		return nil, exitcode.New(exitcode.NoInput, fmt.Errorf("-o %s: %w", path, err))
	}
	return &output{Writer: f, path: path, file: f}, nil
}

// Commit puts the file in place (nothing for stdout).
func (o *output) Commit() error {
	if o.file == nil {
		return nil
	}
	return o.file.Commit()
}

// Close discards the file unless it was committed.
func (o *output) Close() {
	if o.file != nil {
		o.file.Abort()
	}
}
