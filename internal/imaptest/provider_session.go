package imaptest

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"
)

// providerSession is one connection to an emulated provider.
type providerSession struct {
	p        *Provider
	conn     *imapserver.Conn
	acct     *account
	token    string // the XOAUTH2 token it logged in with
	selected *pfolder
	readOnly bool
	// commands counts this connection's commands since login.
	commands int
}

var _ imapserver.SessionIMAP4rev2 = (*providerSession)(nil)
var _ imapserver.SessionSASL = (*providerSession)(nil)

func (s *providerSession) Close() error { return nil }

// gate runs before every command after login, with p.mu held: an expired
// token ends the connection, every ThrottleEvery-th command of the
// connection is refused.
func (s *providerSession) gate() error {
	p := s.p
	if s.token != "" && time.Now().After(p.tokens[s.token]) {
		p.stats.Expired++
		return &imap.Error{Type: imap.StatusResponseTypeBye, Text: "Session invalidated - AccessTokenExpired"}
	}
	if p.opts.ThrottleEvery <= 0 {
		return nil
	}
	s.commands++
	if s.commands%p.opts.ThrottleEvery != 0 {
		return nil
	}
	p.stats.Throttled++
	switch p.stats.Throttled % 3 {
	case 1:
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: fmt.Sprintf("Request is throttled. Suggested Backoff Time: %d milliseconds", p.opts.ThrottleBackoff.Milliseconds())}
	case 2:
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Server Unavailable. 15"}
	default:
		return &imap.Error{Type: imap.StatusResponseTypeBye, Text: "Connection closed. 14"}
	}
}

// lock takes the provider's lock and runs the gate.
func (s *providerSession) lock() error {
	s.p.mu.Lock()
	if err := s.gate(); err != nil {
		s.p.mu.Unlock()
		if e := err.(*imap.Error); e.Type == imap.StatusResponseTypeBye && s.conn != nil {
			// Untagged, then the connection closes, as servers do.
			s.conn.Bye(e.Text)
		}
		return err
	}
	return nil
}

func (s *providerSession) unlock() { s.p.mu.Unlock() }

func (s *providerSession) Login(username, password string) error {
	s.p.mu.Lock()
	defer s.p.mu.Unlock()
	a := s.p.accounts[username]
	if s.p.opts.Tokens {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "LOGIN failed."}
	}
	if a == nil || a.password != password {
		if s.p.opts.Kind == "gmail" {
			return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "Invalid credentials (Failure)"}
		}
		return &imap.Error{Type: imap.StatusResponseTypeNo, Text: "LOGIN failed."}
	}
	s.acct = a
	return nil
}

func (s *providerSession) AuthenticateMechanisms() []string {
	if s.p.opts.Tokens {
		return []string{"XOAUTH2"}
	}
	return []string{"PLAIN"}
}

func (s *providerSession) Authenticate(mech string) (sasl.Server, error) {
	switch mech {
	case "PLAIN":
		return sasl.NewPlainServer(func(identity, username, password string) error {
			if identity != "" && identity != username {
				return imapserver.ErrAuthFailed
			}
			return s.Login(username, password)
		}), nil
	case "XOAUTH2":
		if s.p.opts.Tokens {
			return &xoauth2Server{s: s}, nil
		}
	}
	return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "SASL mechanism not supported"}
}

// xoauth2Server checks "user=U\x01auth=Bearer T\x01\x01".
type xoauth2Server struct {
	s      *providerSession
	failed bool
}

func (x *xoauth2Server) Next(response []byte) ([]byte, bool, error) {
	if x.failed {
		return nil, true, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAuthenticationFailed, Text: "AUTHENTICATE failed."}
	}
	var user, token string
	for _, part := range strings.Split(string(response), "\x01") {
		if v, ok := strings.CutPrefix(part, "user="); ok {
			user = v
		}
		if v, ok := strings.CutPrefix(part, "auth=Bearer "); ok {
			token = v
		}
	}
	p := x.s.p
	p.mu.Lock()
	defer p.mu.Unlock()
	exp, ok := p.tokens[token]
	a := p.accounts[user]
	if !ok || a == nil || time.Now().After(exp) {
		// The error challenge; the client answers it empty, then NO.
		x.failed = true
		return []byte(`{"status":"401","schemes":"Bearer","scope":"https://outlook.office365.com/"}`), false, nil
	}
	x.s.acct, x.s.token = a, token
	return nil, true, nil
}

