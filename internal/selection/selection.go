// Package selection chooses folders the way imapsync's --folder,
// --folderrec, --include, --exclude and --subscribed do.
package selection

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/imapx/imapx/internal/exitcode"
)

// Options are the user's folder choices. Names are UTF-8, with the server's
// own delimiter.
type Options struct {
	Folders    []string // exactly these folders
	FolderRec  []string // these folders and everything below them
	Include    []string // regular expressions a name must match (any)
	Exclude    []string // regular expressions a name must not match (any)
	Subscribed bool     // only subscribed folders
}

// Selector decides whether a folder is selected.
type Selector struct {
	opts             Options
	include, exclude []*regexp.Regexp
}

// New compiles the regular expressions; a bad one is a usage error.
func New(o Options) (*Selector, error) {
	s := &Selector{opts: o}
	for _, list := range []struct {
		flag string
		in   []string
		out  *[]*regexp.Regexp
	}{{"--include", o.Include, &s.include}, {"--exclude", o.Exclude, &s.exclude}} {
		for _, expr := range list.in {
			re, err := regexp.Compile(expr)
			if err != nil {
				return nil, exitcode.New(exitcode.Usage, fmt.Errorf("%s %q: %v", list.flag, expr, err))
			}
			*list.out = append(*list.out, re)
		}
	}
	return s, nil
}

// Explicit reports whether the user named folders (--folder/--folderrec).
func (s *Selector) Explicit() bool {
	return len(s.opts.Folders) > 0 || len(s.opts.FolderRec) > 0
}

// SubscribedOnly reports whether only subscribed folders are wanted.
func (s *Selector) SubscribedOnly() bool { return s.opts.Subscribed }

// Match reports whether a folder is selected. INBOX is matched
// case-insensitively, as IMAP requires.
func (s *Selector) Match(name, delim string, subscribed bool) bool {
	if s.opts.Subscribed && !subscribed {
		return false
	}
	if s.Explicit() && !s.named(name, delim) {
		return false
	}
	if len(s.include) > 0 {
		ok := false
		for _, re := range s.include {
			if re.MatchString(name) {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	for _, re := range s.exclude {
		if re.MatchString(name) {
			return false
		}
	}
	return true
}

func (s *Selector) named(name, delim string) bool {
	for _, f := range s.opts.Folders {
		if sameName(f, name) {
			return true
		}
	}
	for _, f := range s.opts.FolderRec {
		if sameName(f, name) || (delim != "" && strings.HasPrefix(canonInbox(name, delim), canonInbox(f, delim)+delim)) {
			return true
		}
	}
	return false
}

// Missing returns the --folder/--folderrec names that no listed folder has,
// so a typo is reported instead of silently doing nothing.
func (s *Selector) Missing(listed []string) []string {
	var missing []string
	for _, f := range append(append([]string{}, s.opts.Folders...), s.opts.FolderRec...) {
		found := false
		for _, n := range listed {
			if sameName(f, n) {
				found = true
				break
			}
		}
		if !found {
			missing = append(missing, f)
		}
	}
	return missing
}

func sameName(a, b string) bool {
	if strings.EqualFold(a, "INBOX") && strings.EqualFold(b, "INBOX") {
		return true
	}
	return a == b
}

// canonInbox upper-cases a leading INBOX component so that "inbox/x" and
// "INBOX/x" compare equal.
func canonInbox(name, delim string) string {
	if len(name) >= 5 && strings.EqualFold(name[:5], "INBOX") && (len(name) == 5 || strings.HasPrefix(name[5:], delim)) {
		return "INBOX" + name[5:]
	}
	return name
}
