package push

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/session"
)

// wholeHeader identifies a message by its whole header block, which (with
// the size) tells an APPEND that arrived from one that did not.
var wholeHeader = identity.Options{Headers: []string{"ALL"}}

// recover handles a dropped connection with APPENDs unanswered: re-dial,
// find which of them the server stored (by whole-header identity and size
// among the UIDs it assigned since they were sent), report those as done
// and send the rest again.
func (p *pusher) recover(ctx context.Context, cause error) error {
	for {
		if err := ctx.Err(); err != nil {
			p.closeConn()
			p.harvest()
			return err
		}
		p.failures++
		if p.failures > p.o.Retries {
			p.closeConn()
			return exitcode.New(exitcode.Connection, fmt.Errorf("giving up after %d reconnects: %w", p.o.Retries, cause))
		}
		fmt.Fprintf(p.o.Log, "imapx: warning: destination connection lost%s (%v); reconnecting, %d APPENDs to check\n", session.ThrottleNote(cause), cause, len(p.inFlight))
		p.closeConn()
		if err := session.Sleep(ctx, session.ThrottleWait(p.failures-1, cause)); err != nil {
			return err
		}
		c, err := p.client(ctx)
		if err != nil {
			if session.IsConnError(err) {
				cause = err
				continue
			}
			return err
		}
		err = p.reconcile(c)
		if err == nil && byServer(cause) {
			p.clearDoubts()
		} else if err == nil {
			err = p.settleDoubts(ctx, c)
		}
		if err != nil {
			// Cut again, or cancelled while waiting (the loop's start
			// reports then).
			if session.IsConnError(err) || ctx.Err() != nil {
				cause = err
				continue
			}
			return err
		}
		// Send again what did not arrive, in order.
		var resend []*pending
		doubts := 0
		for _, pd := range p.inFlight {
			if pd.cmd == nil {
				resend = append(resend, pd)
			}
			if pd.doubt {
				doubts++
			}
		}
		if doubts > 0 {
			fmt.Fprintf(p.o.Log, "imapx: warning: %d APPENDs written whole before the cut are not on the server after %v; sending them again (a first copy stored later is one too many: sync's journal checks for it)\n", doubts, totalSettle())
		}
		failed := false
		for _, pd := range resend {
			pd.batch, pd.single = nil, true // alone: simplest to reconcile again
			if err := p.trySend(ctx, pd); err != nil {
				cause, failed = err, true
				break
			}
		}
		if !failed {
			return nil
		}
	}
}

// harvest reports the APPENDs answered before an interrupted push closed
// its connection; the others stay unknown (the next run's inventory
// tells whether they arrived).
func (p *pusher) harvest() {
	var still []*pending
	for _, pd := range p.inFlight {
		if pd.cmd != nil {
			data, err := pd.cmd.Wait()
			if err == nil {
				p.settled(pd, uidIn(pd, data), data.UIDValidity, nil)
				continue
			}
		}
		still = append(still, pd)
	}
	p.inFlight = still
	if len(still) > 0 {
		fmt.Fprintf(p.o.Log, "imapx: warning: interrupted with %d APPENDs unanswered; the next run checks whether they arrived\n", len(still))
	}
}

// reconcile settles the in-flight APPENDs whose fate is known: answered
// before the connection dropped, or found on the server. The others are
// marked (cmd = nil) to be sent again.
func (p *pusher) reconcile(c *imapclient.Client) error {
	// The connection is closed: every command's Wait returns at once, with
	// the answer if it came, else the connection's error.
	var unknown []*pending
	var still []*pending
	for _, pd := range p.inFlight {
		if pd.cmd == nil {
			still = append(still, pd)
			continue
		}
		data, err := pd.cmd.Wait()
		switch {
		case err == nil:
			p.settled(pd, uidIn(pd, data), data.UIDValidity, nil)
		case !session.IsConnError(err) && pd.batch != nil && pd.batch.n > 1:
			// A refused MULTIAPPEND stored none of its messages.
			pd.cmd, pd.batch, pd.single = nil, nil, true
			still = append(still, pd)
		case !session.IsConnError(err):
			err = classify(err)
			if exitcode.Of(err) == exitcode.OverQuota {
				p.overQuota(err)
			}
			p.settled(pd, 0, 0, err)
		default:
			unknown = append(unknown, pd)
			still = append(still, pd)
		}
	}
	p.inFlight = still
	return p.place(c, unknown)
}