func (s *providerSession) folder(name string) (*pfolder, error) {
	if strings.EqualFold(name, "INBOX") {
		name = "INBOX"
	}
	f := s.acct.folders[name]
	if f == nil {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: "Folder doesn't exist"}
	}
	return f, nil
}

// selectable is folder, refusing a \Noselect one (SELECT, STATUS).
func (s *providerSession) selectable(name string) (*pfolder, error) {
	f, err := s.folder(name)
	if err == nil && f.noselect {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: "Folder cannot be selected"}
	}
	return f, err
}

func (s *providerSession) Select(mailbox string, options *imap.SelectOptions) (*imap.SelectData, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	f, err := s.selectable(mailbox)
	if err != nil {
		return nil, err
	}
	s.selected, s.readOnly = f, options != nil && options.ReadOnly
	flags := []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft}
	return &imap.SelectData{
		Flags:          flags,
		PermanentFlags: append(flags, imap.FlagWildcard),
		NumMessages:    uint32(len(f.entries)),
		UIDNext:        f.uidNext,
		UIDValidity:    f.uidValidity,
	}, nil
}

func (s *providerSession) Create(mailbox string, options *imap.CreateOptions) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	_, err := s.acct.create(mailbox)
	return err
}

func (s *providerSession) Delete(mailbox string) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	f, err := s.folder(mailbox)
	if err != nil {
		return err
	}
	if f.name == "INBOX" || len(f.attrs) > 0 {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "Cannot delete a system folder"}
	}
	delete(s.acct.folders, f.name)
	return nil
}

func (s *providerSession) Rename(mailbox, newName string, options *imap.RenameOptions) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "RENAME is not emulated"}
}

func (s *providerSession) Subscribe(mailbox string) error   { return s.subscribe(mailbox, true) }
func (s *providerSession) Unsubscribe(mailbox string) error { return s.subscribe(mailbox, false) }

func (s *providerSession) subscribe(mailbox string, on bool) error {
	if err := s.lock(); err != nil {
		return err
	}
	defer s.unlock()
	f, err := s.folder(mailbox)
	if err != nil {
		return err
	}
	f.subscribed = on
	return nil
}

func (s *providerSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if err := s.lock(); err != nil {
		return err
	}
	var out []*imap.ListData
	for name, f := range s.acct.folders {
		match := false
		for _, pat := range patterns {
			if imapserver.MatchList(name, '/', ref, pat) {
				match = true
			}
		}
		if !match || options != nil && options.SelectSubscribed && !f.subscribed {
			continue
		}
		attrs := append([]imap.MailboxAttr(nil), f.attrs...)
		if f.noselect {
			attrs = append(attrs, imap.MailboxAttrNoSelect)
		}
		children := false
		for other := range s.acct.folders {
			if strings.HasPrefix(other, name+"/") {
				children = true
			}
		}
		if children {
			attrs = append(attrs, imap.MailboxAttrHasChildren)
		} else {
			attrs = append(attrs, imap.MailboxAttrHasNoChildren)
		}
		if options != nil && (options.ReturnSubscribed || options.SelectSubscribed) && f.subscribed {
			attrs = append(attrs, imap.MailboxAttrSubscribed)
		}
		out = append(out, &imap.ListData{Attrs: attrs, Delim: '/', Mailbox: name})
	}
	s.unlock()
	if len(patterns) == 1 && patterns[0] == "" {
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: '/'})
	}
	for _, d := range out {
		if err := w.WriteList(d); err != nil {
			return err
		}
	}
	return nil
}

func (s *providerSession) Status(mailbox string, options *imap.StatusOptions) (*imap.StatusData, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	f, err := s.selectable(mailbox)
	if err != nil {
		return nil, err
	}
	n, unseen := uint32(len(f.entries)), uint32(0)
	var size int64
	for _, e := range f.entries {
		if !e.msg.flags[imap.FlagSeen] {
			unseen++
		}
		size += int64(len(e.msg.raw))
	}
	d := &imap.StatusData{Mailbox: f.name, UIDNext: f.uidNext, UIDValidity: f.uidValidity}
	if options.NumMessages {
		d.NumMessages = &n
	}
	if options.NumUnseen {
		d.NumUnseen = &unseen
	}
	if options.Size {
		d.Size = &size
	}
	return d, nil
}

