// Command imapx migrates, backs up and audits IMAP mailboxes as a pipeline
// of small stages that speak JSON lines.
package main

import (
	"os"

	"github.com/imapx/imapx/cmd/imapx/command"
)

func main() { os.Exit(command.Run()) }
