package fetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
)

// folderState survives reconnects within one folder.
type folderState struct {
	validity uint32
	uids     []imap.UID // resolved once: what this folder's fetch must write
	resolved bool
	done     uidSet
	// binary: the server has BINARY, and hidden the messages whose
	// BODY[] may show NUL bytes as 0x80 (nul.go).
	binary bool
	hidden []hiddenNUL
	// incremental: the folder was read from an earlier read (earlier.go);
	// the few messages fetched are read in full, headers included, as a
	// full read would, even with KnownIdent.
	incremental bool
}

func (f *fetcher) tryFolder(ctx context.Context, j job, st *folderState) error {
	c, err := f.client(ctx)
	if err != nil {
		return err
	}
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	defer st.dropHidden()
	st.binary = c.Caps().Has(imap.CapBinary)

	// A connection that has the folder open already (a pool's) is only
	// brought up to date: no second SELECT.
	sel, err := session.Select(c, j.folder, !f.o.ReadWrite)
	if err != nil {
		verb := "EXAMINE"
		if f.o.ReadWrite {
			verb = "SELECT"
		}
		return exitcode.New(exitcode.Select, fmt.Errorf("%s %q: %w", verb, j.folder, err))
	}
	if err := session.CheckValidity(j.folder, sel.UIDValidity, j.validity); err != nil {
		return err
	}
	if st.validity != 0 && sel.UIDValidity != st.validity {
		return fatalError{exitcode.Newf(exitcode.Select, "folder %q: UIDVALIDITY changed during the fetch (%d, now %d)", j.folder, st.validity, sel.UIDValidity)}
	}
	st.validity = sel.UIDValidity

	if !st.resolved {
		ok := false
		if e := f.earlier(c, j, sel); e != nil {
			if ok, err = f.incremental(c, j, st, e, sel.NumMessages); err != nil {
				return err
			}
			st.incremental = ok
		}
		if !ok {
			if st.uids, err = f.resolve(c, j, sel.NumMessages); err != nil {
				return err
			}
		}
		st.resolved = true
		st.done.span(st.uids)
	}
	var todo []imap.UID
	for _, u := range st.uids {
		if !st.done.has(u) {
			todo = append(todo, u)
		}
	}
	if len(todo) == 0 {
		return nil
	}

	fields, all := f.o.Ident.FetchFields()
	opts := &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true}
	switch {
	case f.o.Full:
		opts.BodySection = []*imap.FetchItemBodySection{{Peek: true}}
	case f.o.KnownIdent != nil && !st.incremental:
		// Metadata first: the server answers it from its index, without
		// opening each message; only messages of unknown identity have
		// their header read, below.
	default:
		// The chosen fields and Message-Id; the whole header for
		// --useheader ALL (a HEADER.FIELDS subset would leave the
		// identity to the Message-Id line alone).
		sec := &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader}
		if !all {
			sec.HeaderFields = withMessageID(fields)
		}
		opts.BodySection = []*imap.FetchItemBodySection{sec}
	}

	if !f.o.Full && c.Caps().Has("X-GM-EXT-1") {
		// Gmail: the labels go in the record ("labels"), for --synclabels.
		opts.GmailLabels = true
	}

	// One UID FETCH at a time on the connection: Dovecot runs pipelined
	// FETCHes in parallel and interleaves their replies, and go-imap's
	// single reader then blocks on a literal of the command not being
	// drained (a deadlock seen on 1,700-message folders). A chunk is one
	// streamed reply, so the cost is one round trip a chunk; parallelism
	// comes from more connections (Options.Connections).
	var needHeader []imap.UID // identity needs the whole header
	for _, part := range chunk(todo, f.o.ChunkSize) {
		if err := f.drain(j, st, c.Fetch(imap.UIDSetNum(part...), opts), &needHeader); err != nil {
			return err
		}
		if err := f.restoreNUL(c, j, st); err != nil {
			return err
		}
	}
	if len(needHeader) > 0 {
		if err := f.fullHeaders(c, j, st, needHeader); err != nil {
			return err
		}
	}
	// A message the server did not return (expunged meanwhile, or a reply
	// go-imap could not match) is reported, never silently skipped.
	for _, u := range todo {
		if !st.done.has(u) {
			st.done.add(u)
			f.fail(exitcode.Newf(exitcode.Fetch, "folder %q: UID %d: the server returned no data for it (expunged meanwhile?)", j.folder, u))
		}
	}
	return nil
}

