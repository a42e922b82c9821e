package record

import (
	"bytes"
	"strings"
	"time"
	"unicode/utf8"
)

// A sync reads its inventories several times over (the plan's diff, the
// verify's, the verify's own passes), and decoding a 50,000-message
// folder's records with encoding/json each time was most of a re-sync's
// CPU. Message records as fetch writes them have one shape, so
// FastMessage reads that shape by hand, field after field; anything else
// (another order, a missing field, an escape where a value is read, a
// later member that could override one) is declined, and the caller
// decodes the line with DecodeOnly as before.

// MessageFields is what readers of inventories need of a message record.
type MessageFields struct {
	Folder       string
	UIDValidity  uint32
	UID          uint32
	Flags        []string // nil for null (only filled when asked for)
	InternalDate time.Time
	Size         int64
	Ident        string
}

// fastKeys are the members FastMessage reads; a later member of one of
// these names (which the decoder would take instead, matching names
// without regard to case) makes it decline.
var fastKeys = []string{"folder", "uidvalidity", "uid", "flags", "internaldate", "size", "ident"}

// FastMessage fills m from js, a whole message record as a Reader hands
// it out (valid JSON, or written by this process), when it has the shape
// fetch writes:
//
//	{"type":"message","folder":…,"uidvalidity":…,"uid":…,"flags":…,
//	 "internaldate":…,"size":…[,"message_id":…],"ident":…[,others]}
//
// with the values it reads free of escapes. It reads what
// json.Unmarshal would into a struct of those fields, or returns false.
// Flags are read only when flags is set (else m.Flags is nil). A caller
// that passes the same m for record after record allocates a folder's
// name once (m.Folder is kept when it is the same).
func FastMessage(js []byte, m *MessageFields, flags bool) bool {
	p := fastParser{b: js}
	var ok bool
	if !p.lit(`{"type":"message","folder":`) {
		return false
	}
	folder, ok := p.raw()
	if !ok || !p.lit(`,"uidvalidity":`) {
		return false
	}
	if string(folder) != m.Folder {
		m.Folder = string(folder)
	}
	var n uint64
	if n, ok = p.num(); !ok || n > 1<<32-1 || !p.lit(`,"uid":`) {
		return false
	}
	m.UIDValidity = uint32(n)
	if n, ok = p.num(); !ok || n > 1<<32-1 || !p.lit(`,"flags":`) {
		return false
	}
	m.UID = uint32(n)
	m.Flags = nil
	if !p.lit(`null`) {
		if !p.lit(`[`) {
			return false
		}
		if flags {
			m.Flags = []string{}
		}
		for k := 0; !p.lit(`]`); k++ {
			if k > 0 && !p.lit(`,`) {
				return false
			}
			f, ok := p.flag()
			if !ok {
				return false
			}
			if flags {
				m.Flags = append(m.Flags, f)
			}
		}
	}
	if !p.lit(`,"internaldate":`) {
		return false
	}
	date, ok := p.raw()
	if !ok {
		return false
	}
	t, err := time.Parse(time.RFC3339Nano, string(date))
	if err != nil {
		return false
	}
	// The decoder parses strictly (RFC 3339 proper); a date that formats
	// back to itself is one both read alike.
	var buf [64]byte
	if !bytes.Equal(t.AppendFormat(buf[:0], time.RFC3339Nano), date) {
		return false
	}
	m.InternalDate = t
	if !p.lit(`,"size":`) {
		return false
	}
	if n, ok = p.num(); !ok || n > 1<<63-1 {
		return false
	}
	m.Size = int64(n)
	if p.lit(`,"message_id":`) && !p.skipString() {
		return false
	}
	if !p.lit(`,"ident":`) {
		return false
	}
	if m.Ident, ok = p.str(); !ok {
		return false
	}
	return p.tail()
}

type fastParser struct {
	b []byte
	i int
}

// lit consumes s when the input continues with it.
func (p *fastParser) lit(s string) bool {
	if len(p.b)-p.i < len(s) || string(p.b[p.i:p.i+len(s)]) != s {
		return false
	}
	p.i += len(s)
	return true
}

