// Package mbox reads and writes the mbox files imapx uses for backups.
//
// Promise: a message written by Writer is read back by Reader with exactly
// its original bytes, its flags and keywords, and its internal date (to
// the second and the zone offset to the minute, like IMAP). Files from
// other tools are read too, as well as mbox allows.
//
// Framing is done by github.com/emersion/go-mbox v1.0.3, which is mboxo
// and not byte-exact: its writer quotes only "From " lines, turns CRLF into
// LF and ends each message with two LFs; its reader returns every line with
// CRLF, unquotes only ">From " and drops only some trailing blank lines.
// This package compensates for each of those, as described below.
//
// # File format (version 1)
//
// The file is a sequence of messages, each:
//
//	From MAILER-DAEMON Tue Jan  2 02:04:05 2024
//	X-Imapx-Mbox: v=1; eol=crlf; size=1234; crc32c=8a9136aa; date=2024-01-02T03:04:05+01:00; added=2
//	Status: RO
//	X-Status: AF
//	<the message>
//	<blank line>
//	<blank line>
//
// All lines end with LF. The From_ line date is the internal date in UTC
// (the epoch when unknown); readers of imapx files use date= instead.
//
// The first header line is always X-Imapx-Mbox, with parameters separated
// by ";" (unknown ones are ignored; a change in how bytes are stored
// changes v):
//
//   - v=1: the format version.
//   - eol=lf, eol=crlf or eol=base64: how the message is stored (below).
//   - size=N: the exact length in bytes of the original message.
//   - crc32c=X: CRC-32C (Castagnoli) of the original message, 8 hex digits;
//     checked when present, so that an edited or damaged byte is an error.
//   - date=T: the internal date, RFC 3339 with its zone; absent if unknown.
//   - folder=F: the IMAP folder the message came from, UTF-8 and
//     query-escaped (url.QueryEscape); absent if unknown. One mbox can so
//     hold a whole account and `imapx push` restores each message to its
//     folder.
//   - added=K: the number of header lines that follow and belong to imapx,
//     not to the message.
//
// The K added lines are, in this order: "Status: O" or "Status: RO" (R:
// \Seen), always; "X-Status: " with letters A (\Answered), F (\Flagged), T
// (\Draft), D (\Deleted), only if one is set; "X-Keywords: " with the
// keywords separated by single spaces, only if there are keywords. These
// are the headers mutt and Dovecot use, so mail readers show the flags.
// \Recent is never stored. Headers of the same names inside the message
// are part of the message and are kept as they are.
//
// eol=lf and eol=crlf (text): the message follows as lines. Each line of
// the original, without its line end (LF, or CRLF for eol=crlf), is
// written followed by LF; a last line without line end gets one too. A
// line matching ^>*From (any number of '>', then "From ") gets one more
// '>' in front (mboxrd quoting); a reader removes one. To read: undo the
// quoting, end every line with the recorded line end and keep the first
// size bytes; what follows them must be blank lines only. Text storage is
// used only when this reproduces the message exactly through go-mbox:
// all line ends of one kind, no line whose content ends with CR (a CR
// elsewhere is fine), no CR as the last byte, and no line of more than
// 65,536 bytes before its LF. A message without line ends is eol=lf.
//
// eol=base64: everything else (mixed line ends, CR before a line end,
// very long lines). The K added lines also include MIME headers that make
// mail readers show the message as an attachment "message.eml":
//
//	MIME-Version: 1.0
//	Content-Type: application/octet-stream; name="message.eml"
//	Content-Disposition: attachment; filename="message.eml"
//	Content-Transfer-Encoding: base64
//	Subject: [imapx] message kept as a base64 attachment to preserve its exact bytes
//
// then a blank line, then the standard base64 (RFC 4648, padded) of the
// whole original message in lines of 76 characters; the decoded length
// must equal size.
//
// Between messages go-mbox writes two LFs after the last line. Empty lines
// after the size bytes (or after the base64) are not part of the message.
//
// Any mismatch (size not reached, data after it, a line imapx does not
// add, bad base64, checksum) is reported as a *FormatError naming the
// message, the byte offset of its From_ line and the file line.
//
// # Memory
//
// Both directions stream. Writer must see a whole message before writing
// its header: it reads an io.ReadSeeker body twice in place, holds another
// body in memory up to 8 MiB and spools a larger one to a temporary file.
// Reader streams imapx messages line by line. A 50 MiB message allocates
// under 1 MiB either way (TestBigMessageBoundedMemory).
//
// # Files from other tools
//
// A message whose first line is not X-Imapx-Mbox is foreign. Its bytes are
// the lines as go-mbox reads them, each ended by CRLF (what IMAP APPEND
// wants), with mboxrd unquoting (one '>' removed from lines matching
// ^>+From ; for mboxo files this is also right except for the rare body
// line that really began ">>From "), and without the one blank line that
// separates it from the next message. Its flags come from its Status,
// X-Status and X-Keywords headers (keywords split on spaces and commas),
// which stay in the message; its internal date comes from the From_ line
// (asctime, UTC, or with a zone when one is given), zero if unreadable. Its size is known only at its end,
// so it is spooled to memory or, above 8 MiB, to a temporary file.
package mbox
