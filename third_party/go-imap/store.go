package imap

// StoreOptions contains options for the STORE command.
type StoreOptions struct {
	UnchangedSince uint64 // requires CONDSTORE
}

// StoreFlagsOp is a flag operation: set, add or delete.
type StoreFlagsOp int

const (
	StoreFlagsSet StoreFlagsOp = iota
	StoreFlagsAdd
	StoreFlagsDel
)

// StoreFlags alters message flags.
type StoreFlags struct {
	Op     StoreFlagsOp
	Silent bool
	Flags  []Flag

	// GmailLabels makes the command change Gmail's labels (X-GM-LABELS,
	// capability X-GM-EXT-1) instead of the flags: Flags then holds the
	// labels, system ones with a backslash (\\Inbox, \\Sent, \\Important…),
	// others by name in UTF-8.
	GmailLabels bool
}
