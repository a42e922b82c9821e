package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/identity"
)

// identityFlags choose the header fields that identify a message (fetch,
// ident, format, sync).
type identityFlags struct{}

func (identityFlags) flags() []cli.Flag {
	return []cli.Flag{&cli.StringSliceFlag{Name: "useheader", Category: "Identity",
		Usage: "identify messages by header `NAME` (repeatable; default Message-Id and Received; ALL = whole header)"}}
}

func (identityFlags) options(c *cli.Context) (identity.Options, error) {
	o := identity.Options{Headers: c.StringSlice("useheader")}
	if err := o.Validate(); err != nil {
		return o, usagef(c, "--useheader: %v", err)
	}
	return o, nil
}
