package identity

import (
	"strings"
	"testing"
)

func crlf(s string) []byte { return []byte(strings.ReplaceAll(s, "\n", "\r\n")) }

func TestNormalise(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"upper-cased", "Message-Id: <abc@example.com>\n", "MESSAGE-ID: <ABC@EXAMPLE.COM>"},
		{"8-bit to X", "Message-Id: <caf\xc3\xa9@x>\n", "MESSAGE-ID: <CAFXX@X>"},
		{"latin-1 byte to X", "Message-Id: <caf\xe9@x>\n", "MESSAGE-ID: <CAFX@X>"},
		{"tabs", "Received: from\ta\tby b\n", "RECEIVED: FROM A BY B"},
		{"runs folded", "Received: from   a    by b\n", "RECEIVED: FROM A BY B"},
		{"trimmed", "Message-Id:    <a@b>   \n", "MESSAGE-ID: <A@B>"},
		{"unfolded", "Received: from a\n\tby b\n  with smtp\n", "RECEIVED: FROM A BY B WITH SMTP"},
		{"space before colon", "Message-Id : <a@b>\n", "MESSAGE-ID: <A@B>"},
		{"empty value", "Message-Id:\n", "MESSAGE-ID:"},
		{"no space after colon", "Message-Id:<a@b>\n", "MESSAGE-ID: <A@B>"},
		{"8-bit name", "X-n\xe9: v\n", "X-NX: V"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs := fields([]byte(tt.in))
			if len(fs) != 1 {
				t.Fatalf("fields = %d, want 1", len(fs))
			}
			if got := normalise(fs[0]); got != tt.want {
				t.Fatalf("normalise = %q, want %q", got, tt.want)
			}
		})
	}
}

const full = `Return-Path: <a@example.com>
Received: from mx.example.com by imap.example.org; Tue, 2 Jan 2024 03:04:05 +0000
Received: from client by mx.example.com;
	Tue, 2 Jan 2024 03:04:04 +0000
Message-ID: <1234@example.com>
Subject: Hello
From: A <a@example.com>

body
`

// subset builds what a server returns for BODY[HEADER.FIELDS (names)]:
// the matching lines in their original order, then an empty line.
func subset(header string, names ...string) []byte {
	var out []string
	keep := false
	for _, line := range strings.Split(strings.TrimRight(header, "\n"), "\n") {
		if line == "" {
			break
		}
		if line[0] == ' ' || line[0] == '\t' {
			if keep {
				out = append(out, line)
			}
			continue
		}
		keep = false
		name, _, ok := strings.Cut(line, ":")
		for _, n := range names {
			if ok && strings.EqualFold(strings.TrimRight(name, " \t"), n) {
				keep = true
			}
		}
		if keep {
			out = append(out, line)
		}
	}
	return crlf(strings.Join(out, "\n") + "\n\n")
}

func TestSubsetEqualsFull(t *testing.T) {
	for _, o := range []Options{{}, {Headers: []string{"Message-Id"}}, {Headers: []string{"received"}}, {Headers: []string{"Subject", "From"}}} {
		fields, _ := o.FetchFields()
		whole := Compute(HeaderBlock(crlf(full)), o)
		sub := Compute(subset(full, fields...), o)
		if whole != sub {
			t.Errorf("%v: full %s != subset %s", o.Headers, whole, sub)
		}
		if !strings.HasPrefix(whole, "h:") || len(whole) != 34 {
			t.Errorf("%v: ident %q is not h: and 32 hex digits", o.Headers, whole)
		}
	}
}

