package record

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"sync"

	"github.com/imapx/imapx/internal/exitcode"
)

// InputError is bad input: it names the file and line, and carries exit
// code 66.
type InputError struct {
	Name string
	Line int
	Msg  string
	// missingEnd marks an input that ended before its end record.
	missingEnd bool
}

// MissingEnd reports whether err is about an input that ended before its
// end record: every record before was read, so a stage may still carry
// out what it read (each record is whole) before failing.
func MissingEnd(err error) bool {
	var ie *InputError
	return errors.As(err, &ie) && ie.missingEnd
}

// ExitCode is exitcode.NoInput (an *exitcode.Error wrapping it may say
// otherwise: the outermost code decides).
func (e *InputError) ExitCode() int { return exitcode.NoInput }

func (e *InputError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s", e.Name, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.Name, e.Line, e.Msg)
}

// Line is one record as read: its type, its JSON without "raw", and the
// body when the record carried one.
type Line struct {
	Name string // input name, for errors
	N    int    // line number
	Type string
	JSON []byte // the object without its "raw" member
	Raw  *Body  // nil unless the record had "raw"
}

// Errorf returns an InputError for this line.
func (l *Line) Errorf(format string, args ...any) error {
	return &InputError{Name: l.Name, Line: l.N, Msg: fmt.Sprintf(format, args...)}
}

// Decode decodes the line into a record type, keeping unknown fields in its
// Extra. Errors name the file, line and field.
func (l *Line) Decode(v extraHolder) error {
	if err := l.DecodeOnly(v); err != nil {
		return err
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(l.JSON, &all); err != nil {
		return l.Errorf("%v", err)
	}
	known := knownFields(v)
	extra := Extra{}
	for k, val := range all {
		if !known[k] {
			extra[k] = val
		}
	}
	if len(extra) > 0 {
		*v.extras() = extra
	}
	return nil
}

// DecodeOnly decodes the line's known fields and drops the others: for
// readers that consume records rather than pass them on (a diff reading
// inventories), at half the cost of Decode.
func (l *Line) DecodeOnly(v any) error {
	if err := json.Unmarshal(l.JSON, v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return l.Errorf("field %q: %s is not a valid %s", te.Field, te.Value, te.Type)
		}
		return l.Errorf("%v", err)
	}
	return nil
}

var knownCache sync.Map // reflect.Type -> map[string]bool

// knownFields lists the JSON names of a record type's fields, plus "raw",
// which the reader handles itself.
func knownFields(v any) map[string]bool {
	t := reflect.TypeOf(v).Elem()
	if m, ok := knownCache.Load(t); ok {
		return m.(map[string]bool)
	}
	m := map[string]bool{"raw": true}
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = true
		}
	}
	knownCache.Store(t, m)
	return m
}

// Reader reads JSON-lines records. A "raw" member is decoded from base64
// while it is read and spooled (see Body), so a line may be far larger than
// memory.
type Reader struct {
	name string
	br   *bufio.Reader
	n    int
	// ended is set by an end record and cleared by any record after it
	// (streams concatenated with cat each end with their own).
	ended bool
	// NoEnd, when set, accepts an input without an end record (written
	// by hand or by another tool) with a warning written there; when nil,
	// such an input fails at its end.
	NoEnd io.Writer
	// Trusted says the input was written by this process (a scratch file
	// between the stages of a sync): whole lines are not checked to be
	// valid JSON before they are handed out, since decoding one checks
	// it again anyway.
	Trusted bool
}

// NewReader reads records from r; name is used in error messages.
func NewReader(r io.Reader, name string) *Reader {
	return &Reader{name: name, br: bufio.NewReaderSize(r, 64<<10)}
}

// Each calls f with every record of r, in order, and stops at the first
// error: the loop every reader of inventories, plans and results needs.
// The records' bodies are closed after f returns.
func Each(r io.Reader, name string, f func(*Line) error) error {
	return NewReader(r, name).Each(f)
}

// Each is the function Each on a Reader made by NewReader.
func (rd *Reader) Each(f func(*Line) error) error {
	for {
		l, err := rd.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		err = f(l)
		l.Raw.Close()
		if err != nil {
			return err
		}
	}
}

// Next returns the next record, or io.EOF. Blank lines are skipped. The
// end record is checked for and consumed here: an input without one fails
// at its end (see NoEnd), after every record it holds was returned. The
// caller closes Line.Raw when it is done with it.
func (r *Reader) Next() (*Line, error) {
	for {
		l, err := r.next()
		if err == io.EOF && !r.ended {
			r.ended = true // say it once
			return nil, noEnd(r.name, r.NoEnd)
		}
		if err != nil {
			return nil, err
		}
		r.ended = l.Type == TypeEnd
		if !r.ended {
			return l, nil
		}
		l.Raw.Close()
	}
}

