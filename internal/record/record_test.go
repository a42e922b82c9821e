package record

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/exitcode"
)

func TestRoundTripWithRawAndExtra(t *testing.T) {
	raw := []byte("Subject: x\r\n\r\nbody \x00\xff bytes\r\n")
	m := &Message{Type: TypeMessage, Folder: "Entwürfe", UID: 7, UIDValidity: 9, Flags: []string{`\Seen`, "custom"},
		InternalDate: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600)), Size: int64(len(raw)),
		Extra: Extra{"note": []byte(`{"a":[1,"}"]}`)}}
	var buf bytes.Buffer
	w := NewWriter(&buf)
	if err := w.WriteRaw(m, bytes.NewReader(raw), int64(len(raw))); err != nil {
		t.Fatal(err)
	}
	if err := w.Write(&Folder{Type: TypeFolder, Name: "a&b"}); err != nil {
		t.Fatal(err)
	}
	if err := w.End("test"); err != nil {
		t.Fatal(err)
	}
	if want := `{"type":"end","stage":"test","records":2,"folders":1,"messages":1}`; !strings.HasSuffix(buf.String(), want+"\n") {
		t.Fatalf("stream ends %q, want %s", buf.String()[max(0, buf.Len()-80):], want)
	}

	r := NewReader(&buf, "in.jsonl")
	l, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	var got Message
	if err := l.Decode(&got); err != nil {
		t.Fatal(err)
	}
	if l.Raw == nil {
		t.Fatal("raw lost")
	}
	b, _ := io.ReadAll(l.Raw.Reader())
	if !bytes.Equal(b, raw) {
		t.Fatalf("raw = %q, want %q", b, raw)
	}
	if got.Folder != m.Folder || got.UID != 7 || !got.InternalDate.Equal(m.InternalDate) || string(got.Extra["note"]) != `{"a":[1,"}"]}` {
		t.Fatalf("decoded %+v", got)
	}
	l2, err := r.Next()
	if err != nil || l2.Type != TypeFolder || l2.N != 2 {
		t.Fatalf("second line: %+v %v", l2, err)
	}
	if _, err := r.Next(); err != io.EOF {
		t.Fatalf("want EOF, got %v", err)
	}
}

func TestRawKeyOrderAndEscapes(t *testing.T) {
	// gojq sorts keys and some encoders escape '/': raw may come anywhere.
	in := `{"folder":"INBOX","raw":"QUJD\/w==","size":4,"type":"message"}` + "\n"
	l, err := NewReader(strings.NewReader(in), "x").Next()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(l.Raw.Reader())
	if string(b) != "ABC\xff" {
		t.Fatalf("raw = %q", b)
	}
	var m Message
	if err := l.Decode(&m); err != nil || m.Size != 4 {
		t.Fatalf("%+v %v", m, err)
	}
}

func TestLargeRawSpoolsToFile(t *testing.T) {
	raw := bytes.Repeat([]byte("0123456789abcdef"), (MemoryLimit/16)+100)
	var buf bytes.Buffer
	w := NewWriter(&buf)
	w.WriteRaw(&Message{Type: TypeMessage, Folder: "F", Size: int64(len(raw))}, bytes.NewReader(raw), int64(len(raw)))
	w.Flush()
	l, err := NewReader(&buf, "x").Next()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Raw.Close()
	if l.Raw.Bytes() != nil {
		t.Fatal("a body over MemoryLimit should be in a file")
	}
	b, _ := io.ReadAll(l.Raw.Reader())
	if !bytes.Equal(b, raw) {
		t.Fatal("spooled body differs")
	}
}

func TestWriteRawShortBody(t *testing.T) {
	w := NewWriter(io.Discard)
	if err := w.WriteRaw(&Message{Type: TypeMessage}, strings.NewReader("abc"), 10); err == nil {
		t.Fatal("want an error for a short body")
	}
}

func TestBadInput(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", "hello\n", "in.jsonl:1: not a JSON object"},
		{"truncated", `{"type":"message","folder":"INB` + "\n", "in.jsonl:1: line ends inside a JSON string"},
		{"truncated at EOF", `{"type":"message","folder":"INBOX"`, "in.jsonl:1: input ended inside a record, before its end record"},
		{"no type", `{"folder":"x"}` + "\n", `in.jsonl:1: record has no "type" field`},
		{"bad base64", `{"type":"message","raw":"!!!"}` + "\n", `in.jsonl:1: field "raw": invalid base64`},
		{"second line", `{"type":"folder"}` + "\n\n" + `{"type":` + "\n", "in.jsonl:3:"},
		{"trailing garbage", `{"type":"folder"} x` + "\n", "in.jsonl:1: unexpected"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(strings.NewReader(tt.in), "in.jsonl")
			var err error
			for err == nil {
				_, err = r.Next()
			}
			var ie *InputError
			if !errors.As(err, &ie) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Fatalf("error = %v, want prefix %q", err, tt.want)
			}
		})
	}
}

func TestDecodeFieldError(t *testing.T) {
	l, err := NewReader(strings.NewReader(`{"type":"message","uid":"seven"}`+"\n"), "f").Next()
	if err != nil {
		t.Fatal(err)
	}
	var m Message
	err = l.Decode(&m)
	if err == nil || !strings.Contains(err.Error(), `f:1: field "uid"`) {
		t.Fatalf("error = %v", err)
	}
}

