package session

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-imap/v2"
)

// Alerts shows the servers' [ALERT] texts, which RFC 3501 (7.1) says the
// user must see, without flooding: a text is printed the first time a
// server sends it, and Close prints how often each one came more than once
// (Courier sends the same alert for every APPEND of a message with 8-bit
// headers). One Alerts serves every connection of a run.
type Alerts struct {
	w      io.Writer
	mu     sync.Mutex
	counts map[alertKey]int
	order  []alertKey
	others map[string]int // alerts past maxAlertTexts, by server
}

type alertKey struct{ who, text string }

// maxAlertTexts bounds the distinct texts printed per server: one that
// puts a message's details in each alert is counted, not echoed.
const maxAlertTexts = 10

// maxAlertLen cuts an overlong text.
const maxAlertLen = 400

// NewAlerts prints to w (stderr).
func NewAlerts(w io.Writer) *Alerts {
	return &Alerts{w: w, counts: map[alertKey]int{}, others: map[string]int{}}
}

// add notes one alert from who ("host2", or the server's address).
func (al *Alerts) add(who, text string) {
	al.mu.Lock()
	defer al.mu.Unlock()
	k := alertKey{who, text}
	if n, seen := al.counts[k]; seen {
		al.counts[k] = n + 1
		return
	}
	distinct := 0
	for _, o := range al.order {
		if o.who == who {
			distinct++
		}
	}
	if distinct >= maxAlertTexts {
		al.others[who]++
		return
	}
	al.counts[k] = 1
	al.order = append(al.order, k)
	fmt.Fprintf(al.w, "imapx: %s says: %s\n", who, text)
}

// Close prints one line per text that came more than once, and the count
// of alerts not printed. It may be called again; it prints only once.
func (al *Alerts) Close() {
	if al == nil {
		return
	}
	al.mu.Lock()
	defer al.mu.Unlock()
	var b strings.Builder
	for _, k := range al.order {
		if n := al.counts[k]; n > 1 {
			fmt.Fprintf(&b, "imapx: %s said this %s times: %s\n", k.who, thousands(n), k.text)
		}
	}
	for _, k := range al.order {
		if n := al.others[k.who]; n > 0 {
			fmt.Fprintf(&b, "imapx: %s sent %s more alerts with other texts\n", k.who, thousands(n))
			delete(al.others, k.who)
		}
	}
	io.WriteString(al.w, b.String())
	al.counts, al.order, al.others = map[alertKey]int{}, nil, map[string]int{}
}

// alertHandler is the go-imap callback of a's connections, nil without
// a.Alerts. The text is the server's: control characters (a terminal's
// escapes, line breaks) are dropped and the account's secrets masked.
func (a *Account) alertHandler() func(*imap.StatusResponse) {
	if a.Alerts == nil {
		return nil
	}
	who := a.Label
	if who == "" {
		who = a.Addr()
	}
	return func(resp *imap.StatusResponse) {
		a.Alerts.add(who, mask(cleanText(resp.Text), a.secrets()))
	}
}

// cleanText keeps a server's text to one printable line.
func cleanText(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsControl(r):
			return ' '
		case unicode.Is(unicode.Cf, r): // bidi overrides and the like
			return -1
		}
		return r
	}, s)
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxAlertLen {
		cut := maxAlertLen
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		s = s[:cut] + "…"
	}
	if s == "" {
		s = "(no text)"
	}
	return s
}

// thousands writes n as 3,654.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
