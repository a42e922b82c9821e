#!/usr/bin/env bash
# A sync that tags every Subject: --regexmess on the message's bytes
# (the first "Subject: " at the start of a line, which is the header's:
# no g flag), 8-bit safe: the rest of each message is copied byte for byte.
#
#   IMAPX_PASSWORD1=… IMAPX_PASSWORD2=… examples/tag-subject.sh TAG SRC DST
#
# Further imapx sync options may follow DST.
set -euo pipefail
tag=${1:?usage: tag-subject.sh TAG SRC DST}
shift
# The tag goes into a replacement: a "/", "\" or "$" in it is escaped.
esc=$(printf '%s' "$tag" | sed -e 's/[\/$]/\\&/g')
exec imapx sync --regexmess "s/^Subject: /Subject: [$esc] /m" "$@"
