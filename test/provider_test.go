package test

import (
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imapx/imapx/internal/imaptest"
)

// The emulated providers of a script (internal/imaptest): Gmail and
// Exchange / Office 365, each behaviour with its source in its doc.

const providersKey = "providers"

type providers map[string]*imaptest.Provider

var sampleTime = time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)

// provider KIND NAME [seed] [throttle=N] [tokens] [lifetime=DURATION]
// [locale=L] [maxsize=N] [maxline=N]: start an emulated provider with one
// user NAME (password NAME-pw); seed gives it imaptest.GmailSample (for
// Exchange: as folders). Sets $NAME_ADDR, and $NAME_TOKENFILE with tokens.
func cmdProvider(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: provider gmail|exchange NAME [options]")
	}
	o := imaptest.ProviderOptions{Kind: args[0]}
	name := args[1]
	u := imaptest.MemUser{Name: name, Password: name + "-pw"}
	for _, a := range args[2:] {
		k, v, _ := strings.Cut(a, "=")
		n, _ := strconv.Atoi(v)
		switch k {
		case "seed":
			if o.Kind == "gmail" {
				u.Messages = imaptest.GmailSample(sampleTime)
			} else {
				u.Messages = imaptest.GmailSampleAsFolders(sampleTime)
			}
		case "throttle":
			o.ThrottleEvery, o.ThrottleBackoff = n, 20*time.Millisecond
		case "tokens":
			o.Tokens = true
			o.TokenFile = filepath.Join(ts.Getenv("WORK"), name+".token")
			ts.Setenv(strings.ToUpper(name)+"_TOKENFILE", o.TokenFile)
		case "lifetime":
			d, err := time.ParseDuration(v)
			ts.Check(err)
			o.TokenLifetime = d
		case "locale":
			o.Locale = v
		case "maxsize":
			o.MaxMessageSize = int64(n)
		case "maxline":
			o.MaxLineLength = n
		default:
			ts.Fatalf("provider: unknown option %q", a)
		}
	}
	o.Users = []imaptest.MemUser{u}
	p, err := imaptest.StartProvider(o)
	ts.Check(err)
	ts.Defer(func() { p.Close() })
	ts.Value(providersKey).(providers)[name] = p
	ts.Setenv(strings.ToUpper(name)+"_ADDR", p.Addr())
	ts.Setenv(strings.ToUpper(name)+"_PW", u.Password)
}

func provider(ts *testscript.TestScript, name string) *imaptest.Provider {
	p := ts.Value(providersKey).(providers)[name]
	if p == nil {
		ts.Fatalf("no provider %q", name)
	}
	return p
}

// provstat NAME FIELD=N...: the provider's counts (appends, stored,
// labelstores, throttled, expired; tokens>=N, throttled>=N, expired>=N).
func cmdProvStat(ts *testscript.TestScript, neg bool, args []string) {
	st := provider(ts, args[0]).Stats()
	got := map[string]int{"appends": st.Appends, "stored": st.Stored, "labelstores": st.LabelStores,
		"throttled": st.Throttled, "expired": st.Expired, "tokens": st.Tokens}
	for _, a := range args[1:] {
		atLeast := strings.Contains(a, ">=")
		k, v, _ := strings.Cut(strings.Replace(a, ">=", "=", 1), "=")
		want, _ := strconv.Atoi(v)
		g, ok := got[k]
		if !ok {
			ts.Fatalf("provstat: unknown field %q", k)
		}
		if ok := g == want || atLeast && g >= want; ok == neg {
			ts.Fatalf("%s: %s is %d, want %s", args[0], k, g, a)
		}
	}
}

