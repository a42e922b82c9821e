// Package identity computes a message's identity, which decides whether a
// message is "already there" on the other side.
//
// The default is imapsync's header identity: every occurrence of the
// chosen header fields (Message-Id and Received unless --useheader says
// otherwise) becomes a line "NAME: VALUE", normalised so that what servers
// and transports change does not matter:
//
//   - the field is unfolded (CR and LF become spaces),
//   - every byte >= 0x80 becomes 'X' (8-bit headers survive no transcoding
//     the same way twice),
//   - tabs become spaces, runs of white space fold to one space, and the
//     value is trimmed,
//   - the whole line is upper-cased (ASCII).
//
// A field present with an empty value still counts ("MESSAGE-ID:"). The
// lines are sorted, joined with "\n" and hashed with SHA-256; the identity
// is "h:" and the first 32 hex digits.
//
// A message with none of the chosen fields is not left "unidentified" (as
// imapsync leaves it, unless --addheader): its identity is computed from
// its whole header block instead, every non-empty line normalised the same
// way, in order, not sorted, with the prefix "a:". --useheader ALL always
// uses the whole header block.
//
// The same result comes from a whole header block or from the subset of
// the chosen fields a server returns for BODY[HEADER.FIELDS (…)], so an
// inventory need not read whole headers.
package identity

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// Options choose the header fields.
type Options struct {
	// Headers are field names; empty means Message-Id and Received, and
	// "ALL" means the whole header block.
	Headers []string
}

var defaultHeaders = []string{"Message-Id", "Received"}

// FetchFields says what a FETCH must ask for: these fields, or the whole
// header when all is true.
func (o Options) FetchFields() (fields []string, all bool) {
	if len(o.Headers) == 0 {
		return append([]string(nil), defaultHeaders...), false
	}
	for _, h := range o.Headers {
		if strings.EqualFold(h, "ALL") {
			return nil, true
		}
	}
	return o.Headers, false
}

// Validate rejects names that cannot be header field names.
func (o Options) Validate() error {
	for _, h := range o.Headers {
		if h == "" {
			return fmt.Errorf("empty header name")
		}
		for _, c := range []byte(h) {
			if c <= ' ' || c >= 0x7f || c == ':' {
				return fmt.Errorf("%q is not a header name", h)
			}
		}
	}
	return nil
}

// HeaderBlock returns the header part of a raw message: through the first
// empty line (CRLF CRLF, LF LF, or mixed); all of it when there is none.
func HeaderBlock(raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return raw
		}
		line := raw[i : i+j]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return raw[:i+j+1]
		}
		i += j + 1
	}
	return raw
}

// field is one header field, unfolded but not normalised.
type field struct {
	name  []byte
	value []byte // everything after the colon, continuation lines included
}

// fields splits a header block into fields; lines that are neither a field
// nor a continuation (a stray "From " line) are kept as nameless fields.
func fields(header []byte) []field {
	var out []field
	for len(header) > 0 {
		var line []byte
		if i := bytes.IndexByte(header, '\n'); i >= 0 {
			line, header = header[:i+1], header[i+1:]
		} else {
			line, header = header, nil
		}
		// The same rule as HeaderBlock: a blank line is empty or one CR.
		if len(bytes.TrimSuffix(bytes.TrimSuffix(line, []byte("\n")), []byte("\r"))) == 0 {
			break // the blank line ends the header
		}
		if (line[0] == ' ' || line[0] == '\t') && len(out) > 0 {
			last := &out[len(out)-1]
			last.value = append(last.value, line...)
			continue
		}
		if colon := bytes.IndexByte(line, ':'); colon > 0 {
			out = append(out, field{
				name:  bytes.TrimRight(line[:colon], " \t"),
				value: append([]byte(nil), line[colon+1:]...),
			})
			continue
		}
		out = append(out, field{value: append([]byte(nil), line...)})
	}
	return out
}

// normalise applies the rules in the package doc to one field, name and
// value alike, byte by byte (ASCII upper-casing: 8-bit bytes are 'X').
func normalise(f field) string {
	b := make([]byte, 0, len(f.name)+len(f.value)+2)
	put := func(c byte) {
		switch {
		case c >= 0x80:
			c = 'X'
		case 'a' <= c && c <= 'z':
			c -= 'a' - 'A'
		}
		b = append(b, c)
	}
	for _, c := range f.name {
		put(c)
	}
	if f.name != nil {
		b = append(b, ':')
	}
	// Runs of white space fold to one space, leading and trailing ones go;
	// a non-empty value is separated from "NAME:" by one space.
	pending, started := false, false
	for _, c := range f.value {
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			pending = true
			continue
		}
		if len(b) > 0 && (pending || (f.name != nil && !started)) {
			b = append(b, ' ')
		}
		pending, started = false, true
		put(c)
	}
	return string(b)
}

func chosen(name []byte, names []string) bool {
	for _, n := range names {
		if strings.EqualFold(string(name), n) {
			return true
		}
	}
	return false
}

// Compute returns the identity of a message from its header block (whole,
// or the server's HEADER.FIELDS subset for o's fields).
func Compute(header []byte, o Options) string {
	names, all := o.FetchFields()
	fs := fields(header)
	if !all {
		var lines []string
		for _, f := range fs {
			if f.name != nil && chosen(f.name, names) {
				lines = append(lines, normalise(f))
			}
		}
		if len(lines) > 0 {
			sort.Strings(lines)
			return hash("h:", lines)
		}
	}
	lines := make([]string, 0, len(fs))
	for _, f := range fs {
		if line := normalise(f); line != "" {
			lines = append(lines, line)
		}
	}
	return hash("a:", lines)
}

// NeedsFullHeader reports whether a HEADER.FIELDS subset holds none of the
// chosen fields, so the identity must come from the whole header block.
func NeedsFullHeader(subset []byte, o Options) bool {
	names, all := o.FetchFields()
	if all {
		return false
	}
	for _, f := range fields(subset) {
		if f.name != nil && chosen(f.name, names) {
			return false
		}
	}
	return true
}

// Field returns the first occurrence of a field's value, unfolded (CR and
// LF dropped) but otherwise as is; nil when absent.
func Field(header []byte, name string) []byte {
	for _, f := range fields(header) {
		if f.name != nil && strings.EqualFold(string(f.name), name) {
			v := bytes.ReplaceAll(f.value, []byte("\r"), nil)
			return bytes.ReplaceAll(v, []byte("\n"), nil)
		}
	}
	return nil
}

func hash(prefix string, lines []string) string {
	sum := sha256.Sum256([]byte(strings.Join(lines, "\n")))
	return prefix + hex.EncodeToString(sum[:16])
}