// resolve decides which UIDs the folder's fetch must write.
func (f *fetcher) resolve(c *imapclient.Client, j job, n uint32) ([]imap.UID, error) {
	if j.uids != nil {
		return j.uids, nil
	}
	if n == 0 && f.o.Criteria == nil {
		return nil, nil
	}
	criteria := f.o.Criteria
	if criteria == nil {
		criteria = &imap.SearchCriteria{}
	}
	if c.Caps().Has(imap.CapESearch) {
		// ESEARCH (RFC 4731) answers with ranges ("1:50000"), not every
		// UID: a 50,000-message folder's answer is bytes, not 300 KB.
		data, err := c.UIDSearch(criteria, &imap.SearchOptions{ReturnAll: true}).Wait()
		if err == nil {
			if data.All == nil {
				return nil, nil
			}
			if set, ok := data.All.(imap.UIDSet); ok {
				if uids, ok := set.Nums(); ok {
					sort.Slice(uids, func(a, b int) bool { return uids[a] < uids[b] })
					return uids, nil
				}
			}
		} else if session.IsConnError(err) {
			return nil, exitcode.New(exitcode.Fetch, fmt.Errorf("UID SEARCH in %q: %w", j.folder, err))
		}
		// A refusal or an answer of another shape: the plain search.
	}
	data, err := c.UIDSearch(criteria, nil).Wait()
	if err != nil {
		return nil, exitcode.New(exitcode.Fetch, fmt.Errorf("UID SEARCH in %q: %w", j.folder, err))
	}
	uids := data.AllUIDs()
	sort.Slice(uids, func(a, b int) bool { return uids[a] < uids[b] })
	return uids, nil
}

// drain reads one UID FETCH command to its end, writing each message.
func (f *fetcher) drain(j job, st *folderState, cmd *imapclient.FetchCommand, needHeader *[]imap.UID) error {
	_, all := f.o.Ident.FetchFields()
	for {
		msg := cmd.Next()
		if msg == nil {
			break
		}
		known := f.o.KnownIdent != nil && !st.incremental
		m, body, header, err := f.read(j, msg, f.o.Full || !known)
		if errors.Is(err, errIncomplete) {
			body.Close()
			continue // fetched again after the reconnect, or reported below
		}
		if err != nil {
			body.Close()
			cmd.Close()
			return err
		}
		if m.UID == 0 || st.done.has(imap.UID(m.UID)) {
			body.Close()
			continue
		}
		m.UIDValidity = st.validity
		if body == nil && known {
			id, ok := f.o.KnownIdent(j.folder, st.validity, m.UID)
			if !ok {
				*needHeader = append(*needHeader, imap.UID(m.UID))
				continue
			}
			m.Ident = id
		} else if body == nil && !all && (identity.NeedsFullHeader(header, f.o.Ident) || f.o.Headers && identity.Field(header, "Message-Id") == nil) {
			// Without its identity fields a message's identity comes from its
			// whole header: fetch that. Records that carry their headers also
			// need it without a Message-Id, for `imapx ident --useheader
			// Message-Id` to recompute the same identity. (--useheader ALL
			// fetched the whole header already.)
			*needHeader = append(*needHeader, imap.UID(m.UID))
			continue
		}
		if body != nil && st.binary && mayHideNUL(body) {
			st.hidden = append(st.hidden, hiddenNUL{m, body}) // restoreNUL writes it
			continue
		}
		if err := f.emit(m, body, header); err != nil {
			return fatalError{err}
		}
		st.done.add(imap.UID(m.UID))
	}
	if err := cmd.Close(); err != nil {
		return exitcode.New(exitcode.Fetch, fmt.Errorf("UID FETCH in %q: %w", j.folder, err))
	}
	return nil
}

