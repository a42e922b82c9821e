package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/pipeline"
)

// imapsync's --syncacls: the folders' ACLs (RFC 4314) are copied.
func init() {
	registerImapsync(imapsyncOption{name: "syncacls", status: implemented,
		says: "each selected folder's ACL is made host1's on host2 (GETACL, SETACL), host1's own user's entry as host2's user's; a server without ACL, or a refused SETACL, is a warning",
		flag: &cli.BoolFlag{Name: "syncacls", Usage: "copy each folder's ACL (access rights of other users) to host2"}})
}

// aclOptions are --syncacls's options (--nosyncacls, imapsync's default,
// turns it off).
func aclOptions(c *cli.Context, a1, a2 *session.Account) pipeline.ACLOptions {
	return pipeline.ACLOptions{Sync: c.Bool("syncacls") && !c.Bool("nosyncacls"), User1: a1.User, User2: a2.User}
}
