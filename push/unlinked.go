package push

import (
	"context"
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// unlinked is a copy to link (--links: a rewritten message, or every
// message under sync's --useuid) that the server stored without saying
// its UID: a server without UIDPLUS answers APPEND with no APPENDUID.
// Without a link its copy has the rewritten header's identity, which the
// next diff takes for a stranger, copying its source again.
type unlinked struct {
	folder string
	since  imap.UID // the folder's UIDNEXT before it was sent
	key    arrivalKey
	ident  string // its source's
}

// awaitLink keeps pd's copy for linkFound; the body is still open here.
func (p *pusher) awaitLink(pd *pending) {
	p.unlinked = append(p.unlinked, unlinked{pd.folder, pd.since, keyOf(pd), pd.it.Msg.Ident})
}

// linkFound finds, once the push is done, the copies the server stored
// without their UIDs, as recover finds unanswered APPENDs: among the
// folder's messages from the UIDNEXT before they were sent, none of them
// a UID this push was given, by whole-header identity and size, in order.
// The copy is exactly the bytes sent, so it is found unless another client
// stored the same bytes meanwhile (then either copy stands for the
// source). Those not found are said: the next run may copy them again.
func (p *pusher) linkFound(ctx context.Context) {
	if len(p.unlinked) == 0 || ctx.Err() != nil {
		return
	}
	missing := len(p.unlinked)
	defer func() {
		if missing > 0 {
			fmt.Fprintf(p.o.Log, "imapx: warning: --links: %d copies to link were stored without APPENDUID and not found again: a later run may copy their sources again\n", missing)
		}
	}()
	c, err := p.client(ctx)
	if err != nil {
		fmt.Fprintf(p.o.Log, "imapx: warning: --links: looking for copies stored without APPENDUID: %v\n", err)
		return
	}
	start := map[string]imap.UID{}
	var order []string
	for _, u := range p.unlinked {
		if s, ok := start[u.folder]; !ok {
			order = append(order, u.folder)
			start[u.folder] = u.since
		} else if u.since < s {
			start[u.folder] = u.since
		}
	}
	arrived, validity, err := p.arrivalsSince(c, start, order)
	if err != nil {
		fmt.Fprintf(p.o.Log, "imapx: warning: --links: looking for copies stored without APPENDUID: %v\n", err)
		return
	}
	found := 0
	for _, u := range p.unlinked {
		uids := arrived[u.folder][u.key]
		if len(uids) == 0 || validity[u.folder] == 0 {
			continue
		}
		arrived[u.folder][u.key] = uids[1:]
		if err := p.o.Links.Add(u.folder, validity[u.folder], uint32(uids[0]), u.ident); err != nil {
			fmt.Fprintf(p.o.Log, "imapx: warning: --links: %v\n", err)
			continue
		}
		found++
	}
	missing -= found
	fmt.Fprintf(p.o.Log, "imapx: the destination gave no APPENDUID (no UIDPLUS): %d copies found again by header and size, and linked to their sources\n", found)
}
