package record

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"

	"github.com/imapx/imapx/internal/exitcode"
)

// TypeEnd is the type of the record that ends every JSON-lines stream a
// stage writes: a reader that meets EOF without it knows the stage before
// it died (or was cut off by `head`), so a truncated pipeline never looks
// like success. A stage that fails writes no end record.
const TypeEnd = "end"

// End is the last record of a stream: what the stage wrote before it.
// Readers check that it is there, not its counts (a jq filter between two
// stages may drop records, and must keep this one).
type End struct {
	Type string `json:"type"`
	// Stage names the writer (fetch, diff, push…).
	Stage    string `json:"stage,omitempty"`
	Records  int64  `json:"records"`
	Folders  int64  `json:"folders,omitempty"`
	Messages int64  `json:"messages,omitempty"`
	Ops      int64  `json:"ops,omitempty"`
	Results  int64  `json:"results,omitempty"`
	// Errors counts the result records that report a failure.
	Errors int64 `json:"errors,omitempty"`
	Extra  Extra `json:"-"`
}

func (e *End) extras() *Extra { return &e.Extra }

// NoEndHint is said with a missing end record.
const NoEndHint = `a stream written by hand or by another tool has no {"type":"end"} record: add one, or pass --no-end to accept it; a jq filter between stages must keep it: jq -c 'select(.type=="end" or …)'`

// noEnd is the error (or, when the reader accepts streams without an end
// record, the warning) for an input that ended without one.
func noEnd(name string, warn io.Writer) error {
	msg := "input ended before its end record (did the stage before this one fail?)"
	if warn != nil {
		fmt.Fprintf(warn, "imapx: warning: %s: input has no end record; accepted (--no-end)\n", name)
		return io.EOF
	}
	return exitcode.WithHint(exitcode.NoInput, &InputError{Name: name, Msg: msg, missingEnd: true}, NoEndHint)
}

// counts is what a Writer tallies for its end record.
type counts struct{ records, folders, messages, ops, results, errors int64 }

func (c *counts) add(typ string, failed bool) {
	c.records++
	switch typ {
	case TypeFolder:
		c.folders++
	case TypeMessage:
		c.messages++
	case TypeOp:
		c.ops++
	case TypeResult:
		c.results++
		if failed {
			c.errors++
		}
	}
}

// typeOf reads a JSON object's "type" (and, for a result, whether it
// failed) to count a line written as bytes.
func typeOf(b []byte) (string, bool) {
	if t, ok := leadingType(b); ok && t != TypeResult {
		return t, false
	}
	var head struct {
		Type string `json:"type"`
		OK   *bool  `json:"ok"`
	}
	if json.Unmarshal(b, &head) != nil {
		return "", false
	}
	return head.Type, head.Type == TypeResult && head.OK != nil && !*head.OK
}

// End writes the end record with what w wrote, then flushes. Call it only
// when the stage wrote everything it was asked to.
func (w *Writer) End(stage string) error {
	c := w.n
	e := &End{Type: TypeEnd, Stage: stage, Records: c.records, Folders: c.folders, Messages: c.messages,
		Ops: c.ops, Results: c.results, Errors: c.errors}
	if err := w.Write(e); err != nil {
		return err
	}
	return w.Flush()
}

// WriteEnd writes e as an end record to out, for a stage whose records
// were written by several writers (push over several connections).
func WriteEnd(out io.Writer, e *End) error {
	e.Type = TypeEnd
	b, err := Marshal(e)
	if err != nil {
		return err
	}
	_, err = out.Write(append(b, '\n'))
	return err
}

// LineCounter counts the lines written through it: the records of a
// stream written by several writers.
type LineCounter struct {
	W io.Writer
	N int64
}

func (c *LineCounter) Write(p []byte) (int, error) {
	n, err := c.W.Write(p)
	c.N += int64(bytes.Count(p[:n], []byte{'\n'}))
	return n, err
}
