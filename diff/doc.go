// Package diff is the `imapx diff` stage: it compares two inventories (from
// `imapx fetch`) and writes a plan, one op record per line. Nothing is
// copied: a plan is an audit, and `push`/`flags` carry it out.
//
// Folders map from source to destination through each side's delimiter and
// personal namespace prefix (INBOX stays INBOX), then --f1f2 overrides.
// Within a folder messages are compared by ident as multisets: n copies in
// the source and m on the destination give n-m copy ops (or, with
// --delete2, m-n delete ops). Pairs are matched in UID order and their flags
// compared; a difference is a flags op (imapsync's --resyncflags, on by
// default).
package diff
