package command

import (
	"io"

	"github.com/urfave/cli/v2"
)

// noEndFlag lets a reader of JSON lines accept a stream without an end
// record (written by hand or by another tool), with a warning.
type noEndFlag struct{}

func (noEndFlag) flags() []cli.Flag {
	return []cli.Flag{&cli.BoolFlag{Name: "no-end", Usage: `accept JSON lines without the {"type":"end"} record every imapx stage writes last (hand-written or foreign input), with a warning`}}
}

// warnings is where a reader warns about a missing end record, nil when
// --no-end was not given (then a missing end record fails the run).
func (noEndFlag) warnings(s *streams, c *cli.Context) io.Writer {
	if c.Bool("no-end") {
		return s.stderr
	}
	return nil
}
