package pipeline

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/links"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/rewrite"
)

// Rewriting on the copy path: the same code as `imapx rewrite`, one
// message at a time on each copy's fetch side. A rewritten message keeps
// its source's identity; push links its copy to it (package links), and
// host2's reads give the copy that identity back, so the plan, the verify
// and the next run match it whatever the rewrite changed. The verify
// checks the copy against the digest of the bytes sent, rewritten.

// openLinks loads the account pair's links.
func (s *syncer) openLinks() error {
	if s.o.LinksPath == "" {
		return nil
	}
	l, err := links.Open(s.o.LinksPath)
	if err != nil {
		return exitcode.New(exitcode.NoInput, fmt.Errorf("links: %w", err))
	}
	s.links = l
	return nil
}

func (s *syncer) closeLinks() {
	if err := s.links.Close(); err != nil {
		fmt.Fprintf(s.log, "imapx: warning: links: %v\n", err)
	}
}

// relabel is what each side's inventory records go through: host1's
// flags through the rewrite's flag operations (what the copies were
// given), host2's copies of rewritten messages take their links. With
// --disarmreadreceipts, $MDNSent is the rewrite's, not a flag to sync:
// neither side's is compared (else the verify would find the copies'
// flags differ, and the next run remove it).
func (s *syncer) relabel(host int) func(*record.Message) {
	var fs []func(*record.Message)
	rw := s.o.Rewrite
	if host == 1 && rw != nil {
		fs = append(fs, rw.Flags)
	}
	if host == 1 && s.o.UseUID {
		fs = append(fs, uidIdent)
	}
	if host == 2 && (s.links.Len() > 0 || s.journal.Claims()) {
		fs = append(fs, s.dstIdent)
	}
	if rw != nil && rw.Options().DisarmReadReceipts {
		fs = append(fs, rewrite.DropMDNSent)
	}
	if len(fs) == 0 {
		return nil
	}
	return func(m *record.Message) {
		for _, f := range fs {
			f(m)
		}
	}
}

// rewrite rewrites one message on its way to host2, counting it; a
// message left out returns an error (said and counted here).
func (s *syncer) rewrite(ctx context.Context, m *record.Message, body *record.Body) (*record.Body, error) {
	nb, ops, err := s.o.Rewrite.Message(ctx, m, body)
	s.mu.Lock()
	if s.rep.Rewrite == nil {
		s.rep.Rewrite = &rewrite.Summary{}
	}
	s.rep.Rewrite.Add(ops, err)
	if err == nil && s.o.Rewrite.Options().IdateFromHeader {
		if s.sentDates == nil {
			s.sentDates = map[srcKey]time.Time{}
		}
		s.sentDates[srcKey{m.Folder, m.UID}] = m.InternalDate
	}
	s.mu.Unlock()
	var sk *rewrite.Skipped
	switch {
	case errors.As(err, &sk):
		fmt.Fprintf(s.hostLog(1), "imapx: folder %q UID %d: %v\n", m.Folder, m.UID, err)
	case err != nil && ctx.Err() == nil:
		err = fmt.Errorf("folder %q UID %d: %w", m.Folder, m.UID, err)
		fmt.Fprintf(s.hostLog(1), "imapx: error: %v\n", err)
		s.countError(err)
	}
	return nb, err
}

// rewriteVerdict says, under the verdict, what was rewritten, and how
// many source messages --skipmess left out on purpose (not copied, not
// compared: they are not missing).
func (s *syncer) rewriteVerdict() {
	r := s.rep.Rewrite
	if r == nil {
		return
	}
	if r.Rewritten > 0 {
		fmt.Fprintf(s.log, "%d messages were rewritten on their way to host2 (%s): host2 holds them as sent, checked by size and digest, matched to their host1 message by its identity.\n", r.Rewritten, r.Ops())
	}
	if r.Skipped > 0 {
		fmt.Fprintf(s.log, "%d messages in host1 were left out by --skipmess: not copied, not compared.\n", r.Skipped)
	}
}

// checkDates compares the internal dates host2 holds for the messages
// written with those --idatefromheader sent: a server ignoring the date
// of an APPEND would otherwise go unseen (diff matches messages by
// identity, whatever their dates).
func (s *syncer) checkDates(results *tempFile, dst io.Reader) error {
	if len(s.sentDates) == 0 {
		return nil
	}
	r, err := results.rewind()
	if err != nil {
		return err
	}
	want := map[msgKey]time.Time{}
	err = readScratch(r, "results").Each(func(l *record.Line) error {
		var res record.Result
		if err := l.DecodeOnly(&res); err != nil || !res.OK || res.Src == nil || res.Dst == nil || res.Dst.UID == 0 {
			return err
		}
		if d, ok := s.sentDates[srcKey{res.Src.Folder, res.Src.UID}]; ok {
			want[msgKey{res.Dst.Folder, res.Dst.UIDValidity, res.Dst.UID}] = d
		}
		return nil
	})
	if err != nil {
		return err
	}
	return eachMessage(dst, "destination inventory", func(m *messageRef) {
		if d, ok := want[m.key()]; ok && !d.Equal(m.InternalDate) {
			err := exitcode.Newf(exitcode.WithErrors, "verify: folder %q UID %d has the internal date %s, %s was sent (--idatefromheader)",
				m.Folder, m.UID, m.InternalDate.Format(time.RFC3339), d.Format(time.RFC3339))
			fmt.Fprintf(s.log, "imapx: error: %v\n", err)
			s.countVerdictError(err)
		}
	})
}

// uidIdent is --useuid's identity of a host1 message: where it is, for as
// long as its folder's UIDVALIDITY holds. Its copies have it through the
// links push writes for every message (none else can match it): a copy
// made by another tool, or before the links, is not recognised, as
// imapsync's --useuid without its cache.
func uidIdent(m *record.Message) {
	m.Ident = fmt.Sprintf("u:%d:%d", m.UIDValidity, m.UID)
}