func TestSpoolSized(t *testing.T) {
	for _, n := range []int{0, 1, MemoryLimit, MemoryLimit + 1} {
		raw := bytes.Repeat([]byte{'x'}, n)
		b, err := SpoolSized(bytes.NewReader(raw), int64(n))
		if err != nil {
			t.Fatal(err)
		}
		if inMemory := b.Bytes() != nil; n > 0 && inMemory != (n <= MemoryLimit) {
			t.Errorf("%d bytes: in memory %v", n, inMemory)
		}
		got, _ := io.ReadAll(b.Reader())
		if b.Size() != int64(n) || !bytes.Equal(got, raw) {
			t.Errorf("%d bytes: spooled %d, content equal %v", n, b.Size(), bytes.Equal(got, raw))
		}
		b.Close()
	}
	// A literal shorter or longer than announced is kept as it came.
	for _, c := range []struct{ announced, real int }{{10, 7}, {10, 15}, {MemoryLimit, MemoryLimit + 3}} {
		raw := bytes.Repeat([]byte{'y'}, c.real)
		b, err := SpoolSized(bytes.NewReader(raw), int64(c.announced))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(b.Reader())
		if b.Size() != int64(c.real) || !bytes.Equal(got, raw) {
			t.Errorf("%d bytes announced as %d: spooled %d", c.real, c.announced, b.Size())
		}
		b.Close()
	}
}

// Lines read in one piece (no "raw") must come out as the byte-wise
// scanner would have them: any key order, spaces, a last line without
// newline, lines longer than the buffer, and errors for bad lines.
func TestReaderWholeLines(t *testing.T) {
	long := strings.Repeat("x", 100<<10)
	in := `{"type":"folder","name":"A"}` + "\n" +
		`  {"name":"B", "type" : "folder"}  ` + "\r\n" +
		"\n" +
		`{"type":"message","folder":"C","subject":"` + long + `"}` + "\n" +
		`{"type":"folder","name":"D"}` + "\n" +
		`{"type":"end","records":4}`
	var got []string
	err := Each(strings.NewReader(in), "in", func(l *Line) error {
		var v struct {
			Name, Folder string
		}
		if err := l.DecodeOnly(&v); err != nil {
			return err
		}
		got = append(got, fmt.Sprintf("%d:%s:%s%s", l.N, l.Type, v.Name, v.Folder))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "[1:folder:A 2:folder:B 4:message:C 5:folder:D]"; fmt.Sprint(got) != want {
		t.Errorf("got %v, want %s", got, want)
	}
	for _, bad := range []struct{ in, want string }{
		{`{"type":"folder","name":"A"} trailing` + "\n", "unexpected"},
		{`{"name":"A"}` + "\n", `no "type"`},
		{`{"type":"folder","name":` + "\n", "truncated"},
	} {
		err := Each(strings.NewReader(bad.in), "in", func(*Line) error { return nil })
		if err == nil || !strings.Contains(err.Error(), bad.want) || !strings.Contains(err.Error(), "in:1") {
			t.Errorf("%q: error %v, want one at in:1 saying %q", bad.in, err, bad.want)
		}
	}
}

func TestEndRecord(t *testing.T) {
	const f, end = `{"type":"folder","name":"A"}` + "\n", `{"type":"end","records":1}` + "\n"
	read := func(in string, noEnd io.Writer) (int, error) {
		r := NewReader(strings.NewReader(in), "in")
		r.NoEnd = noEnd
		n := 0
		err := r.Each(func(*Line) error { n++; return nil })
		return n, err
	}
	for _, c := range []struct {
		in   string
		n    int
		fail bool
	}{
		{f + end, 1, false},
		{f + end + "\n\n", 1, false},
		{f + end + f + end, 2, false}, // two streams joined with cat
		{f, 1, true},                  // cut after a record
		{"", 0, true},                 // the stage before wrote nothing
		{f + end + f, 2, true},        // the second stream was cut
	} {
		n, err := read(c.in, nil)
		if n != c.n || (err != nil) != c.fail {
			t.Errorf("%q: %d records, error %v; want %d records, failing %v", c.in, n, err, c.n, c.fail)
		}
		if c.fail && (!MissingEnd(err) || err.Error() != "in: input ended before its end record (did the stage before this one fail?)") {
			t.Errorf("%q: error %v, want the missing end record", c.in, err)
		}
		var warn bytes.Buffer
		if n, err := read(c.in, &warn); err != nil || n != c.n || (warn.Len() > 0) != c.fail {
			t.Errorf("%q with NoEnd: %d records, error %v, warning %q", c.in, n, err, warn.String())
		}
	}
}

// An InputError carries exit 66 wherever it travels, unless an error
// wrapping it re-labels it.
func TestInputErrorCode(t *testing.T) {
	ie := &InputError{Name: "in", Line: 3, Msg: "bad"}
	if got := exitcode.Of(fmt.Errorf("reading plan: %w", ie)); got != exitcode.NoInput {
		t.Errorf("wrapped InputError: exit %d, want 66", got)
	}
	if got := exitcode.Of(exitcode.New(exitcode.Fetch, ie)); got != exitcode.Fetch {
		t.Errorf("re-labelled InputError: exit %d, want 115", got)
	}
}