// settleWaits are the pauses before each new look for APPENDs in doubt:
// written whole before a cut and not found yet. The server's process of
// the lost connection may still be storing them (a MULTIAPPEND it had
// read whole, committed after the cut, seconds later on a busy machine);
// sent again at once, they would be stored twice. Bounded: a message cut
// off on the way never arrives, and after these it is sent again (sync's
// journal then checks for a first copy arriving still later).
var settleWaits = []time.Duration{250 * time.Millisecond, 500 * time.Millisecond, time.Second}

func totalSettle() time.Duration {
	var d time.Duration
	for _, w := range settleWaits {
		d += w
	}
	return d
}

// byServer reports whether the connection ended with the server's BYE:
// the server ended the session itself, between commands, so nothing it
// had not answered is stored later, and there is nothing to wait for (a
// wait could outlive the new session too: an expiring token's).
func byServer(cause error) bool {
	var bye *imapclient.ByeError
	return errors.As(cause, &bye)
}

// clearDoubts takes every APPEND out of doubt.
func (p *pusher) clearDoubts() {
	for _, pd := range p.inFlight {
		pd.doubt = false
	}
}

// settleDoubts looks again, after each of settleWaits, for the APPENDs
// in doubt, until all are found or the waits are over.
func (p *pusher) settleDoubts(ctx context.Context, c *imapclient.Client) error {
	for _, d := range settleWaits {
		var doubts []*pending
		for _, pd := range p.inFlight {
			if pd.doubt {
				doubts = append(doubts, pd)
			}
		}
		if len(doubts) == 0 {
			return nil
		}
		if err := session.Sleep(ctx, d); err != nil {
			return err
		}
		if err := p.place(c, doubts); err != nil {
			return err
		}
	}
	return nil
}

// place looks on the server for unknown, in-flight APPENDs whose answer
// was lost: those found are settled, the others marked (cmd = nil) to be
// sent again, in doubt when they were written whole.
func (p *pusher) place(c *imapclient.Client, unknown []*pending) error {
	if len(unknown) == 0 {
		return nil
	}
	looked := map[*pending]bool{}
	for _, pd := range unknown {
		looked[pd] = true
	}
	arrived, validity, err := p.arrivals(c, unknown)
	if err != nil {
		return err
	}
	found := map[*pending]imap.UID{}
	stored := map[*batch]bool{}
	for i := 0; i < len(unknown); {
		// A group is one MULTIAPPEND (all stored or none, RFC 3502) or one
		// APPEND.
		j := i + 1
		for b := unknown[i].batch; b != nil && j < len(unknown) && unknown[j].batch == b; j++ {
		}
		group := unknown[i:j]
		i = j
		var took []*pending
		for _, pd := range group {
			k := keyOf(pd)
			if uids := arrived[pd.folder][k]; len(uids) > 0 {
				arrived[pd.folder][k] = uids[1:]
				found[pd] = uids[0]
				took = append(took, pd)
			}
		}
		if len(took) > 0 && group[0].batch != nil {
			// One member there means all are: a member not matched was
			// stored altered (line ends normalised…), never to be sent
			// again; as long as messages not matched arrived to stand for
			// it (unaccounted, below).
			stored[group[0].batch] = true
		}
	}
	// unaccounted counts, per folder, the arrivals no APPEND matched: a
	// member of a stored MULTIAPPEND not matched is taken as stored
	// altered only against one of them. With none left it is not there
	// (whatever the rest of its command did), and is looked for again or
	// sent again like any other: never taken as stored on a guess.
	unaccounted := map[string]int{}
	for folder, got := range arrived {
		for _, uids := range got {
			unaccounted[folder] += len(uids)
		}
	}
	var still []*pending
	for _, pd := range p.inFlight {
		uid, ok := found[pd]
		switch {
		case ok:
			// With its folder's UIDVALIDITY: a rewritten message found
			// here is linked to its source (--links) as if answered.
			p.settled(pd, uid, validity[pd.folder], nil)
		case looked[pd] && pd.batch != nil && stored[pd.batch] && unaccounted[pd.folder] > 0:
			unaccounted[pd.folder]--
			fmt.Fprintf(p.o.Log, "imapx: warning: %s → %s: stored (its MULTIAPPEND arrived) but not found as sent\n", pd.it.Pos, pd.folder)
			p.settled(pd, 0, 0, nil)
		default:
			// Written whole, the server may yet store it: in doubt
			// (settleDoubts, OnResend).
			pd.doubt = pd.doubt || looked[pd] && pd.written
			pd.cmd = nil
			still = append(still, pd)
		}
	}
	p.inFlight = still
	return nil
}

