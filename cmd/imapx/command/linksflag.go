package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/links"
)

// linksFlag is --links FILE of push (which writes it) and fetch (which
// reads it): see package links.
func linksFlag(usage string) cli.Flag {
	return &cli.StringFlag{Name: "links", Usage: usage}
}

// openLinks opens --links' file, nil without --links.
func openLinks(c *cli.Context) (*links.Links, error) {
	path := c.String("links")
	if path == "" {
		return nil, nil
	}
	l, err := links.Open(path)
	if err != nil {
		return nil, exitcode.New(exitcode.NoInput, err)
	}
	return l, nil
}
