// Package searchkeys parses IMAP SEARCH keys (RFC 3501 section 6.4.4, as
// a user writes them for `fetch --search`) into go-imap's SearchCriteria,
// which is what its client sends: go-imap has no raw-command API.
package searchkeys

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
)

// Parse parses a sequence of search keys; keys in sequence are ANDed.
func Parse(s string) (*imap.SearchCriteria, error) {
	toks, err := tokenize(s)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	c := &imap.SearchCriteria{}
	for !p.done() {
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		And(c, k)
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("search: no search keys")
	}
	return c, nil
}

// And adds other's keys to c. It is go-imap's SearchCriteria.And, which
// drops MODSEQ, plus MODSEQ: both hold when the larger one does.
func And(c, other *imap.SearchCriteria) {
	modSeq := c.ModSeq
	if other.ModSeq != nil && (modSeq == nil || other.ModSeq.ModSeq > modSeq.ModSeq) {
		modSeq = other.ModSeq
	}
	c.And(other)
	c.ModSeq = modSeq
}

type token struct {
	text   string
	quoted bool
	pos    int // 1-based position of the token, for errors
}

func tokenize(s string) ([]token, error) {
	var toks []token
	for i := 0; i < len(s); {
		switch c := s[i]; {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '(' || c == ')':
			toks = append(toks, token{text: string(c), pos: len(toks) + 1})
			i++
		case c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(s) && s[j] != '"'; j++ {
				if s[j] == '\\' && j+1 < len(s) {
					j++
				}
				b.WriteByte(s[j])
			}
			if j >= len(s) {
				return nil, fmt.Errorf("search: unterminated quoted string at character %d", i+1)
			}
			toks = append(toks, token{text: b.String(), quoted: true, pos: len(toks) + 1})
			i = j + 1
		default:
			j := i
			for j < len(s) && !strings.ContainsRune(" \t\r\n()\"", rune(s[j])) {
				j++
			}
			toks = append(toks, token{text: s[i:j], pos: len(toks) + 1})
			i = j
		}
	}
	return toks, nil
}

type parser struct {
	toks []token
	i    int
}

func (p *parser) done() bool { return p.i >= len(p.toks) }

func (p *parser) next(what, key string) (token, error) {
	if p.done() {
		return token{}, fmt.Errorf("search: %s needs %s", key, what)
	}
	t := p.toks[p.i]
	p.i++
	return t, nil
}

func (p *parser) str(key string) (string, error) {
	t, err := p.next("a string", key)
	if err != nil {
		return "", err
	}
	if !t.quoted && (t.text == "(" || t.text == ")") {
		return "", fmt.Errorf("search: %s needs a string, got %q", key, t.text)
	}
	return t.text, nil
}

func (p *parser) date(key string) (time.Time, error) {
	t, err := p.next("a date (d-Mon-yyyy)", key)
	if err != nil {
		return time.Time{}, err
	}
	for _, layout := range []string{"2-Jan-2006", "02-Jan-2006"} {
		if d, err := time.Parse(layout, t.text); err == nil {
			return d, nil
		}
	}
	return time.Time{}, fmt.Errorf("search: %s: %q is not a date like 1-Feb-2024", key, t.text)
}

func (p *parser) number(key string) (int64, error) {
	t, err := p.next("a number", key)
	if err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(t.text, 10, 64)
	if err != nil || n < 0 {
		return 0, fmt.Errorf("search: %s: %q is not a number", key, t.text)
	}
	return n, nil
}

var simpleFlags = map[string]struct {
	flag imap.Flag
	not  bool
}{
	"ANSWERED": {imap.FlagAnswered, false}, "UNANSWERED": {imap.FlagAnswered, true},
	"DELETED": {imap.FlagDeleted, false}, "UNDELETED": {imap.FlagDeleted, true},
	"DRAFT": {imap.FlagDraft, false}, "UNDRAFT": {imap.FlagDraft, true},
	"FLAGGED": {imap.FlagFlagged, false}, "UNFLAGGED": {imap.FlagFlagged, true},
	"SEEN": {imap.FlagSeen, false}, "UNSEEN": {imap.FlagSeen, true},
}

var headerKeys = map[string]string{"BCC": "Bcc", "CC": "Cc", "FROM": "From", "SUBJECT": "Subject", "TO": "To"}

