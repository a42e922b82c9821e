package command

import (
	"fmt"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
)

// imapsyncMode runs sync's modes that stop before any login
// (--abort, --justconnect). done is false when the run goes on.
func (s *streams) imapsyncMode(c *cli.Context, a1, a2 *session.Account) (done bool, err error) {
	if c.Bool("abort") {
		return true, s.abort(c, a1, a2)
	}
	if c.Bool("justconnect") {
		return true, s.justConnect(c, a1, a2)
	}
	return false, nil
}

// justConnect prints both servers' greetings and capabilities, as
// imapsync's --justconnect, logging in to neither.
func (s *streams) justConnect(c *cli.Context, a1, a2 *session.Account) error {
	for i, a := range []*session.Account{a1, a2} {
		g, err := a.Greet(c.Context)
		if err != nil {
			return exitcode.ForHost(err, i+1)
		}
		fmt.Fprintf(s.stdout, "Host%d: connected to %s (%s)\n", i+1, a.Addr(), a.Security)
		fmt.Fprintf(s.stdout, "Host%d banner: %s\n", i+1, g.Banner)
		fmt.Fprintf(s.stdout, "Host%d capability: %s\n", i+1, strings.Join(g.Capabilities, " "))
	}
	return nil
}
