// Package push is the `imapx push` stage: it appends message records (with
// their raw bodies) or an mbox to an account, creating folders as needed,
// and writes one result record per message.
//
// APPENDs are pipelined (a window of commands in flight, bounded in count
// and in bytes held in memory). A message the server refuses is reported
// and counted, never dropped silently, and the others go on. When the
// connection drops, push re-dials and, before sending anything again, looks
// at what the destination received since it started (UIDs from the
// folder's UIDNEXT on): an APPEND whose message arrived is not repeated, so
// a dropped connection never makes a duplicate.
package push
