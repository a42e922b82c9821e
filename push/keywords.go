package push

import (
	"fmt"
	"slices"
	"strings"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
)

// refusedKeywords are the keywords a folder refused, and on how many
// messages. A server refuses keywords for the folder, not for one message
// (Cyrus takes at most 100 per folder: "Too many user flags"): one line
// per folder says so, in the server's words, where one per message would
// bury the rest of the log.
type refusedKeywords struct {
	words    error // the server's first refusal
	keywords []string
	seen     map[string]bool
	messages int
}

// keywordsRefused notes a message of folder stored without its keywords
// kws, which the server refused with refusal.
func (p *pusher) keywordsRefused(folder string, kws []string, refusal error) {
	if p.keywords == nil {
		p.keywords = map[string]*refusedKeywords{}
	}
	r := p.keywords[folder]
	if r == nil {
		r = &refusedKeywords{words: refusal, seen: map[string]bool{}}
		p.keywords[folder] = r
		p.kwOrder = append(p.kwOrder, folder)
	}
	r.messages++
	for _, k := range kws {
		if !r.seen[k] {
			r.seen[k] = true
			r.keywords = append(r.keywords, k)
		}
	}
}

// reportKeywords prints and counts one error per folder that refused
// keywords.
func (p *pusher) reportKeywords() {
	for _, folder := range p.kwOrder {
		r := p.keywords[folder]
		// Every keyword dropped is named: they are what the user must
		// carry over by other means.
		err := exitcode.Newf(exitcode.Append, "folder %q: the server refused keywords (%v): %d messages stored without them: %s",
			folder, r.words, r.messages, strings.Join(r.keywords, " "))
		p.countError(err)
		fmt.Fprintf(p.o.Log, "imapx: error: %v\n", err)
	}
	p.keywords, p.kwOrder = nil, nil
}

// noteFolderKeywords records the keywords a folder holds, from its SELECT
// answer: those PERMANENTFLAGS lists when it lists them without \* (the
// only ones the folder takes), else those of FLAGS (defined there). A
// message refused for its keywords is stored again with these.
func (p *pusher) noteFolderKeywords(folder string, sel *imap.SelectData) {
	from := sel.Flags
	if len(sel.PermanentFlags) > 0 && !slices.Contains(sel.PermanentFlags, imap.FlagWildcard) {
		from = sel.PermanentFlags
	}
	for _, f := range from {
		p.folderKeyword(folder, string(f))
	}
}

// folderKeyword notes that folder holds keyword k (system flags aside).
func (p *pusher) folderKeyword(folder, k string) {
	if strings.HasPrefix(k, `\`) {
		return
	}
	if p.known == nil {
		p.known = map[string]map[string]bool{}
	}
	if p.known[folder] == nil {
		p.known[folder] = map[string]bool{}
	}
	p.known[folder][strings.ToLower(k)] = true // keywords are case-insensitive
}

// acceptedFlags splits flags into those folder is known to take (system
// flags and the keywords it holds) and the keywords it may refuse.
func (p *pusher) acceptedFlags(folder string, flags []imap.Flag) (keep []imap.Flag, dropped []string) {
	for _, f := range flags {
		if strings.HasPrefix(string(f), `\`) || p.known[folder][strings.ToLower(string(f))] {
			keep = append(keep, f)
		} else {
			dropped = append(dropped, string(f))
		}
	}
	return keep, dropped
}
