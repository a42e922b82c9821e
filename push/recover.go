package push

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/identity"
)

// wholeHeader identifies a message by its whole header block, which (with
// the size) tells an APPEND that arrived from one that did not.
var wholeHeader = identity.Options{Headers: []string{"ALL"}}

// recover handles a dropped connection with APPENDs unanswered: re-dial,
// find which of them the server stored (by whole-header identity and size
// among the UIDs it assigned since this connection began), report those
// as done and send the rest again.
func (p *pusher) recover(ctx context.Context, cause error) error {
	for {
		p.failures++
		if p.failures > p.o.Retries {
			return exitcode.New(exitcode.Connection, fmt.Errorf("giving up after %d reconnects: %w", p.o.Retries, cause))
		}
		fmt.Fprintf(p.o.Log, "imapx: warning: destination connection lost (%v); reconnecting, %d APPENDs to check\n", cause, len(p.inFlight))
		since, confirmed := p.uidNext, p.confirmed
		p.closeConn()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff(p.failures - 1)):
		}
		c, err := p.client(ctx)
		if err != nil {
			if isConnError(err) && exitcode.Of(err) == exitcode.Connection {
				cause = err
				p.uidNext, p.confirmed = since, confirmed // nothing was sent: keep the old marks
				continue
			}
			return err
		}
		if err := p.reconcile(c, since, confirmed); err != nil {
			if isConnError(err) {
				cause = err
				continue
			}
			return err
		}
		// Send again what did not arrive, in order.
		var resend []*pending
		for _, pd := range p.inFlight {
			if pd.cmd == nil {
				resend = append(resend, pd)
			}
		}
		failed := false
		for _, pd := range resend {
			pd.batch, pd.single = nil, true // alone: simplest to reconcile again
			if err := p.send(ctx, pd); err != nil {
				cause, failed = err, true
				break
			}
		}
		if !failed {
			return nil
		}
	}
}

// reconcile settles the in-flight APPENDs found on the server and marks the
// others (cmd = nil) to be sent again.
func (p *pusher) reconcile(c *imapclient.Client, since map[string]imap.UID, confirmed map[string]map[imap.UID]bool) error {
	type key struct {
		ident string
		size  int64
	}
	arrived := map[string]map[key][]imap.UID{}
	for _, pd := range p.inFlight {
		if _, done := arrived[pd.folder]; done {
			continue
		}
		start, ok := since[pd.folder]
		if !ok {
			arrived[pd.folder] = map[key][]imap.UID{}
			continue
		}
		got := map[key][]imap.UID{}
		p.selected = "" // reconcile examines folders: send selects again
		if _, err := c.Select(pd.folder, &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
			return err
		}
		cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: start, Stop: 0}}, &imap.FetchOptions{
			UID: true, RFC822Size: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true, Specifier: imap.PartSpecifierHeader}},
		})
		for msg := cmd.Next(); msg != nil; msg = cmd.Next() {
			var uid imap.UID
			var size int64
			var header []byte
			for item := msg.Next(); item != nil; item = msg.Next() {
				switch item := item.(type) {
				case imapclient.FetchItemDataUID:
					uid = item.UID
				case imapclient.FetchItemDataRFC822Size:
					size = item.Size
				case imapclient.FetchItemDataBodySection:
					header, _ = io.ReadAll(item.Literal)
				}
			}
			// "UID start:*" also returns the last message when it is below
			// start; only UIDs from start on are this connection's.
			if uid >= start && !confirmed[pd.folder][uid] {
				k := key{identity.Compute(header, wholeHeader), size}
				got[k] = append(got[k], uid)
			}
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		arrived[pd.folder] = got
	}
	var still []*pending
	for _, pd := range p.inFlight {
		head, err := headerOf(pd)
		if err != nil {
			return err
		}
		k := key{identity.Compute(head, wholeHeader), pd.it.Body.Size()}
		if uids := arrived[pd.folder][k]; len(uids) > 0 && pd.cmd != nil {
			arrived[pd.folder][k] = uids[1:]
			p.appended(pd, uids[0], 0)
			if pd.it.Body.Bytes() != nil {
				p.memBytes -= pd.it.Body.Size()
			}
			pd.it.Close()
			continue
		}
		pd.cmd = nil
		still = append(still, pd)
	}
	p.inFlight = still
	return nil
}

func headerOf(pd *pending) ([]byte, error) {
	if mem := pd.it.Body.Bytes(); mem != nil {
		return identity.HeaderBlock(mem), nil
	}
	buf, err := io.ReadAll(io.LimitReader(pd.it.Body.Reader(), 8<<20))
	if err != nil {
		return nil, err
	}
	return identity.HeaderBlock(buf), nil
}
