package fetch

import (
	"encoding/json"
	"fmt"
	"io"

	"github.com/imapx/imapx/internal/jq"
	"github.com/imapx/imapx/internal/mbox"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
)

// Sink receives every fetched record, in order. body is nil without Full;
// the sink owns it and closes it when done with it.
type Sink interface {
	Message(m *record.Message, body *record.Body) error
	// Passthrough receives a record that is not a message (a folder
	// record, or a plan's create_folder op), as JSON.
	Passthrough(typ string, b []byte) error
}

// streamSink is a Sink that writes a stream and must be flushed.
type streamSink interface {
	Sink
	close() error
	// end closes a stream that holds everything asked for: JSON lines
	// get their end record (mbox has no trailer).
	end() error
}

func newSink(o *Options, out io.Writer) (streamSink, error) {
	switch o.Format {
	case FormatJSONL:
		return &jsonlSink{w: record.NewWriter(out), filter: o.Filter}, nil
	case FormatMbox:
		return &mboxSink{w: mbox.NewWriter(out), filter: o.Filter}, nil
	}
	return nil, fmt.Errorf("unknown format %q", o.Format)
}

type jsonlSink struct {
	w      *record.Writer
	filter *jq.Filter
}

func (s *jsonlSink) Message(m *record.Message, body *record.Body) error {
	defer body.Close()
	if s.filter == nil {
		return s.write(m, body)
	}
	in, outs, err := apply(s.filter, m)
	if err != nil {
		return err
	}
	for _, out := range outs {
		switch {
		case jq.Same(in, out):
			err = s.write(m, body)
		case body != nil && isMessageObject(out):
			err = s.w.WriteObjectRaw(out, body.Reader(), body.Size())
		default:
			err = s.w.WriteLine(out)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *jsonlSink) write(m *record.Message, body *record.Body) error {
	return s.w.WriteMessage(m, body)
}

// Passthrough writes folder records and plan ops; jq sees folder records
// too, so that `--jq 'select(.type=="message")'` keeps only messages.
func (s *jsonlSink) Passthrough(typ string, b []byte) error {
	if s.filter == nil || typ == record.TypeOp {
		return s.w.WriteLine(b)
	}
	outs, err := s.filter.Apply(b)
	if err != nil {
		return err
	}
	for _, out := range outs {
		if err := s.w.WriteLine(out); err != nil {
			return err
		}
	}
	return nil
}

func (s *jsonlSink) close() error { return s.w.Flush() }

// end writes the end record, past --jq: a filter never drops or changes it.
func (s *jsonlSink) end() error { return s.w.End("fetch") }

// apply runs --jq on a message record (without its body): in is the
// record as jq saw it.
func apply(f *jq.Filter, m *record.Message) (in []byte, outs [][]byte, err error) {
	if in, err = record.Marshal(m); err != nil {
		return nil, nil, err
	}
	outs, err = f.Apply(in)
	return in, outs, err
}

// isMessageObject reports whether a jq output is still a message record,
// so the message body stays attached to it.
func isMessageObject(b []byte) bool {
	var head struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(b, &head) == nil && head.Type == record.TypeMessage
}

type mboxSink struct {
	w      *mbox.Writer
	filter *jq.Filter
}

func (s *mboxSink) Message(m *record.Message, body *record.Body) error {
	defer body.Close()
	if body == nil {
		return fmt.Errorf("mbox output needs message bodies (--full)")
	}
	if s.filter != nil {
		_, outs, err := apply(s.filter, m)
		if err != nil {
			return err
		}
		for _, out := range outs {
			var mm record.Message
			if !isMessageObject(out) || json.Unmarshal(out, &mm) != nil {
				return fmt.Errorf("--jq output is not a message record, which mbox needs: %.60s", out)
			}
			if err := s.write(&mm, body); err != nil {
				return err
			}
		}
		return nil
	}
	return s.write(m, body)
}

func (s *mboxSink) write(m *record.Message, body *record.Body) error {
	return stream.WriteMbox(s.w, m, body)
}

// Passthrough drops folder records and plan ops: an mbox holds messages.
func (s *mboxSink) Passthrough(string, []byte) error { return nil }
func (s *mboxSink) close() error                     { return s.w.Close() }
func (s *mboxSink) end() error                       { return s.w.Close() }
