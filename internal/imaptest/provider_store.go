package imaptest

import (
	"bufio"
	"bytes"
	"fmt"
	"net/textproto"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	gmtextproto "github.com/emersion/go-message/textproto"
)

// pmsg is one stored message; with Gmail, one message whatever the
// number of folders (labels) that show it.
type pmsg struct {
	id    uint64
	raw   []byte
	date  time.Time
	flags map[imap.Flag]bool
	msgID string // Message-ID header, "" without one
}

type pentry struct {
	uid imap.UID
	msg *pmsg
}

type pfolder struct {
	name        string
	attrs       []imap.MailboxAttr
	uidValidity uint32
	uidNext     imap.UID
	entries     []pentry
	subscribed  bool
	noselect    bool
}

func (f *pfolder) find(m *pmsg) (imap.UID, bool) {
	for _, e := range f.entries {
		if e.msg == m {
			return e.uid, true
		}
	}
	return 0, false
}

func (f *pfolder) add(m *pmsg) imap.UID {
	if uid, ok := f.find(m); ok {
		return uid
	}
	uid := f.uidNext
	f.uidNext++
	f.entries = append(f.entries, pentry{uid: uid, msg: m})
	return uid
}

func (f *pfolder) remove(m *pmsg) {
	for i, e := range f.entries {
		if e.msg == m {
			f.entries = append(f.entries[:i:i], f.entries[i+1:]...)
			return
		}
	}
}

// account is one user's mailbox. Callers hold Provider.mu.
type account struct {
	p        *Provider
	name     string
	password string
	folders  map[string]*pfolder
	byMsgID  map[string]*pmsg
	nextID   uint64
}

// Gmail's system folders and their labels in X-GM-LABELS.
const (
	gmailAll       = "[Gmail]/All Mail"
	gmailSent      = "[Gmail]/Sent Mail"
	gmailDrafts    = "[Gmail]/Drafts"
	gmailSpam      = "[Gmail]/Spam"
	gmailStarred   = "[Gmail]/Starred"
	gmailTrash     = "[Gmail]/Trash"
	gmailImportant = "[Gmail]/Important"
)

var gmailSystemLabels = map[string]string{
	"INBOX": `\Inbox`, gmailSent: `\Sent`, gmailDrafts: `\Draft`,
	gmailStarred: `\Starred`, gmailImportant: `\Important`,
}

var exchangeFolders = map[string][]string{
	// Sent, Trash, Drafts, Junk, Archive, then non-mail folders.
	"en": {"Sent Items", "Deleted Items", "Drafts", "Junk Email", "Archive", "Calendar", "Contacts"},
	"de": {"Gesendete Elemente", "Gelöschte Elemente", "Entwürfe", "Junk-E-Mail", "Archiv", "Kalender", "Kontakte"},
	"fr": {"Éléments envoyés", "Éléments supprimés", "Brouillons", "Courrier indésirable", "Archive", "Calendrier", "Contacts"},
}

func newAccount(p *Provider, name, password string) *account {
	a := &account{p: p, name: name, password: password, folders: map[string]*pfolder{}, byMsgID: map[string]*pmsg{}, nextID: 1600000000000000001}
	a.mk("INBOX")
	if p.opts.Kind == "gmail" {
		a.mk("[Gmail]").noselect = true
		for name, attr := range map[string]imap.MailboxAttr{gmailAll: imap.MailboxAttrAll, gmailSent: imap.MailboxAttrSent,
			gmailDrafts: imap.MailboxAttrDrafts, gmailSpam: imap.MailboxAttrJunk, gmailStarred: imap.MailboxAttrFlagged,
			gmailTrash: imap.MailboxAttrTrash, gmailImportant: imap.MailboxAttrImportant} {
			a.mk(name).attrs = []imap.MailboxAttr{attr}
		}
		return a
	}
	names := exchangeFolders[p.opts.Locale]
	if names == nil {
		names = exchangeFolders["en"]
	}
	for _, n := range names {
		a.mk(n)
	}
	return a
}

func (a *account) mk(name string) *pfolder {
	f := &pfolder{name: name, uidValidity: uint32(len(a.folders) + 1), uidNext: 1, subscribed: true}
	a.folders[name] = f
	return f
}

// create makes a folder (and its parents) the way the provider allows.
func (a *account) create(name string) (*pfolder, error) {
	if strings.EqualFold(name, "INBOX") {
		name = "INBOX"
	}
	if f := a.folders[name]; f != nil {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: "Folder already exists"}
	}
	if a.p.opts.Kind == "gmail" {
		if strings.HasPrefix(name, "[Gmail]/") {
			return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Invalid folder name (Failure)"}
		}
		for _, level := range strings.Split(name, "/") {
			if level != strings.TrimSpace(level) {
				return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Folder contains excess whitespace (Failure)"}
			}
		}
	} else if strings.EqualFold(name, "Files") {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Folder name is reserved"}
	}
	parts := strings.Split(name, "/")
	for i := 1; i < len(parts); i++ {
		if parent := strings.Join(parts[:i], "/"); a.folders[parent] == nil {
			a.mk(parent)
		}
	}
	return a.mk(name), nil
}

func headerMessageID(raw []byte) string {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(raw)
	}
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(raw[:end:end], "\r\n\r\n"...))))
	h, _ := r.ReadMIMEHeader()
	return strings.TrimSpace(h.Get("Message-Id"))
}

