package rewrite

import (
	"context"
	"fmt"
	"slices"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/record"
)

// Rewriter applies Options to one message at a time; it is safe for
// concurrent use.
type Rewriter struct {
	o    Options
	argv [][]string // the Pipemess commands, split (nil entries: Shell)
}

// New checks the options (a --pipemess that cannot run without a shell
// is a usage error, said before anything is read).
func New(o Options) (*Rewriter, error) {
	o.defaults()
	r := &Rewriter{o: o}
	for _, c := range o.Pipemess {
		if o.Shell {
			r.argv = append(r.argv, []string{"/bin/sh", "-c", c})
			continue
		}
		words, err := splitWords(c)
		if err != nil {
			return nil, exitcode.Newf(exitcode.Usage, "--pipemess %q: %v", c, err)
		}
		r.argv = append(r.argv, words)
	}
	return r, nil
}

// Options returns the options, defaults filled in.
func (r *Rewriter) Options() Options { return r.o }

// Skipped is the error of a message --skipmess leaves out on purpose.
type Skipped struct{ Pattern string }

func (s *Skipped) Error() string { return fmt.Sprintf("skipped: matches --skipmess %s", s.Pattern) }

// Message rewrites one message: m is changed in place (flags, internal
// date, size, "rewritten"; its identity filled in when it had none, from
// the bytes as read) and the new body returned, with the operations that
// changed something (added to m.Rewritten, after those of stages before).
// It takes body: the body returned may be body itself (nothing changed
// its bytes) or a new one, body being closed. A message left out returns
// a nil body and an error: *Skipped for --skipmess, else why it failed
// (exit code 111).
func (r *Rewriter) Message(ctx context.Context, m *record.Message, body *record.Body) (*record.Body, []string, error) {
	header, err := identity.ReadHeader(body)
	if err != nil {
		body.Close()
		return nil, nil, exitcode.Newf(exitcode.WithErrors, "reading the message: %v", err)
	}
	if m.Ident == "" {
		facts := identity.Of(header, r.o.Ident)
		m.Ident = facts.Ident
		if m.MessageID == "" {
			m.MessageID = facts.MessageID
		}
	}
	c := &change{m: m, body: body}
	if err := r.bytes(ctx, c, header); err != nil {
		c.body.Close()
		return nil, nil, err
	}
	r.flags(c)
	if r.o.IdateFromHeader {
		if d, ok := headerDate(header); ok && !d.Equal(m.InternalDate) {
			m.InternalDate = d
			c.did(OpIdateFromHeader)
		}
	}
	m.Size = c.body.Size()
	for _, op := range c.ops {
		if !slices.Contains(m.Rewritten, op) {
			m.Rewritten = append(m.Rewritten, op)
		}
	}
	return c.body, c.ops, nil
}

// change is one message being rewritten: its body so far and the
// operations that changed it.
type change struct {
	m    *record.Message
	body *record.Body
	ops  []string
}

func (c *change) did(op string) {
	if !slices.Contains(c.ops, op) {
		c.ops = append(c.ops, op)
	}
}

// replace makes nb the body, closing the one it replaces.
func (c *change) replace(nb *record.Body, op string) {
	if nb != c.body {
		c.body.Close()
		c.body = nb
	}
	c.did(op)
}

// bytes runs the operations on the message's bytes, in imapsync's order.
func (r *Rewriter) bytes(ctx context.Context, c *change, header []byte) error {
	for _, sk := range r.o.Skipmess {
		hit, err := matchBody(c.body, sk)
		if err != nil {
			return exitcode.Newf(exitcode.WithErrors, "--skipmess: %v", err)
		}
		if hit {
			return &Skipped{Pattern: sk.Source}
		}
	}
	for i, argv := range r.argv {
		nb, err := r.pipe(ctx, argv, c.body)
		if err != nil {
			return exitcode.Newf(exitcode.WithErrors, "--pipemess %q: %v", r.o.Pipemess[i], err)
		}
		c.replace(nb, OpPipemess)
	}
	for _, rt := range r.o.Regexmess {
		nb, err := substBody(c.body, rt)
		if err != nil {
			return exitcode.Newf(exitcode.WithErrors, "--regexmess %s: %v", rt.Source, err)
		}
		if nb != nil {
			c.replace(nb, OpRegexmess)
		}
	}
	if n := r.o.WrapLines; n > 0 {
		nb, err := wrapBody(c.body, n)
		if err != nil {
			return exitcode.Newf(exitcode.WithErrors, "--wraplines: %v", err)
		}
		if nb != nil {
			c.replace(nb, OpWrapLines)
		}
	}
	if r.o.DisarmReadReceipts || r.o.AddHeader {
		// The header as the operations before left it.
		if len(c.ops) > 0 {
			h, err := identity.ReadHeader(c.body)
			if err != nil {
				return exitcode.Newf(exitcode.WithErrors, "reading the rewritten message: %v", err)
			}
			header = h
		}
	}
	if r.o.DisarmReadReceipts && asksReceipt(header) && !hasFlag(c.m.Flags, mdnSent) {
		c.m.Flags = append(c.m.Flags, mdnSent)
		c.did(OpDisarmReadReceipts)
	}
	if n := r.o.Truncmess; n > 0 && c.body.Size() > n {
		nb, err := truncate(c.body, n)
		if err != nil {
			return exitcode.Newf(exitcode.WithErrors, "--truncmess: %v", err)
		}
		c.replace(nb, OpTruncmess)
	}
	if r.o.AddHeader && identity.Field(header, "Message-Id") == nil {
		nb, id, err := addMessageID(c.body, c.m, header)
		if err != nil {
			return exitcode.Newf(exitcode.WithErrors, "--addheader: %v", err)
		}
		c.m.MessageID = id
		c.replace(nb, OpAddHeader)
	}
	return nil
}
