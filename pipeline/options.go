// Package pipeline runs a whole one-way sync in one process: the stages of
// `imapx fetch | diff | fetch --plan | push | flags`, joined by channels
// and temporary files instead of pipes, then a fresh read of the
// destination folders it changed, checked against the source as copied.
package pipeline

import (
	"io"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/progress"
	"github.com/imapx/imapx/internal/selection"
	"github.com/imapx/imapx/internal/state"
	"github.com/imapx/imapx/push"
	"github.com/imapx/imapx/rewrite"
)

// Options for a sync.
type Options struct {
	Selection selection.Options
	Ident     identity.Options
	Diff      diff.Options
	// Select1 and Select2 choose the messages of each side (see Selection).
	Select1, Select2 Selection
	// DryRun plans and reports, changing nothing (imapsync's --dry).
	DryRun bool
	// DryList receives, with DryRun, one line per change the run would
	// make (imapsync's --dry listing); nil lists nothing.
	DryList io.Writer
	// JustFolders creates (and with Delete2Folders deletes) folders only.
	JustFolders bool
	// Delete1 deletes source messages once their copy is confirmed, and
	// Expunge1 expunges them (imapsync's --delete1 implies --expunge1;
	// the CLI clears it for --noexpunge1).
	Delete1, Expunge1 bool
	// Delete1EmptyFolders deletes the empty source folders (INBOX and
	// parents excepted) before the sync and, with Delete1, after it.
	Delete1EmptyFolders bool
	// NoExpunge2 leaves the destination messages --delete2 deletes marked
	// \Deleted, not expunged (imapsync's --noexpunge2, --nouidexpunge2).
	NoExpunge2 bool
	// ExpungeSource expunges the source folders' \Deleted messages before
	// they are read (imapsync's --expunge1 given explicitly).
	ExpungeSource bool
	// Connections is how many connections each account uses at once:
	// folders read in parallel for each inventory, source/destination
	// pairs for the copy, and half as many for the verify's digests.
	Connections int
	// ErrorsMax stops the sync when this many errors happened (0: never).
	ErrorsMax int
	// StateDir keeps, per account pair, which folder pairs were last in
	// sync (see package state); empty keeps no state. StateKey names the
	// account pair.
	StateDir, StateKey string
	// JournalPath, when set, is the account pair's journal of APPENDs in
	// flight (package journal): the run writes it, and first cleans up
	// after a run that died with APPENDs unanswered. Only a run holding
	// the pair's lock may use it.
	JournalPath string
	// Verify says what the verify compares of the messages the run
	// wrote: sizes and header digests (the default), also the text
	// (VerifyFull, --verify full), or sizes only.
	Verify VerifyMode
	// Log receives progress, warnings and the final verdict.
	Log io.Writer
	// MessageLog, if set, receives one line per message copied or failed
	// and per flag change and deletion (the run's log file).
	MessageLog io.Writer
	// Throttle paces the copy's APPENDs and can stop the copy at a byte
	// count (--maxmessagespersecond, --maxbytespersecond, --exitwhenover).
	Throttle *push.Throttle
	// ACL copies the folders' ACLs (imapsync's --syncacls).
	ACL ACLOptions
	// SkipCrossDuplicates copies no message host2 already holds in
	// another folder, or that the run copies into a folder before (in
	// the plan's folder order): imapsync's --skipcrossduplicates.
	SkipCrossDuplicates bool
	// SyncLabels reads Gmail's labels (X-GM-LABELS, else the folders a
	// message shows in) and copies each message once, its other user
	// labels as keywords (LabelsAsFolders: as a copy in each label's
	// folder, All Mail keeping only the unlabelled), --synclabels.
	SyncLabels, LabelsAsFolders bool
	// LabelsOnHost2: host2 is Gmail (--gmail2): a message the run copies
	// into several folders is appended once and labelled with the other
	// folders by STORE X-GM-LABELS (when host2 offers X-GM-EXT-1).
	LabelsOnHost2 bool
	// MaxLineLength keeps back from the copy a message with a longer
	// line (imapsync's --maxlinelength); they count as not selected.
	MaxLineLength int
	// Progress is told of each phase (inventory, copy, flags, verify) and
	// of the work done in it; nil shows nothing.
	Progress progress.Reporter
	// Rewrite, when set, rewrites each message on its way from host1 to
	// host2 (imapsync's --pipemess, --regexmess…; package rewrite).
	Rewrite *rewrite.Rewriter
	// LinksPath is the account pair's links file (package links): the
	// copies of rewritten messages are recorded there, and host2's
	// messages found there take their source's identity. Empty: none.
	LinksPath string
	// UseUID identifies host1's messages by folder, UIDVALIDITY and UID,
	// and host2's copies through the links alone (imapsync's --useuid).
	UseUID bool
}

// Report is the run summary (--report writes it as JSON).
type Report struct {
	Source         string        `json:"source"`
	Destination    string        `json:"destination"`
	Plan           diff.Summary  `json:"plan"`
	Copied         int           `json:"copied"`
	CopiedBytes    int64         `json:"copied_bytes"`
	FoldersCreated int           `json:"folders_created"`
	FlagsChanged   int           `json:"flags_changed"`
	Deleted2       int           `json:"deleted_on_destination"`
	FoldersDeleted int           `json:"folders_deleted"`
	Deleted1       int           `json:"deleted_on_source"`
	Errors         int           `json:"errors"`
	ErrorsMaxHit   bool          `json:"errorsmax_reached"`
	Verified       bool          `json:"verified"`
	Verify         *diff.Summary `json:"verify,omitempty"`
	SourceMessages int           `json:"source_messages"`
	// NotSelected counts the source messages the message selection left
	// out (--search, --maxage…): not copied, not compared.
	NotSelected int `json:"not_selected"`
	// ExtraCopies counts destination messages beyond the source's count
	// of that message in its folder (an error); DuplicatesRemoved those
	// an interrupted run provably made that this run removed.
	ExtraCopies       int `json:"extra_copies_on_destination"`
	DuplicatesRemoved int `json:"duplicates_removed"`
	// Altered lists the messages host2 stored altered, with what it
	// changed: there, never copied again; line ends normalised is a
	// warning (exit 0), any other change lost information (exit 111).
	Altered    []state.Altered `json:"altered_on_destination,omitempty"`
	Looksgood  bool            `json:"looks_good"`
	Seconds    float64         `json:"seconds"`
	ExitCode   int             `json:"exit_code"`
	FirstError string          `json:"first_error,omitempty"`
	// CrossDuplicates counts the copies --skipcrossduplicates (or
	// --synclabels) left out: on host2 in another folder. Labelled
	// counts the messages labelled on a Gmail host2 instead of copied.
	CrossDuplicates int `json:"cross_duplicates_skipped,omitempty"`
	Labelled        int `json:"labelled_on_destination,omitempty"`
	// Stats are imapsync's end-of-run statistics.
	Stats Stats `json:"stats"`
	// Rewrite counts the messages rewritten on their way, by operation,
	// and those left out (--skipmess, a failed --pipemess).
	Rewrite *rewrite.Summary `json:"rewrite,omitempty"`
}