func TestLineEndsAndOrder(t *testing.T) {
	a := Compute([]byte(full), Options{})
	b := Compute(crlf(full), Options{})
	if a != b {
		t.Fatal("LF and CRLF must give the same identity")
	}
	swapped := strings.Replace(full, "Message-ID: <1234@example.com>\n", "", 1)
	swapped = "Message-ID: <1234@example.com>\n" + swapped
	if Compute([]byte(swapped), Options{}) != a {
		t.Fatal("field order must not matter (lines are sorted)")
	}
	other := strings.Replace(full, "1234", "1235", 1)
	if Compute([]byte(other), Options{}) == a {
		t.Fatal("another Message-ID must give another identity")
	}
	noRecv := strings.Replace(full, "mx.example.com by", "mx2.example.com by", 1)
	if Compute([]byte(noRecv), Options{Headers: []string{"Message-Id"}}) != Compute([]byte(full), Options{Headers: []string{"MESSAGE-ID"}}) {
		t.Fatal("--useheader Message-Id must ignore Received (and names are case-insensitive)")
	}
	if Compute([]byte(noRecv), Options{}) == a {
		t.Fatal("the default identity must see Received")
	}
}

func TestFallbackToWholeHeader(t *testing.T) {
	msg := crlf("Subject: draft\nFrom: me\n\nbody\n")
	o := Options{}
	fields, _ := o.FetchFields()
	if !NeedsFullHeader(subset(string(msg), fields...), o) {
		t.Fatal("a message with neither Message-Id nor Received needs its whole header")
	}
	id := Compute(HeaderBlock(msg), o)
	if !strings.HasPrefix(id, "a:") {
		t.Fatalf("fallback ident %q should start with a:", id)
	}
	if id == Compute(crlf("Subject: other\nFrom: me\n\n"), o) {
		t.Fatal("different headers must give different fallback identities")
	}
	if NeedsFullHeader(subset(full, fields...), o) {
		t.Fatal("a message with Message-Id does not need its whole header")
	}
	if all := Compute([]byte(full), Options{Headers: []string{"ALL"}}); !strings.HasPrefix(all, "a:") {
		t.Fatalf("ALL ident %q should start with a:", all)
	}
}

func TestHeaderBlock(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"A: b\r\n\r\nbody", "A: b\r\n\r\n"},
		{"A: b\n\nbody\n\nmore", "A: b\n\n"},
		{"A: b\r\n\nbody", "A: b\r\n\n"},
		{"A: b\r\nC: d", "A: b\r\nC: d"},
		{"\r\nbody", "\r\n"},
	}
	for _, tt := range tests {
		if got := string(HeaderBlock([]byte(tt.in))); got != tt.want {
			t.Errorf("HeaderBlock(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for _, bad := range [][]string{{""}, {"Message Id"}, {"X:Y"}, {"Ünï"}} {
		if (Options{Headers: bad}).Validate() == nil {
			t.Errorf("%q should be refused", bad)
		}
	}
	if err := (Options{Headers: []string{"Message-Id", "ALL"}}).Validate(); err != nil {
		t.Error(err)
	}
}

func TestField(t *testing.T) {
	if got := string(Field(crlf(full), "message-id")); strings.TrimSpace(got) != "<1234@example.com>" {
		t.Fatalf("Field = %q", got)
	}
	if Field([]byte("Subject: x\n\n"), "Message-Id") != nil {
		t.Fatal("absent field should be nil")
	}
}

func FuzzComputeSubset(f *testing.F) {
	f.Add(full)
	f.Add("Subject: x\n\n")
	f.Add("\r\r\nMessAge-ID:")
	f.Fuzz(func(t *testing.T, header string) {
		o := Options{}
		fields, _ := o.FetchFields()
		whole := HeaderBlock([]byte(header))
		sub := subset(string(whole), fields...)
		if NeedsFullHeader(sub, o) {
			return // identity then comes from the whole header by design
		}
		if Compute(whole, o) != Compute(sub, o) {
			t.Fatalf("full and subset differ for %q", header)
		}
	})
}

func BenchmarkCompute(b *testing.B) {
	h := crlf(full)
	for i := 0; i < b.N; i++ {
		Compute(h, Options{})
	}
}
