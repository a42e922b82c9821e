package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/progress"
)

// progressFlag chooses how push and sync show their progress on stderr.
type progressFlag struct{}

func (progressFlag) flags() []cli.Flag {
	return []cli.Flag{&cli.StringFlag{Name: "progress", Value: progress.ModeAuto, Usage: "`MODE`: auto (a bar per phase when stderr is a terminal, " +
		`else nothing), json (a {"type":"progress",…} line on stderr every second and at each phase's end) or none`}}
}

// display opens the progress display --progress asks for. Log lines must
// go through it (they then print above the bars); Close ends it.
func (progressFlag) display(s *streams, c *cli.Context) (progress.Display, error) {
	d, err := progress.New(c.String("progress"), s.stderr)
	if err != nil {
		return nil, usagef(c, "%v", err)
	}
	return d, nil
}
