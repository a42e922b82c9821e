package mbox

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	// magic starts the first header line of every message imapx writes.
	magic = "X-Imapx-Mbox:"

	// How the message bytes are stored (the eol= parameter).
	eolLF     = "lf"     // lines ended by LF, stored as they are
	eolCRLF   = "crlf"   // lines ended by CRLF, stored with LF
	eolBase64 = "base64" // anything else: base64 of the raw bytes

	// fromSender is the sender on our From_ lines: nobody in particular,
	// as the envelope sender is not known to IMAP.
	fromSender = "MAILER-DAEMON"

	// maxTextLine bounds a text-stored line (bytes before its LF). go-mbox
	// buffers a whole line in memory on write; longer lines go to base64,
	// so memory stays bounded for any message.
	maxTextLine = 64 << 10

	// maxAdded bounds added= so that a corrupt value cannot make the
	// reader swallow a message.
	maxAdded = 16

	// spoolAt is the size above which a message that must be read twice
	// (write: scan then copy; foreign read: size first) goes to a temporary
	// file instead of memory.
	spoolAt = 8 << 20
)

// base64Headers follow our flag headers on a base64-stored message, so that
// a mail reader shows it as an attachment that can be saved and opened.
var base64Headers = []string{
	"MIME-Version: 1.0",
	`Content-Type: application/octet-stream; name="message.eml"`,
	`Content-Disposition: attachment; filename="message.eml"`,
	"Content-Transfer-Encoding: base64",
	"Subject: [imapx] message kept as a base64 attachment to preserve its exact bytes",
}

// addedName reports whether a header named name may follow the magic line
// of a message stored as eol.
func addedName(eol, name string) bool {
	switch strings.ToLower(name) {
	case "status", "x-status", "x-keywords":
		return true
	case "mime-version", "content-type", "content-disposition", "content-transfer-encoding", "subject":
		return eol == eolBase64
	}
	return false
}

// header is the parsed magic line.
type header struct {
	eol    string
	size   int64
	crc    uint32
	hasCRC bool
	date   time.Time
	added  int
	folder string
}

// appendHeader appends the magic line, without its line end.
func appendHeader(b []byte, h header) []byte {
	b = fmt.Appendf(b, "%s v=1; eol=%s; size=%d; crc32c=%08x", magic, h.eol, h.size, h.crc)
	if !h.date.IsZero() {
		b = append(b, "; date="...)
		b = h.date.AppendFormat(b, time.RFC3339Nano)
	}
	if h.folder != "" {
		// Query-escaped: no ';', space or 8-bit byte in the magic line.
		b = append(b, "; folder="...)
		b = append(b, url.QueryEscape(h.folder)...)
	}
	return fmt.Appendf(b, "; added=%d", h.added)
}

// parseHeader parses the magic line (without its line end). Unknown
// parameters are ignored so that v=1 readers accept additions; anything
// that changes how bytes are stored must change v.
func parseHeader(line string) (header, error) {
	var h header
	rest, ok := strings.CutPrefix(line, magic)
	if !ok {
		return h, errors.New("not an X-Imapx-Mbox line")
	}
	seen := map[string]bool{}
	for _, f := range strings.Split(rest, ";") {
		f = strings.TrimSpace(f)
		if f == "" {
			continue
		}
		k, v, ok := strings.Cut(f, "=")
		if !ok {
			return h, fmt.Errorf("X-Imapx-Mbox: bad parameter %q", f)
		}
		var err error
		switch k {
		case "v":
			if v != "1" {
				err = errors.New("unsupported version")
			}
		case "eol":
			h.eol = v
			if v != eolLF && v != eolCRLF && v != eolBase64 {
				err = errors.New("unknown storage")
			}
		case "size":
			h.size, err = strconv.ParseInt(v, 10, 64)
			if err == nil && h.size < 0 {
				err = errors.New("negative")
			}
		case "crc32c":
			var c uint64
			c, err = strconv.ParseUint(v, 16, 32)
			h.crc, h.hasCRC = uint32(c), true
		case "date":
			h.date, err = time.Parse(time.RFC3339Nano, v)
		case "folder":
			h.folder, err = url.QueryUnescape(v)
		case "added":
			h.added, err = strconv.Atoi(v)
			if err == nil && (h.added < 0 || h.added > maxAdded) {
				err = errors.New("out of range")
			}
		}
		if err != nil {
			return h, fmt.Errorf("X-Imapx-Mbox: %s=%q: %v", k, v, err)
		}
		seen[k] = true
	}
	for _, k := range []string{"v", "eol", "size", "added"} {
		if !seen[k] {
			return h, fmt.Errorf("X-Imapx-Mbox: missing %s=", k)
		}
	}
	return h, nil
}
