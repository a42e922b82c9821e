// Package rewrite changes messages in flight, with imapsync's operations
// and in its order: --skipmess, --pipemess, --regexmess,
// --disarmreadreceipts, --truncmess, --addheader on the message's bytes,
// --regexflag and --filterbuggyflags on its flags, --idatefromheader on
// its internal date. It is `imapx rewrite` (Run: records in, records out,
// in order, several messages at once) and the copy path of `imapx sync`
// (Rewriter.Message, one message).
//
// Bytes are bytes: nothing is decoded as UTF-8 (see subst.ParseBytes),
// bodies stay spooled (in memory up to record.MemoryLimit, else in a
// temporary file), and a rewritten record keeps its source message's
// identity ("ident", computed from the bytes as read when the record has
// none) and says which operations changed it ("rewritten"), so that push
// can link the copy to its source (package links).
package rewrite
