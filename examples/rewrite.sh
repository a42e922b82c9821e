#!/usr/bin/env bash
# A rewrite stage: reads message records with raw bodies on stdin, prepends
# a header line ($1) to each message, writes the records on stdout. Other
# records pass through. "size" is dropped: push takes it from the new bytes.
#
# Only messages with a Message-ID are rewritten. A message without one is
# identified by its whole header block, so adding a header would make it
# look new to the next diff, and a re-run would copy it again.
#
#   imapx fetch --full SRC | examples/rewrite.sh 'X-Archived: yes' | imapx push DST
set -euo pipefail
header=$1
while IFS= read -r line; do
  if [[ $(jq -r '.type == "message" and has("raw") and (.message_id // "") != ""' <<<"$line") == true ]]; then
    raw=$( { printf '%s\r\n' "$header"; jq -r '.raw' <<<"$line" | base64 -d; } | base64 -w0)
    jq -c --arg raw "$raw" '.raw = $raw | del(.size)' <<<"$line"
  else
    printf '%s\n' "$line"
  fi
done
