package command

import (
	"fmt"
	"strconv"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/searchkeys"
	"github.com/imapx/imapx/pipeline"
)

// syncSelectFlags are imapsync's message selection options for sync:
// both sides are read with them, so a message left out is "not
// selected", never "missing", and --delete2 never sees it.
type syncSelectFlags struct{}

func (syncSelectFlags) flags() []cli.Flag {
	const cat = "Messages"
	return []cli.Flag{
		&cli.StringFlag{Name: "search", Category: cat, Usage: "only messages matching IMAP SEARCH `KEYS`, on both sides (e.g. 'UNSEEN SINCE 1-Jan-2024')"},
		&cli.StringFlag{Name: "search1", Category: cat, Usage: "--search for host1 only (`KEYS`)"},
		&cli.StringFlag{Name: "search2", Category: cat, Usage: "--search for host2 only (`KEYS`)"},
		&cli.Float64Flag{Name: "maxage", Category: cat, Usage: "skip messages older than `DAYS` (Date: header, SENTSINCE; internal date with --noabletosearch)"},
		&cli.Float64Flag{Name: "minage", Category: cat, Usage: "skip messages newer than `DAYS` (with --maxage: their intersection, or their union when minage > maxage)"},
		&cli.Int64Flag{Name: "maxsize", Category: cat, Usage: "skip messages of `BYTES` or more"},
		&cli.Int64Flag{Name: "minsize", Category: cat, Usage: "skip messages of `BYTES` or fewer"},
		&cli.BoolFlag{Name: "noabletosearch", Category: cat, Usage: "select by age and size from a FETCH (internal dates), not SEARCH, on both sides"},
		&cli.BoolFlag{Name: "noabletosearch1", Category: cat, Usage: "--noabletosearch for host1 only"},
		&cli.BoolFlag{Name: "noabletosearch2", Category: cat, Usage: "--noabletosearch for host2 only"},
	}
}

// selections are the two sides' message selections, ages counted back
// from now.
func (syncSelectFlags) selections(c *cli.Context, now time.Time) (s1, s2 pipeline.Selection, err error) {
	if c.IsSet("search1") && !c.IsSet("search2") && !c.IsSet("search") && c.Bool("delete2") {
		return s1, s2, usagef(c, "--delete2 with --search1 alone would delete the host2 copies of the messages --search1 leaves out; give --search2 too (or --search for both)")
	}
	for i, sel := range []*pipeline.Selection{&s1, &s2} {
		side := strconv.Itoa(i + 1)
		keys := c.String("search")
		if c.IsSet("search" + side) {
			keys = c.String("search" + side)
		}
		if keys != "" {
			cr, err := searchkeys.Parse(keys)
			if err != nil {
				return s1, s2, usagef(c, "--search%s: %v", map[bool]string{true: side}[c.IsSet("search"+side)], err)
			}
			sel.Criteria = cr
		}
		local := c.Bool("noabletosearch") || c.Bool("noabletosearch"+side)
		if err := ageSize(c, sel, now, local); err != nil {
			return s1, s2, err
		}
		if sel.Keep != nil {
			// Ages count from now: another run selects otherwise.
			sel.Describe = fmt.Sprintf("maxage=%v minage=%v maxsize=%d minsize=%d now=%d",
				c.Float64("maxage"), c.Float64("minage"), c.Int64("maxsize"), c.Int64("minsize"), now.Unix())
		}
	}
	return s1, s2, nil
}

// ageSize adds --maxage, --minage, --maxsize and --minsize to a side's
// selection: as SEARCH keys, or with local as a check of each message's
// FETCH (internal date and size).
func ageSize(c *cli.Context, sel *pipeline.Selection, now time.Time, local bool) error {
	maxAge, minAge := c.Float64("maxage"), c.Float64("minage")
	maxSize, minSize := c.Int64("maxsize"), c.Int64("minsize")
	if maxAge < 0 || minAge < 0 || maxSize < 0 || minSize < 0 {
		return usagef(c, "--maxage, --minage, --maxsize and --minsize take positive numbers")
	}
	day := func(d float64) time.Time { return now.Add(-time.Duration(d * float64(24*time.Hour))) }
	if local {
		if maxAge == 0 && minAge == 0 && maxSize == 0 && minSize == 0 {
			return nil
		}
		sel.Keep = func(m *record.Message) bool {
			young := maxAge > 0 && !m.InternalDate.Before(day(maxAge))
			old := minAge > 0 && !m.InternalDate.After(day(minAge))
			var age bool
			switch {
			case maxAge > 0 && minAge > 0 && minAge > maxAge:
				age = young || old
			case maxAge > 0 && minAge > 0:
				age = young && old
			case maxAge > 0:
				age = young
			case minAge > 0:
				age = old
			default:
				age = true
			}
			return age && (maxSize == 0 || m.Size < maxSize) && (minSize == 0 || m.Size > minSize)
		}
		return nil
	}
	var cr imap.SearchCriteria
	switch {
	case maxAge > 0 && minAge > 0 && minAge > maxAge:
		cr.Or = [][2]imap.SearchCriteria{{{SentSince: day(maxAge)}, {SentBefore: day(minAge)}}}
	default:
		if maxAge > 0 {
			cr.SentSince = day(maxAge)
		}
		if minAge > 0 {
			cr.SentBefore = day(minAge)
		}
	}
	if maxSize > 0 {
		cr.Smaller = maxSize
	}
	if minSize > 0 {
		cr.Larger = minSize
	}
	if maxAge == 0 && minAge == 0 && maxSize == 0 && minSize == 0 {
		return nil
	}
	if sel.Criteria == nil {
		sel.Criteria = &imap.SearchCriteria{}
	}
	searchkeys.And(sel.Criteria, &cr)
	return nil
}
