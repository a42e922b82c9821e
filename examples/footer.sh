#!/usr/bin/env bash
# A --pipemess filter: the message on stdin, the message with a footer
# line added at its end on stdout, its line ends kept (CRLF, or bare LF
# for a message written that way). Bytes are copied as they are: no
# decoding, 8-bit safe. (The footer lands after the last line: in a
# multipart message that is after the closing boundary, where readers
# do not show it; this is an example of the mechanics, not of MIME.)
#
#   imapx sync --pipemess "examples/footer.sh 'Migrated by imapx'" SRC DST
set -euo pipefail
footer=${1:?usage: footer.sh TEXT}
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
cat > "$tmp"
eol=$'\r\n'
if ! head -n 1 "$tmp" | grep -q $'\r$'; then
	eol=$'\n'
fi
cat "$tmp"
# A message not ending in a line end gets one first.
if [ -n "$(tail -c 1 "$tmp")" ]; then
	printf '%s' "$eol"
fi
printf -- '-- %s%s%s' "$eol" "$footer" "$eol"
