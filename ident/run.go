// Package ident is the `imapx ident` stage: it reads message records (or an
// mbox) and sets each message's "ident" with the chosen identity (see
// package internal/identity for the algorithm), so that records fetched
// once can be compared under another --useheader choice.
package ident

import (
	"io"
	"strings"

	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
)

// Options for the stage.
type Options struct {
	Ident identity.Options
	// NoEnd accepts input without an end record, warning there.
	NoEnd io.Writer
}

// Run reads records from in and writes them to out with "ident" set. A
// message's header comes from its "raw" body, or from the "headers" an
// inventory carries; other records pass through unchanged.
func Run(o Options, in io.Reader, inName string, out io.Writer) (int, error) {
	rd := stream.NewReader(in, inName)
	rd.AcceptNoEnd(o.NoEnd)
	w := record.NewWriter(out)
	n := 0
	for {
		it, err := rd.Next()
		if err == io.EOF {
			return n, w.End("ident")
		}
		if err != nil {
			w.Flush()
			return n, err
		}
		if err := one(o, it, w); err != nil {
			it.Close()
			w.Flush()
			return n, err
		}
		it.Close()
		n++
	}
}

func one(o Options, it *stream.Item, w *record.Writer) error {
	if it.Msg == nil {
		return w.WriteLine(it.Line.JSON)
	}
	m := it.Msg
	header, err := headerOf(o, it)
	if err != nil {
		return err
	}
	f := identity.Of(header, o.Ident)
	m.Ident = f.Ident
	if m.MessageID == "" {
		m.MessageID = f.MessageID
	}
	return w.WriteMessage(m, it.Body)
}

// headerOf finds the header block to compute an identity from, refusing
// (rather than guessing) when an inventory's headers lack chosen fields.
func headerOf(o Options, it *stream.Item) ([]byte, error) {
	if it.Body != nil {
		return identity.ReadHeader(it.Body)
	}
	m := it.Msg
	if m.HeaderFields == nil {
		return nil, it.Errorf("message has neither \"raw\" nor \"headers\": fetch with --full, or without --headers=false")
	}
	header := []byte(m.Headers)
	if hasAll(m.HeaderFields) {
		return header, nil
	}
	fields, all := o.Ident.FetchFields()
	if all {
		return nil, it.Errorf("--useheader ALL needs whole headers, but the record holds only %s: fetch with --useheader ALL or --full", strings.Join(m.HeaderFields, ", "))
	}
	for _, f := range fields {
		if !contains(m.HeaderFields, f) {
			return nil, it.Errorf("the record's headers hold %s, not %s: fetch with --useheader %s or --full", strings.Join(m.HeaderFields, ", "), f, f)
		}
	}
	if identity.NeedsFullHeader(header, o.Ident) {
		return nil, it.Errorf("the message has none of %s, so its identity needs the whole header: fetch with --useheader %s or --full", strings.Join(fields, ", "), strings.Join(fields, " --useheader "))
	}
	return header, nil
}

func hasAll(fields []string) bool { return contains(fields, "ALL") }

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}
