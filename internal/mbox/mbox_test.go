package mbox

import (
	"bytes"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"
	"time"

	gombox "github.com/emersion/go-mbox"
)

// msg is one test message.
type msg struct {
	raw  string
	meta Meta // Size is filled in from raw
}

func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

const plain = "From: a@example.com\nTo: b@example.com\nSubject: hello\n\nHello,\nworld.\n"

// bodyKinds are the ways a caller may hand a body to WriteMessage; each
// takes a different path in Writer.prepare.
var bodyKinds = []struct {
	name    string
	spoolAt int64
	wrap    func([]byte) io.Reader
}{
	{"seekable", spoolAt, func(b []byte) io.Reader { return bytes.NewReader(b) }},
	{"memory", spoolAt, func(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} }},
	{"tempfile", 0, func(b []byte) io.Reader { return struct{ io.Reader }{bytes.NewReader(b)} }},
}

// write writes msgs and returns the file.
func write(t testing.TB, msgs []msg, spoolAt int64, wrap func([]byte) io.Reader) []byte {
	t.Helper()
	var out bytes.Buffer
	w := NewWriter(&out)
	w.spoolAt = spoolAt
	for i, m := range msgs {
		m.meta.Size = int64(len(m.raw))
		if err := w.WriteMessage(m.meta, wrap([]byte(m.raw))); err != nil {
			t.Fatalf("WriteMessage %d: %v", i+1, err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	return out.Bytes()
}

// readAll reads every message of file.
func readAll(t testing.TB, file []byte) ([]Meta, []string) {
	t.Helper()
	r := NewReader(bytes.NewReader(file))
	defer r.Close()
	var metas []Meta
	var raws []string
	for {
		m, body, err := r.Next()
		if err == io.EOF {
			return metas, raws
		}
		if err != nil {
			t.Fatalf("Next after %d messages: %v\nfile:\n%q", len(metas), err, file)
		}
		b, err := io.ReadAll(body)
		if err != nil {
			t.Fatalf("message %d body: %v\nfile:\n%q", len(metas)+1, err, file)
		}
		metas = append(metas, m)
		raws = append(raws, string(b))
	}
}

// checkRoundTrip writes msgs every way and checks they read back exactly.
func checkRoundTrip(t *testing.T, msgs []msg) {
	t.Helper()
	for _, k := range bodyKinds {
		file := write(t, msgs, k.spoolAt, k.wrap)
		metas, raws := readAll(t, file)
		if len(raws) != len(msgs) {
			t.Fatalf("%s: read %d messages, wrote %d\nfile:\n%q", k.name, len(raws), len(msgs), file)
		}
		for i, m := range msgs {
			if raws[i] != m.raw {
				t.Errorf("%s: message %d:\n got %q\nwant %q\nfile:\n%q", k.name, i+1, raws[i], m.raw, file)
			}
			checkMeta(t, fmt.Sprintf("%s: message %d", k.name, i+1), metas[i], m.meta, int64(len(m.raw)))
		}
	}
}

func checkMeta(t *testing.T, what string, got, want Meta, size int64) {
	t.Helper()
	if got.Size != size {
		t.Errorf("%s: Size %d, want %d", what, got.Size, size)
	}
	if w := canonFlags(want.Flags); !slices.Equal(canonFlags(got.Flags), w) {
		t.Errorf("%s: flags %q, want %q", what, got.Flags, w)
	}
	if !got.InternalDate.Equal(want.InternalDate) {
		t.Errorf("%s: date %v, want %v", what, got.InternalDate, want.InternalDate)
	}
	_, gotOff := got.InternalDate.Zone()
	_, wantOff := want.InternalDate.Zone()
	if gotOff != wantOff {
		t.Errorf("%s: zone offset %d, want %d", what, gotOff, wantOff)
	}
}

// canonFlags is what Next should return for flags given to WriteMessage.
func canonFlags(flags []string) []string {
	var fs flagSet
	for _, f := range flags {
		if err := fs.add(f); err != nil {
			panic(err)
		}
	}
	return fs.list()
}

func TestRoundTrip(t *testing.T) {
	long := strings.Repeat("0123456789", 2000) // 20,000 characters
	tests := []struct {
		name string
		raw  string
		eol  string // expected storage
	}{
		{"plain CRLF", crlf(plain), eolCRLF},
		{"LF only", plain, eolLF},
		{"bare LF inside CRLF", "Subject: x\r\n\r\nline one\nline two\r\n", eolBase64},
		{"CRLF inside LF", "Subject: x\n\nline one\r\nline two\n", eolBase64},
		{"bare CR inside a line", "Subject: x\r\n\r\na\rb\r\n", eolCRLF},
		{"bare CR before CRLF", "Subject: x\r\n\r\na\r\r\nb\r\n", eolBase64},
		{"CR LF CR", "Subject: x\r\n\r\na\r\n\r", eolBase64},
		{"bare CR only", "Subject: x\r\rbody\r", eolBase64},
		{"no trailing newline CRLF", crlf(plain) + "last line", eolCRLF},
		{"no trailing newline LF", plain + "last line", eolLF},
		{"no newline at all", "just some bytes", eolLF},
		{"From lines", crlf("Subject: x\n\nFrom x\n>From x\n>>From x\n>>>From y\nFrom\nFromage\n From x\n"), eolCRLF},
		{"From lines LF", "Subject: x\n\nFrom x\n>From x\n>>From x\n", eolLF},
		{"From at the very start", "From x\r\nSubject: y\r\n\r\nbody\r\n", eolCRLF},
		{"From at the start, no newline", "From x", eolLF},
		{">From at the start", ">From x\nSubject: y\n\nbody\n", eolLF},
		{"From as last line, no newline", "Subject: x\n\nFrom the end", eolLF},
		{"latin-1", "Subject: caf\xe9\r\n\r\nna\xefve \xa9\r\n", eolCRLF},
		{"invalid UTF-8", "Subject: x\n\n\xff\xfe\xc3\x28 \xed\xa0\x80\n", eolLF},
		{"NUL byte", "Subject: x\r\n\r\na\x00b\r\n\x00\r\n", eolCRLF},
		{"20,000-character line", crlf("Subject: x\n\n" + long + "\n"), eolCRLF},
		{"100,000-character line", "Subject: x\n\n" + strings.Repeat(long, 5) + "\n", eolBase64},
		{"empty", "", eolLF},
		{"only CRLF", "\r\n", eolCRLF},
		{"only LF", "\n", eolLF},
		{"only blank lines", "\n\n\n\n", eolLF},
		{"trailing blank lines CRLF", crlf(plain + "\n\n\n"), eolCRLF},
		{"trailing blank lines LF", plain + "\n\n", eolLF},
		{"own Status headers", crlf("Status: RO\nX-Status: AF\nX-Keywords: mine\nX-Imapx-Mbox: v=1; eol=lf; size=3; added=0\nSubject: x\n\nbody\n"), eolCRLF},
		{"header only", crlf("Subject: no body\nFrom: a@example.com\n"), eolCRLF},
		{"header only, no blank line, no newline", "Subject: no body", eolLF},
		{"starts with blank line", "\r\nbody without header\r\n", eolCRLF},
		{"starts with continuation", " folded\r\nSubject: x\r\n\r\nb\r\n", eolCRLF},
		{"lines of >", ">\n>>\n>From\n> From x\n", eolLF},
		{"blank lines then From", crlf("Subject: x\n\na\n\n\nFrom x\n\n"), eolCRLF},
		// go-mbox reads 4096-byte chunks and puts back a CR that ends one:
		// a CR every other byte lands on every kind of boundary.
		{"CRs across buffer boundaries", "S: x\n\n" + strings.Repeat("\rx", 10000) + "\n" + strings.Repeat("y\r", 5000) + "z\n", eolLF},
		{"CRs across buffer boundaries CRLF", "S: x\r\n\r\n" + strings.Repeat("\rx", 10000) + "\r\n", eolCRLF},
		{"line at the text limit", strings.Repeat(">", maxTextLine-5) + "From \n", eolLF},
		{"line over the text limit", strings.Repeat(">", maxTextLine-4) + "From \n", eolBase64},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var sc scan
			sc.Write([]byte(tc.raw))
			if got := sc.mode(); got != tc.eol {
				t.Errorf("stored as eol=%s, want %s", got, tc.eol)
			}
			checkRoundTrip(t, []msg{{raw: tc.raw}})
			// Also in the middle of other messages, which changes the
			// framing around it.
			checkRoundTrip(t, []msg{{raw: crlf(plain)}, {raw: tc.raw}, {raw: tc.raw}, {raw: plain}})
		})
	}
}

func TestManyMessages(t *testing.T) {
	var msgs []msg
	for i := range 300 {
		raw := fmt.Sprintf("Subject: %d\r\n\r\nFrom %d\r\n", i, i)
		switch i % 3 {
		case 1:
			raw = strings.ReplaceAll(raw, "\r\n", "\n")
		case 2:
			raw += "\n" // mixed: base64
		}
		msgs = append(msgs, msg{raw: raw, meta: Meta{
			Flags:        [][]string{nil, {`\Seen`}, {`\Flagged`, "kw" + fmt.Sprint(i)}}[i%3],
			InternalDate: time.Date(2020, 1, 1, 0, 0, i, 0, time.UTC),
		}})
	}
	checkRoundTrip(t, msgs)
}

// TestConcatenated: imapx files can be joined with cat, and a message can
// be appended to a file written earlier.
func TestConcatenated(t *testing.T) {
	a := write(t, []msg{{raw: crlf(plain)}, {raw: "x"}}, spoolAt, bodyKinds[0].wrap)
	b := write(t, []msg{{raw: "From y\n"}, {raw: plain, meta: Meta{Flags: []string{`\Seen`}}}}, spoolAt, bodyKinds[0].wrap)
	_, raws := readAll(t, append(append([]byte{}, a...), b...))
	if want := []string{crlf(plain), "x", "From y\n", plain}; !slices.Equal(raws, want) {
		t.Errorf("read %q, want %q", raws, want)
	}
}

func TestFlagsAndDate(t *testing.T) {
	zone := time.FixedZone("", -(9*3600 + 30*60)) // -09:30
	tests := []Meta{
		{},
		{Flags: []string{`\Seen`}},
		{Flags: []string{`\Answered`, `\Flagged`, `\Draft`, `\Deleted`}},
		{Flags: []string{`\seen`, `\ANSWERED`, `\Recent`, "$Forwarded", "Junk", "$label1", "a,b", "ünïcode"}},
		{Flags: []string{"dup", "DUP", "dup"}},
		{InternalDate: time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))},
		{InternalDate: time.Date(1999, 12, 31, 23, 59, 59, 0, zone), Flags: []string{`\Seen`, "x"}},
		{InternalDate: time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC)},
		{InternalDate: time.Date(2024, 6, 1, 12, 0, 0, 123456789, time.Local)},
	}
	for i, m := range tests {
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			checkRoundTrip(t, []msg{{raw: crlf(plain), meta: m}, {raw: crlf(plain) + "\n", meta: m}})
		})
	}
}

