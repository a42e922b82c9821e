package fetch

import (
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/record"
)

// spooled is a body held in a temporary file (over MemoryLimit), so that
// the streaming paths are the ones tested.
func spooled(t *testing.T, s string) *record.Body {
	t.Helper()
	b, err := record.Spool(strings.NewReader(strings.Repeat("a", record.MemoryLimit) + s))
	if err != nil {
		t.Fatal(err)
	}
	if b.Bytes() != nil {
		t.Fatal("body held in memory, want a spool file")
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func mem(t *testing.T, s string) *record.Body {
	b, err := record.Spool(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMayHideNUL(t *testing.T) {
	for _, tc := range []struct {
		body string
		want bool
	}{
		{"plain ASCII", false},
		{"UTF-8 quotes \xe2\x80\x9cok\xe2\x80\x9d", false}, // 0x80 as a continuation byte
		{"a NUL shown as \x80 by Dovecot", true},           // not UTF-8
		{"Latin-1 \xe9t\xe9 without 0x80", false},          // not UTF-8, but no 0x80
		{"Latin-1 \xe9 and \x80", true},
	} {
		if got := mayHideNUL(mem(t, tc.body)); got != tc.want {
			t.Errorf("in memory %q: %v, want %v", tc.body, got, tc.want)
		}
		if got := mayHideNUL(spooled(t, tc.body)); got != tc.want {
			t.Errorf("spooled %q: %v, want %v", tc.body, got, tc.want)
		}
	}
	// A UTF-8 sequence cut by the 64 KiB read is still valid UTF-8.
	cut := strings.Repeat("b", 64<<10-1) + "\xe2\x80\x9c" + strings.Repeat("c", 100)
	if mayHideNUL(spooled(t, cut)) {
		t.Error("a UTF-8 sequence across reads taken for a hidden NUL")
	}
}

func TestNulFor80(t *testing.T) {
	for _, tc := range []struct {
		body, bin string
		want      bool
	}{
		{"A \x80 NUL", "A \x00 NUL", true},
		{"real \x80 and \x80", "real \x80 and \x00", true},
		{"same \x80", "same \x80", false},    // nothing to restore
		{"A \x80 NUL", "A \x00 NUL!", false}, // other size: BINARY decoded something
		{"Subject: b64\r\n\r\naGk=", "Subject: b64\r\n\r\nhi\x00\x00", false},
		{"A x NUL", "A \x00 NUL", false}, // NUL where BODY[] had no 0x80
	} {
		if got := nulFor80(mem(t, tc.body), mem(t, tc.bin)); got != tc.want {
			t.Errorf("%q / %q: %v, want %v", tc.body, tc.bin, got, tc.want)
		}
	}
	big := strings.Repeat("x", 100<<10)
	if !nulFor80(spooled(t, big+"\x80"), spooled(t, big+"\x00")) {
		t.Error("spooled bodies differing by a NUL at the end: not restored")
	}
	if nulFor80(spooled(t, big+"\x80"+big), spooled(t, big+"\x00"+big[1:]+"y")) {
		t.Error("spooled bodies differing elsewhere: restored")
	}
}
