package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/jq"
)

// jqFlag is fetch's filter of its records.
type jqFlag struct{}

func (jqFlag) flags() []cli.Flag {
	return []cli.Flag{&cli.StringFlag{Name: "jq", Usage: "apply jq `EXPR` to every record: select(…) filters, other expressions transform"}}
}

// filter is the compiled expression, nil without --jq.
func (jqFlag) filter(c *cli.Context) (*jq.Filter, error) {
	if expr := c.String("jq"); expr != "" {
		return jq.Compile(expr)
	}
	return nil, nil
}