// TestFileLooksLikeMail checks the file a mail reader sees, byte for byte.
func TestFileLooksLikeMail(t *testing.T) {
	date := time.Date(2024, 1, 2, 3, 4, 5, 0, time.FixedZone("", 3600))
	raw1, raw2 := crlf(plain+"From me\n"), "Subject: mixed\r\n\nx"
	crc := func(s string) uint32 { return crc32.Checksum([]byte(s), crc32.MakeTable(crc32.Castagnoli)) }
	file := write(t, []msg{
		{raw: raw1, meta: Meta{Flags: []string{`\Seen`, `\Answered`, `\Flagged`, "work"}, InternalDate: date}},
		{raw: raw2},
	}, spoolAt, bodyKinds[0].wrap)
	want := "From MAILER-DAEMON Tue Jan  2 02:04:05 2024\n" +
		fmt.Sprintf("X-Imapx-Mbox: v=1; eol=crlf; size=83; crc32c=%08x; date=2024-01-02T03:04:05+01:00; added=3\n", crc(raw1)) +
		"Status: RO\n" +
		"X-Status: AF\n" +
		"X-Keywords: work\n" +
		plain +
		">From me\n" +
		"\n\n" +
		"From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" +
		fmt.Sprintf("X-Imapx-Mbox: v=1; eol=base64; size=18; crc32c=%08x; added=6\n", crc(raw2)) +
		"Status: O\n" +
		strings.Join(base64Headers, "\n") + "\n" +
		"\n" +
		"U3ViamVjdDogbWl4ZWQNCgp4\n" +
		"\n\n"
	if string(file) != want {
		t.Errorf("file:\n%s\nwant:\n%s", file, want)
	}
	// go-mbox alone (any mboxo reader) sees two messages.
	gr := gombox.NewReader(bytes.NewReader(file))
	n := 0
	for {
		if _, err := gr.NextMessage(); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 2 {
		t.Errorf("go-mbox sees %d messages, want 2", n)
	}
}

func TestForeignMboxo(t *testing.T) {
	file := "\n" + // go-mbox skips blank lines before the first From_
		"From alice@example.com Thu Jan  1 00:00:01 2015\n" +
		"From: alice@example.com\n" +
		"Subject: one\n" +
		"Status: RO\n" +
		"X-Status: F\n" +
		"X-Keywords: $label1, work\n" +
		"\tlater\n" +
		"\n" +
		"Body.\n" +
		">From the quoted line.\n" +
		">>From deeper.\n" +
		"\n" +
		"From bob@example.com Sat Feb 14 10:20:30 2015\n" +
		"Subject: two\n" +
		"\n" +
		"Two trailing blank lines, one is the separator.\n" +
		"\n" +
		"\n" +
		"From nobody strange date\n" +
		"Subject: three\n" +
		"\n" +
		"last, no newline"
	metas, raws := readAll(t, []byte(file))
	want := []string{
		crlf("From: alice@example.com\nSubject: one\nStatus: RO\nX-Status: F\nX-Keywords: $label1, work\n\tlater\n\nBody.\nFrom the quoted line.\n>From deeper.\n"),
		crlf("Subject: two\n\nTwo trailing blank lines, one is the separator.\n\n"),
		crlf("Subject: three\n\nlast, no newline\n"),
	}
	if !slices.Equal(raws, want) {
		t.Fatalf("got\n%q\nwant\n%q", raws, want)
	}
	checkMeta(t, "message 1", metas[0], Meta{
		Flags:        []string{`\Seen`, `\Flagged`, "$label1", "work", "later"},
		InternalDate: time.Date(2015, 1, 1, 0, 0, 1, 0, time.UTC),
	}, int64(len(want[0])))
	checkMeta(t, "message 2", metas[1], Meta{InternalDate: time.Date(2015, 2, 14, 10, 20, 30, 0, time.UTC)}, int64(len(want[1])))
	checkMeta(t, "message 3", metas[2], Meta{}, int64(len(want[2])))
}

func TestForeignLarge(t *testing.T) {
	// Bigger than the spool limit: goes through a temporary file.
	body := strings.Repeat("0123456789abcdef\n", 1000)
	file := "From x Thu Jan  1 00:00:01 2015\nSubject: big\n\n" + body + "\nFrom y Thu Jan  1 00:00:01 2015\n\nsmall\n"
	r := NewReader(strings.NewReader(file))
	r.spoolAt = 100
	defer r.Close()
	m, b, err := r.Next()
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(b)
	if err != nil {
		t.Fatal(err)
	}
	if want := crlf("Subject: big\n\n" + body); string(got) != want || m.Size != int64(len(want)) {
		t.Errorf("size %d, %d bytes; want %d", m.Size, len(got), len(want))
	}
	if r.spool.f == nil {
		t.Error("large foreign message not spooled to a file")
	}
	name := r.spool.f.Name()
	if _, b, err = r.Next(); err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(b); string(got) != "\r\nsmall\r\n" {
		t.Errorf("second message %q", got)
	}
	if r.spool.f != nil {
		t.Errorf("temporary file %s not removed", name)
	}
}

func TestForeignNotMbox(t *testing.T) {
	r := NewReader(strings.NewReader("Subject: x\n\nno From_ line\n"))
	_, _, err := r.Next()
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Message != 1 {
		t.Fatalf("err = %v, want a FormatError for message 1", err)
	}
	if _, _, err2 := r.Next(); err2 != err {
		t.Errorf("error not sticky: %v", err2)
	}
}

func TestEmptyFile(t *testing.T) {
	file := write(t, nil, spoolAt, bodyKinds[0].wrap)
	if len(file) != 0 {
		t.Errorf("file %q, want empty", file)
	}
	for _, f := range []string{"", "\n\n"} {
		if _, _, err := NewReader(strings.NewReader(f)).Next(); err != io.EOF {
			t.Errorf("%q: err = %v, want io.EOF", f, err)
		}
	}
}

// TestCorrupt checks that damaged imapx files give a FormatError naming the
// message and line, and that reading goes on with the next message.
func TestCorrupt(t *testing.T) {
	msgs := []msg{
		{raw: crlf(plain)},
		{raw: crlf(plain + "more\n")},
		{raw: "mixed\r\nends\n" + strings.Repeat("x", 200)},
		{raw: crlf(plain)},
	}
	good := string(write(t, msgs, spoolAt, bodyKinds[0].wrap))
	starts := []int{} // offsets of the From_ lines
	for off := 0; ; {
		i := strings.Index(good[off:], "From MAILER-DAEMON")
		if i < 0 {
			break
		}
		starts = append(starts, off+i)
		off += i + 1
	}
	second, third := starts[1], starts[2]
	line := func(off int) int64 { return int64(strings.Count(good[:off], "\n")) + 1 }
	base64Start := third + strings.Index(good[third:], "\n\n") + 2
	size2 := fmt.Sprintf("size=%d;", len(msgs[1].raw))

	tests := []struct {
		name    string
		file    string
		msg     int    // message with the error
		reason  string // part of the error text
		goesOn  bool   // the messages after it are read
		errLine int64  // 0: do not check
	}{
		{"truncated in body", good[:second+130], 2, "truncated: message ends after", false, 0},
		{"truncated after header", good[:second+strings.Index(good[second:], "Status: O")], 2, "truncated: message ends inside the imapx header", false, line(second) + 2},
		{"truncated in magic", good[:second+len("From MAILER-DAEMON Thu Jan  1 00:00:00 1970\nX-Imapx")], 2, "truncated inside", false, line(second) + 1},
		{"truncated in base64, whole quantum", good[:base64Start+48], 3, "truncated: message ends after 36 of", false, 0},
		{"truncated in base64, mid quantum", good[:base64Start+50], 3, "bad base64", false, 0},
		{"line removed", strings.Replace(good, "Hello,\nworld.\nmore\n", "Hello,\nmore\n", 1), 2, "truncated", true, 0},
		{"line added", strings.Replace(good, "world.\nmore\n", "world.\nmore\nextra\n", 1), 2, "data past the end", true, line(second) + 10},
		{"size changed", strings.Replace(good, size2, "size=1;", 1), 2, "data past the end", true, line(second) + 3},
		{"header edited", good[:second] + strings.Replace(good[second:], "Status: O", "Stat: O", 1), 2, "not a header imapx adds", true, line(second) + 2},
		{"bad version", strings.Replace(good, "v=1", "v=9", 1), 1, "unsupported version", true, 2},
		{"byte changed", strings.Replace(good, "more\n", "mOre\n", 1), 2, "checksum mismatch", true, 0},
		{"bad parameter", strings.Replace(good, size2, size2+" crc32c=;", 1), 2, "crc32c", true, line(second) + 1},
		{"truncated in From_ line", good[:third+10], 3, "truncated inside the From_ line", false, line(third)},
		{"truncated in body, at a line end", good[:second+strings.Index(good[second:], "world.\n")], 2, "truncated: message ends after 66 of its 80 bytes", false, line(second) + 8},
		{"base64 edited", strings.Replace(good, "bWl4ZWQ", "bWl4Z!Q", 1), 3, "bad base64", true, 0},
		{"base64 too long", good[:base64Start] + "QUJD\n" + good[base64Start:], 3, "data past the end", true, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.file == good {
				t.Fatal("test did not change the file")
			}
			for _, readBodies := range []bool{true, false} {
				r := NewReader(strings.NewReader(tc.file))
				var err error
				for {
					var body io.Reader
					_, body, err = r.Next()
					if err != nil {
						break
					}
					if readBodies {
						if _, err = io.ReadAll(body); err != nil {
							break
						}
					}
				}
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("readBodies=%v: err = %v, want a FormatError", readBodies, err)
				}
				if fe.Message != tc.msg || !strings.Contains(fe.Reason, tc.reason) || fe.Offset < 0 {
					t.Errorf("readBodies=%v: %v; want message %d, %q", readBodies, err, tc.msg, tc.reason)
				}
				if tc.errLine != 0 && fe.Line != tc.errLine {
					t.Errorf("readBodies=%v: %v; want line %d", readBodies, err, tc.errLine)
				}
				if !strings.Contains(err.Error(), fmt.Sprintf("message %d", tc.msg)) {
					t.Errorf("error text %q does not name the message", err)
				}
				rest := 0
				for {
					_, body, err := r.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("after the error: %v", err)
					}
					if _, err := io.ReadAll(body); err != nil {
						t.Fatalf("after the error: %v", err)
					}
					rest++
				}
				if want := len(msgs) - tc.msg; tc.goesOn && rest != want {
					t.Errorf("readBodies=%v: %d messages after the error, want %d", readBodies, rest, want)
				}
			}
		})
	}
}

