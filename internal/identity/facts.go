package identity

import (
	"bufio"
	"bytes"
	"io"
	"strings"
)

// Facts are what a message's header says about it in a record: its
// identity and its Message-ID.
type Facts struct {
	Ident     string
	MessageID string
}

// Of returns the facts of a header block (whole, or the HEADER.FIELDS
// subset for o's fields plus Message-Id).
func Of(header []byte, o Options) Facts {
	return Facts{Ident: Compute(header, o), MessageID: MessageID(header)}
}

// MessageID returns the first Message-Id field's value, unfolded and
// trimmed, for the record's informational "message_id" (identities are
// computed by Compute, never from this).
//
// The rule for 8-bit bytes: valid UTF-8 (RFC 6532 headers) is kept, and
// each run of bytes that is not UTF-8 becomes one U+FFFD. JSON strings
// must be UTF-8, and U+FFFD, unlike '?' (a legal atext character), cannot
// be mistaken for a character the Message-ID really has. The result is
// valid UTF-8, so a record decoded and written again keeps it as it is.
func MessageID(header []byte) string {
	v := Field(header, "Message-Id")
	return strings.TrimSpace(string(bytes.ToValidUTF8(v, []byte("\uFFFD"))))
}

// HeaderLimit bounds how much of a body is read for its header: a message
// with no blank line in its first HeaderLimit bytes is all header as far
// as identity goes.
const HeaderLimit = 8 << 20

// Body is a spooled message body (record.Body): its bytes when held in
// memory, and a reader over the whole of it.
type Body interface {
	Bytes() []byte
	Reader() io.Reader
}

// ReadHeader returns the header block of a body, reading no further than
// the blank line that ends it (nor past HeaderLimit).
func ReadHeader(b Body) ([]byte, error) {
	if mem := b.Bytes(); mem != nil {
		return HeaderBlock(mem), nil
	}
	br := bufio.NewReader(io.LimitReader(b.Reader(), HeaderLimit))
	var header []byte
	start := 0 // where the line being read starts
	for {
		part, err := br.ReadSlice('\n')
		header = append(header, part...)
		switch {
		case err == bufio.ErrBufferFull:
			continue // a long line: read on
		case err == io.EOF:
			return header, nil
		case err != nil:
			return nil, err
		}
		if line := header[start:]; len(line) == 1 || (len(line) == 2 && line[0] == '\r') {
			return header, nil
		}
		start = len(header)
	}
}

// FromBody returns the facts of a message from its body.
func FromBody(b Body, o Options) (Facts, error) {
	header, err := ReadHeader(b)
	if err != nil {
		return Facts{}, err
	}
	return Of(header, o), nil
}
