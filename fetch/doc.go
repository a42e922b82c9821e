// Package fetch is the `imapx fetch` stage: it reads messages from an
// account and writes them as message records (JSON lines) or as mbox.
//
// Without --full a record is an inventory line: folder, uidvalidity, uid,
// flags, internaldate, size, message_id and ident (identity.Of), fetched
// with UID FETCH commands of FLAGS INTERNALDATE RFC822.SIZE and the
// identity header fields only (the whole header for --useheader ALL). A
// connection has one UID FETCH in flight at a time, a chunk of UIDs whose
// reply is streamed; folders are read in parallel over more connections
// (Options.Connections). With --full the raw message comes too; each body is
// spooled (memory below record.MemoryLimit, a temp file above) and written
// only once all of its bytes arrived, so a dropped connection never yields
// a partial message: the folder is re-selected on a new connection and the
// fetch resumes with the UIDs not yet written.
package fetch
