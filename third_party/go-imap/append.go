package imap

import (
	"time"
)

// AppendOptions contains options for the APPEND command.
type AppendOptions struct {
	Flags []Flag
	Time  time.Time
	// Binary sends the message as a literal8 (RFC 3516), which may hold
	// NUL bytes. It requires the BINARY capability.
	Binary bool
}

// AppendData is the data returned by an APPEND command.
type AppendData struct {
	// requires UIDPLUS or IMAP4rev2
	UID         UID
	UIDValidity uint32
	// UIDs are the UIDs of the messages of a MULTIAPPEND (RFC 3502), in
	// the order they were sent; UID is the first of them.
	UIDs UIDSet
}