func (s *providerSession) Append(mailbox string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	// Read the literal whatever the answer: the connection goes on.
	raw, readErr := io.ReadAll(r)
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	if readErr != nil {
		return nil, readErr
	}
	s.p.stats.Appends++
	f, err := s.folder(mailbox)
	if err != nil {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "Folder doesn't exist"}
	}
	var flags []imap.Flag
	var date time.Time
	if options != nil {
		flags, date = options.Flags, options.Time
	}
	uid, err := s.acct.append(f.name, raw, flags, date)
	if err != nil {
		return nil, err
	}
	return &imap.AppendData{UID: uid, UIDValidity: f.uidValidity}, nil
}

// gmailSession is a Gmail connection: Gmail advertises APPENDLIMIT,
// Exchange does not (it refuses an over-size message after reading it).
type gmailSession struct{ *providerSession }

func (s gmailSession) AppendLimit() uint32 { return 35651584 }

func (s *providerSession) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error { return nil }

func (s *providerSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	<-stop
	return nil
}

func (s *providerSession) Unselect() error {
	s.selected = nil
	return nil
}

func (s *providerSession) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Prefix: "", Delim: '/'}}}, nil
}

// each calls f for the selected folder's messages in numSet, with their
// sequence numbers ("*" is the last message, as RFC 3501 says).
func (s *providerSession) each(numSet imap.NumSet, f func(seq uint32, e pentry)) {
	entries := s.selected.entries
	if len(entries) == 0 {
		return
	}
	last := entries[len(entries)-1]
	in := func(v, start, stop, star uint32) bool {
		if start == 0 {
			start = star
		}
		if stop == 0 {
			stop = star
		}
		if start > stop {
			start, stop = stop, start
		}
		return start <= v && v <= stop
	}
	for i, e := range append([]pentry(nil), entries...) {
		seq := uint32(i + 1)
		ok := false
		switch set := numSet.(type) {
		case imap.SeqSet:
			for _, r := range set {
				ok = ok || in(seq, r.Start, r.Stop, uint32(len(entries)))
			}
		case imap.UIDSet:
			for _, r := range set {
				ok = ok || in(uint32(e.uid), uint32(r.Start), uint32(r.Stop), uint32(last.uid))
			}
		}
		if ok {
			f(seq, e)
		}
	}
}

func (s *providerSession) Fetch(w *imapserver.FetchWriter, numSet imap.NumSet, options *imap.FetchOptions) error {
	if err := s.lock(); err != nil {
		return err
	}
	type item struct {
		seq    uint32
		e      pentry
		flags  []imap.Flag
		labels []string
	}
	var items []item
	s.each(numSet, func(seq uint32, e pentry) {
		it := item{seq: seq, e: e, flags: e.msg.flagList()}
		if options.GmailLabels && s.p.opts.Kind == "gmail" {
			it.labels = s.acct.labels(e.msg)
		}
		items = append(items, it)
		if !s.readOnly {
			for _, bs := range options.BodySection {
				if !bs.Peek {
					e.msg.flags[imap.FlagSeen] = true
				}
			}
		}
	})
	s.unlock()
	for _, it := range items {
		m := it.e.msg
		mw := w.CreateMessage(it.seq)
		if options.UID {
			mw.WriteUID(it.e.uid)
		}
		if options.Flags {
			mw.WriteFlags(it.flags)
		}
		if options.InternalDate {
			mw.WriteInternalDate(m.date)
		}
		if options.RFC822Size {
			mw.WriteRFC822Size(int64(len(m.raw)))
		}
		if s.p.opts.Kind == "gmail" {
			if options.GmailMsgID {
				mw.WriteGmailMsgID(m.id)
			}
			if options.GmailThrID {
				mw.WriteGmailThrID(m.id)
			}
			if options.GmailLabels {
				mw.WriteGmailLabels(it.labels)
			}
		}
		if options.Envelope {
			mw.WriteEnvelope(envelopeOf(m.raw))
		}
		if options.BodyStructure != nil {
			mw.WriteBodyStructure(imapserver.ExtractBodyStructure(bytes.NewReader(m.raw)))
		}
		for _, bs := range options.BodySection {
			b := imapserver.ExtractBodySection(bytes.NewReader(m.raw), bs)
			wc := mw.WriteBodySection(bs, int64(len(b)))
			wc.Write(b)
			if err := wc.Close(); err != nil {
				return err
			}
		}
		for _, bs := range options.BinarySection {
			b := imapserver.ExtractBinarySection(bytes.NewReader(m.raw), bs)
			wc := mw.WriteBinarySection(bs, int64(len(b)))
			wc.Write(b)
			if err := wc.Close(); err != nil {
				return err
			}
		}
		if err := mw.Close(); err != nil {
			return err
		}
	}
	return nil
}

