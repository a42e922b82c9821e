#!/usr/bin/env bash
# A migration as an explicit pipeline: every stage is visible, and the plan
# can be read (or edited) before anything is copied.
#  - messages of 20 MB or more are left out with a jq filter,
#  - every message is rewritten on the way by a rewrite stage (here:
#    rewrite.sh adds a header saying where it came from, one jq process for
#    the whole stream, byte-exact, whatever the size of a message).
# Every stage streams, and every filter between two stages keeps the end
# record ("type":"end") that tells the next stage its input is whole: cut
# a pipeline short and push says so (exit 66) instead of looking done.
#
#   IMAPX_PASSWORD1=… IMAPX_PASSWORD2=… examples/migrate.sh SRC-URL DST-URL
set -euo pipefail
src=$1 dst=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

IMAPX_PASSWORD=$IMAPX_PASSWORD1 imapx fetch "$src" > "$work/src.jsonl"
IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx fetch "$dst" > "$work/dst.jsonl"
imapx diff "$work/src.jsonl" "$work/dst.jsonl" > "$work/plan.jsonl"

IMAPX_PASSWORD=$IMAPX_PASSWORD1 imapx fetch --plan "$work/plan.jsonl" --full "$src" |
  jq -c 'select(.type != "message" or .size < 20000000)' |
  "$here/rewrite.sh" 'X-Migrated-From: '"$src" |
  IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx push "$dst" > "$work/results.jsonl"

# Flag changes for messages already on both sides.
IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx flags "$dst" "$work/plan.jsonl"

jq -r 'select(.ok == false) | "failed: \(.src.folder) \(.src.uid): \(.error)"' "$work/results.jsonl"
