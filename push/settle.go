package push

import (
	"context"
	"errors"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
)

// settleOldest waits for the oldest APPEND's answer and reports it.
func (p *pusher) settleOldest(ctx context.Context) error {
	pd := p.inFlight[0]
	if pd.cmd == nil {
		// Never sent (its connection was lost before): send it now.
		return p.dispatch(ctx, pd)
	}
	if pd.batch != nil && pd.batch == p.open {
		if err := p.closeBatch(); err != nil {
			return p.recover(ctx, err)
		}
	}
	data, err := pd.cmd.Wait()
	if err != nil && session.IsConnError(err) {
		return p.recover(ctx, err)
	}
	if err != nil && pd.batch != nil && pd.batch.n > 1 {
		// None of the batch was stored: each goes again alone, for an
		// answer of its own, unless the push stops. Over quota they go
		// one at a time (each sent when it is the oldest): the first
		// refusal stops the push before the others are sent for nothing.
		members := p.unbatch(pd.batch)
		if overQuota(asIMAPError(err)) {
			members = members[:1]
		}
		for _, m := range members {
			// A recovery on the way sends again, or settles, every member
			// not sent yet: those are not this loop's any more.
			if m.cmd != nil || !p.holds(m) {
				continue
			}
			if p.stop != nil {
				p.drop(m)
				continue
			}
			if err := p.dispatch(ctx, m); err != nil {
				return err
			}
		}
		return nil
	}
	p.pop()
	defer pd.it.Close()
	if err == nil {
		p.failures = 0
		p.appended(pd, uidIn(pd, data), data.UIDValidity)
		return nil
	}
	err = classify(err)
	if exitcode.Of(err) == exitcode.OverQuota {
		if p.stop != nil {
			p.refusedAfterStop(pd, err)
			return nil
		}
		p.overQuota(err)
	} else if p.retryWithoutKeywords(ctx, pd, err) {
		return nil
	}
	p.result(pd.it, pd.folder, 0, 0, err)
	return nil
}

func asIMAPError(err error) *imap.Error {
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		return imapErr
	}
	return &imap.Error{}
}

// holds reports whether pd is still in the window.
func (p *pusher) holds(pd *pending) bool {
	for _, x := range p.inFlight {
		if x == pd {
			return true
		}
	}
	return false
}

func (p *pusher) pop() {
	pd := p.inFlight[0]
	p.inFlight = p.inFlight[1:]
	if pd.it.Body.Bytes() != nil {
		p.memBytes -= pd.it.Body.Size()
	}
}

// retryWithoutKeywords appends again without keywords when the server
// refused the message with keywords: the mail must not be lost for a
// keyword, but the refusal is still reported as an error (by appended).
// It reports whether the message was stored.
func (p *pusher) retryWithoutKeywords(ctx context.Context, pd *pending, first error) bool {
	var imapErr *imap.Error
	if !errors.As(first, &imapErr) || imapErr.Code == imap.ResponseCodeTooBig || p.stop != nil {
		return false
	}
	// First with the keywords the folder holds, dropping only the new
	// ones; if that is refused too (or nothing was new), with none.
	var system []imap.Flag
	for _, f := range pd.flags {
		if strings.HasPrefix(string(f), `\`) {
			system = append(system, f)
		}
	}
	if len(system) == len(pd.flags) {
		return false // no keyword to drop: refused for something else
	}
	tries := [][]imap.Flag{system}
	if keep, dropped := p.acceptedFlags(pd.folder, pd.flags); len(dropped) > 0 && len(keep) > len(system) {
		tries = [][]imap.Flag{keep, system}
	}
	for _, flags := range tries {
		retry := &pending{it: pd.it, folder: pd.folder, flags: flags, single: true, binary: pd.binary, kwRefusal: first}
		if err := p.send(ctx, retry); err != nil {
			return false
		}
		data, err := retry.cmd.Wait()
		if err != nil {
			if session.IsConnError(err) {
				return false
			}
			continue
		}
		p.appended(retry, data.UID, data.UIDValidity)
		return true
	}
	return false
}

// classify maps a refused APPEND to the exit code table.
func classify(err error) error {
	var imapErr *imap.Error
	if errors.As(err, &imapErr) {
		switch {
		case overQuota(imapErr):
			return exitcode.New(exitcode.OverQuota, err)
		case imapErr.Code == imap.ResponseCodeTryCreate || imapErr.Code == imap.ResponseCodeNonExistent:
			return exitcode.New(exitcode.Create, err)
		}
	}
	if exitcode.Of(err) != exitcode.Internal {
		return err
	}
	return exitcode.New(exitcode.Append, err)
}

// drain settles every APPEND still in flight.
func (p *pusher) drain(ctx context.Context) error {
	if err := p.closeBatch(); err != nil {
		if len(p.inFlight) > 0 {
			if err := p.recover(ctx, err); err != nil {
				return err
			}
		}
	}
	for len(p.inFlight) > 0 {
		if err := p.settleOldest(ctx); err != nil {
			return err
		}
	}
	return nil
}
