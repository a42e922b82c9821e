package flags

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
)

// refusal gathers the STOREs of one folder a server refused in the same
// words: a server refuses for the folder, not for one message (Cyrus
// takes at most 100 keywords a folder: "Too many user flags in
// mailbox"), so one line with the count says it, where one per message
// would bury the log. It is counted once.
type refusal struct {
	words    error
	uids     []uint32
	keywords []string // dropped; the rest of the change was stored
	err      error    // the folder's error, once made
}

// refusals are a folder's refusals in the order met, by server text.
type refusals struct {
	folder string
	byText map[string]*refusal
	order  []string
}

func (r *refusals) add(words error, uid uint32, dropped []string) *refusal {
	if r.byText == nil {
		r.byText = map[string]*refusal{}
	}
	key := words.Error()
	x := r.byText[key]
	if x == nil {
		x = &refusal{words: words}
		r.byText[key] = x
		r.order = append(r.order, key)
	}
	if !slices.Contains(x.uids, uid) {
		x.uids = append(x.uids, uid)
	}
	for _, k := range dropped {
		if !slices.Contains(x.keywords, k) {
			x.keywords = append(x.keywords, k)
		}
	}
	return x
}

// errFor is the folder's error for refusal x: keywords dropped (the rest
// stored) as push reports them (exit 114), anything else as an error.
func (r *refusals) errFor(x *refusal) error {
	if x.err != nil {
		return x.err
	}
	if len(x.keywords) > 0 {
		x.err = exitcode.Newf(exitcode.Append, "STORE in %q: the server refused keywords (%v): %d messages stay without them: %s",
			r.folder, x.words, len(x.uids), strings.Join(x.keywords, " "))
	} else {
		x.err = exitcode.New(exitcode.WithErrors, fmt.Errorf("STORE in %q: %d messages: %w", r.folder, len(x.uids), x.words))
	}
	return x.err
}

// folderKeywords are the keywords a folder takes, from its SELECT answer:
// those PERMANENTFLAGS lists when it lists them without \* (the only ones
// it takes), else those of FLAGS (defined there). Lower-cased: keywords
// are case-insensitive.
func folderKeywords(sel *imap.SelectData) map[string]bool {
	from := sel.Flags
	if len(sel.PermanentFlags) > 0 && !slices.Contains(sel.PermanentFlags, imap.FlagWildcard) {
		from = sel.PermanentFlags
	}
	known := map[string]bool{}
	for _, f := range from {
		if !strings.HasPrefix(string(f), `\`) {
			known[strings.ToLower(string(f))] = true
		}
	}
	return known
}

// accepted splits flags into those known takes (system flags and known
// keywords) and the keywords it may refuse.
func accepted(flags []imap.Flag, known map[string]bool) (keep []imap.Flag, dropped []string) {
	for _, f := range flags {
		if strings.HasPrefix(string(f), `\`) || known[strings.ToLower(string(f))] {
			keep = append(keep, f)
		} else {
			dropped = append(dropped, string(f))
		}
	}
	return keep, dropped
}

// keywordsOf are the keywords of flags not in kept.
func keywordsOf(flags, kept []imap.Flag) []string {
	var out []string
	for _, f := range flags {
		if !strings.HasPrefix(string(f), `\`) && !slices.Contains(kept, f) {
			out = append(out, string(f))
		}
	}
	return out
}

// aboutKeywords reports whether a server's refusal names flags or
// keywords as its cause (Cyrus: "Too many user flags in mailbox").
func aboutKeywords(refusal error) bool {
	text := strings.ToLower(refusal.Error())
	return strings.Contains(text, "flag") || strings.Contains(text, "keyword")
}
