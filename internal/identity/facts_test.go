package identity

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// TestGolden pins identities already stored in inventories and plans:
// a change here makes every existing inventory disagree with a new one.
func TestGolden(t *testing.T) {
	h := []byte("Message-ID: <caf\xe9@x>\r\nReceived: from a\r\n\tby b\r\n\r\n")
	for _, c := range []struct {
		header []byte
		o      Options
		want   string
	}{
		{h, Options{}, "h:5c4e90d216622d5a4228d93fb2b57646"},
		{h, Options{Headers: []string{"ALL"}}, "a:5c4e90d216622d5a4228d93fb2b57646"},
		{[]byte("Subject: x\n\n"), Options{}, "a:985bffc5a1569c886dbee74c34bf2f14"},
	} {
		if got := Compute(c.header, c.o); got != c.want {
			t.Errorf("Compute(%q, %v) = %s, want %s", c.header, c.o.Headers, got, c.want)
		}
	}
}

func TestMessageID(t *testing.T) {
	for _, c := range []struct{ header, want string }{
		{"Message-ID: <a@b>\r\n\r\n", "<a@b>"},
		{"message-id:\r\n <folded@b>  \r\n\r\n", "<folded@b>"},
		{"Message-ID: <caf\xe9@x>\r\n\r\n", "<caf\uFFFD@x>"},     // Latin-1: not UTF-8
		{"Message-ID: <\xe9\xe9@x>\r\n\r\n", "<\uFFFD@x>"},       // one U+FFFD a run
		{"Message-ID: <caf\xc3\xa9@x>\r\n\r\n", "<caf\u00e9@x>"}, // UTF-8 (RFC 6532) kept
		{"Subject: none\r\n\r\nMessage-ID: <body@x>\r\n", ""},    // the body is not header
		{"Message-ID: <first@x>\nMessage-ID: <second@x>\n\n", "<first@x>"},
	} {
		if got := MessageID(HeaderBlock([]byte(c.header))); got != c.want {
			t.Errorf("MessageID(%q) = %q, want %q", c.header, got, c.want)
		}
	}
}

// fileBody is a Body that is not in memory, as a spooled large message.
type fileBody struct{ b []byte }

func (f fileBody) Bytes() []byte     { return nil }
func (f fileBody) Reader() io.Reader { return bytes.NewReader(f.b) }

type memBody struct{ b []byte }

func (m memBody) Bytes() []byte     { return m.b }
func (m memBody) Reader() io.Reader { return bytes.NewReader(m.b) }

// TestReadHeader: a body read from its reader gives the header block a
// body in memory gives, lines longer than any buffer included.
func TestReadHeader(t *testing.T) {
	long := "X-Long: " + strings.Repeat("y", 70000) + "\r\n"
	for _, raw := range []string{
		"A: 1\r\n\r\nbody\r\n",
		"A: 1\n\nbody\n",
		"A: 1\r\n\nbody",
		"no blank line\r\nat all",
		"",
		"\r\nbody only",
		long + "\r\nbody",
		"X: " + strings.Repeat("z", 4093) + "\r\n\r\nbody", // the CRLF across a buffer's end
		long + "\n",
	} {
		want := HeaderBlock([]byte(raw))
		for _, b := range []Body{memBody{[]byte(raw)}, fileBody{[]byte(raw)}} {
			got, err := ReadHeader(b)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("ReadHeader(%T %.30q) = %.40q, %v; want %.40q", b, raw, got, err, want)
			}
		}
		f1, _ := FromBody(memBody{[]byte(raw)}, Options{})
		f2, _ := FromBody(fileBody{[]byte(raw)}, Options{})
		if f1 != f2 || f1 != Of(want, Options{}) {
			t.Errorf("FromBody(%.30q): %v from memory, %v from a reader", raw, f1, f2)
		}
	}
}
