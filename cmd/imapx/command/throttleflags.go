package command

import (
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/push"
)

// throttleFlags are imapsync's options pacing the copy (push and sync).
type throttleFlags struct{}

func (throttleFlags) flags() []cli.Flag {
	const cat = "Throttling"
	return []cli.Flag{
		&cli.Float64Flag{Name: "maxmessagespersecond", Category: cat, Usage: "copy at most `N` messages per second on average (0.5: one every 2 s)"},
		&cli.Int64Flag{Name: "maxbytespersecond", Category: cat, Usage: "copy at most `N` bytes per second on average"},
		&cli.Int64Flag{Name: "maxbytesafter", Category: cat, Usage: "start --maxbytespersecond only after `N` bytes were copied"},
		&cli.Int64Flag{Name: "exitwhenover", Category: cat, Usage: "stop once `N` bytes were copied (a provider's daily upload quota): " +
			"messages under way finish, no other starts, exit 118; run again later to go on"},
	}
}

// throttle builds the push throttle the flags ask for; nil when none.
func (throttleFlags) throttle(c *cli.Context) (*push.Throttle, error) {
	l := push.Limits{
		MessagesPerSecond: c.Float64("maxmessagespersecond"),
		BytesPerSecond:    c.Int64("maxbytespersecond"),
		BytesAfter:        c.Int64("maxbytesafter"),
		ExitWhenOver:      c.Int64("exitwhenover"),
		MaxSleep:          time.Duration(c.Float64("maxsleep") * float64(time.Second)),
	}
	if !(l.MessagesPerSecond >= 0) || l.BytesPerSecond < 0 || l.BytesAfter < 0 || l.ExitWhenOver < 0 {
		return nil, usagef(c, "--maxmessagespersecond, --maxbytespersecond, --maxbytesafter and --exitwhenover take positive numbers")
	}
	return push.NewThrottle(l), nil
}
