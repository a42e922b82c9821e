package record

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"sort"
)

// extraHolder is implemented by every record type: it gives the writer the
// unknown fields to pass through.
type extraHolder interface{ extras() *Extra }

func (f *Folder) extras() *Extra  { return &f.Extra }
func (m *Message) extras() *Extra { return &m.Extra }
func (o *Op) extras() *Extra      { return &o.Extra }
func (r *Result) extras() *Extra  { return &r.Extra }

// Writer writes records as JSON lines. It is not safe for concurrent use.
type Writer struct {
	w *bufio.Writer
	n counts // for the end record
}

// NewWriter returns a Writer on w; call Flush when done.
func NewWriter(w io.Writer) *Writer {
	return &Writer{w: bufio.NewWriterSize(w, 64<<10)}
}

// Write writes one record (a pointer to a record type) as one line.
func (w *Writer) Write(v extraHolder) error {
	b, err := Marshal(v)
	if err != nil {
		return err
	}
	b = append(b, '\n')
	if _, err = w.w.Write(b); err != nil {
		return err
	}
	switch r := v.(type) {
	case *Folder:
		w.n.add(TypeFolder, false)
	case *Message:
		w.n.add(TypeMessage, false)
	case *Op:
		w.n.add(TypeOp, false)
	case *Result:
		w.n.add(TypeResult, !r.OK)
	}
	return nil
}

// WriteRaw writes one record with a "raw" field holding the base64 of the
// size bytes read from raw, streamed so that memory stays bounded whatever the
// message size. It fails if raw holds fewer than size bytes.
func (w *Writer) WriteRaw(v extraHolder, raw io.Reader, size int64) error {
	b, err := Marshal(v)
	if err != nil {
		return err
	}
	return w.WriteObjectRaw(b, raw, size)
}

// WriteLine writes any JSON value (for example a jq output) as one line.
func (w *Writer) WriteLine(b []byte) error {
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	if err := w.w.WriteByte('\n'); err != nil {
		return err
	}
	if typ, failed := typeOf(b); typ != TypeEnd {
		w.n.add(typ, failed)
	}
	return nil
}

// WriteObjectRaw writes the JSON object b with a streamed "raw" field added.
func (w *Writer) WriteObjectRaw(b []byte, raw io.Reader, size int64) error {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return fmt.Errorf("not a JSON object: %.40s", b)
	}
	typ, _ := typeOf(b)
	b = append([]byte(nil), b[:len(b)-1]...) // drop '}' to append "raw" last
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(b, `"raw":"`...)
	if _, err := w.w.Write(b); err != nil {
		return err
	}
	enc := base64.NewEncoder(base64.StdEncoding, w.w)
	n, err := io.Copy(enc, io.LimitReader(raw, size))
	if err != nil {
		return err
	}
	if n != size {
		return fmt.Errorf("message body: got %d bytes, want %d", n, size)
	}
	if err := enc.Close(); err != nil {
		return err
	}
	if _, err = w.w.WriteString("\"}\n"); err != nil {
		return err
	}
	w.n.add(typ, false)
	return nil
}

// Flush writes buffered records to the underlying writer.
func (w *Writer) Flush() error { return w.w.Flush() }

// Marshal encodes a record with its pass-through fields, without a newline.
// Unlike json.Marshal it does not escape <, > and & (folder names like
// "a&b" and Message-IDs in <…> stay readable).
func Marshal(v extraHolder) ([]byte, error) {
	var enc bytes.Buffer
	e := json.NewEncoder(&enc)
	e.SetEscapeHTML(false)
	if err := e.Encode(v); err != nil {
		return nil, err
	}
	b := bytes.TrimRight(enc.Bytes(), "\n")
	extra := *v.extras()
	if len(extra) == 0 {
		return b, nil
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var buf bytes.Buffer
	buf.Write(b[:len(b)-1])
	for _, k := range keys {
		kb, _ := json.Marshal(k)
		if buf.Len() > 1 {
			buf.WriteByte(',')
		}
		buf.Write(kb)
		buf.WriteByte(':')
		buf.Write(extra[k])
	}
	buf.WriteByte('}')
	return buf.Bytes(), nil
}

// WriteMessage writes a message record, with its body as "raw" when body
// is not nil.
func (w *Writer) WriteMessage(m *Message, body *Body) error {
	if body != nil {
		return w.WriteRaw(m, body.Reader(), body.Size())
	}
	return w.Write(m)
}
