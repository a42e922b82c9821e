#!/usr/bin/env bash
# Audit two accounts without copying a byte: inventories, then a diff.
# Exits 0 when the destination holds every message (and flag) of the source,
# 1 when they differ. Passwords come from IMAPX_PASSWORD1 and IMAPX_PASSWORD2.
#
#   examples/audit.sh imaps://alice@old.example imaps://alice@new.example   # exits 1 while they differ
set -euo pipefail
src=$1 dst=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

IMAPX_PASSWORD=$IMAPX_PASSWORD1 imapx fetch "$src" > "$work/src.jsonl"
IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx fetch "$dst" > "$work/dst.jsonl"

# A table for people on stdout, the summary on stderr, the verdict in $?.
imapx diff --format table "$work/src.jsonl" "$work/dst.jsonl"
imapx diff --exit-code "$work/src.jsonl" "$work/dst.jsonl" > /dev/null
