package rewrite

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/record"
)

// mdnSent is the keyword saying a read receipt was dealt with (RFC 3503).
const mdnSent = "$MDNSent"

// asksReceipt reports whether a header asks for a read receipt.
func asksReceipt(header []byte) bool {
	return identity.Field(header, "Disposition-Notification-To") != nil ||
		identity.Field(header, "Return-Receipt-To") != nil
}

// DropMDNSent takes $MDNSent out of a record's flags: where flags are
// compared, --disarmreadreceipts owns that keyword.
func DropMDNSent(m *record.Message) {
	out := m.Flags[:0:0]
	for _, f := range m.Flags {
		if !strings.EqualFold(f, mdnSent) {
			out = append(out, f)
		}
	}
	m.Flags = out
}

func hasFlag(flags []string, f string) bool {
	for _, g := range flags {
		if strings.EqualFold(g, f) {
			return true
		}
	}
	return false
}

// headerDate reads the Date: header.
func headerDate(header []byte) (time.Time, bool) {
	v := identity.Field(header, "Date")
	if v == nil {
		return time.Time{}, false
	}
	d, err := mail.ParseDate(strings.TrimSpace(string(v)))
	if err != nil {
		return time.Time{}, false
	}
	return d, true
}

// addMessageID puts imapsync's Message-Id line first in the message:
// "Message-Id: <UID@imapsync>" with the source UID (a message of an mbox
// has none: a digest of its header then). The line ends as the message's
// first line does (CRLF, or a bare LF).
func addMessageID(b *record.Body, m *record.Message, header []byte) (*record.Body, string, error) {
	local := fmt.Sprint(m.UID)
	if m.UID == 0 {
		sum := sha256.Sum256(header)
		local = hex.EncodeToString(sum[:8])
	}
	id := "<" + local + "@imapsync>"
	eol := "\r\n"
	if i := bytes.IndexByte(header, '\n'); i >= 0 && (i == 0 || header[i-1] != '\r') {
		eol = "\n"
	}
	line := "Message-Id: " + id + eol
	nb, err := record.SpoolSized(io.MultiReader(strings.NewReader(line), b.Reader()), b.Size()+int64(len(line)))
	return nb, id, err
}
