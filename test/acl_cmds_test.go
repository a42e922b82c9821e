package test

import (
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/rogpeppe/go-internal/testscript"
)

// setacl USER FOLDER IDENTIFIER RIGHTS: USER gives IDENTIFIER RIGHTS on
// its FOLDER (SETACL, as USER: the owner administers its folders). Only
// in *acl* scripts, whose Dovecot has the acl plugin.
func cmdSetACL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 4 {
		ts.Fatalf("usage: setacl USER FOLDER IDENTIFIER RIGHTS")
	}
	c, err := dovecot(ts).Client(args[0], users[args[0]])
	if err != nil {
		ts.Fatalf("setacl: %v", err)
	}
	defer c.Close()
	err = c.SetACL(args[1], imap.RightsIdentifier(args[2]), imap.RightModificationReplace, imap.RightSet(args[3])).Wait()
	if (err != nil) != neg {
		ts.Fatalf("setacl %v: %v", args, err)
	}
}

// acl USER FOLDER 'IDENTIFIER RIGHTS'...: the ACL of USER's FOLDER, read
// independently of imapx (GETACL), is exactly these entries (rights
// compared as sets; an entry with no rights counts as none).
func cmdACL(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: acl USER FOLDER 'IDENTIFIER RIGHTS'...")
	}
	c, err := dovecot(ts).Client(args[0], users[args[0]])
	if err != nil {
		ts.Fatalf("acl: %v", err)
	}
	defer c.Close()
	data, err := c.GetACL(args[1]).Wait()
	if err != nil {
		ts.Fatalf("acl: GETACL %q: %v", args[1], err)
	}
	var got []string
	for id, r := range data.Rights {
		if len(r) > 0 {
			got = append(got, string(id)+" "+sortedRights(string(r)))
		}
	}
	var want []string
	for _, e := range args[2:] {
		id, r, _ := strings.Cut(e, " ")
		want = append(want, id+" "+sortedRights(r))
	}
	sort.Strings(got)
	sort.Strings(want)
	if same := strings.Join(got, "\n") == strings.Join(want, "\n"); same == neg {
		ts.Fatalf("ACL of %s's %q:\n%s\nwant:\n%s", args[0], args[1], strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func sortedRights(r string) string {
	b := []byte(r)
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	return string(b)
}
