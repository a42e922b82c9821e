package imapserver

import (
	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/internal/imapwire"
	"github.com/emersion/go-imap/v2/internal/utf7"
)

// WriteGmailLabels writes the message's X-GM-LABELS (Gmail, X-GM-EXT-1):
// labels starting with a backslash are system labels (\Inbox, \Sent…),
// the others are written as mailbox names (modified UTF-7).
func (w *FetchResponseWriter) WriteGmailLabels(labels []string) {
	w.writeItemSep()
	w.enc.Atom("X-GM-LABELS").SP().List(len(labels), func(i int) {
		l := labels[i]
		if len(l) > 1 && l[0] == '\\' {
			w.enc.Atom(l)
		} else {
			w.enc.String(utf7.Encode(l))
		}
	})
}

// WriteGmailMsgID writes the message's X-GM-MSGID.
func (w *FetchResponseWriter) WriteGmailMsgID(id uint64) {
	w.writeItemSep()
	w.enc.Atom("X-GM-MSGID").SP().ModSeq(id)
}

// WriteGmailThrID writes the message's X-GM-THRID.
func (w *FetchResponseWriter) WriteGmailThrID(id uint64) {
	w.writeItemSep()
	w.enc.Atom("X-GM-THRID").SP().ModSeq(id)
}

// readGmailLabel reads one label of STORE X-GM-LABELS: a system label
// (\Inbox) or an astring in modified UTF-7, returned decoded.
func readGmailLabel(dec *imapwire.Decoder) (imap.Flag, error) {
	if dec.Special('\\') {
		var name string
		if !dec.ExpectAtom(&name) {
			return "", dec.Err()
		}
		return imap.Flag(`\` + name), nil
	}
	var name string
	if !dec.ExpectAString(&name) {
		return "", dec.Err()
	}
	if decoded, err := utf7.Decode(name); err == nil {
		name = decoded
	}
	return imap.Flag(name), nil
}
