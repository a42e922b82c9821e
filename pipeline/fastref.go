package pipeline

import (
	"bytes"
	"strconv"
	"time"
)

// Sync reads its own inventories many times over (plan, verify, the
// altered check, the copies beyond the source's, the state's bytes), and
// a 50,000-message folder makes each pass cost JSON decoding 50,000
// times. A message record as fetch writes it has a fixed shape, so the
// few fields those passes need are picked out of the line directly;
// anything else (an escaped name, another shape) goes through the JSON
// decoder.

// fastRef fills m from a message record written by fetch; ok is false
// when the line is not of that shape.
func fastRef(line []byte, m *messageRef) bool {
	folder, ok := leadingFolder(line)
	if !ok {
		return false
	}
	rest := line[len(`{"type":"message","folder":"`)+len(folder)+1:]
	validity, ok1 := numberField(rest, `"uidvalidity":`)
	uid, ok2 := numberField(rest, `"uid":`)
	size, ok3 := numberField(rest, `"size":`)
	ident, ok4 := plainString(rest, `"ident":"`)
	if !ok1 || !ok2 || !ok3 || !ok4 || validity > 1<<32-1 || uid > 1<<32-1 {
		return false
	}
	*m = messageRef{Folder: folder, UIDValidity: uint32(validity), UID: uint32(uid), Size: int64(size), Ident: ident}
	// The date as the decoder reads it (RFC 3339); absent is the zero time.
	if date, ok := plainString(rest, `"internaldate":"`); ok {
		t, err := time.Parse(time.RFC3339Nano, date)
		if err != nil {
			return false
		}
		m.InternalDate = t
	} else if bytes.Contains(rest, []byte(`"internaldate":`)) {
		return false
	}
	return true
}

// numberField reads the unsigned number after key. Keys cannot occur
// inside the record's strings: a quote there is escaped (\").
func numberField(b []byte, key string) (uint64, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return 0, false
	}
	b = b[i+len(key):]
	n := 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' {
		n++
	}
	if n == 0 || n < len(b) && b[n] != ',' && b[n] != '}' {
		return 0, false
	}
	v, err := strconv.ParseUint(string(b[:n]), 10, 64)
	return v, err == nil
}

// plainString reads the string after key (which ends with its opening
// quote) when it holds no escape.
func plainString(b []byte, key string) (string, bool) {
	i := bytes.Index(b, []byte(key))
	if i < 0 {
		return "", false
	}
	b = b[i+len(key):]
	end := bytes.IndexByte(b, '"')
	if end < 0 || bytes.IndexByte(b[:end], '\\') >= 0 {
		return "", false
	}
	return string(b[:end]), true
}
