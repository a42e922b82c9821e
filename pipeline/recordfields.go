package pipeline

import (
	"bytes"
	"encoding/json"

	"github.com/imapx/imapx/internal/record"
)

// Fields of inventory records read without decoding them whole, for the
// passes that go through every record of a folder (narrow.go).

// identSize reads a message record's identity and size.
func identSize(line []byte, scratch *record.MessageFields) (string, int64, bool) {
	id, size, ok := identBytes(line, scratch)
	return string(id), size, ok
}

// identBytes is identSize without a copy when the record reads from its
// end (rawIdentSize): the identity is then a slice of line.
func identBytes(line []byte, scratch *record.MessageFields) ([]byte, int64, bool) {
	if id, size, ok := rawIdentSize(line); ok {
		return id, size, true
	}
	if record.FastMessage(line, scratch, false) {
		return []byte(scratch.Ident), scratch.Size, scratch.Ident != ""
	}
	var m struct {
		Ident string `json:"ident"`
		Size  int64  `json:"size"`
	}
	if json.Unmarshal(line, &m) != nil {
		return nil, 0, false
	}
	return []byte(m.Ident), m.Size, m.Ident != ""
}

// rawIdentSize reads them by hand from a record ending in its "ident"
// member, as fetch writes them: a line ending `,"ident":"X"}` has X as
// its own last "ident" (inside a string a quote is escaped; in a nested
// object the line would end in two braces), and the last `,"size":N`
// before it, with nothing between but plain members (no brace), is its
// last "size". Anything else: ok is false. The identity is a slice of
// line. Reading from the end spares a scan of the whole line, for every
// record of every folder read incrementally.
func rawIdentSize(line []byte) (id []byte, size int64, ok bool) {
	const identKey, sizeKey = `,"ident":"`, `,"size":`
	if !bytes.HasSuffix(line, []byte(`"}`)) {
		return nil, 0, false
	}
	tail := line[:len(line)-2]
	q := bytes.LastIndexByte(tail, '"')
	if q < len(identKey)-1 || !bytes.HasSuffix(tail[:q+1], []byte(identKey)) {
		return nil, 0, false
	}
	id = tail[q+1:]
	if len(id) == 0 || bytes.IndexByte(id, '\\') >= 0 {
		return nil, 0, false
	}
	before := tail[:q+1-len(identKey)]
	// The nearest `,"size":` before it, by hand: bytes.LastIndex hashes
	// its way through the line and cost as much as the rest together.
	i := len(before) - len(sizeKey)
	for ; i >= 0 && (before[i] != ',' || string(before[i:i+len(sizeKey)]) != sizeKey); i-- {
	}
	if i < 0 {
		return nil, 0, false
	}
	digits := before[i+len(sizeKey):]
	n := 0
	for ; n < len(digits) && digits[n] >= '0' && digits[n] <= '9' && n < 18; n++ {
		size = size*10 + int64(digits[n]-'0')
	}
	if n == 0 || n < len(digits) && digits[n] != ',' || bytes.ContainsAny(digits[n:], "{}") {
		return nil, 0, false
	}
	return id, size, true
}

// recordFolder is the folder of a message record; ok is false for other
// records.
func recordFolder(line []byte) (string, bool) {
	if !bytes.HasPrefix(line, []byte(`{"type":"message"`)) {
		return "", false
	}
	if f, ok := leadingFolder(line); ok {
		return f, true
	}
	var m struct {
		Folder string `json:"folder"`
	}
	if json.Unmarshal(line, &m) != nil {
		return "", false
	}
	return m.Folder, true
}
