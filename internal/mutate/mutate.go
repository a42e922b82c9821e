// Package mutate is the one door through which imapx changes a mailbox:
// APPEND, CREATE, SUBSCRIBE, DELETE, STORE, EXPUNGE, SETACL and a read-write
// SELECT all go through a Gate. Under --dry-run the Gate sends none of
// them and answers ErrDryRun (a SELECT becomes an EXAMINE), so that a
// write added later cannot forget the dry run: at worst it fails, it never
// changes the server. A test keeps the stages from calling those commands
// on a client directly.
//
// What a dry run reports (the "dry_run" results) stays the stages' work:
// they ask DryRun before a write to report it instead.
package mutate

import (
	"errors"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// ErrDryRun is a write's answer under --dry-run: nothing was sent.
var ErrDryRun = errors.New("not done: dry run")

// Gate carries out writes, or (DryRun) refuses them all.
type Gate struct {
	Dry bool
}

// DryRun reports whether writes are only to be reported.
func (g Gate) DryRun() bool { return g.Dry }

// Select opens mailbox read-write to change it; under a dry run it is
// examined (read-only: no \Recent or \Seen changes either).
func (g Gate) Select(c *imapclient.Client, mailbox string) *imapclient.SelectCommand {
	var opts *imap.SelectOptions
	if g.Dry {
		opts = &imap.SelectOptions{ReadOnly: true}
	}
	return c.Select(mailbox, opts)
}

// Append starts an APPEND (the body is then written to the command).
func (g Gate) Append(c *imapclient.Client, mailbox string, size int64, opts *imap.AppendOptions) (*imapclient.AppendCommand, error) {
	if g.Dry {
		return nil, ErrDryRun
	}
	return c.Append(mailbox, size, opts), nil
}

// Create creates mailbox and waits for the answer.
func (g Gate) Create(c *imapclient.Client, mailbox string, opts *imap.CreateOptions) error {
	if g.Dry {
		return ErrDryRun
	}
	return c.Create(mailbox, opts).Wait()
}

// Subscribe subscribes mailbox and waits for the answer.
func (g Gate) Subscribe(c *imapclient.Client, mailbox string) error {
	if g.Dry {
		return ErrDryRun
	}
	return c.Subscribe(mailbox).Wait()
}

// SetACL replaces identifier's rights on mailbox (RFC 4314 SETACL; empty
// rights take them all away) and waits for the answer.
func (g Gate) SetACL(c *imapclient.Client, mailbox string, identifier imap.RightsIdentifier, rights imap.RightSet) error {
	if g.Dry {
		return ErrDryRun
	}
	return c.SetACL(mailbox, identifier, imap.RightModificationReplace, rights).Wait()
}

// Delete deletes mailbox and waits for the answer.
func (g Gate) Delete(c *imapclient.Client, mailbox string) error {
	if g.Dry {
		return ErrDryRun
	}
	return c.Delete(mailbox).Wait()
}

// Store sends a UID STORE; its answer is read from the command.
func (g Gate) Store(c *imapclient.Client, uids imap.UIDSet, flags *imap.StoreFlags) (*imapclient.FetchCommand, error) {
	if g.Dry {
		return nil, ErrDryRun
	}
	return c.Store(uids, flags, nil), nil
}

// UIDExpunge removes exactly uids (UIDPLUS).
func (g Gate) UIDExpunge(c *imapclient.Client, uids imap.UIDSet) (*imapclient.ExpungeCommand, error) {
	if g.Dry {
		return nil, ErrDryRun
	}
	return c.UIDExpunge(uids), nil
}

// Expunge removes every message marked \Deleted in the selected mailbox.
func (g Gate) Expunge(c *imapclient.Client) (*imapclient.ExpungeCommand, error) {
	if g.Dry {
		return nil, ErrDryRun
	}
	return c.Expunge(), nil
}
