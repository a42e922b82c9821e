package command

import (
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/searchkeys"
)

// messageFlags are imapsync's message selection options, sent to the
// server as one SEARCH.
type messageFlags struct{}

func (messageFlags) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "search", Category: "Messages", Usage: "only messages matching IMAP search `KEYS` (e.g. 'UNSEEN SINCE 1-Jan-2024')"},
		&cli.IntFlag{Name: "maxage", Category: "Messages", Usage: "only messages younger than `DAYS` (internal date)"},
		&cli.IntFlag{Name: "minage", Category: "Messages", Usage: "only messages older than `DAYS` (internal date)"},
		&cli.Int64Flag{Name: "maxsize", Category: "Messages", Usage: "only messages smaller than `BYTES`"},
		&cli.Int64Flag{Name: "minsize", Category: "Messages", Usage: "only messages larger than `BYTES`"},
		&cli.StringFlag{Name: "uid", Category: "Messages", Usage: "only messages whose UID is in `RANGE` (e.g. 1:500,900:*)"},
	}
}

// criteria is the search the options ask for, nil for every message; ages
// count back from now.
func (messageFlags) criteria(c *cli.Context, now time.Time) (*imap.SearchCriteria, error) {
	var all *imap.SearchCriteria
	and := func(cr *imap.SearchCriteria) {
		if all == nil {
			all = &imap.SearchCriteria{}
		}
		searchkeys.And(all, cr)
	}
	if keys := c.String("search"); keys != "" {
		cr, err := searchkeys.Parse(keys)
		if err != nil {
			return nil, usagef(c, "--search: %v", err)
		}
		and(cr)
	}
	if r := c.String("uid"); r != "" {
		cr, err := searchkeys.Parse("UID " + r)
		if err != nil {
			return nil, usagef(c, "--uid %q: not a UID range (e.g. 1:500,900:*)", r)
		}
		and(cr)
	}
	day := 24 * time.Hour
	if d := c.Int("maxage"); d > 0 {
		and(&imap.SearchCriteria{Since: now.Add(-time.Duration(d) * day)})
	}
	if d := c.Int("minage"); d > 0 {
		and(&imap.SearchCriteria{Before: now.Add(-time.Duration(d) * day)})
	}
	if n := c.Int64("maxsize"); n > 0 {
		and(&imap.SearchCriteria{Smaller: n})
	}
	if n := c.Int64("minsize"); n > 0 {
		and(&imap.SearchCriteria{Larger: n})
	}
	return all, nil
}