// TestNoChecksum: crc32c= is optional on read.
func TestNoChecksum(t *testing.T) {
	file := "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n" +
		"X-Imapx-Mbox: v=1; eol=crlf; size=6; future=x; added=1\n" +
		"Status: RO\n" +
		"a\nb\n\n\n"
	metas, raws := readAll(t, []byte(file))
	if !slices.Equal(raws, []string{"a\r\nb\r\n"}) || !slices.Equal(metas[0].Flags, []string{`\Seen`}) {
		t.Errorf("read %q %v", raws, metas)
	}
}

func TestWriterErrors(t *testing.T) {
	var out bytes.Buffer
	w := NewWriter(&out)
	for _, k := range bodyKinds {
		w.spoolAt = k.spoolAt
		for _, size := range []int64{3, 5} {
			err := w.WriteMessage(Meta{Size: size}, k.wrap([]byte("four")))
			if err == nil || !strings.Contains(err.Error(), "Meta.Size") {
				t.Errorf("%s: size %d for 4 bytes: err = %v", k.name, size, err)
			}
		}
	}
	for _, f := range []string{"", "two words", "tab\there", "nl\n"} {
		if err := w.WriteMessage(Meta{Size: 1, Flags: []string{f}}, strings.NewReader("x")); err == nil {
			t.Errorf("flag %q accepted", f)
		}
	}
	if err := w.WriteMessage(Meta{Size: 1, InternalDate: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, strings.NewReader("x")); err == nil {
		t.Error("year 10000 accepted")
	}
	// Nothing was written, and the writer still works.
	if out.Len() != 0 {
		t.Errorf("failed writes left %q", out.String())
	}
	if err := w.WriteMessage(Meta{Size: 4}, strings.NewReader("four")); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := w.WriteMessage(Meta{Size: 4}, strings.NewReader("four")); err == nil {
		t.Error("WriteMessage after Close accepted")
	}
	if _, raws := readAll(t, out.Bytes()); !slices.Equal(raws, []string{"four"}) {
		t.Errorf("read %q", raws)
	}
}

// TestSeekableNotAtStart: a ReadSeeker is used from where it stands.
func TestSeekableNotAtStart(t *testing.T) {
	src := strings.NewReader("skip" + plain)
	src.Seek(4, io.SeekStart)
	var out bytes.Buffer
	w := NewWriter(&out)
	if err := w.WriteMessage(Meta{Size: int64(len(plain))}, src); err != nil {
		t.Fatal(err)
	}
	w.Close()
	if _, raws := readAll(t, out.Bytes()); !slices.Equal(raws, []string{plain}) {
		t.Errorf("read %q", raws)
	}
}

func TestParseFromLine(t *testing.T) {
	tests := map[string]time.Time{
		"From a@b Thu Jan  1 00:00:01 2015":                 time.Date(2015, 1, 1, 0, 0, 1, 0, time.UTC),
		"From a@b Sat Feb 14 10:20:30 2015":                 time.Date(2015, 2, 14, 10, 20, 30, 0, time.UTC),
		"From \"a b\"@c Sat Feb 14 10:20:30 2015":           time.Date(2015, 2, 14, 10, 20, 30, 0, time.UTC),
		"From a@b Sat Feb 14 10:20:30 2015 +0100":           time.Date(2015, 2, 14, 10, 20, 30, 0, time.FixedZone("", 3600)),
		"From a@b Sat Feb 14 10:20 2015":                    time.Date(2015, 2, 14, 10, 20, 0, 0, time.UTC),
		"From MAILER-DAEMON Thu Jan  1 00:00:00 1970":       time.Unix(0, 0),
		"From a@b yesterday":                                {},
		"From ":                                             {},
		"From a@b Sat Feb 14 10:20:30 2015 remote from xyz": time.Date(2015, 2, 14, 10, 20, 30, 0, time.UTC),
	}
	for line, want := range tests {
		if got := parseFromLine(line); !got.Equal(want) {
			t.Errorf("%q: %v, want %v", line, got, want)
		}
	}
}

// FuzzRoundTrip: any bytes, flags and date come back exactly, alone and
// between other messages.
func FuzzRoundTrip(f *testing.F) {
	f.Add([]byte(crlf(plain)), uint8(0), "", int64(0), int16(0))
	f.Add([]byte("From x\n>From y\r\n>>From z\r\r\n\r"), uint8(31), "kw $x", int64(1700000000), int16(-570))
	f.Add([]byte("\r\n\r\n\n\n"), uint8(5), "a", int64(-1), int16(60))
	f.Add([]byte("X-Imapx-Mbox: v=1; eol=lf; size=0; added=0\n"), uint8(2), "", int64(1), int16(1))
	f.Fuzz(func(t *testing.T, data []byte, flagBits uint8, kws string, sec int64, zoneMin int16) {
		m := Meta{Flags: strings.Fields(kws)}
		for i, sf := range systemFlags {
			if flagBits&(1<<i) != 0 {
				m.Flags = append(m.Flags, sf)
			}
		}
		var fs flagSet
		for _, k := range m.Flags {
			if fs.add(k) != nil {
				t.Skip("unstorable keyword")
			}
		}
		if sec != 0 {
			sec %= 253402300799 // keep years within 1970..9999
			if sec < 0 {
				sec = -sec
			}
			m.InternalDate = time.Unix(sec, 0).In(time.FixedZone("", int(zoneMin%(14*60))*60))
		}
		checkRoundTrip(t, []msg{{raw: string(data), meta: m}})
		checkRoundTrip(t, []msg{{raw: "a\n"}, {raw: string(data), meta: m}, {raw: string(data)}, {raw: "\r\n"}})
		// Random bytes seldom spell the hard cases: map bytes to tokens.
		tok := tokens(data)
		checkRoundTrip(t, []msg{{raw: tok, meta: m}, {raw: tok}})
	})
}

// tokens maps each byte to a piece that matters to mbox framing.
func tokens(data []byte) string {
	pieces := []string{"From ", ">", "\r", "\n", "\r\n", "x", "\n\n", "From", " ", "\x00"}
	var b strings.Builder
	for _, c := range data {
		b.WriteString(pieces[int(c)%len(pieces)])
	}
	return b.String()
}

// FuzzReader: any input, foreign or damaged, gives messages or errors,
// never a panic or a hang.
func FuzzReader(f *testing.F) {
	f.Add([]byte("From a Thu Jan  1 00:00:01 2015\nSubject: x\n\n>From y\n\nFrom b\n"))
	f.Add(write(f, []msg{{raw: crlf(plain)}, {raw: "a\r\nb\n"}}, spoolAt, bodyKinds[0].wrap))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewReader(bytes.NewReader(data))
		defer r.Close()
		for i := 0; i < 1000; i++ {
			m, body, err := r.Next()
			if err == io.EOF {
				return
			}
			if err != nil {
				var fe *FormatError
				if !errors.As(err, &fe) {
					t.Fatalf("not a FormatError: %v", err)
				}
				if fe.Message == 1 && strings.Contains(fe.Reason, "not an mbox") {
					return
				}
				continue
			}
			n, err := io.Copy(io.Discard, body)
			if err == nil && n != m.Size {
				t.Fatalf("message %d: Size %d, body %d bytes", i+1, m.Size, n)
			}
		}
		t.Fatal("too many messages")
	})
}

func TestFolderRoundTrip(t *testing.T) {
	var buf bytes.Buffer
	w := NewWriter(&buf)
	raw := "Subject: x\r\n\r\nbody\r\n"
	for _, folder := range []string{"Entwürfe/a; b&c", ""} {
		if err := w.WriteMessage(Meta{Folder: folder, Size: int64(len(raw))}, strings.NewReader(raw)); err != nil {
			t.Fatal(err)
		}
	}
	w.Close()
	r := NewReader(&buf)
	defer r.Close()
	for _, want := range []string{"Entwürfe/a; b&c", ""} {
		m, body, err := r.Next()
		if err != nil {
			t.Fatal(err)
		}
		io.ReadAll(body)
		if m.Folder != want {
			t.Fatalf("folder = %q, want %q", m.Folder, want)
		}
	}
}
