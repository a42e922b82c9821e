package pipeline

import (
	"bytes"
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/identity"
)

// reference digests a message the slow way: the header block in memory,
// trailing line ends cut, normalEOL, 8-bit bytes as 'X'.
func reference(raw []byte) digest {
	sum := func(b []byte) uint64 {
		h := newPartHasher(false, false)
		h.emit(b)
		r, _, _ := h.sums()
		return r
	}
	hdr := identity.HeaderBlock(raw)
	text := raw[len(hdr):]
	hdr = bytes.TrimRight(hdr, "\r\n")
	eol := normalEOL(hdr)
	var x8 []byte
	for _, c := range eol {
		if c >= 0x80 {
			c = 'X'
		}
		x8 = append(x8, c)
	}
	return digest{hdr: sum(hdr), hdrEOL: sum(eol), hdr8: sum(x8), text: sum(text), textEOL: sum(normalEOL(text)), full: true}
}

// The streaming digest equals the in-memory one, whatever the chunks: a
// header line longer than the reader's buffer, CR and LF split across
// writes, a message with no empty line, bare LF line ends.
func TestDigestStreams(t *testing.T) {
	long := "X-Long: " + strings.Repeat("a", 70<<10) + "\r\n"
	for _, raw := range []string{
		"Subject: s\r\n\r\nbody\r\n",
		"Subject: s\r\n" + long + "\r\nbody\r\r\nmore\r\n",
		"Subject: Gr\xfc\xdfe\r\n\r\n",
		"Subject: no body at all\r\n",
		"Subject: bare\nX: y\n\nbody\n",
		"Subject: \r\r\n\r\ntext\r",
	} {
		got, err := digestMessage(strings.NewReader(raw), true)
		if err != nil {
			t.Fatal(err)
		}
		if want := reference([]byte(raw)); got != want {
			t.Errorf("%.40q: digest %+v, want %+v", raw, got, want)
		}
		// Byte by byte, as a literal may arrive.
		h := newPartHasher(true, true)
		hdr := identity.HeaderBlock([]byte(raw))
		for i := range hdr {
			h.Write(hdr[i : i+1])
		}
		var d digest
		d.hdr, d.hdrEOL, d.hdr8 = h.sums()
		if d.hdr != got.hdr || d.hdrEOL != got.hdrEOL || d.hdr8 != got.hdr8 {
			t.Errorf("%.40q: byte by byte differs", raw)
		}
	}
}

// change names what a server did, and whether information was lost.
func TestChange(t *testing.T) {
	d := func(raw string) digest {
		x, err := digestMessage(strings.NewReader(raw), true)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	headerOnly := func(x digest) digest { x.full, x.text, x.textEOL = false, 0, 0; return x }
	sent := "Subject: Gr\xfc\xdfe aus M\xfcnchen\r\nMessage-ID: <m@x>\r\n\r\nBody\r\r\ntext\r\n"
	for _, c := range []struct {
		stored, what string
		lost         bool
	}{
		{sent, "", false},
		{"Subject: GrXXe aus MXnchen\r\nMessage-ID: <m@x>\r\n\r\nBody\r\r\ntext\r\n", "8-bit header bytes replaced", true},
		{"Subject: Gr\xfc\xdfe aus M\xfcnchen\r\nMessage-ID: <m@x>\r\n\r\nBody\r\ntext\r\n", "line ends normalised", false},
		{"Subject: Gr\xfc\xdfe aus M\xfcnchen\nMessage-ID: <m@x>\n\nBody\ntext\n", "line ends normalised", false},
		{"Subject: Gr\xfc\xdfe aus M\xfcnchen\r\nMessage-ID: <m@y>\r\n\r\nBody\r\r\ntext\r\n", "header changed", true},
		{"Subject: Gr\xfc\xdfe aus M\xfcnchen\r\nMessage-ID: <m@x>\r\n\r\nBody\r\r\nTEXT\r\n", "body changed", true},
		{"Subject: GrXXe aus MXnchen\r\nMessage-ID: <m@x>\r\n\r\nBody\r\r\nTEXT\r\n", "8-bit header bytes replaced, body changed", true},
	} {
		what, lost := change(d(sent), d(c.stored))
		if what != c.what || lost != c.lost {
			t.Errorf("stored %.50q: change %q lost %v, want %q %v", c.stored, what, lost, c.what, c.lost)
		}
	}
	// A message with no body: a server may add the empty line.
	if what, _ := change(d("Subject: s\r\n"), d("Subject: s\r\n\r\n")); what != "" {
		t.Errorf("an empty line added is %q", what)
	}
	// Header digests alone see no body change.
	if what, _ := change(headerOnly(d(sent)), headerOnly(d("Subject: Gr\xfc\xdfe aus M\xfcnchen\r\nMessage-ID: <m@x>\r\n\r\nother\r\n"))); what != "" {
		t.Errorf("header digests see %q in a body", what)
	}
}