func (s *providerSession) Store(w *imapserver.FetchWriter, numSet imap.NumSet, flags *imap.StoreFlags, options *imap.StoreOptions) error {
	if err := s.lock(); err != nil {
		return err
	}
	type changed struct {
		seq   uint32
		uid   imap.UID
		flags []imap.Flag
	}
	var out []changed
	var err error
	if flags.GmailLabels {
		s.p.stats.LabelStores++
	}
	s.each(numSet, func(seq uint32, e pentry) {
		if err != nil {
			return
		}
		if flags.GmailLabels {
			err = s.storeLabels(e.msg, flags)
			return
		}
		if flags.Op == imap.StoreFlagsSet {
			e.msg.flags = map[imap.Flag]bool{}
		}
		for _, f := range flags.Flags {
			if flags.Op == imap.StoreFlagsDel {
				delete(e.msg.flags, canonical(f))
			} else {
				e.msg.flags[canonical(f)] = true
			}
		}
		if s.p.opts.Kind == "gmail" {
			s.acct.syncStarred(e.msg)
		}
		out = append(out, changed{seq, e.uid, e.msg.flagList()})
	})
	s.unlock()
	if err != nil {
		return err
	}
	if flags.Silent {
		return nil
	}
	for _, c := range out {
		mw := w.CreateMessage(c.seq)
		mw.WriteUID(c.uid)
		mw.WriteFlags(c.flags)
		if err := mw.Close(); err != nil {
			return err
		}
	}
	return nil
}

// storeLabels is STORE X-GM-LABELS on m.
func (s *providerSession) storeLabels(m *pmsg, flags *imap.StoreFlags) error {
	if s.p.opts.Kind != "gmail" {
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: "Unknown STORE item"}
	}
	want := map[*pfolder]bool{}
	for _, l := range flags.Flags {
		f, err := s.acct.labelFolder(string(l))
		if err != nil {
			return err
		}
		want[f] = true
	}
	if flags.Op == imap.StoreFlagsSet {
		for _, f := range s.acct.folders {
			if f.name != gmailAll && f.name != gmailTrash && f.name != gmailSpam && !want[f] {
				f.remove(m)
			}
		}
	}
	for f := range want {
		if flags.Op == imap.StoreFlagsDel {
			f.remove(m)
		} else {
			s.acct.label(m, f)
		}
	}
	return nil
}

func (s *providerSession) Expunge(w *imapserver.ExpungeWriter, uids *imap.UIDSet) error {
	if err := s.lock(); err != nil {
		return err
	}
	var seqs []uint32
	f := s.selected
	for i := len(f.entries) - 1; i >= 0; i-- {
		e := f.entries[i]
		if !e.msg.flags[imap.FlagDeleted] || uids != nil && !uids.Contains(e.uid) {
			continue
		}
		seqs = append(seqs, uint32(i+1))
		s.acct.expunge(f, e.msg)
	}
	s.unlock()
	for _, seq := range seqs {
		if err := w.WriteExpunge(seq); err != nil {
			return err
		}
	}
	return nil
}