func longestLine(raw []byte) int {
	most := 0
	for len(raw) > 0 {
		i := bytes.IndexByte(raw, '\n')
		if i < 0 {
			i = len(raw)
		}
		most = max(most, len(bytes.TrimRight(raw[:i], "\r")))
		raw = raw[min(i+1, len(raw)):]
	}
	return most
}

// append stores raw in folder as the provider does, and returns its UID
// there and whether a new message was made.
func (a *account) append(folder string, raw []byte, flags []imap.Flag, date time.Time) (imap.UID, error) {
	f := a.folders[folder]
	if f == nil || f.noselect {
		return 0, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "Folder doesn't exist"}
	}
	if a.p.opts.Kind == "exchange" {
		if int64(len(raw)) > a.p.opts.MaxMessageSize {
			return 0, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Maximum size of appendable message has been exceeded"}
		}
		if longestLine(raw) > a.p.opts.MaxLineLength {
			return 0, &imap.Error{Type: imap.StatusResponseTypeBad, Text: "Command Argument Error. 11"}
		}
	}
	if date.IsZero() {
		date = time.Now()
	}
	id := headerMessageID(raw)
	if a.p.opts.Kind == "gmail" && id != "" {
		if m := a.byMsgID[id]; m != nil {
			// Gmail keeps the message it has and labels it.
			uid := a.label(m, f)
			return uid, nil
		}
	}
	m := &pmsg{id: a.nextID, raw: append([]byte(nil), raw...), date: date, flags: map[imap.Flag]bool{}, msgID: id}
	a.nextID++
	for _, fl := range flags {
		if !strings.EqualFold(string(fl), `\Recent`) {
			m.flags[canonical(fl)] = true
		}
	}
	if id != "" {
		a.byMsgID[id] = m
	}
	a.p.stats.Stored++
	uid := f.add(m)
	if a.p.opts.Kind == "gmail" {
		if folder != gmailSpam && folder != gmailTrash {
			a.folders[gmailAll].add(m)
		}
		if folder == gmailStarred {
			m.flags[imap.FlagFlagged] = true
		}
		a.syncStarred(m)
	}
	return uid, nil
}

// label shows m in f (Gmail), with what that implies for Starred.
func (a *account) label(m *pmsg, f *pfolder) imap.UID {
	if f.name == gmailStarred {
		m.flags[imap.FlagFlagged] = true
	}
	uid := f.add(m)
	if f.name != gmailSpam && f.name != gmailTrash {
		a.folders[gmailAll].add(m)
	}
	a.syncStarred(m)
	return uid
}

// syncStarred keeps Gmail's Starred folder equal to the \Flagged flag.
func (a *account) syncStarred(m *pmsg) {
	st := a.folders[gmailStarred]
	if st == nil {
		return
	}
	if m.flags[imap.FlagFlagged] {
		st.add(m)
	} else {
		st.remove(m)
	}
}

// labels is m's X-GM-LABELS: the folders showing it but All Mail.
func (a *account) labels(m *pmsg) []string {
	var out []string
	for name, f := range a.folders {
		if name == gmailAll || name == gmailSpam || name == gmailTrash || f.noselect {
			continue
		}
		if _, ok := f.find(m); !ok {
			continue
		}
		if sys, ok := gmailSystemLabels[name]; ok {
			out = append(out, sys)
		} else {
			out = append(out, name)
		}
	}
	sort.Strings(out)
	return out
}

// labelFolder is the folder a label names, created when missing (as
// Gmail creates a label STOREd on a message).
func (a *account) labelFolder(label string) (*pfolder, error) {
	for name, sys := range gmailSystemLabels {
		if strings.EqualFold(label, sys) {
			return a.folders[name], nil
		}
	}
	if strings.EqualFold(label, "INBOX") {
		return a.folders["INBOX"], nil
	}
	if f := a.folders[label]; f != nil {
		return f, nil
	}
	return a.create(label)
}

// expunge removes m from f as the provider does.
func (a *account) expunge(f *pfolder, m *pmsg) {
	f.remove(m)
	if a.p.opts.Kind != "gmail" {
		return
	}
	switch f.name {
	case gmailAll:
		for name, g := range a.folders {
			if name != gmailTrash {
				g.remove(m)
			}
		}
		a.folders[gmailTrash].add(m)
	case gmailTrash:
		if m.msgID != "" && a.byMsgID[m.msgID] == m {
			delete(a.byMsgID, m.msgID)
		}
	case gmailStarred:
		delete(m.flags, imap.FlagFlagged)
	}
}

func canonical(f imap.Flag) imap.Flag {
	for _, sys := range []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft} {
		if strings.EqualFold(string(f), string(sys)) {
			return sys
		}
	}
	return f
}

func (m *pmsg) flagList() []imap.Flag {
	out := make([]imap.Flag, 0, len(m.flags))
	for f := range m.flags {
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func (a *account) String() string { return fmt.Sprintf("account %s", a.name) }

func headerValue(raw []byte, key string) string {
	end := bytes.Index(raw, []byte("\r\n\r\n"))
	if end < 0 {
		end = len(raw)
	}
	r := textproto.NewReader(bufio.NewReader(bytes.NewReader(append(raw[:end:end], "\r\n\r\n"...))))
	h, _ := r.ReadMIMEHeader()
	return h.Get(key)
}

func envelopeOf(raw []byte) *imap.Envelope {
	h, err := gmtextproto.ReadHeader(bufio.NewReader(bytes.NewReader(raw)))
	if err != nil {
		return &imap.Envelope{}
	}
	return imapserver.ExtractEnvelope(h)
}
