#!/usr/bin/env bash
# Back up a whole account to one mbox file, then restore it into another
# account, each message into its original folder with its flags and date.
#
#   IMAPX_PASSWORD1=… IMAPX_PASSWORD2=… examples/backup-restore.sh SRC-URL DST-URL backup.mbox
set -euo pipefail
src=$1 dst=$2 file=$3

# Atomic: an existing backup is replaced only when this one is complete.
IMAPX_PASSWORD=$IMAPX_PASSWORD1 imapx fetch --full --format mbox -o "$file" "$src"

# What is in it, per folder.
imapx format --to summary "$file"

# Restore; one result record per message, kept for the record.
IMAPX_PASSWORD=$IMAPX_PASSWORD2 imapx push "$dst" "$file" > "$file.results.jsonl"