// settled reports pd, stored at uid or refused with err, outside the
// window's order (reconcile).
func (p *pusher) settled(pd *pending, uid imap.UID, validity uint32, err error) {
	if pd.it.Body.Bytes() != nil {
		p.memBytes -= pd.it.Body.Size()
	}
	if err != nil {
		p.result(pd.it, pd.folder, 0, 0, err)
	} else {
		p.appended(pd, uid, validity)
	}
	pd.it.Close()
}

type arrivalKey struct {
	ident string
	size  int64
}

func keyOf(pd *pending) arrivalKey {
	f, err := identity.FromBody(pd.it.Body, wholeHeader)
	if err != nil {
		return arrivalKey{}
	}
	return arrivalKey{f.Ident, pd.it.Body.Size()}
}

// arrivals lists, for each folder of the unknown APPENDs, the messages
// that arrived since the first of them was sent and that no APPEND of
// this push was confirmed to have made, by identity and size, and the
// folder's UIDVALIDITY.
func (p *pusher) arrivals(c *imapclient.Client, unknown []*pending) (map[string]map[arrivalKey][]imap.UID, map[string]uint32, error) {
	start := map[string]imap.UID{}
	var order []string
	for _, pd := range unknown {
		if s, ok := start[pd.folder]; !ok {
			order = append(order, pd.folder)
			start[pd.folder] = pd.since
		} else if pd.since < s {
			start[pd.folder] = pd.since
		}
	}
	return p.arrivalsSince(c, start, order)
}

// arrivalsSince lists, for each folder of order, the messages from UID
// start[folder] on that no APPEND of this push was confirmed to have
// made, by whole-header identity and size, and the folder's UIDVALIDITY.
func (p *pusher) arrivalsSince(c *imapclient.Client, start map[string]imap.UID, order []string) (map[string]map[arrivalKey][]imap.UID, map[string]uint32, error) {
	arrived := map[string]map[arrivalKey][]imap.UID{}
	validity := map[string]uint32{}
	p.selected = "" // reconcile examines folders: send selects again
	for _, folder := range order {
		got := map[arrivalKey][]imap.UID{}
		arrived[folder] = got
		from := max(start[folder], 1)
		sel, err := session.Select(c, folder, true)
		if err != nil {
			if session.IsConnError(err) {
				return nil, nil, err
			}
			continue // gone or refused: what was sent there goes again
		}
		validity[folder] = sel.UIDValidity
		cmd := c.Fetch(imap.UIDSet{imap.UIDRange{Start: from, Stop: 0}}, &imap.FetchOptions{
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
			// start; only UIDs from start on can be these APPENDs'.
			if set := p.confirmed[folder]; uid >= from && (set == nil || !set.Contains(uid)) {
				k := arrivalKey{identity.Compute(header, wholeHeader), size}
				got[k] = append(got[k], uid)
			}
		}
		if err := cmd.Close(); err != nil {
			return nil, nil, err
		}
	}
	return arrived, validity, nil
}
