package rewrite

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
	"github.com/imapx/imapx/internal/subst"
)

// latin1Msg has a Latin-1 header, a bare-LF body with 8-bit bytes, and
// no Message-Id.
var latin1Msg = []byte("Subject: caf\xe9 \xfcber\nDate: Tue, 2 Jan 2024 10:00:00 +0100\n\nbody \xe9\xff\x80 end\n")

func rewriteOne(t *testing.T, o Options, raw []byte) (*record.Message, []byte, error) {
	t.Helper()
	r, err := New(o)
	if err != nil {
		t.Fatal(err)
	}
	body, err := record.Spool(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	m := &record.Message{Type: record.TypeMessage, Folder: "INBOX", UID: 7, Flags: []string{`\Seen`}}
	nb, _, err := r.Message(context.Background(), m, body)
	if err != nil {
		return m, nil, err
	}
	defer nb.Close()
	out, _ := io.ReadAll(nb.Reader())
	return m, out, nil
}

func TestEightBitSurvives(t *testing.T) {
	rx, err := subst.ParseBytes(`s/^Subject: /Subject: [m] /m`)
	if err != nil {
		t.Fatal(err)
	}
	m, out, err := rewriteOne(t, Options{Regexmess: []*subst.Subst{rx}, Pipemess: []string{"cat"}, AddHeader: true}, latin1Msg)
	if err != nil {
		t.Fatal(err)
	}
	want := "Message-Id: <7@imapsync>\n" + strings.Replace(string(latin1Msg), "Subject: ", "Subject: [m] ", 1)
	if string(out) != want {
		t.Errorf("got %q\nwant %q", out, want)
	}
	if m.Ident == "" || m.Size != int64(len(want)) || strings.Join(m.Rewritten, ",") != "pipemess,regexmess,addheader" {
		t.Errorf("record %+v", m)
	}
}

func TestRegexmessBytewise(t *testing.T) {
	// [\x80-\xff] matches Latin-1 bytes one by one; a UTF-8 "ü" typed in
	// the pattern matches the UTF-8 bytes of a message.
	for _, c := range []struct{ expr, in, want string }{
		{`s/[\x80-\xff]/?/g`, "a\xe9b\xfc", "a?b?"},
		{`s/ü/ue/`, "gr\xc3\xbc\xc3\x9fe", "grue\xc3\x9fe"},
		{`s/(.)x/$1$1/`, "\xe9x", "\xe9\xe9"},
	} {
		rx, err := subst.ParseBytes(c.expr)
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := rx.Replace(&b, []byte(c.in)); err != nil {
			t.Fatal(err)
		}
		if b.String() != c.want {
			t.Errorf("%s on %q: %q, want %q", c.expr, c.in, b.String(), c.want)
		}
	}
}

func TestPipemessFailure(t *testing.T) {
	for _, cmd := range []string{"false", "true", "sh -c 'echo oops >&2; exit 3'"} {
		_, _, err := rewriteOne(t, Options{Pipemess: []string{cmd}}, latin1Msg)
		if err == nil {
			t.Errorf("%s: no error", cmd)
		}
	}
	if _, err := New(Options{Pipemess: []string{"sed s/a/b/ | cat"}}); err == nil {
		t.Error("a pipe without --pipemess-shell: no error")
	}
	_, out, err := rewriteOne(t, Options{Pipemess: []string{"sed s/a/b/ | cat"}, Shell: true}, []byte("a\n"))
	if err != nil || string(out) != "b\n" {
		t.Errorf("shell: %q %v", out, err)
	}
}

func TestFlagsAndDate(t *testing.T) {
	rf, _ := subst.Parse(`s/\\Seen//`)
	m, _, err := rewriteOne(t, Options{Regexflag: []*subst.Subst{rf}, IdateFromHeader: true}, latin1Msg)
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Flags) != 0 || m.InternalDate.UTC().Hour() != 9 {
		t.Errorf("%+v", m)
	}
	for f, want := range map[string]bool{`\Seen`: false, `\Recent`: true, `\Bogus`: true, `$Label1`: false, `a"b`: true, `NonJunk`: false} {
		if buggy(f) != want {
			t.Errorf("buggy(%q) = %v", f, !want)
		}
	}
}

// TestRunOrder: output in input order, other records passed through, a
// failed message a result record, the end record last.
func TestRunOrder(t *testing.T) {
	var in bytes.Buffer
	w := record.NewWriter(&in)
	w.Write(&record.Folder{Type: record.TypeFolder, Name: "INBOX", Delim: "/"})
	for i := 1; i <= 40; i++ {
		raw := []byte("Subject: n\r\n\r\nmessage\r\n")
		if i == 13 {
			raw = []byte("Subject: fail\r\n\r\nx\r\n")
		}
		w.WriteRaw(&record.Message{Type: record.TypeMessage, Folder: "INBOX", UID: uint32(i), Flags: []string{}}, bytes.NewReader(raw), int64(len(raw)))
	}
	w.End("fetch")
	r, err := New(Options{Pipemess: []string{`t=$(cat); case "$t" in *fail*) exit 1;; esac; sleep 0.0$(($$ % 5)); printf '%s\r\n' "$t"`}, Shell: true, Workers: 8})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := r.Run(context.Background(), stream.NewReader(&in, "in"), &out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Messages != 40 || sum.Rewritten != 39 || sum.Errors != 1 {
		t.Errorf("summary %+v", sum)
	}
	var got []string
	record.Each(&out, "out", func(l *record.Line) error {
		var m record.Message
		l.DecodeOnly(&m)
		var res record.Result
		l.DecodeOnly(&res)
		switch {
		case l.Type == record.TypeResult:
			got = append(got, fmt.Sprintf("fail%d", res.Src.UID))
		case l.Type == record.TypeMessage:
			got = append(got, fmt.Sprint(m.UID))
		default:
			got = append(got, l.Type)
		}
		return nil
	})
	want := []string{"folder"}
	for i := 1; i <= 40; i++ {
		if i == 13 {
			want = append(want, "fail13")
		} else {
			want = append(want, fmt.Sprint(i))
		}
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("order:\n%v\nwant\n%v", got, want)
	}
}

// WrapLines does what Perl's s,(.{N}),$1\r\n,g (imapsync's --office2 and
// --exchange2 wrapping) does; the wants are Perl 5's output, "\r" counted
// as a byte of the line as Perl's "." counts it.
func TestWrapLines(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"ab\r\n", ""}, // nothing as long: the message is kept as is
		{"abcdefghij\r\nxy\r\n", "abcd\r\nefgh\r\nij\r\nxy\r\n"},
		{"abc\r\n", "abc\r\r\n\n"},
		{"abcdefgh\n", "abcd\r\nefgh\r\n\n"},
		{"Subject: x\r\n\r\n0123456789012\r\n", "Subj\r\nect:\r\n x\r\n\r\n0123\r\n4567\r\n8901\r\n2\r\n"},
	} {
		m, out, err := rewriteOne(t, Options{WrapLines: 4}, []byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		want, ops := c.want, "wraplines"
		if want == "" {
			want, ops = c.in, ""
		}
		if string(out) != want || strings.Join(m.Rewritten, ",") != ops {
			t.Errorf("%q: %q (%v), want %q", c.in, out, m.Rewritten, want)
		}
	}
}
