package fetch

import (
	"io"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/jq"
	"github.com/imapx/imapx/internal/progress"
	"github.com/imapx/imapx/internal/record"
)

// Output formats.
const (
	FormatJSONL = "jsonl"
	FormatMbox  = "mbox"
)

// Options for a fetch.
type Options struct {
	Folders folders.Options
	// Full adds the raw message to every record.
	Full bool
	// Headers adds the fetched identity header lines to inventory records
	// ("headers", "header_fields"), so `imapx ident` can recompute idents.
	Headers bool
	Ident   identity.Options
	// Criteria narrow the messages with a server-side UID SEARCH; nil
	// fetches every message.
	Criteria *imap.SearchCriteria
	// Keep, when set, chooses messages on the client after their FETCH
	// (sync's --noabletosearch: servers whose SEARCH cannot be trusted).
	Keep func(*record.Message) bool
	// Filter is applied to every record (select filters, others transform).
	Filter *jq.Filter
	Format string
	// Listed, when set, are the folders to work on, already listed (with
	// STATUS) by the caller: the fetch does not LIST again.
	Listed []record.Folder
	// Skip names listed folders whose folder record is written but whose
	// messages are not read (sync's state found them unchanged).
	Skip map[string]bool
	// Plan, when set, is read for copy ops: only their source messages are
	// fetched, each record carrying its destination folder.
	Plan     io.Reader
	PlanName string
	// NoEnd accepts a plan without an end record, warning there.
	NoEnd io.Writer
	// KnownIdent, when set, gives the identity of messages already known
	// (folder, UIDVALIDITY, UID; a UID's message never changes): those
	// are fetched without their header, which a server answers from its
	// index. The others have their header fetched as usual.
	KnownIdent func(folder string, validity, uid uint32) (string, bool)
	// Relabel, when set, changes each message record before it is
	// written: the destination copies of rewritten messages take their
	// source's identity from links (fetch --links, sync's reads of
	// host2), and sync's host1 flags go through the rewrite's flag
	// operations, as the copies' did.
	Relabel func(*record.Message)
	// Earlier, when set, gives a folder's earlier read (nil: none): on a
	// server with CONDSTORE only what changed since is read (earlier.go).
	Earlier func(folder string) *Earlier
	// ReadWrite opens the folders with SELECT instead of EXAMINE: sync
	// reads the destination so when it writes there next, on the same
	// pooled connections, which then need not select again. BODY.PEEK
	// leaves \Seen alone either way; only \Recent differs.
	ReadWrite bool
	// Connections is how many folders are read at once, each on its own
	// connection (1 when unset); records of different folders interleave.
	Connections int
	// ChunkSize is how many UIDs one UID FETCH command asks for.
	ChunkSize int
	// Retries is how many times a dropped connection is re-dialed for one
	// folder before the folder fails.
	Retries int
	// Log receives warnings and the summary.
	Log io.Writer
	// OnError, if set, is told of every error counted (sync's --errorsmax).
	OnError func(error)
	// Progress, if set, is told of every message fetched.
	Progress progress.Reporter
}

// Summary counts what a fetch did.
type Summary struct {
	Folders  int
	Messages int
	Bytes    int64
	// Incremental counts the folders read from an earlier read (Earlier).
	Incremental int
	// Tally counts the messages and folders that failed; it decides the
	// exit code.
	exitcode.Tally
}

func (o *Options) defaults() {
	if o.ChunkSize <= 0 {
		o.ChunkSize = 2000
	}
	if o.Retries <= 0 {
		o.Retries = 5
	}
	if o.Format == "" {
		o.Format = FormatJSONL
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Progress == nil {
		o.Progress = progress.None{}
	}
}
