package test

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imapx/imapx/test/harness"
)

// server is the first server, or with a leading -2 the second one
// (*crosslayout* scripts); it returns the remaining arguments.
func server(ts *testscript.TestScript, args []string) (*harness.Dovecot, []string) {
	if len(args) > 0 && args[0] == "-2" {
		return ts.Value(dovecot2Key).(*harness.Dovecot), args[1:]
	}
	return dovecot(ts), args
}

// mkfolders [-2] USER FOLDER...: create empty folders, not subscribed,
// full names as the server spells them.
func cmdMkFolders(ts *testscript.TestScript, neg bool, args []string) {
	d, args := server(ts, args)
	if len(args) < 2 {
		ts.Fatalf("usage: mkfolders [-2] USER FOLDER...")
	}
	c, err := d.Client(args[0], users[args[0]])
	if err != nil {
		ts.Fatalf("mkfolders: %v", err)
	}
	defer c.Close()
	for _, f := range args[1:] {
		err := c.Create(f, nil).Wait()
		if (err != nil) != neg {
			ts.Fatalf("mkfolders %q: %v", f, err)
		}
	}
}

// folders [-2] USER NAME:N...: USER's folders, read independently of
// imapx, are exactly these (INBOX included), holding N messages each.
func cmdFolders(ts *testscript.TestScript, neg bool, args []string) {
	d, args := server(ts, args)
	if len(args) < 1 {
		ts.Fatalf("usage: folders [-2] USER NAME:N...")
	}
	msgs, names, err := d.ReadAll(args[0], users[args[0]])
	if err != nil {
		ts.Fatalf("read %s: %v", args[0], err)
	}
	count := map[string]int{}
	for _, n := range names {
		count[n] = 0
	}
	for _, m := range msgs {
		count[m.Folder]++
	}
	var got []string
	for n, c := range count {
		got = append(got, n+":"+strconv.Itoa(c))
	}
	want := append([]string{}, args[1:]...)
	for _, w := range want {
		if i := strings.LastIndexByte(w, ':'); i < 0 {
			ts.Fatalf("folders: %q is not NAME:N", w)
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	same := strings.Join(got, "\n") == strings.Join(want, "\n")
	if same == neg {
		ts.Fatalf("%s's folders:\n%s\nwant:\n%s", args[0], strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	ts.Logf("%s", fmt.Sprint(got))
}

// subscribed [-2] USER FOLDER...: exactly these folders are subscribed
// (LIST (SUBSCRIBED), read independently of imapx).
func cmdSubscribed(ts *testscript.TestScript, neg bool, args []string) {
	d, args := server(ts, args)
	if len(args) < 1 {
		ts.Fatalf("usage: subscribed [-2] USER FOLDER...")
	}
	c, err := d.Client(args[0], users[args[0]])
	if err != nil {
		ts.Fatalf("subscribed: %v", err)
	}
	defer c.Close()
	list, err := c.List("", "*", &imap.ListOptions{SelectSubscribed: true}).Collect()
	if err != nil {
		ts.Fatalf("subscribed: %v", err)
	}
	var got []string
	for _, l := range list {
		got = append(got, l.Mailbox)
	}
	want := append([]string{}, args[1:]...)
	sort.Strings(got)
	sort.Strings(want)
	if (strings.Join(got, "\n") == strings.Join(want, "\n")) == neg {
		ts.Fatalf("subscribed: %q, want %q", got, want)
	}
}