// fullHeaders fetches whole header blocks for messages that have none of
// the identity fields, so they get an identity instead of being left out.
func (f *fetcher) fullHeaders(c *imapclient.Client, j job, st *folderState, uids []imap.UID) error {
	opts := &imap.FetchOptions{UID: true, Flags: true, InternalDate: true, RFC822Size: true,
		BodySection: []*imap.FetchItemBodySection{{Peek: true, Specifier: imap.PartSpecifierHeader}}}
	for _, part := range chunk(uids, f.o.ChunkSize) {
		cmd := c.Fetch(imap.UIDSetNum(part...), opts)
		for {
			msg := cmd.Next()
			if msg == nil {
				break
			}
			m, _, header, err := f.read(j, msg, true)
			if errors.Is(err, errIncomplete) {
				continue
			}
			if err != nil {
				cmd.Close()
				return err
			}
			if m.UID == 0 || st.done.has(imap.UID(m.UID)) {
				continue
			}
			m.UIDValidity = st.validity
			if err := f.emit(m, nil, header); err != nil {
				return fatalError{err}
			}
			st.done.add(imap.UID(m.UID))
		}
		if err := cmd.Close(); err != nil {
			return exitcode.New(exitcode.Fetch, fmt.Errorf("UID FETCH headers in %q: %w", j.folder, err))
		}
	}
	return nil
}

// read turns one FETCH response into a record. The body, when fetched, is
// spooled whole before anything is written: a message is never partial.
func (f *fetcher) read(j job, msg *imapclient.FetchMessageData, wantSection bool) (*record.Message, *record.Body, []byte, error) {
	m := &record.Message{Type: record.TypeMessage, Folder: j.folder, Flags: []string{}}
	var body *record.Body
	var header []byte
	var serverSize int64 = -1
	var gotFlags, gotDate, gotSection bool
	for item := msg.Next(); item != nil; item = msg.Next() {
		switch item := item.(type) {
		case imapclient.FetchItemDataUID:
			m.UID = uint32(item.UID)
		case imapclient.FetchItemDataFlags:
			m.Flags = record.CleanFlags(item.Flags)
			gotFlags = true
		case imapclient.FetchItemDataInternalDate:
			m.InternalDate = item.Time
			gotDate = true
		case imapclient.FetchItemDataRFC822Size:
			serverSize = item.Size
		case imapclient.FetchItemDataGmailLabels:
			if b, err := json.Marshal(item.Labels); err == nil {
				m.Extra = record.Extra{"labels": b}
			}
		case imapclient.FetchItemDataBodySection:
			gotSection = true
			if item.Literal == nil {
				continue
			}
			if item.Section != nil && item.Section.Specifier == imap.PartSpecifierNone {
				b, err := record.SpoolSized(item.Literal, item.Literal.Size())
				if err != nil {
					return m, b, nil, fmt.Errorf("folder %q UID %d: reading body: %w", j.folder, m.UID, err)
				}
				if b.Size() != item.Literal.Size() {
					b.Close()
					return m, nil, nil, fmt.Errorf("folder %q UID %d: body has %d of %d bytes", j.folder, m.UID, b.Size(), item.Literal.Size())
				}
				body = b
			} else {
				h, err := io.ReadAll(item.Literal)
				if err != nil {
					return m, body, nil, fmt.Errorf("folder %q UID %d: reading header: %w", j.folder, m.UID, err)
				}
				// A connection cut inside the literal ends it early without
				// an error: a header cut short would give the message another
				// identity (and sync would copy it again).
				if int64(len(h)) != item.Literal.Size() {
					return m, body, nil, fmt.Errorf("folder %q UID %d: header has %d of %d bytes", j.folder, m.UID, len(h), item.Literal.Size())
				}
				header = h
			}
		}
	}
	// go-imap ends a message's items without an error when the
	// connection is cut inside them (the error comes with the command's
	// end): a message lacking an item asked for is not trusted.
	if !gotFlags || !gotDate || serverSize < 0 || wantSection && !gotSection {
		return m, body, header, errIncomplete
	}
	m.Size = serverSize
	if body != nil {
		if serverSize >= 0 && serverSize != body.Size() {
			fmt.Fprintf(f.o.Log, "imapx: warning: folder %q UID %d: RFC822.SIZE %d but the body has %d bytes; keeping the body's\n", j.folder, m.UID, serverSize, body.Size())
		}
		m.Size = body.Size()
		hb, err := identity.ReadHeader(body)
		if err != nil {
			return m, body, nil, err
		}
		header = hb
	}
	if j.dst != nil {
		m.DstFolder = j.dst[imap.UID(m.UID)]
		m.Ident = j.idents[imap.UID(m.UID)]
	}
	return m, body, header, nil
}