// key parses one search key.
func (p *parser) key() (*imap.SearchCriteria, error) {
	t, err := p.next("a key", "search")
	if err != nil {
		return nil, err
	}
	c := &imap.SearchCriteria{}
	if t.quoted {
		return nil, fmt.Errorf("search: %q at position %d is not a search key", t.text, t.pos)
	}
	name := strings.ToUpper(t.text)
	if f, ok := simpleFlags[name]; ok {
		if f.not {
			c.NotFlag = []imap.Flag{f.flag}
		} else {
			c.Flag = []imap.Flag{f.flag}
		}
		return c, nil
	}
	if h, ok := headerKeys[name]; ok {
		v, err := p.str(name)
		if err != nil {
			return nil, err
		}
		c.Header = []imap.SearchCriteriaHeaderField{{Key: h, Value: v}}
		return c, nil
	}
	switch name {
	case "(":
		for {
			if p.done() {
				return nil, fmt.Errorf("search: unclosed '(' at position %d", t.pos)
			}
			if p.toks[p.i].text == ")" && !p.toks[p.i].quoted {
				p.i++
				return c, nil
			}
			k, err := p.key()
			if err != nil {
				return nil, err
			}
			And(c, k)
		}
	case ")":
		return nil, fmt.Errorf("search: unexpected ')' at position %d", t.pos)
	case "ALL":
	case "NEW", "OLD", "RECENT":
		return nil, fmt.Errorf("search: %s is not supported (\\Recent is session state go-imap cannot search for); use UNSEEN", name)
	case "BEFORE", "ON", "SINCE", "SENTBEFORE", "SENTON", "SENTSINCE":
		d, err := p.date(name)
		if err != nil {
			return nil, err
		}
		next := d.AddDate(0, 0, 1)
		switch name {
		case "BEFORE":
			c.Before = d
		case "ON":
			c.Since, c.Before = d, next
		case "SINCE":
			c.Since = d
		case "SENTBEFORE":
			c.SentBefore = d
		case "SENTON":
			c.SentSince, c.SentBefore = d, next
		case "SENTSINCE":
			c.SentSince = d
		}
	case "BODY", "TEXT":
		v, err := p.str(name)
		if err != nil {
			return nil, err
		}
		if name == "BODY" {
			c.Body = []string{v}
		} else {
			c.Text = []string{v}
		}
	case "HEADER":
		field, err := p.str(name)
		if err != nil {
			return nil, err
		}
		v, err := p.str(name)
		if err != nil {
			return nil, err
		}
		c.Header = []imap.SearchCriteriaHeaderField{{Key: field, Value: v}}
	case "KEYWORD", "UNKEYWORD":
		v, err := p.str(name)
		if err != nil {
			return nil, err
		}
		if name == "KEYWORD" {
			c.Flag = []imap.Flag{imap.Flag(v)}
		} else {
			c.NotFlag = []imap.Flag{imap.Flag(v)}
		}
	case "LARGER", "SMALLER":
		n, err := p.number(name)
		if err != nil {
			return nil, err
		}
		if name == "LARGER" {
			c.Larger = n
		} else {
			c.Smaller = n
		}
	case "MODSEQ":
		n, err := p.number(name)
		if err != nil {
			return nil, err
		}
		c.ModSeq = &imap.SearchCriteriaModSeq{ModSeq: uint64(n)}
	case "NOT":
		k, err := p.key()
		if err != nil {
			return nil, err
		}
		c.Not = []imap.SearchCriteria{*k}
	case "OR":
		a, err := p.key()
		if err != nil {
			return nil, err
		}
		b, err := p.key()
		if err != nil {
			return nil, err
		}
		c.Or = [][2]imap.SearchCriteria{{*a, *b}}
	case "UID":
		v, err := p.next("a UID set", name)
		if err != nil {
			return nil, err
		}
		set, err := uidSet(v.text)
		if err != nil {
			return nil, err
		}
		c.UID = []imap.UIDSet{set}
	default:
		set, err := seqSet(t.text)
		if err != nil {
			return nil, fmt.Errorf("search: %q at position %d is not a search key", t.text, t.pos)
		}
		c.SeqNum = []imap.SeqSet{set}
	}
	return c, nil
}

// ranges parses "1:5,7,9:*" (0 stands for '*').
func ranges(s string) ([][2]uint32, error) {
	var out [][2]uint32
	num := func(x string) (uint32, error) {
		if x == "*" {
			return 0, nil
		}
		n, err := strconv.ParseUint(x, 10, 32)
		if err != nil || n == 0 {
			return 0, fmt.Errorf("search: %q is not a number set like 1:500,900:*", s)
		}
		return uint32(n), nil
	}
	for _, part := range strings.Split(s, ",") {
		lo, hi, isRange := strings.Cut(part, ":")
		a, err := num(lo)
		if err != nil {
			return nil, err
		}
		b := a
		if isRange {
			if b, err = num(hi); err != nil {
				return nil, err
			}
		}
		out = append(out, [2]uint32{a, b})
	}
	return out, nil
}

func uidSet(s string) (imap.UIDSet, error) {
	r, err := ranges(s)
	if err != nil {
		return nil, err
	}
	var set imap.UIDSet
	for _, x := range r {
		set.AddRange(imap.UID(x[0]), imap.UID(x[1]))
	}
	return set, nil
}

func seqSet(s string) (imap.SeqSet, error) {
	if s == "" || strings.Trim(s, "0123456789:,*") != "" {
		return nil, fmt.Errorf("not a set")
	}
	r, err := ranges(s)
	if err != nil {
		return nil, err
	}
	var set imap.SeqSet
	for _, x := range r {
		set.AddRange(x[0], x[1])
	}
	return set, nil
}
