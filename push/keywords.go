package push

import (
	"fmt"
	"strings"

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
		kws := r.keywords
		more := ""
		if len(kws) > 12 {
			kws, more = kws[:12], fmt.Sprintf(" and %d more", len(r.keywords)-12)
		}
		err := exitcode.Newf(exitcode.Append, "folder %q: the server refused keywords (%v): %d messages stored without them: %s%s",
			folder, r.words, r.messages, strings.Join(kws, " "), more)
		p.countError(err)
		fmt.Fprintf(p.o.Log, "imapx: error: %v\n", err)
	}
	p.keywords, p.kwOrder = nil, nil
}