// gmailhas NAME N [SUBJECT=LABEL,LABEL...]: the emulated Gmail NAME holds
// N messages in All Mail, each at most once, and the message with that
// Subject has exactly those labels (X-GM-LABELS, sorted; "-" for none).
// Read over IMAP on a connection of its own.
func cmdGmailHas(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: gmailhas NAME N [SUBJECT=LABELS...]")
	}
	p := provider(ts, args[0])
	c, err := p.Dial(args[0], args[0]+"-pw")
	ts.Check(err)
	defer c.Close()
	sel, err := c.Select("[Gmail]/All Mail", &imap.SelectOptions{ReadOnly: true}).Wait()
	ts.Check(err)
	want, _ := strconv.Atoi(args[1])
	if int(sel.NumMessages) != want {
		ts.Fatalf("%s's All Mail holds %d messages, want %d", args[0], sel.NumMessages, want)
	}
	labels := map[string]string{}
	ids := map[string]int{}
	if sel.NumMessages > 0 {
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{GmailLabels: true, GmailMsgID: true,
			BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject", "Message-Id"}, Peek: true}}}).Collect()
		ts.Check(err)
		for _, m := range msgs {
			h := string(m.BodySection[0].Bytes)
			subj := ""
			for _, line := range strings.Split(h, "\r\n") {
				if v, ok := strings.CutPrefix(line, "Subject: "); ok {
					subj = v
				}
				if v, ok := strings.CutPrefix(line, "Message-ID: "); ok {
					ids[v]++
				}
			}
			l := append([]string(nil), m.GmailLabels...)
			sort.Strings(l)
			labels[subj] = strings.Join(l, ",")
		}
	}
	for id, n := range ids {
		if n > 1 {
			ts.Fatalf("%s holds %d copies of %s", args[0], n, id)
		}
	}
	for _, a := range args[2:] {
		subj, want, _ := strings.Cut(a, "=")
		if want == "-" {
			want = ""
		}
		if got, ok := labels[subj]; !ok || got != want {
			ts.Fatalf("%s: %q has labels %q, want %q (all: %q)", args[0], subj, got, want, labels)
		}
	}
}

// keywords USER SUBJECT KW...: on the script's Dovecot, the message of
// USER with that Subject carries those keywords (and is there once).
func cmdKeywords(ts *testscript.TestScript, neg bool, args []string) {
	msgs, _, err := dovecot(ts).ReadAll(args[0], users[args[0]])
	ts.Check(err)
	found := 0
	for _, m := range msgs {
		if !strings.Contains(string(m.Raw), "\r\nSubject: "+args[1]+"\r\n") {
			continue
		}
		found++
		have := map[string]bool{}
		for _, f := range m.Flags {
			have[f] = true
		}
		for _, kw := range args[2:] {
			if !have[kw] {
				ts.Fatalf("%q in %s has flags %v, lacks %s", args[1], m.Folder, m.Flags, kw)
			}
		}
	}
	if found != 1 {
		ts.Fatalf("%s holds %d copies of %q, want 1", args[0], found, args[1])
	}
}

// seedfolders USER: the Gmail sample as an ordinary server holds it, one
// copy per label folder (imaptest.GmailSampleAsFolders), in the script's
// Dovecot.
func cmdSeedFolders(ts *testscript.TestScript, neg bool, args []string) {
	ts.Check(dovecot(ts).Seed(args[0], users[args[0]], imaptest.GmailSampleAsFolders(sampleTime)))
}

// provfolders NAME FOLDER:N...: read over IMAP, on a connection of its
// own, each named folder of the provider's user NAME holds N messages,
// none twice (by Message-ID).
func cmdProvFolders(ts *testscript.TestScript, neg bool, args []string) {
	p := provider(ts, args[0])
	c, err := p.Dial(args[0], args[0]+"-pw")
	ts.Check(err)
	defer c.Close()
	for _, a := range args[1:] {
		i := strings.LastIndexByte(a, ':')
		folder := a[:i]
		want, _ := strconv.Atoi(a[i+1:])
		sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			ts.Fatalf("%s: select %q: %v", args[0], folder, err)
		}
		if int(sel.NumMessages) != want {
			ts.Fatalf("%s: %q holds %d messages, want %d", args[0], folder, sel.NumMessages, want)
		}
		if want == 0 {
			continue
		}
		msgs, err := c.Fetch(imap.SeqSet{{Start: 1, Stop: 0}}, &imap.FetchOptions{
			BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Message-Id"}, Peek: true}}}).Collect()
		ts.Check(err)
		seen := map[string]bool{}
		for _, m := range msgs {
			id := strings.TrimSpace(string(m.BodySection[0].Bytes))
			if id != "" && seen[id] {
				ts.Fatalf("%s: %q holds %s twice", args[0], folder, id)
			}
			seen[id] = true
		}
	}
}
