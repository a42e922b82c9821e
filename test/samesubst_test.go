package test

import (
	"regexp"
	"sort"

	"github.com/rogpeppe/go-internal/testscript"
)

// samesubst USER1 USER2 REGEX REPLACEMENT [REGEX REPLACEMENT…]: USER2
// holds exactly USER1's messages with each REGEX (Go syntax, on the raw
// bytes, every match; "8bit": every byte >= 0x80) replaced in turn in
// each, everything else byte for byte, flags and dates included; read
// independently of imapx.
func cmdSameSubst(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 4 || len(args)%2 != 0 {
		ts.Fatalf("usage: samesubst USER1 USER2 REGEX REPLACEMENT [REGEX REPLACEMENT…]")
	}
	var subs []func([]byte) []byte
	for i := 2; i < len(args); i += 2 {
		subs = append(subs, substitution(ts, args[i], args[i+1]))
	}
	msgs, _, err := dovecot(ts).ReadAll(args[0], users[args[0]])
	if err != nil {
		ts.Fatalf("read %s: %v", args[0], err)
	}
	a := make([]string, len(msgs))
	for i, m := range msgs {
		for _, sub := range subs {
			m.Raw = sub(m.Raw)
		}
		a[i] = m.Key()
	}
	sort.Strings(a)
	b := readKeys(ts, args[1])
	diff := multisetDiff(a, b)
	if neg != (diff == "") {
		return
	}
	if neg {
		ts.Fatalf("mailboxes are the same after the substitution")
	}
	ts.Fatalf("mailboxes differ after the substitution:\n%s", diff)
}

// substitution is one REGEX REPLACEMENT pair of samesubst.
func substitution(ts *testscript.TestScript, expr, repl string) func([]byte) []byte {
	if expr == "8bit" {
		// Each byte >= 0x80 (Go's regexp reads bytes as UTF-8: no class
		// matches a Latin-1 byte).
		return func(b []byte) []byte {
			out := make([]byte, 0, len(b))
			for _, c := range b {
				if c >= 0x80 {
					out = append(out, repl...)
				} else {
					out = append(out, c)
				}
			}
			return out
		}
	}
	re, err := regexp.Compile(expr)
	if err != nil {
		ts.Fatalf("samesubst: %v", err)
	}
	return func(b []byte) []byte { return re.ReplaceAll(b, []byte(repl)) }
}