func (s *providerSession) Search(kind imapserver.NumKind, criteria *imap.SearchCriteria, options *imap.SearchOptions) (*imap.SearchData, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	var uids imap.UIDSet
	var seqs imap.SeqSet
	var count, minN, maxN uint32
	var err error
	for i, e := range s.selected.entries {
		ok, mErr := s.match(uint32(i+1), e, criteria)
		if mErr != nil {
			err = mErr
			break
		}
		if !ok {
			continue
		}
		n := uint32(i + 1)
		if kind == imapserver.NumKindUID {
			n = uint32(e.uid)
			uids.AddNum(e.uid)
		} else {
			seqs.AddNum(n)
		}
		count++
		if minN == 0 {
			minN = n
		}
		maxN = n
	}
	if err != nil {
		return nil, err
	}
	d := &imap.SearchData{Count: count, Min: minN, Max: maxN}
	if kind == imapserver.NumKindUID {
		d.All = uids
	} else {
		d.All = seqs
	}
	return d, nil
}

// match supports the keys imapx sends (UID and sequence sets, flags,
// dates, sizes, headers, NOT, OR) and refuses the others rather than
// answer wrongly.
func (s *providerSession) match(seq uint32, e pentry, c *imap.SearchCriteria) (bool, error) {
	if len(c.Body) > 0 || len(c.Text) > 0 || c.ModSeq != nil {
		return false, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "search key not emulated"}
	}
	for _, set := range c.UID {
		found := false
		s.each(set, func(_ uint32, x pentry) { found = found || x.uid == e.uid })
		if !found {
			return false, nil
		}
	}
	for _, set := range c.SeqNum {
		found := false
		s.each(set, func(q uint32, _ pentry) { found = found || q == seq })
		if !found {
			return false, nil
		}
	}
	m := e.msg
	for _, f := range c.Flag {
		if !m.flags[canonical(f)] {
			return false, nil
		}
	}
	for _, f := range c.NotFlag {
		if m.flags[canonical(f)] {
			return false, nil
		}
	}
	day := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	if !c.Since.IsZero() && day(m.date).Before(day(c.Since)) || !c.Before.IsZero() && !day(m.date).Before(day(c.Before)) {
		return false, nil
	}
	if !c.SentSince.IsZero() || !c.SentBefore.IsZero() {
		env := envelopeOf(m.raw)
		if !c.SentSince.IsZero() && day(env.Date).Before(day(c.SentSince)) || !c.SentBefore.IsZero() && !day(env.Date).Before(day(c.SentBefore)) {
			return false, nil
		}
	}
	if c.Larger > 0 && int64(len(m.raw)) <= c.Larger || c.Smaller > 0 && int64(len(m.raw)) >= c.Smaller {
		return false, nil
	}
	for _, h := range c.Header {
		v := headerValue(m.raw, h.Key)
		if v == "" && h.Value != "" || !strings.Contains(strings.ToLower(v), strings.ToLower(h.Value)) {
			return false, nil
		}
	}
	for _, not := range c.Not {
		ok, err := s.match(seq, e, &not)
		if err != nil || ok {
			return false, err
		}
	}
	for _, or := range c.Or {
		a, err := s.match(seq, e, &or[0])
		if err != nil {
			return false, err
		}
		b, err := s.match(seq, e, &or[1])
		if err != nil {
			return false, err
		}
		if !a && !b {
			return false, nil
		}
	}
	return true, nil
}

func (s *providerSession) Copy(numSet imap.NumSet, dest string) (*imap.CopyData, error) {
	if err := s.lock(); err != nil {
		return nil, err
	}
	defer s.unlock()
	f, err := s.folder(dest)
	if err != nil {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: "Folder doesn't exist"}
	}
	d := &imap.CopyData{UIDValidity: f.uidValidity}
	s.each(numSet, func(_ uint32, e pentry) {
		var uid imap.UID
		if s.p.opts.Kind == "gmail" {
			uid = s.acct.label(e.msg, f)
		} else {
			uid, _ = s.acct.append(f.name, e.msg.raw, e.msg.flagList(), e.msg.date)
		}
		d.SourceUIDs.AddNum(e.uid)
		d.DestUIDs.AddNum(uid)
	})
	return d, nil
}

func (s *providerSession) Move(w *imapserver.MoveWriter, numSet imap.NumSet, dest string) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "MOVE is not emulated"}
}