func (r *Reader) next() (*Line, error) {
	for {
		r.n++
		c, err := r.skipSpace()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, err
		}
		if c == '\n' {
			continue
		}
		if c != '{' {
			return nil, r.errorf("not a JSON object (starts with %q)", c)
		}
		if l := r.fast(); l != nil {
			return l, nil
		}
		return r.object()
	}
}

// fast takes, in one piece, a line that fits the buffer and has no "raw"
// member (inventories, plans, results: most lines) at a fraction of the
// byte-wise scanner's cost. It returns nil, having consumed nothing, for
// any other line, and for an invalid one, whose error the scanner words.
func (r *Reader) fast() *Line {
	buf, err := r.br.Peek(r.br.Buffered())
	i := bytes.IndexByte(buf, '\n')
	if i < 0 {
		buf, err = r.br.Peek(r.br.Size())
		if i = bytes.IndexByte(buf, '\n'); i < 0 && err != io.EOF {
			return nil
		}
	}
	n := len(buf) // the line without a final newline at EOF
	if i >= 0 {
		n = i
	}
	rest := bytes.TrimRight(buf[:n], " \t\r")
	if bytes.Contains(rest, []byte(`"raw"`)) {
		return nil
	}
	js := make([]byte, 1+len(rest))
	js[0] = '{'
	copy(js[1:], rest)
	typ, ok := leadingType(js)
	if !ok {
		var head struct {
			Type string `json:"type"`
		}
		if json.Unmarshal(js, &head) != nil || head.Type == "" {
			return nil
		}
		typ = head.Type
	} else if !r.Trusted && !json.Valid(js) {
		return nil
	}
	if i >= 0 {
		n++
	}
	r.br.Discard(n)
	return &Line{Name: r.name, N: r.n, Type: typ, JSON: js}
}

// leadingType reads the type of a record written as {"type":"…",…}, as
// imapx writes them, without decoding the rest.
func leadingType(js []byte) (string, bool) {
	const prefix = `{"type":"`
	if !bytes.HasPrefix(js, []byte(prefix)) {
		return "", false
	}
	end := bytes.IndexByte(js[len(prefix):], '"')
	if end <= 0 {
		return "", false
	}
	t := js[len(prefix) : len(prefix)+end]
	if bytes.IndexByte(t, '\\') >= 0 {
		return "", false
	}
	return string(t), true
}

func (r *Reader) errorf(format string, args ...any) error {
	return &InputError{Name: r.name, Line: r.n, Msg: fmt.Sprintf(format, args...)}
}

// skipSpace returns the next byte that is not a space, tab or CR.
func (r *Reader) skipSpace() (byte, error) {
	for {
		c, err := r.br.ReadByte()
		if err != nil {
			return 0, err
		}
		if c != ' ' && c != '\t' && c != '\r' {
			return c, nil
		}
	}
}

func (r *Reader) unexpectedEOF(err error) error {
	if err == io.EOF {
		// A last line cut short: the writer died (or was killed) mid-record.
		return &InputError{Name: r.name, Line: r.n, missingEnd: true,
			Msg: "input ended inside a record, before its end record (did the stage before this one fail?)"}
	}
	return err
}

// object reads the rest of a top-level object whose '{' was consumed.
func (r *Reader) object() (*Line, error) {
	line := &Line{Name: r.name, N: r.n}
	var buf bytes.Buffer
	buf.WriteByte('{')
	first := true
	fail := func(err error) (*Line, error) {
		line.Raw.Close()
		return nil, err
	}
	for {
		c, err := r.skipSpace()
		if err != nil {
			return fail(r.unexpectedEOF(err))
		}
		if c == '}' && first {
			break
		}
		if c != '"' {
			return fail(r.errorf("invalid JSON: expected a field name, got %q", c))
		}
		key, err := r.str()
		if err != nil {
			return fail(err)
		}
		if c, err = r.skipSpace(); err != nil {
			return fail(r.unexpectedEOF(err))
		}
		if c != ':' {
			return fail(r.errorf("invalid JSON after field %q", key))
		}
		if c, err = r.skipSpace(); err != nil {
			return fail(r.unexpectedEOF(err))
		}
		if key == "raw" && c == '"' {
			if line.Raw != nil {
				return fail(r.errorf("field \"raw\" appears twice"))
			}
			if line.Raw, err = r.base64(); err != nil {
				return fail(err)
			}
		} else {
			if !first {
				buf.WriteByte(',')
			}
			kb, _ := json.Marshal(key)
			buf.Write(kb)
			buf.WriteByte(':')
			if err := r.value(c, &buf); err != nil {
				return fail(err)
			}
			first = false
		}
		if c, err = r.skipSpace(); err != nil {
			return fail(r.unexpectedEOF(err))
		}
		if c == '}' {
			break
		}
		if c != ',' {
			return fail(r.errorf("invalid JSON after field %q", key))
		}
	}
	buf.WriteByte('}')
	// The rest of the line must be empty.
	c, err := r.skipSpace()
	if err != nil && err != io.EOF {
		return fail(err)
	}
	if err == nil && c != '\n' {
		return fail(r.errorf("unexpected %q after the JSON object", c))
	}
	line.JSON = buf.Bytes()
	var head struct {
		Type string `json:"type"`
	}
	if err := json.Unmarshal(line.JSON, &head); err != nil {
		return fail(r.errorf("invalid JSON: %v", err))
	}
	if head.Type == "" {
		return fail(r.errorf("record has no \"type\" field"))
	}
	line.Type = head.Type
	return line, nil
}

