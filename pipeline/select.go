package pipeline

import (
	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
)

// Selection chooses the messages of one side a sync looks at (imapsync's
// --search1/2, --maxage, --minage, --maxsize, --minsize,
// --noabletosearch1/2). Messages left out are "not selected": never
// copied, never compared, never deleted by --delete2. The zero value
// selects every message.
type Selection struct {
	// Criteria is a server-side UID SEARCH; nil searches nothing.
	Criteria *imap.SearchCriteria
	// Keep chooses on the client, from the FETCH (--noabletosearch).
	Keep func(*record.Message) bool
	// Describe names the selection for the state's fingerprint (Keep
	// cannot be compared).
	Describe string
}

// Active reports whether some messages may be left out.
func (sel Selection) Active() bool { return sel.Criteria != nil || sel.Keep != nil }

// notSelected counts the messages of the source folders read that the
// selection left out: their STATUS count less those fetched.
func notSelected(list []record.Folder, skip map[string]bool, fetched int) int {
	total := 0
	for i := range list {
		f := &list[i]
		if !folders.Selectable(f) || skip[f.Name] || f.Messages == nil {
			continue
		}
		total += int(*f.Messages)
	}
	if total < fetched {
		return 0
	}
	return total - fetched
}
