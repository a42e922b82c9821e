// Package format is the `imapx format` stage: it converts record streams
// between JSON lines and mbox, and renders them as tables and summaries for
// people.
package format

import (
	"fmt"
	"io"

	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/mbox"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
)

// Output formats.
const (
	ToJSONL   = "jsonl"
	ToMbox    = "mbox"
	ToTable   = "table"
	ToSummary = "summary"
)

// Options for a conversion.
type Options struct {
	To    string
	Ident identity.Options
	// Folder sets the folder of messages read from an mbox that does not
	// name one.
	Folder string
	// NoEnd accepts input without an end record, warning there.
	NoEnd io.Writer
}

// Run converts in (JSON lines or mbox, detected) to out.
func Run(o Options, in io.Reader, inName string, out io.Writer) error {
	rd := stream.NewReader(in, inName)
	rd.AcceptNoEnd(o.NoEnd)
	var sink interface {
		item(*stream.Item) error
		close() error
	}
	switch o.To {
	case ToJSONL:
		sink = &jsonlOut{w: record.NewWriter(out)}
	case ToMbox:
		sink = &mboxOut{w: mbox.NewWriter(out)}
	case ToTable:
		sink = newTableOut(out)
	case ToSummary:
		sink = newSummaryOut(out)
	default:
		return fmt.Errorf("unknown output format %q (jsonl, mbox, table, summary)", o.To)
	}
	for {
		it, err := rd.Next()
		if err == io.EOF {
			if j, ok := sink.(*jsonlOut); ok {
				return j.w.End("format")
			}
			return sink.close()
		}
		if err != nil {
			sink.close()
			return err
		}
		if it.Msg != nil && it.Msg.Folder == "" {
			it.Msg.Folder = o.Folder
			if it.Msg.Folder == "" {
				it.Msg.Folder = "INBOX"
			}
		}
		if err := complete(&o, it); err != nil {
			it.Close()
			sink.close()
			return err
		}
		err = sink.item(it)
		it.Close()
		if err != nil {
			sink.close()
			return err
		}
	}
}

// jsonlOut writes records.
type jsonlOut struct {
	w *record.Writer
}

func (j *jsonlOut) item(it *stream.Item) error {
	if it.Msg == nil {
		return j.w.WriteLine(it.Line.JSON)
	}
	return j.w.WriteMessage(it.Msg, it.Body)
}

// complete fills a message's ident and message_id from its body when it
// has none (messages read from an mbox).
func complete(o *Options, it *stream.Item) error {
	m := it.Msg
	if m == nil || it.Body == nil || (m.Ident != "" && m.MessageID != "") {
		return nil
	}
	f, err := identity.FromBody(it.Body, o.Ident)
	if err != nil {
		return err
	}
	if m.Ident == "" {
		m.Ident = f.Ident
	}
	if m.MessageID == "" {
		m.MessageID = f.MessageID
	}
	return nil
}

func (j *jsonlOut) close() error { return j.w.Flush() }

// mboxOut writes messages with bodies; folder records are skipped (an
// mbox holds messages only), anything else is an error.
type mboxOut struct{ w *mbox.Writer }

func (m *mboxOut) item(it *stream.Item) error {
	switch {
	case it.Msg != nil && it.Body != nil:
		return stream.WriteMbox(m.w, it.Msg, it.Body)
	case it.Msg != nil:
		return it.Errorf("message record has no \"raw\" body: an mbox needs 'imapx fetch --full'")
	case it.Type == record.TypeFolder:
		return nil
	}
	return it.Errorf("an mbox holds messages, not %q records", it.Type)
}

func (m *mboxOut) close() error { return m.w.Close() }