// emit completes a record from its header and hands it, and the body, to
// the sink.
func (f *fetcher) emit(m *record.Message, body *record.Body, header []byte) error {
	if f.o.Keep != nil && !f.o.Keep(m) {
		body.Close()
		return nil
	}
	facts := identity.Of(header, f.o.Ident)
	m.MessageID = facts.MessageID
	if m.Ident == "" {
		m.Ident = facts.Ident
	}
	if f.o.Relabel != nil {
		f.o.Relabel(m)
	}
	if f.o.Headers && body == nil {
		m.Headers, m.HeaderFields = headerText(header, f.o.Ident)
	}
	var size int64
	if body != nil {
		size = body.Size()
	}
	if err := f.sink.Message(m, body); err != nil {
		return err
	}
	f.sum.Messages++
	f.sum.Bytes += size
	f.o.Progress.Add(1, size)
	return nil
}

// headerText is the fetched header lines for the record's "headers", with
// every byte >= 0x80 as 'X' (what identity turns them into anyway, and
// JSON strings must be UTF-8), and the names of the fields it holds.
func headerText(header []byte, o identity.Options) (string, []string) {
	fields, all := o.FetchFields()
	names := []string{"ALL"}
	if !all && !identity.NeedsFullHeader(header, o) && identity.Field(header, "Message-Id") != nil {
		names = withMessageID(fields)
	}
	b := make([]byte, len(header))
	for i, c := range header {
		if c >= 0x80 {
			c = 'X'
		}
		b[i] = c
	}
	return string(b), names
}

func withMessageID(fields []string) []string {
	for _, f := range fields {
		if strings.EqualFold(f, "Message-Id") {
			return fields
		}
	}
	return append(append([]string{}, fields...), "Message-Id")
}

// chunk splits sorted UIDs into commands of at most n UIDs whose UID set
// stays under maxSetLen bytes: RFC 7162 asks clients to keep command
// lines under 8,192 octets, and sparse sets (a plan) grow fast.
func chunk(uids []imap.UID, n int) [][]imap.UID {
	const maxSetLen = 6000
	var out [][]imap.UID
	start, setLen := 0, 0
	for i, u := range uids {
		contiguous := i > start && u == uids[i-1]+1
		if !contiguous {
			setLen += len(strconv.FormatUint(uint64(u), 10)) + 1
		}
		if i-start >= n || setLen > maxSetLen {
			out = append(out, uids[start:i])
			start, setLen = i, len(strconv.FormatUint(uint64(u), 10))+1
		}
	}
	if start < len(uids) {
		out = append(out, uids[start:])
	}
	return out
}

// errIncomplete: a FETCH response lacked items asked for (a connection cut
// inside it). The message is not written: it is fetched again after the
// reconnect, or, if the command ended well, reported as not returned.
var errIncomplete = errors.New("incomplete FETCH response")
