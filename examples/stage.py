#!/usr/bin/env python3
"""A rewrite stage in Python, between 'imapx fetch --full' (or fetch --plan
… --full) and 'imapx push': adds an "X-Archived-Folder:" header to every
message. The rules of a stage that keeps mail intact:

 - "raw" is base64 of bytes: decode it to bytes, never to text (8-bit
   headers are Latin-1 as often as UTF-8);
 - keep "ident" (the source message's identity) and add to "rewritten":
   push --links then records which copy holds which source message, and
   fetch --links of the destination gives the copy that identity back, so
   diff and re-runs match it whatever the rewrite changed;
 - drop "size" (push takes it from the new bytes) and pass every other
   record through, the end record included (it tells push the input is
   whole).

  imapx fetch --plan plan.jsonl --full SRC | python3 examples/stage.py \
    | imapx push --links links.jsonl DST
"""
import base64
import json
import sys

for line in sys.stdin.buffer:
    rec = json.loads(line)
    if rec.get("type") == "message" and "raw" in rec:
        raw = base64.b64decode(rec["raw"])
        eol = b"\r\n" if b"\r\n" in raw[:1000] else b"\n"
        folder = rec.get("folder", "").encode("utf-8")
        raw = b"X-Archived-Folder: " + folder + eol + raw
        rec["raw"] = base64.b64encode(raw).decode("ascii")
        rec.pop("size", None)
        rec["rewritten"] = rec.get("rewritten", []) + ["stage.py"]
    out = json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n"
    sys.stdout.buffer.write(out.encode("utf-8"))
