// Package fetch is the `imapx fetch` stage: it reads messages from an
// account and writes them as message records (JSON lines) or as mbox.
//
// Without --full a record is an inventory line: folder, uidvalidity, uid,
// flags, internaldate, size, message_id and ident, fetched with pipelined
// UID FETCH commands of FLAGS INTERNALDATE RFC822.SIZE and the identity
// header fields only. With --full the raw message comes too; each body is
// spooled (memory below record.MemoryLimit, a temp file above) and written
// only once all of its bytes arrived, so a dropped connection never yields
// a partial message: the folder is re-selected on a new connection and the
// fetch resumes with the UIDs not yet written.
package fetch
