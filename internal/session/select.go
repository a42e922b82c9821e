package session

import (
	"errors"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/mutate"
)

// Select opens mailbox on c: read-only (EXAMINE) or read-write (SELECT,
// through mutate's gate). When c has it open already in a mode that
// serves (read-write serves a read-only use, read-only never serves a
// write), it is not selected again, which on a big maildir costs Dovecot a
// rescan, but refreshed: a NOOP brings the messages added and expunged
// since, a STATUS the UIDNEXT and HIGHESTMODSEQ of now. The data returned
// is then what a SELECT would answer now: NumMessages, Flags and
// PermanentFlags as the connection has followed them, UIDValidity,
// UIDNext and HighestModSeq (0 when the server gives none, as in a
// SELECT's answer). A folder whose UIDVALIDITY moved, or a server that
// refuses the STATUS, is selected again.
func Select(c *imapclient.Client, mailbox string, readOnly bool) (*imap.SelectData, error) {
	if mb := c.Mailbox(); mb != nil && mb.Name == mailbox && (readOnly || !mb.ReadOnly) {
		data, err := refresh(c, mailbox)
		if err != nil || data != nil {
			return data, err
		}
	}
	// The gate's dry run is an EXAMINE: the mode asked for.
	return mutate.Gate{Dry: readOnly}.Select(c, mailbox).Wait()
}

// Leave makes sure c does not have mailbox selected, before a DELETE of
// it: Dovecot drops a connection whose selected mailbox is deleted
// ("BYE Selected mailbox was deleted"), and a pooled connection keeps
// its last folder selected. UNSELECT where offered, else INBOX is
// examined instead (never deleted).
func Leave(c *imapclient.Client, mailbox string) error {
	mb := c.Mailbox()
	if mb == nil || mb.Name != mailbox {
		return nil
	}
	if c.Caps().Has(imap.CapUnselect) || c.Caps().Has(imap.CapIMAP4rev2) {
		return c.Unselect().Wait()
	}
	_, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait()
	return err
}

// refresh brings the selected mailbox up to date in one round trip; nil
// data (no error) asks for a new SELECT.
func refresh(c *imapclient.Client, mailbox string) (*imap.SelectData, error) {
	opts := &imap.StatusOptions{NumMessages: true, UIDNext: true, UIDValidity: true}
	if c.Caps().Has(imap.CapCondStore) {
		opts.HighestModSeq = true
	}
	noop := c.Noop()
	status := c.Status(mailbox, opts)
	if err := noop.Wait(); err != nil {
		status.Wait()
		return nil, err
	}
	st, err := status.Wait()
	var imapErr *imap.Error
	if errors.As(err, &imapErr) && !Throttled(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	// A count that differs from the connection's: a server that does
	// not report changes on NOOP (or one arrived in between); a folder
	// recreated under the same name: selected again.
	mb := c.Mailbox()
	if mb == nil || mb.Name != mailbox || st.UIDValidity == 0 || st.UIDValidity != mb.UIDValidity ||
		st.NumMessages == nil || *st.NumMessages != mb.NumMessages {
		return nil, nil
	}
	data := &imap.SelectData{
		Flags:          mb.Flags,
		PermanentFlags: mb.PermanentFlags,
		NumMessages:    mb.NumMessages,
		UIDValidity:    mb.UIDValidity,
		UIDNext:        st.UIDNext,
		HighestModSeq:  st.HighestModSeq,
	}
	return data, nil
}