// str reads a JSON string body (after the opening quote) and decodes it.
func (r *Reader) str() (string, error) {
	var raw bytes.Buffer
	raw.WriteByte('"')
	if err := r.strInto(&raw); err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal(raw.Bytes(), &s); err != nil {
		return "", r.errorf("invalid JSON string: %v", err)
	}
	return s, nil
}

// strInto copies a JSON string's bytes (after the opening quote, through the
// closing one) into buf, undecoded.
func (r *Reader) strInto(buf *bytes.Buffer) error {
	for {
		c, err := r.br.ReadByte()
		if err != nil {
			return r.unexpectedEOF(err)
		}
		if c == '\n' {
			return r.errorf("line ends inside a JSON string")
		}
		buf.WriteByte(c)
		switch c {
		case '"':
			return nil
		case '\\':
			c, err := r.br.ReadByte()
			if err != nil {
				return r.unexpectedEOF(err)
			}
			buf.WriteByte(c)
		}
	}
}

// value copies one JSON value starting with c into buf, undecoded; nested
// objects and arrays are matched by depth, aware of strings.
func (r *Reader) value(c byte, buf *bytes.Buffer) error {
	depth := 0
	for {
		switch c {
		case '"':
			buf.WriteByte(c)
			if err := r.strInto(buf); err != nil {
				return err
			}
		case '{', '[':
			depth++
			buf.WriteByte(c)
		case '}', ']':
			if depth == 0 {
				r.br.UnreadByte()
				return nil
			}
			depth--
			buf.WriteByte(c)
		case ',':
			if depth == 0 {
				r.br.UnreadByte()
				return nil
			}
			buf.WriteByte(c)
		case '\n':
			return r.errorf("line ends inside a JSON value (truncated input?)")
		default:
			buf.WriteByte(c)
		}
		if depth == 0 && c != '{' && c != '[' && (c == '"' || c == '}' || c == ']') {
			return nil
		}
		var err error
		if c, err = r.br.ReadByte(); err != nil {
			if err == io.EOF && depth == 0 {
				return nil
			}
			return r.unexpectedEOF(err)
		}
	}
}

// base64 decodes a "raw" string value (after its opening quote) into a Body
// while reading it.
func (r *Reader) base64() (*Body, error) {
	s := newSpool()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := io.Copy(s, base64.NewDecoder(base64.StdEncoding, pr))
		pr.CloseWithError(err)
		done <- err
	}()
	err := r.base64Text(pw)
	pw.CloseWithError(err)
	decErr := <-done
	if err == nil && decErr != nil {
		err = r.errorf("field \"raw\": invalid base64: %v", decErr)
	}
	if err != nil {
		s.body.Close()
		return nil, err
	}
	return s.body, nil
}

// base64Text copies the text of a JSON string holding base64 to w, undoing
// the only escape a JSON encoder may use in base64 text ("\/").
func (r *Reader) base64Text(w io.Writer) error {
	for {
		chunk, err := r.br.ReadSlice('"')
		if err != nil && err != bufio.ErrBufferFull {
			if bytes.IndexByte(chunk, '\n') >= 0 {
				return r.errorf("line ends inside a JSON value (truncated input?)")
			}
			return r.unexpectedEOF(err)
		}
		end := err == nil
		if end {
			chunk = chunk[:len(chunk)-1]
		}
		if i := bytes.IndexAny(chunk, "\\\n"); i >= 0 {
			if chunk[i] == '\n' {
				return r.errorf("field \"raw\": line ends inside the string (truncated input?)")
			}
			chunk = bytes.ReplaceAll(chunk, []byte(`\/`), []byte(`/`))
			if bytes.IndexByte(chunk, '\\') >= 0 || (end && len(chunk) > 0 && chunk[len(chunk)-1] == '\\') {
				return r.errorf("field \"raw\": invalid base64 (escape in string)")
			}
		}
		if _, werr := w.Write(chunk); werr != nil {
			return r.errorf("field \"raw\": invalid base64: %v", werr)
		}
		if end {
			return nil
		}
	}
}
