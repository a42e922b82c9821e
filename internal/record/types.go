package record

import (
	"encoding/json"
	"fmt"
	"time"
)

// Record types, the value of every record's "type" field.
const (
	TypeFolder  = "folder"
	TypeMessage = "message"
	TypeOp      = "op"
	TypeResult  = "result"
)

// Plan operations, the value of an op record's "op" field.
const (
	OpCreateFolder = "create_folder"
	OpCopy         = "copy"
	OpFlags        = "flags"
	OpDelete       = "delete"
	OpDeleteFolder = "delete_folder"
)

// Extra holds the fields of a record that imapx does not know, so that a
// stage passes annotations made with jq between stages through unchanged.
type Extra map[string]json.RawMessage

// Folder describes one mailbox of an account.
type Folder struct {
	Type          string   `json:"type"`
	Name          string   `json:"name"`
	Delim         string   `json:"delim"`
	Attrs         []string `json:"attrs"`
	SpecialUse    string   `json:"special_use,omitempty"`
	Subscribed    bool     `json:"subscribed"`
	Messages      *uint32  `json:"messages,omitempty"`
	Unseen        *uint32  `json:"unseen,omitempty"`
	Size          *int64   `json:"size,omitempty"`
	UIDValidity   uint32   `json:"uidvalidity,omitempty"`
	UIDNext       uint32   `json:"uidnext,omitempty"`
	HighestModSeq uint64   `json:"highestmodseq,omitempty"`
	// Prefix is the account's personal namespace prefix (NAMESPACE), e.g.
	// "INBOX." on Courier-style servers; diff maps names through it.
	Prefix string `json:"prefix,omitempty"`
	Extra  Extra  `json:"-"`
}

// Message describes one message; Raw, when a reader or writer carries the
// body, is streamed beside the record rather than held in it (see Body).
type Message struct {
	Type         string    `json:"type"`
	Folder       string    `json:"folder"`
	UIDValidity  uint32    `json:"uidvalidity,omitempty"`
	UID          uint32    `json:"uid,omitempty"`
	Flags        []string  `json:"flags"`
	InternalDate time.Time `json:"internaldate"`
	Size         int64     `json:"size"`
	MessageID    string    `json:"message_id,omitempty"`
	Ident        string    `json:"ident,omitempty"`
	// Headers are the identity header lines as identity sees them (every
	// byte >= 0x80 shown as 'X', which identity maps them to anyway), so
	// that `imapx ident` can recompute an identity from an inventory.
	Headers string `json:"headers,omitempty"`
	// HeaderFields names the fields Headers holds ("ALL": the whole header).
	HeaderFields []string `json:"header_fields,omitempty"`
	// DstFolder is where a planned copy goes (fetch --plan).
	DstFolder string `json:"dst_folder,omitempty"`
	// Rewritten names the operations `imapx rewrite` applied (pipemess,
	// regexmess…); Ident then stays the source message's identity, which
	// push records in its links (see package links).
	Rewritten []string `json:"rewritten,omitempty"`
	Extra     Extra    `json:"-"`
}

// Ref names a message (or, with UID 0, a folder) on one side.
type Ref struct {
	Folder      string `json:"folder"`
	UID         uint32 `json:"uid,omitempty"`
	UIDValidity uint32 `json:"uidvalidity,omitempty"`
}

// String is the message as tables show it: "folder #uid", the folder
// alone for a folder, "" for none.
func (r *Ref) String() string {
	switch {
	case r == nil:
		return ""
	case r.UID == 0:
		return r.Folder
	}
	return fmt.Sprintf("%s #%d", r.Folder, r.UID)
}

// Op is one line of a plan made by diff.
type Op struct {
	Type         string     `json:"type"`
	Op           string     `json:"op"`
	Src          *Ref       `json:"src,omitempty"`
	Dst          *Ref       `json:"dst,omitempty"`
	Flags        []string   `json:"flags,omitempty"`
	FlagsAdd     []string   `json:"flags_add,omitempty"`
	FlagsRemove  []string   `json:"flags_remove,omitempty"`
	InternalDate *time.Time `json:"internaldate,omitempty"`
	Size         int64      `json:"size,omitempty"`
	Ident        string     `json:"ident,omitempty"`
	Subscribed   bool       `json:"subscribed,omitempty"`
	// SpecialUse is the source folder's special use (RFC 6154) for a
	// create_folder op, e.g. `\Sent`.
	SpecialUse string `json:"special_use,omitempty"`
	Extra      Extra  `json:"-"`
}

// Result says what a mutating stage did with one op or message.
type Result struct {
	Type  string `json:"type"`
	Op    string `json:"op"`
	OK    bool   `json:"ok"`
	Src   *Ref   `json:"src,omitempty"`
	Dst   *Ref   `json:"dst,omitempty"`
	Ident string `json:"ident,omitempty"`
	Size  int64  `json:"size,omitempty"`
	// DryRun is set when nothing was changed because of --dry-run.
	DryRun bool   `json:"dry_run,omitempty"`
	Error  string `json:"error,omitempty"`
	// Code is the exit code class of the error (114 append, 116 create…).
	Code  int   `json:"code,omitempty"`
	Extra Extra `json:"-"`
}
