package push

import (
	"io"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/links"
	"github.com/imapx/imapx/internal/progress"
	"github.com/imapx/imapx/internal/record"
)

// Options for a push.
type Options struct {
	// Folder, when set, receives every message (an mbox restore).
	Folder string
	// F1F2 maps record folder names (the source's, in full) to
	// destination names, before the naming rules (sync's --f1f2).
	F1F2 map[string]string
	// Mapping renames folders as sync does (--regextrans2, --subfolder1/2,
	// --prefix1/2, --sep1/2); F1F2 wins over it.
	Mapping folders.Mapping
	// DryRun reports what would be done and changes nothing.
	DryRun bool
	// Window is how many APPENDs may be in flight.
	Window int
	// MemoryBudget bounds the bytes of in-flight bodies held in memory.
	MemoryBudget int64
	// Retries is how many times a dropped connection is re-dialed in a row.
	Retries int
	// Log receives warnings and errors as they happen.
	Log io.Writer
	// OnError, if set, is told of every error counted (sync's --errorsmax).
	OnError func(error)
	// Throttle, if set, paces the APPENDs and stops them at a byte count.
	Throttle *Throttle
	// Progress, if set, is told of every message sent.
	Progress progress.Reporter
	// OnSending, if set, is called before a message's APPEND is first
	// written, and OnSettled once its outcome is known (stored, refused,
	// or found on the server after a cut): sync's journal of APPENDs in
	// flight. A message given up on (the connection lost for good) is
	// never settled. OnSending gets the body to be sent (the journal
	// records its size, and its identity when a rewrite changed it); it
	// must not keep it.
	OnSending func(m *record.Message, folder string, body *record.Body)
	OnSettled func(m *record.Message)
	// OnResend, if set, is called before an APPEND that was written whole,
	// cut off unanswered and not found by the check after the cut, is
	// sent again: the server may still store the first one (its process
	// finishing a command it read before the cut), so the message may end
	// up there twice; sync's journal then checks for that copy.
	OnResend func(m *record.Message, folder string, body *record.Body)
	// Links, when set, records for each rewritten message appended which
	// destination UID holds which source message (push --links).
	Links *links.Links
	// LinkAll links every message appended, rewritten or not (sync's
	// --useuid: identity by source UID, known only through the links).
	LinkAll bool
}

func (o *Options) defaults() {
	if o.Window <= 0 {
		o.Window = 128
	}
	if o.MemoryBudget <= 0 {
		o.MemoryBudget = 16 << 20
	}
	if o.Retries <= 0 {
		o.Retries = 5
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	if o.Progress == nil {
		o.Progress = progress.None{}
	}
}

// Summary counts what a push did.
type Summary struct {
	Appended       int   `json:"appended"`
	Bytes          int64 `json:"bytes"`
	FoldersCreated int   `json:"folders_created"`
	// Tally counts the messages and folders that failed ("errors"); it
	// decides the exit code.
	exitcode.Tally
}
