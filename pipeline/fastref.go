package pipeline

import "github.com/imapx/imapx/internal/record"

// Sync reads its own inventories many times over (plan, verify, the
// altered check, the copies beyond the source's, the state's bytes), and
// a 50,000-message folder makes each pass cost JSON decoding 50,000
// times. A message record as fetch writes it has a fixed shape, so the
// few fields those passes need are read by record.FastMessage; anything
// else goes through the JSON decoder.

// fastRef fills m from a message record written by fetch; ok is false
// when the line is not of that shape. f is scratch space, reused from
// line to line.
func fastRef(line []byte, m *messageRef, f *record.MessageFields) bool {
	if !record.FastMessage(line, f, false) {
		return false
	}
	*m = messageRef{Folder: f.Folder, UIDValidity: f.UIDValidity, UID: f.UID, Size: f.Size, Ident: f.Ident, InternalDate: f.InternalDate}
	return true
}
