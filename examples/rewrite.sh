#!/usr/bin/env bash
# A rewrite stage in jq: reads message records with raw bodies on stdin,
# prepends a header line ($1, "Name: value") to each message, writes the
# records on stdout. Other records, the end record included, pass through.
# "size" is dropped: push takes it from the new bytes. (`imapx rewrite
# --pipemess/--regexmess` does this kind of job natively; this script shows
# how to do it in jq without corrupting a byte: see README, "Rewriting with
# jq".)
#
# jq must never decode "raw": @base64d makes a UTF-8 string of the bytes,
# and every byte that is not UTF-8 (a Latin-1 "ü" in a header) silently
# becomes U+FFFD.
# One jq process streams the whole input, whatever the size or number of
# messages: the header is added to the base64 text without decoding it
# (padded after its colon to a multiple of 3 bytes, so that its base64
# joins the body's exactly), and the body's bytes are never touched.
#
# Only messages with a Message-ID are rewritten. A message without one is
# identified by its whole header block, so adding a header would make it
# look new to the next diff, and a re-run would copy it again.
#
#   imapx fetch --full SRC | examples/rewrite.sh 'X-Archived: yes' | imapx push DST
set -euo pipefail
header=${1:?usage: rewrite.sh 'Name: value'}
case $header in
  *:*) ;;
  *) echo "rewrite.sh: the header must be 'Name: value'" >&2; exit 64 ;;
esac
exec jq -c --arg header "$header" '
  ($header | index(":")) as $i
  | ($header[:$i]) as $name
  | ($header[$i+1:] | sub("^ +"; "")) as $value
  # 1 to 3 spaces after the colon make the line a multiple of 3 bytes.
  | ([1, 2, 3] | map(. as $n | $name + ":" + (" " * $n) + $value + "\r\n")
     | map(select(utf8bytelength % 3 == 0)) | .[0] | @base64) as $prefix
  | if .type == "message" and has("raw") and (.message_id // "") != ""
    then .raw = $prefix + .raw | del(.size)
    else . end'
