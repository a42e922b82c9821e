#!/usr/bin/env python3
"""A --pipemess filter: replaces the attachments of a multipart message
that are over N MB (argv[1], default 10) with a short text part saying
what was removed. Works on bytes: everything it does not remove is copied
byte for byte (8-bit headers, line ends, the other parts), and a message
that is not multipart, or has no such part, comes out unchanged.

  imapx sync --pipemess 'python3 examples/strip-attachments.py 10' SRC DST
"""
import re
import sys

limit = float(sys.argv[1] if len(sys.argv) > 1 else 10) * 1024 * 1024
msg = sys.stdin.buffer.read()

# The header ends at the first empty line (CRLF or bare LF).
m = re.search(rb"\r?\n\r?\n", msg)
header = msg[: m.end()] if m else msg
eol = b"\r\n" if b"\r\n" in header[:200] else b"\n"
unfolded = re.sub(rb"\r?\n[ \t]+", b" ", header)
ct = re.search(rb"(?im)^content-type:[^\n]*boundary=\"?([^\";\r\n]+)", unfolded)
if not m or not ct:
    sys.stdout.buffer.write(msg)
    sys.exit(0)

delim = b"--" + ct.group(1)
# Split the body on delimiter lines; parts[0] is the preamble.
parts = re.split(rb"(?m)^" + re.escape(delim) + rb"(?=--|[ \t]*\r?$)", msg[m.end():])
out = [header, parts[0]]
removed = 0
for part in parts[1:]:
    if part.startswith(b"--") or len(part) <= limit:
        out += [delim, part]
        continue
    name = re.search(rb'(?i)filename="?([^";\r\n]+)', part)
    what = (name.group(1) if name else b"attachment")
    note = eol.join([b"", b"Content-Type: text/plain; charset=us-ascii", b"",
                     b"[%s: %d bytes, removed in the migration]" % (what, len(part)), b""])
    out += [delim, note]
    removed += 1
sys.stdout.buffer.write(b"".join(out))