// raw reads a string's bytes when it holds no escape and no byte the
// decoder would change (a control character, invalid UTF-8).
func (p *fastParser) raw() ([]byte, bool) {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return nil, false
	}
	return p.rest(p.i + 1)
}

// rest reads the rest of a string from start, as raw does.
func (p *fastParser) rest(start int) ([]byte, bool) {
	wide := false
	for j := start; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '"':
			s := p.b[start:j]
			if wide && !utf8.Valid(s) {
				return nil, false
			}
			p.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			wide = true
		}
	}
	return nil, false
}

func (p *fastParser) str() (string, bool) {
	s, ok := p.raw()
	return string(s), ok
}

// flag reads a flag: system flags start with a backslash, written \\
// in JSON, so that one escape is read here too; the usual flags come
// back without allocating.
func (p *fastParser) flag() (string, bool) {
	if p.lit(`"\\`) {
		s, ok := p.rest(p.i)
		if !ok {
			return "", false
		}
		switch string(s) {
		case "Seen":
			return `\Seen`, true
		case "Answered":
			return `\Answered`, true
		case "Flagged":
			return `\Flagged`, true
		case "Deleted":
			return `\Deleted`, true
		case "Draft":
			return `\Draft`, true
		}
		return `\` + string(s), true
	}
	s, ok := p.raw()
	switch string(s) {
	case "$Forwarded":
		return "$Forwarded", ok
	case "$MDNSent":
		return "$MDNSent", ok
	case "$Junk":
		return "$Junk", ok
	case "$NotJunk":
		return "$NotJunk", ok
	}
	return string(s), ok
}

// num reads an unsigned integer as JSON writes one.
func (p *fastParser) num() (uint64, bool) {
	j := p.i
	var v uint64
	for j < len(p.b) && p.b[j] >= '0' && p.b[j] <= '9' {
		if v > (1<<64-1)/10 {
			return 0, false
		}
		v = v*10 + uint64(p.b[j]-'0')
		j++
	}
	n := j - p.i
	if n == 0 || n > 1 && p.b[p.i] == '0' || n > 19 || j < len(p.b) && p.b[j] != ',' && p.b[j] != '}' {
		return 0, false
	}
	p.i = j
	return v, true
}

// skipString passes over a string, escapes and all.
func (p *fastParser) skipString() bool {
	if p.i >= len(p.b) || p.b[p.i] != '"' {
		return false
	}
	for j := p.i + 1; j < len(p.b); j++ {
		switch p.b[j] {
		case '\\':
			j++
		case '"':
			p.i = j + 1
			return true
		}
	}
	return false
}

// skipValue passes over any value of a valid JSON text.
func (p *fastParser) skipValue() bool {
	depth := 0
	for p.i < len(p.b) {
		switch p.b[p.i] {
		case '"':
			if !p.skipString() {
				return false
			}
			if depth == 0 {
				return true
			}
			continue
		case '[', '{':
			depth++
		case ']', '}':
			if depth == 0 {
				return true // the end of the enclosing object
			}
			depth--
			if depth == 0 {
				p.i++
				return true
			}
		case ',':
			if depth == 0 {
				return true
			}
		}
		p.i++
	}
	return false
}

// tail checks the members after ident: none may be one FastMessage read
// (the decoder takes a member's last occurrence), and the object must
// end there.
func (p *fastParser) tail() bool {
	for {
		if p.lit(`}`) {
			return p.i == len(p.b)
		}
		if !p.lit(`,`) {
			return false
		}
		key, ok := p.raw()
		if !ok || !p.lit(`:`) {
			return false
		}
		for _, c := range key {
			if c >= 0x80 {
				return false // the decoder folds some non-ASCII letters to ASCII ones
			}
		}
		for _, k := range fastKeys {
			if strings.EqualFold(string(key), k) {
				return false
			}
		}
		if !p.skipValue() {
			return false
		}
	}
}
