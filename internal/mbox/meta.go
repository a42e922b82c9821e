package mbox

import (
	"fmt"
	"strings"
	"time"
)

// Meta is what IMAP knows about a message besides its bytes.
type Meta struct {
	// Flags are IMAP flags: the system flags \Seen \Answered \Flagged
	// \Draft \Deleted (any case) and keywords as-is. \Recent is never
	// stored nor returned: it belongs to a session, not to a message.
	Flags []string
	// InternalDate is the IMAP INTERNALDATE; zero means unknown.
	InternalDate time.Time
	// Size is the exact number of bytes of the raw message.
	Size int64
	// Folder is the IMAP folder the message came from (UTF-8), kept so
	// that one mbox can back up and restore a whole account; empty for
	// files from other tools.
	Folder string
}

// systemFlags are the flags stored as letters, in the order Next returns
// them; statusLetters[i] is the letter for systemFlags[i]: R goes into
// Status, the others into X-Status (the letters mutt and Dovecot use).
var systemFlags = [...]string{`\Seen`, `\Answered`, `\Flagged`, `\Draft`, `\Deleted`}

const statusLetters = "RAFTD"

// flagSet collects flags from Meta or from Status/X-Status/X-Keywords.
type flagSet struct {
	sys [len(systemFlags)]bool
	kws []string
}

// add records one IMAP flag. A keyword must be storable in the
// space-separated X-Keywords header, so whitespace and control characters
// are refused rather than silently split into two keywords.
func (s *flagSet) add(f string) error {
	if strings.EqualFold(f, `\Recent`) {
		return nil
	}
	for i, sf := range systemFlags {
		if strings.EqualFold(f, sf) {
			s.sys[i] = true
			return nil
		}
	}
	if f == "" || strings.ContainsFunc(f, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		return fmt.Errorf("mbox: flag %q cannot be stored: empty or contains space or control characters", f)
	}
	// IMAP flags are case-insensitive: keep the first spelling only.
	for _, k := range s.kws {
		if strings.EqualFold(k, f) {
			return nil
		}
	}
	s.kws = append(s.kws, f)
	return nil
}

// header takes the flags from one Status, X-Status or X-Keywords header;
// other headers are ignored. Our own X-Keywords is split on whitespace
// only, because a keyword may contain a comma; foreign files are also split
// on commas, as some tools write "a, b".
func (s *flagSet) header(name, value string, foreign bool) {
	switch strings.ToLower(name) {
	case "status":
		s.sys[0] = s.sys[0] || strings.IndexByte(value, statusLetters[0]) >= 0
	case "x-status":
		for i := 1; i < len(statusLetters); i++ {
			s.sys[i] = s.sys[i] || strings.IndexByte(value, statusLetters[i]) >= 0
		}
	case "x-keywords":
		sep := func(r rune) bool { return r == ' ' || r == '\t' || (foreign && r == ',') }
		for _, k := range strings.FieldsFunc(value, sep) {
			_ = s.add(k) // a token that is not a valid keyword is dropped
		}
	}
}

// lines returns the Status, X-Status and X-Keywords header lines (without
// line ends) for the set. Status is always present: "O" (old) tells mail
// readers the message is not new, which is true of any archived message.
func (s *flagSet) lines() []string {
	status := "Status: "
	if s.sys[0] {
		status += "R"
	}
	lines := []string{status + "O"}
	var x []byte
	for i := 1; i < len(statusLetters); i++ {
		if s.sys[i] {
			x = append(x, statusLetters[i])
		}
	}
	if len(x) > 0 {
		lines = append(lines, "X-Status: "+string(x))
	}
	if len(s.kws) > 0 {
		lines = append(lines, "X-Keywords: "+strings.Join(s.kws, " "))
	}
	return lines
}

// list returns the flags: system flags in a fixed order, then keywords.
func (s *flagSet) list() []string {
	var out []string
	for i, on := range s.sys {
		if on {
			out = append(out, systemFlags[i])
		}
	}
	return append(out, s.kws...)
}

// splitHeader splits "Name: value"; ok is false for a line that is not a
// header field (no colon, or a space in the name).
func splitHeader(line string) (name, value string, ok bool) {
	name, value, ok = strings.Cut(line, ":")
	if !ok || name == "" || strings.ContainsAny(name, " \t") {
		return "", "", false
	}
	return name, strings.TrimSpace(value), true
}

// fromLineLayouts are the date forms found after the sender on From_
// lines: asctime with a numeric zone or a zone name, plain asctime (the
// standard), and without seconds. Longer forms first, so that a zone is
// not ignored. Fields are matched single-spaced.
var fromLineLayouts = []string{
	"Mon Jan 2 15:04:05 2006 -0700",
	"Mon Jan 2 15:04:05 -0700 2006",
	"Mon Jan 2 15:04:05 MST 2006",
	"Mon Jan 2 15:04:05 2006",
	"Mon Jan 2 15:04 2006",
}

// parseFromLine returns the date of a From_ line ("From sender asctime"),
// or the zero time. The sender is not always one word, so the date is
// looked for at every field after "From"; asctime has no zone: UTC.
func parseFromLine(line string) time.Time {
	f := strings.Fields(line)
	for i := 1; i < len(f); i++ {
		for _, layout := range fromLineLayouts {
			n := strings.Count(layout, " ") + 1
			if i+n > len(f) {
				continue
			}
			if t, err := time.Parse(layout, strings.Join(f[i:i+n], " ")); err == nil {
				return t
			}
		}
	}
	return time.Time{}
}
