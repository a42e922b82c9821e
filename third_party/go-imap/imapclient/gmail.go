package imapclient

import (
	"strings"

	"github.com/emersion/go-imap/v2/internal/imapwire"
	"github.com/emersion/go-imap/v2/internal/utf7"
)

// FetchItemDataGmailLabels holds data returned by FETCH X-GM-LABELS
// (Gmail, X-GM-EXT-1): system labels keep their backslash (\Inbox,
// \Sent, \Important…), the others are decoded from modified UTF-7 as
// mailbox names are.
type FetchItemDataGmailLabels struct {
	Labels []string
}

func (FetchItemDataGmailLabels) fetchItemData() {}

// FetchItemDataGmailMsgID holds data returned by FETCH X-GM-MSGID: the
// message's ID, the same in every folder (label) that shows it.
type FetchItemDataGmailMsgID struct {
	ID uint64
}

func (FetchItemDataGmailMsgID) fetchItemData() {}

// FetchItemDataGmailThrID holds data returned by FETCH X-GM-THRID: the
// ID of the message's thread.
type FetchItemDataGmailThrID struct {
	ID uint64
}

func (FetchItemDataGmailThrID) fetchItemData() {}

// readGmailLabels reads " (label ...)" after X-GM-LABELS. A label is a
// system label (\Inbox) or an astring: atom, quoted string or literal.
func readGmailLabels(dec *imapwire.Decoder) ([]string, error) {
	labels := []string{}
	if !dec.ExpectSP() {
		return nil, dec.Err()
	}
	err := dec.ExpectList(func() error {
		if dec.Special('\\') {
			var name string
			if !dec.ExpectAtom(&name) {
				return dec.Err()
			}
			labels = append(labels, `\`+name)
			return nil
		}
		var name string
		if !dec.ExpectAString(&name) {
			return dec.Err()
		}
		if decoded, err := utf7.Decode(name); err == nil {
			name = decoded
		}
		labels = append(labels, name)
		return nil
	})
	return labels, err
}

// writeGmailLabel writes a label for STORE X-GM-LABELS: a system label
// as an atom, any other as a mailbox name (modified UTF-7, quoted or a
// literal as needed).
func writeGmailLabel(enc *imapwire.Encoder, label string) {
	if strings.HasPrefix(label, `\`) && !strings.ContainsAny(label[1:], ` ()"\{%*]`) && len(label) > 1 {
		enc.Atom(label)
		return
	}
	enc.String(utf7.Encode(label))
}
