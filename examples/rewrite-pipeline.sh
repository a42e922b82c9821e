#!/usr/bin/env bash
# A migration as a pipeline of stages with a Python rewrite stage
# (stage.py), made safe to re-run: push --links records which destination
# UID holds which source message, and the re-plan reads the destination
# with the same links, so it is empty however the stage changed the
# messages. Prints the re-plan's summary.
#
#   IMAPX_PASSWORD1=… IMAPX_PASSWORD2=… examples/rewrite-pipeline.sh SRC DST [LINKS]
set -euo pipefail
src=$1 dst=$2 links=${3:-links.jsonl}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

IMAPX_PASSWORD=$IMAPX_PASSWORD1 imapx fetch "$src" > "$work/src.jsonl"
IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx fetch --links "$links" "$dst" > "$work/dst.jsonl"
imapx diff "$work/src.jsonl" "$work/dst.jsonl" > "$work/plan.jsonl"
IMAPX_PASSWORD=$IMAPX_PASSWORD1 imapx fetch --plan "$work/plan.jsonl" --full "$src" |
  python3 "$here/stage.py" |
  IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx push --links "$links" "$dst" > "$work/results.jsonl"
IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx flags "$dst" "$work/plan.jsonl" > /dev/null

# The re-plan: nothing left to do.
IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx fetch --links "$links" "$dst" > "$work/dst2.jsonl"
imapx diff --exit-code "$work/src.jsonl" "$work/dst2.jsonl" > /dev/null
