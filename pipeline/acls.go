package pipeline

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/mutate"
)

// ACLOptions is imapsync's --syncacls: each selected folder's ACL (RFC
// 4314) is copied to the folder it maps to.
type ACLOptions struct {
	Sync bool
	// User1 and User2 are the accounts' users: host1's entry for its own
	// user is host2's entry for its user (the owner's rights, whatever the
	// names), and host2's owner keeps its rights when host1 names none.
	User1, User2 string
}

// syncACLs makes the ACL of every selected folder's destination what the
// source's is, as imapsync's acls_sync does: for each identifier of
// either side whose rights differ, SETACL on host2 with host1's rights
// (empty: none). Rights compare as sets; an entry with no rights is no
// entry. A server without ACL, or an ACL command refused, is a warning
// (imapsync prints it and goes on, counting no error): ACLs are not mail.
// Under a dry run the changes are listed, not made.
func (s *syncer) syncACLs(ctx context.Context, inv *inventory) error {
	if !s.o.ACL.Sync {
		return nil
	}
	c1, err := s.src(ctx)
	if err != nil {
		return exitcode.ForHost(err, 1)
	}
	defer c1.Close()
	c2, err := s.dst(ctx)
	if err != nil {
		return exitcode.ForHost(err, 2)
	}
	defer c2.Close()
	for i, c := range []*imapclient.Client{c1, c2} {
		if !c.Caps().Has(imap.CapACL) {
			fmt.Fprintf(s.log, "imapx: warning: --syncacls: host%d has no ACL extension (RFC 4314): no ACL copied\n", i+1)
			return nil
		}
	}
	known1, known2 := knownRights(c1), knownRights(c2)
	gate := mutate.Gate{Dry: s.o.DryRun}
	names := make([]string, 0, len(inv.srcList))
	for _, f := range inv.srcList {
		if folders.Selectable(&f) && inv.mapping[f.Name] != "" {
			names = append(names, f.Name)
		}
	}
	sort.Strings(names)
	set := 0
	for _, name := range names {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		dst := inv.mapping[name]
		a1, err := c1.GetACL(name).Wait()
		if err != nil {
			fmt.Fprintf(s.log, "imapx: warning: --syncacls: host1 GETACL %q: %v\n", name, err)
			continue
		}
		a2, err := c2.GetACL(dst).Wait()
		if err != nil && !(s.o.DryRun && inv.dstFolders[dst] == nil) {
			// (a folder a dry run would create has no ACL yet)
			fmt.Fprintf(s.log, "imapx: warning: --syncacls: host2 GETACL %q: %v\n", dst, err)
			continue
		}
		want := map[imap.RightsIdentifier]string{}
		written := map[imap.RightsIdentifier]imap.RightSet{} // as host1 wrote them
		for id, r := range a1.Rights {
			if string(id) == s.o.ACL.User1 {
				id = imap.RightsIdentifier(s.o.ACL.User2)
			} else if string(id) == s.o.ACL.User2 {
				continue // host1's entry for host2's user is not its owner's
			}
			want[id] = string(r)
		}
		have := map[imap.RightsIdentifier]string{}
		if err != nil {
			// a folder the dry run would create: its owner gets every
			// right there, as host2 gives them
			have[imap.RightsIdentifier(s.o.ACL.User2)] = rightsKey(imap.RightSet(translateRights(want[imap.RightsIdentifier(s.o.ACL.User2)], "", known1, known2)))
		} else {
			for id, r := range a2.Rights {
				have[id] = rightsKey(r)
			}
		}
		for id, r := range want {
			t := translateRights(r, have[id], known1, known2)
			want[id], written[id] = rightsKey(imap.RightSet(t)), imap.RightSet(t)
		}
		for _, id := range identifiers(want, have) {
			w, h := want[id], have[id]
			if w == h || string(id) == s.o.ACL.User2 && w == "" {
				continue
			}
			err := gate.SetACL(c2, dst, id, written[id])
			switch {
			case errors.Is(err, mutate.ErrDryRun):
				if s.o.DryList != nil {
					fmt.Fprintf(s.o.DryList, "dry: acl %q on host2: %s %q (now %q)\n", dst, id, w, h)
				}
			case err != nil:
				fmt.Fprintf(s.log, "imapx: warning: --syncacls: host2 SETACL %q %s %q: %v\n", dst, id, w, err)
			default:
				set++
				fmt.Fprintf(s.log, "Host2: folder %q: acl of %s set to %q (was %q)\n", dst, id, w, h)
			}
		}
	}
	if !s.o.DryRun {
		fmt.Fprintf(s.log, "imapx: syncacls: %d ACL entries set on host2, %d folders compared\n", set, len(names))
	}
	return nil
}

// rfc2086Rights are the rights every ACL server knows; RFC 4314's
// RIGHTS= capability lists those it knows beyond them (Dovecot "texk",
// Cyrus "kxten": n is Cyrus's right to write shared annotations).
const rfc2086Rights = "lrswipcda"

// knownRights are the rights c's server knows.
func knownRights(c *imapclient.Client) string {
	known := rfc2086Rights
	for capa := range c.Caps() {
		if v, ok := strings.CutPrefix(strings.ToUpper(string(capa)), "RIGHTS="); ok {
			known += strings.ToLower(v)
		}
	}
	return known
}

// translateRights is what host2's entry must hold for host1's rights r1
// when it now holds r2: host1's rights that host2 knows (Dovecot refuses
// a SETACL with Cyrus's n: "Invalid ACL right"), and host2's rights that
// host1's server cannot express, kept (Dovecot's owner entry has no n,
// which would otherwise be taken from the owner on Cyrus at every run).
func translateRights(r1, r2, known1, known2 string) string {
	var out []byte
	for _, c := range []byte(r1) {
		if strings.IndexByte(known2, c) >= 0 {
			out = append(out, c)
		}
	}
	for _, c := range []byte(r2) {
		if strings.IndexByte(known1, c) < 0 && strings.IndexByte(string(out), c) < 0 {
			out = append(out, c)
		}
	}
	return string(out)
}

// rightsKey is a right set as a sorted string: servers order rights as
// they like ("lrswipkxtecda", "lrwstipekxacd").
func rightsKey(r imap.RightSet) string {
	b := []byte(string(r))
	sort.Slice(b, func(i, j int) bool { return b[i] < b[j] })
	return string(b)
}

// identifiers are the identifiers of both ACLs, sorted.
func identifiers(a, b map[imap.RightsIdentifier]string) []imap.RightsIdentifier {
	seen := map[imap.RightsIdentifier]bool{}
	var out []imap.RightsIdentifier
	for _, m := range []map[imap.RightsIdentifier]string{a, b} {
		for id := range m {
			if !seen[id] {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.Compare(string(out[i]), string(out[j])) < 0 })
	return out
}
