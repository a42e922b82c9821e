// The features added after issue 15 (rewriting and links, the stage
// pipeline, CONDSTORE-incremental reads, --syncacls, mbox restores) run
// as a user runs them against Cyrus and Courier, with Dovecot on the
// other side, each checked by an independent read of the destination.
package test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/test/harness"
)

// migrated is the README's --pipemess example.
const migrated = `sed -e "s/^Subject: /Subject: [migrated] /"`

var (
	subjectLine = regexp.MustCompile(`(?m)^Subject: `)
	messageIDRE = regexp.MustCompile(`(?im)^message-id:`)
)

// headerOf is a message's header section (up to the first empty line).
func headerOf(raw []byte) []byte {
	for i := 0; i < len(raw); {
		j := bytes.IndexByte(raw[i:], '\n')
		if j < 0 {
			return raw
		}
		line := raw[i : i+j]
		if len(line) == 0 || (len(line) == 1 && line[0] == '\r') {
			return raw[:i]
		}
		i += j + 1
	}
	return raw
}

// migratedCopy is what the README's rewrite makes of a source message, by
// the test's own reckoning: every line starting "Subject: " tagged (sed
// works on all lines), and imapsync's "Message-Id: <UID@imapsync>" first
// when the header has no Message-Id (--addheader), its line ending the
// message's first line's.
func migratedCopy(m harness.Message) []byte {
	out := subjectLine.ReplaceAll(m.Raw, []byte("Subject: [migrated] "))
	if !messageIDRE.Match(headerOf(m.Raw)) {
		eol := "\r\n"
		if i := bytes.IndexByte(m.Raw, '\n'); i >= 0 && (i == 0 || m.Raw[i-1] != '\r') {
			eol = "\n"
		}
		out = append([]byte(fmt.Sprintf("Message-Id: <%d@imapsync>%s", m.UID, eol)), out...)
	}
	return out
}

// keyed is a mailbox read independently, each message's key made of its
// canonical folder, flags, date and bytes as transformed by f.
func keyed(t *testing.T, a account, f func(harness.Message) []byte) map[string]int {
	t.Helper()
	msgs, _, err := a.srv.ReadAll(a.user, a.pass)
	if err != nil {
		t.Fatalf("read %s on %s: %v", a.user, a.srv.Family(), err)
	}
	out := map[string]int{}
	for _, m := range msgs {
		raw := m.Raw
		if f != nil {
			raw = f(m)
		}
		m.Folder = harness.Canonical(a.srv, m.Folder)
		m.Raw = raw
		out[m.Key()]++
	}
	return out
}

// keyedDiff says how two keyed mailboxes differ ("" when equal).
func keyedDiff(want, got map[string]int) string {
	var out []string
	short := func(k string) string {
		if len(k) > 160 {
			return k[:160] + "…"
		}
		return k
	}
	for k, n := range want {
		if got[k] != n {
			out = append(out, fmt.Sprintf("want %d, destination has %d: %s", n, got[k], short(k)))
		}
	}
	for k, n := range got {
		if _, ok := want[k]; !ok {
			out = append(out, fmt.Sprintf("only on the destination (%d): %s", n, short(k)))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

func count(m map[string]int) int {
	n := 0
	for _, c := range m {
		n += c
	}
	return n
}

// newAccounts adds user to each server and returns its accounts.
func newAccounts(t *testing.T, user string, srvs ...harness.Server) []account {
	t.Helper()
	var out []account
	for _, srv := range srvs {
		if err := srv.AddUser(user, "pw-"+user+"-"+srv.Family()); err != nil {
			t.Fatal(err)
		}
		out = append(out, acct(srv, user))
	}
	return out
}

func pwEnv(src, dst account) []string {
	return []string{"IMAPX_PASSWORD1=" + src.pass, "IMAPX_PASSWORD2=" + dst.pass}
}

// TestFamiliesRewrite: the README's sync with --pipemess and --addheader
// between Dovecot and Cyrus and Courier, both ways. Every Subject is
// tagged, the messages without Message-Id get imapsync's, every other
// byte, flag and date is the source's; the re-run copies nothing and
// looks good (the copies are matched through the links, made from each
// server's APPENDUID); after new mail, a flag change and an expunge on
// the source, the next run copies only the new mail (--delete2 removes
// the expunged message's copy, found through its link) and the
// destination is again exactly the migrated source.
func TestFamiliesRewrite(t *testing.T) {
	s := startServers(t, "dovecot", "cyrus", "courier")
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	corpus := append(imaptest.SampleMail(now), imaptest.Mixed(30, now)...)
	// A Courier whose administrator left UIDPLUS out still answers
	// APPENDUID (below); a server that gives none is Courier behind a
	// proxy that hides it.
	t.Run("courier-without-uidplus-answers-appenduid", func(t *testing.T) {
		plain := harness.RequireCourier(t, harness.CourierOptions{NoUIDPLUS: true})
		a := newAccounts(t, "plain", plain)[0]
		c, _ := aclClient(t, a)
		if c.Caps().Has(imap.CapUIDPlus) {
			t.Fatalf("Courier advertises UIDPLUS: %v", c.Caps())
		}
		msg := "Subject: x\r\nMessage-ID: <plain@example.org>\r\n\r\nx\r\n"
		cmd := c.Append("INBOX", int64(len(msg)), nil)
		cmd.Write([]byte(msg))
		cmd.Close()
		data, err := cmd.Wait()
		if err != nil || data.UID == 0 {
			t.Errorf("APPEND without UIDPLUS advertised: %+v, %v; want an APPENDUID as Courier 5 sends", data, err)
		}
	})
	later := append(imaptest.Many(6, now.AddDate(0, 1, 0)), imaptest.SeedMessage{Folder: "INBOX", Date: now, Flags: []string{}, Raw: []byte(
		"Subject: later, no Message-ID\r\nFrom: x@example.org\r\n\r\nNew.\r\n")})
	// --useuid knows copies through the links alone: without APPENDUID
	// each is found again, or the re-run would copy everything again.
	t.Run("useuid-dovecot-to-courier-without-appenduid", func(t *testing.T) {
		acc := newAccounts(t, "useuid", s.dovecot, s.courier)
		src, dst := acc[0], proxied{s.courier, withoutAppendUID(t, s.courier).PlainAddr()}
		dstAcct := account{srv: dst, user: acc[1].user, pass: acc[1].pass}
		home := t.TempDir()
		r, diff := syncCase(t, home, src, dstAcct, imaptest.SampleMail(now), "--useuid")
		p := exactProblems(r, diff)
		again := imapx(t, home, pwEnv(src, dstAcct), "sync", "--useuid", src.url(), dstAcct.url())
		diff, _ = compare(t, src, dstAcct)
		if !strings.Contains(again.stderr, "copied 0 messages") {
			p = append(p, "the re-run copied again:\n"+stderrSummary(again.stderr))
		}
		expect(t, append(p, exactProblems(again, diff)...))
	})
	for _, c := range []struct {
		name     string
		src, dst harness.Server
	}{
		{"dovecot-to-cyrus", s.dovecot, s.cyrus},
		{"dovecot-to-courier", s.dovecot, s.courier},
		{"dovecot-to-courier-without-appenduid", s.dovecot, withoutAppendUID(t, s.courier)},
		{"cyrus-to-dovecot", s.cyrus, s.dovecot},
		{"courier-to-dovecot", s.courier, s.dovecot},
	} {
		t.Run(c.name, func(t *testing.T) {
			acc := newAccounts(t, "rw-"+c.name, c.src, c.dst)
			src, dst := acc[0], acc[1]
			msgs := corpus
			if c.src == s.cyrus || c.dst == s.cyrus {
				msgs = onlyCRLF(corpus) // Cyrus refuses bare LFs
			}
			home := t.TempDir()
			args := []string{"--pipemess", migrated, "--addheader", "--delete2"}
			sync := func() run {
				r := imapx(t, home, pwEnv(src, dst), append(append([]string{"sync"}, args...), src.url(), dst.url())...)
				t.Logf("run: exit %d in %v, verdict %q", r.exit, r.took.Round(10*time.Millisecond), verdict(r.stderr))
				return r
			}
			r, _ := syncCase(t, home, src, dst, msgs, args...)
			p := rewriteProblems(t, r, src, dst)
			if _, hidden := c.dst.(proxied); hidden && linkedLate(r.stderr) != len(msgs) {
				p = append(p, "the copies stored without APPENDUID were not all found and linked:\n"+grepLines(r.stderr, "APPENDUID|links"))
			}
			again := sync()
			if !strings.Contains(again.stderr, "copied 0 messages") {
				p = append(p, "the re-run copied again:\n"+stderrSummary(again.stderr))
			}
			p = append(p, rewriteProblems(t, again, src, dst)...)
			changes{add: later, folder: "INBOX", flagSeq: 1, gone: 2}.apply(t, src)
			third := sync()
			if !strings.Contains(third.stderr, fmt.Sprintf("copied %d messages", len(later))) {
				p = append(p, fmt.Sprintf("after changes on host1, want \"copied %d messages\":\n%s", len(later), stderrSummary(third.stderr)))
			}
			p = append(p, rewriteProblems(t, third, src, dst)...)
			expect(t, p)
		})
	}
}

// rewriteProblems checks a run of the rewriting sync: exit 0, looks good,
// and the destination is exactly the migrated source.
func rewriteProblems(t *testing.T, r run, src, dst account) []string {
	t.Helper()
	var p []string
	if r.exit != 0 || !strings.Contains(r.stderr, "looks good") {
		p = append(p, fmt.Sprintf("exit %d, want 0 and \"looks good\"; stderr:\n%s", r.exit, stderrSummary(r.stderr)))
	}
	want, got := keyed(t, src, migratedCopy), keyed(t, dst, nil)
	if d := keyedDiff(want, got); d != "" {
		p = append(p, "destination is not the migrated source (independent read):\n"+lastLines(d, 8))
	}
	tagged := 0
	for k := range got {
		tagged += strings.Count(k, fmt.Sprintf("%x", "Subject: [migrated] "))
	}
	if tagged < count(want)/2 {
		p = append(p, fmt.Sprintf("only %d tagged Subjects on the destination: the case tests nothing", tagged))
	}
	return p
}

// TestFamiliesPipeline: the stage pipeline of the README into Cyrus,
// fetch --plan --full | rewrite | push --links, then an audit of the
// destination read with --links: nothing left to copy, and the copies
// are the migrated source.
func TestFamiliesPipeline(t *testing.T) {
	s := startServers(t, "dovecot", "cyrus", "courier")
	t.Run("dovecot-to-cyrus", func(t *testing.T) { pipelineCase(t, "stages-cyrus", s.dovecot, s.cyrus) })
	// push --links where the server gives no APPENDUID: the copies are
	// found again by header and size, and linked.
	t.Run("dovecot-to-courier-without-appenduid", func(t *testing.T) { pipelineCase(t, "stages-courier", s.dovecot, withoutAppendUID(t, s.courier)) })
}

func pipelineCase(t *testing.T, user string, srcSrv, dstSrv harness.Server) {
	acc := newAccounts(t, user, srcSrv, dstSrv)
	src, dst := acc[0], acc[1]
	if err := src.srv.Seed(src.user, src.pass, onlyCRLF(serverCorpus()), "Empty"); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	for name, pw := range map[string]string{"pw1": src.pass, "pw2": dst.pass} {
		if err := os.WriteFile(filepath.Join(home, name), []byte(pw+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	sh := func(script string) run {
		t.Helper()
		cmd := exec.Command("sh", "-ec", script)
		cmd.Env = append(os.Environ(), "HOME="+home, "XDG_CACHE_HOME="+filepath.Join(home, ".cache"),
			"SRC="+src.url(), "DST="+dst.url(), "MIGRATED="+migrated)
		cmd.Dir = home
		var errb bytes.Buffer
		cmd.Stderr = &errb
		start := time.Now()
		err := cmd.Run()
		r := run{stderr: errb.String(), took: time.Since(start)}
		if ee, ok := err.(*exec.ExitError); ok {
			r.exit = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		t.Logf("%s: exit %d in %v\n%s", script, r.exit, r.took.Round(10*time.Millisecond), lastLines(r.stderr, 6))
		return r
	}
	plan := `imapx fetch --passfile pw1 "$SRC" > src.jsonl
imapx fetch --passfile pw2 --links links.jsonl "$DST" > dst.jsonl
imapx diff src.jsonl dst.jsonl > plan.jsonl`
	var p []string
	if r := sh(plan + `
imapx fetch --passfile pw1 --plan plan.jsonl --full "$SRC" \
  | imapx rewrite --pipemess "$MIGRATED" --addheader \
  | imapx push --passfile pw2 --links links.jsonl "$DST" > results.jsonl`); r.exit != 0 {
		p = append(p, fmt.Sprintf("pipeline: exit %d; stderr:\n%s", r.exit, stderrSummary(r.stderr)))
	}
	want, got := keyed(t, src, migratedCopy), keyed(t, dst, nil)
	if d := keyedDiff(want, got); d != "" {
		p = append(p, dst.srv.Family()+" does not hold the migrated source (independent read):\n"+lastLines(d, 8))
	}
	links, _ := os.ReadFile(filepath.Join(home, "links.jsonl"))
	if n := bytes.Count(links, []byte("\n")); n < count(want) {
		p = append(p, fmt.Sprintf("%d links for %d rewritten messages", n, count(want)))
	}
	// The audit again: through the links every copy is its source.
	r := sh(plan + "\nimapx diff --exit-code src.jsonl dst.jsonl > /dev/null")
	if r.exit != 0 {
		p = append(p, fmt.Sprintf("after the pipeline, diff with --links still sees differences (exit %d):\n%s", r.exit, stderrSummary(r.stderr)))
	}
	expect(t, p)
}

// changes is what the incremental case does to one side.
type changes struct {
	add           []imaptest.SeedMessage
	folder        string // where a flag is set and a message expunged
	flagSeq, gone uint32 // gone 0: none expunged
}

// apply makes the changes on a with plain go-imap calls.
func (ch changes) apply(t *testing.T, a account) {
	t.Helper()
	if len(ch.add) > 0 {
		if err := a.srv.Seed(a.user, a.pass, ch.add); err != nil {
			t.Fatalf("seed %s: %v", a.srv.Family(), err)
		}
	}
	c, err := imapclient.DialInsecure(a.srv.PlainAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(a.user, a.pass).Wait(); err != nil {
		t.Fatal(err)
	}
	folder := ch.folder
	if prefix, sep := a.srv.Layout(); folder != "INBOX" {
		folder = prefix + strings.ReplaceAll(folder, "/", sep)
	}
	if _, err := c.Select(folder, nil).Wait(); err != nil {
		t.Fatalf("select %s on %s: %v", folder, a.srv.Family(), err)
	}
	if err := c.Store(imap.SeqSetNum(ch.flagSeq), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagFlagged, "later"}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if ch.gone != 0 {
		if err := c.Store(imap.SeqSetNum(ch.gone), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
			t.Fatal(err)
		}
		if err := c.Expunge().Close(); err != nil {
			t.Fatal(err)
		}
	}
	c.Logout().Wait()
}

// TestFamiliesIncremental: a sync, then new messages, flag changes and
// expunges on both sides, then a re-sync with --delete2: the destination
// is the source again, exactly. Cyrus (CONDSTORE) is read incrementally
// as source and as destination; Courier (no CONDSTORE) in full, Dovecot
// incrementally on the other side. A pair read incrementally on both sides
// is compared only where it changed.
func TestFamiliesIncremental(t *testing.T) {
	s := startServers(t, "dovecot", "cyrus", "courier")
	now := time.Date(2024, 4, 1, 0, 0, 0, 0, time.UTC)
	corpus := onlyCRLF(serverCorpus())
	stray := []imaptest.SeedMessage{{Folder: "INBOX", Date: now, Flags: []string{}, Raw: []byte(
		"Subject: only on host2\r\nMessage-ID: <stray-incremental@example.org>\r\n\r\nNot on host1.\r\n")}}
	for _, c := range []struct {
		src, dst harness.Server
		rewrite  bool // with the README's --pipemess and --addheader
	}{{s.dovecot, s.cyrus, false}, {s.cyrus, s.dovecot, false}, {s.dovecot, s.courier, false}, {s.courier, s.dovecot, false},
		{s.dovecot, s.cyrus, true}, {s.cyrus, s.dovecot, true}} {
		pair := [2]harness.Server{c.src, c.dst}
		name := pair[0].Family() + "-to-" + pair[1].Family()
		args := []string{"--delete2"}
		if c.rewrite {
			name += "-rewritten"
			args = append(args, "--pipemess", migrated, "--addheader")
		}
		// exact: the destination is the source (rewritten: the migrated source)
		exact := func(r run) []string {
			if c.rewrite {
				return rewriteProblems(t, r, acct(c.src, "inc-"+name), acct(c.dst, "inc-"+name))
			}
			diff, _ := compare(t, acct(c.src, "inc-"+name), acct(c.dst, "inc-"+name))
			return exactProblems(r, diff)
		}
		t.Run(name, func(t *testing.T) {
			user := "inc-" + name
			acc := newAccounts(t, user, pair[0], pair[1])
			src, dst := acc[0], acc[1]
			home := t.TempDir()
			r, _ := syncCase(t, home, src, dst, corpus, args...)
			if p := exact(r); len(p) > 0 {
				t.Fatalf("first sync:\n%s", strings.Join(p, "\n"))
			}
			changes{add: imaptest.Many(6, now), folder: "INBOX", flagSeq: 1, gone: 2}.apply(t, src)
			changes{add: stray, folder: "Lists/imap", flagSeq: 3, gone: 4}.apply(t, dst)
			r = imapx(t, home, pwEnv(src, dst), append(append([]string{"sync"}, args...), src.url(), dst.url())...)
			t.Logf("re-sync %s: exit %d in %v, verdict %q", name, r.exit, r.took.Round(10*time.Millisecond), verdict(r.stderr))
			p := exact(r)
			// 6 new on host1, 1 expunged on host2 copied again.
			if !strings.Contains(r.stderr, "copied 7 messages") {
				p = append(p, "want \"copied 7 messages\"; stderr:\n"+lastLines(r.stderr, 20))
			}
			for host, srv := range map[string]harness.Server{"host1": src.srv, "host2": dst.srv} {
				incr := regexp.MustCompile(`imapx: ` + host + `: \d+ folders read incrementally`).MatchString(r.stderr)
				if want := srv.Family() != "courier"; incr != want {
					p = append(p, fmt.Sprintf("%s (%s) read incrementally: %v, want %v; stderr:\n%s", host, srv.Family(), incr, want, lastLines(r.stderr, 20)))
				}
			}
			// Pairs read incrementally on both sides are compared only
			// where they changed (pipeline/narrow.go).
			narrowed := strings.Contains(r.stderr, "not compared again")
			if want := src.srv.Family() != "courier" && dst.srv.Family() != "courier"; narrowed != want {
				p = append(p, fmt.Sprintf("compared only where changed: %v, want %v; stderr:\n%s", narrowed, want, lastLines(r.stderr, 20)))
			}
			// New mail and a flag change on host1, nothing expunged: the
			// folders' counts say so without a UID SEARCH, and host2's
			// verify reads only what the run wrote.
			var fresh []imaptest.SeedMessage
			for i := 0; i < 3; i++ {
				fresh = append(fresh, imaptest.SeedMessage{Folder: "INBOX", Date: now, Flags: []string{}, Raw: []byte(fmt.Sprintf(
					"Subject: later %d\r\nMessage-ID: <later-%d@example.org>\r\n\r\nNew after the re-sync.\r\n", i, i))})
			}
			changes{add: fresh, folder: "INBOX", flagSeq: 5}.apply(t, src)
			r = imapx(t, home, pwEnv(src, dst), append(append([]string{"sync"}, args...), src.url(), dst.url())...)
			p = append(p, exact(r)...)
			if !strings.Contains(r.stderr, "copied 3 messages") {
				p = append(p, "new mail, no expunge: want \"copied 3 messages\"; stderr:\n"+lastLines(r.stderr, 20))
			}
			if want := src.srv.Family() != "courier" && dst.srv.Family() != "courier"; strings.Contains(r.stderr, "not compared again") != want {
				p = append(p, fmt.Sprintf("new mail, no expunge: compared only where changed: want %v; stderr:\n%s", want, lastLines(r.stderr, 20)))
			}
			// And once more: nothing to do.
			again := imapx(t, home, pwEnv(src, dst), append(append([]string{"sync"}, args...), src.url(), dst.url())...)
			if !strings.Contains(again.stderr, "copied 0 messages") {
				p = append(p, "the third run copied:\n"+stderrSummary(again.stderr))
			}
			p = append(p, exact(again)...)
			expect(t, p)
		})
	}
}

// TestFamiliesACLs: --syncacls between Dovecot (acl plugin) and Cyrus
// (ACLs built in), both ways; the ACLs read back with GETACL.
func TestFamiliesACLs(t *testing.T) {
	dovecot := harness.Require(t, harness.Options{ACL: true})
	cyrus := harness.RequireCyrus(t, harness.CyrusOptions{})
	for _, u := range []string{"owner", "bob", "carol"} {
		for _, srv := range []harness.Server{dovecot, cyrus} {
			if err := srv.AddUser(u, "pw-"+u+"-"+srv.Family()); err != nil {
				t.Fatal(err)
			}
		}
	}
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	for _, pair := range [][2]harness.Server{{dovecot, cyrus}, {cyrus, dovecot}} {
		name := pair[0].Family() + "-to-" + pair[1].Family()
		t.Run(name, func(t *testing.T) {
			acc := newAccounts(t, "acl-"+name, pair[0], pair[1])
			src, dst := acc[0], acc[1]
			msgs := []imaptest.SeedMessage{{Folder: "Team", Date: now, Flags: []string{}, Raw: []byte("Subject: t\r\nMessage-ID: <acl-team@example.org>\r\n\r\nTeam.\r\n")}}
			if err := src.srv.Seed(src.user, src.pass, msgs, "Private"); err != nil {
				t.Fatal(err)
			}
			setACL(t, src, "Team", "bob", "lrs")
			setACL(t, src, "INBOX", "carol", "lr")
			// host2 already gives carol rights on Private, which host1 does not.
			if err := dst.srv.Seed(dst.user, dst.pass, nil, "Private"); err != nil {
				t.Fatal(err)
			}
			setACL(t, dst, "Private", "carol", "lrswi")
			home := t.TempDir()
			r := imapx(t, home, pwEnv(src, dst), "sync", "--syncacls", src.url(), dst.url())
			t.Logf("%s: exit %d, %s", name, r.exit, grepLines(r.stderr, "acl|warning|error|looks good"))
			var p []string
			if r.exit != 0 || !strings.Contains(r.stderr, "looks good") {
				p = append(p, fmt.Sprintf("exit %d, want 0 and looks good; stderr:\n%s", r.exit, stderrSummary(r.stderr)))
			}
			// Cyrus's n (shared annotations) is a right Dovecot refuses
			// and cannot express: never sent to it, never taken away.
			if strings.Contains(r.stderr, "warning: --syncacls") {
				p = append(p, "ACL warnings:\n"+grepLines(r.stderr, "syncacls"))
			}
			for _, f := range []string{"INBOX", "Team", "Private"} {
				want, got := others(getACL(t, src, f), src.user), others(getACL(t, dst, f), dst.user)
				if want != got {
					p = append(p, fmt.Sprintf("ACL of %s on %s: %q, want host1's %q", f, dst.srv.Family(), got, want))
				}
				if own := getACL(t, dst, f)[dst.user]; !strings.Contains(own, "a") {
					p = append(p, fmt.Sprintf("%s lost the owner's admin right on %s: %q", dst.srv.Family(), f, own))
				}
			}
			if again := imapx(t, home, pwEnv(src, dst), "sync", "--syncacls", src.url(), dst.url()); !strings.Contains(again.stderr, "syncacls: 0 ACL entries set on host2") {
				p = append(p, "the re-run set ACLs again:\n"+grepLines(again.stderr, "acl"))
			}
			expect(t, p)
		})
	}
}

func aclClient(t *testing.T, a account) (*imapclient.Client, func(string) string) {
	t.Helper()
	c, err := imapclient.DialInsecure(a.srv.PlainAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(a.user, a.pass).Wait(); err != nil {
		t.Fatal(err)
	}
	prefix, sep := a.srv.Layout()
	return c, func(f string) string {
		if f == "INBOX" {
			return f
		}
		return prefix + strings.ReplaceAll(f, "/", sep)
	}
}

func setACL(t *testing.T, a account, folder, id, rights string) {
	t.Helper()
	c, name := aclClient(t, a)
	if err := c.SetACL(name(folder), imap.RightsIdentifier(id), imap.RightModificationReplace, imap.RightSet(rights)).Wait(); err != nil {
		t.Fatalf("SETACL %s %s on %s: %v", folder, id, a.srv.Family(), err)
	}
}

func getACL(t *testing.T, a account, folder string) map[string]string {
	t.Helper()
	c, name := aclClient(t, a)
	data, err := c.GetACL(name(folder)).Wait()
	if err != nil {
		t.Fatalf("GETACL %s on %s: %v", folder, a.srv.Family(), err)
	}
	out := map[string]string{}
	for id, r := range data.Rights {
		out[string(id)] = sortedRights(string(r))
	}
	return out
}

// others is an ACL without the owner's entry, as sorted text.
func others(acl map[string]string, owner string) string {
	var out []string
	for id, r := range acl {
		if id != owner && r != "" {
			out = append(out, id+" "+r)
		}
	}
	sort.Strings(out)
	return strings.Join(out, ", ")
}

// TestFamiliesMboxCourier: an mbox backup of Dovecot (8-bit headers,
// bare LFs, a message without Message-ID) restored into Courier, backed
// up from Courier and restored into Dovecot again: the original, exactly.
func TestFamiliesMboxCourier(t *testing.T) {
	s := startServers(t, "dovecot", "courier")
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	acc := newAccounts(t, "mboxrt", s.dovecot, s.courier)
	src, mid := acc[0], acc[1]
	back := newAccounts(t, "mboxback", s.dovecot)[0]
	msgs := append(imaptest.SampleMail(now),
		imaptest.SeedMessage{Folder: "Lists/go", Date: now, Flags: []string{`\Seen`}, Raw: []byte(
			"From: J\xfcrgen M\xfcller <j@example.org>\r\nSubject: Gr\xfc\xdfe, =?utf-8?q?caf=C3=A9?= \xe2\x82\xac\r\nMessage-ID: <8bit-rt@example.org>\r\n\r\nBody.\r\n")},
		imaptest.SeedMessage{Folder: "INBOX", Date: now, Flags: []string{"$Label1"}, Raw: []byte(
			"Subject: caf\xc3\xa9 without Message-ID\r\nX-Note: 8-bit \xa0\xff bytes\r\n\r\nRaw UTF-8 and Latin-1 in the header.\r\n")})
	eight := 0
	for _, m := range msgs {
		if bytes.ContainsFunc(headerOf(m.Raw), func(r rune) bool { return r >= 0x80 }) {
			eight++
		}
	}
	if eight < 2 {
		t.Fatalf("only %d messages with 8-bit headers: the case tests nothing", eight)
	}
	p := mboxCase(t, src, mid, msgs)
	if len(p) == 0 {
		p = mboxCase(t, mid, back, nil)
		if diff, _ := compare(t, src, back); diff != "" {
			p = append(p, "Dovecot → mbox → Courier → mbox → Dovecot is not the original:\n"+lastLines(diff, 8))
		}
	}
	expect(t, p)
}

// proxied is a server reached through a proxy: imapx dials addr, the
// independent reads go to the server itself.
type proxied struct {
	harness.Server
	addr string
}

func (p proxied) PlainAddr() string { return p.addr }

var (
	appendUIDCode = regexp.MustCompile(`\[APPENDUID \d+ [\d:,]+\] ?`)
	uidplusCap    = regexp.MustCompile(`(?i) UIDPLUS\b`)
)

// withoutAppendUID starts a proxy to srv that hides UIDPLUS: the
// capability, and the APPENDUID code of every answer (a server that
// gives no UID of what it stored; Courier sends APPENDUID even when its
// IMAP_CAPABILITY leaves UIDPLUS out).
func withoutAppendUID(t *testing.T, srv harness.Server) harness.Server {
	t.Helper()
	ln, stop, err := forwardProxy(srv.PlainAddr(), rewriteConn(func(r *bufio.Reader, client net.Conn) {
		w := bufio.NewWriter(client)
		for {
			line, err := r.ReadString('\n')
			if !strings.HasPrefix(line, "* ") || strings.Contains(line, "CAPABILITY") {
				line = uidplusCap.ReplaceAllString(appendUIDCode.ReplaceAllString(line, ""), "")
			}
			w.WriteString(line)
			if err != nil {
				w.Flush()
				return
			}
			if m := literalAtEnd.FindStringSubmatch(line); m != nil {
				n, _ := strconv.ParseInt(m[1], 10, 64)
				if _, err := io.CopyN(w, r, n); err != nil {
					w.Flush()
					return
				}
			}
			if r.Buffered() == 0 && w.Flush() != nil {
				return
			}
		}
	}))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return proxied{srv, ln.Addr().String()}
}

var linkedLateRE = regexp.MustCompile(`gave no APPENDUID \(no UIDPLUS\): (\d+) copies found again`)

// linkedLate sums what each destination connection found and linked of
// the copies stored without APPENDUID.
func linkedLate(stderr string) int {
	n := 0
	for _, m := range linkedLateRE.FindAllStringSubmatch(stderr, -1) {
		k, _ := strconv.Atoi(m[1])
		n += k
	}
	return n
}

// TestFamiliesParentsAndAccounts: --create-parents into Cyrus and
// Courier (Dovecot's \Noselect "Archive" above "Archive/2023" becomes a
// real, selectable folder), run from an accounts file as a mass
// migration runs it (sync --accounts FILE --account N).
func TestFamiliesParentsAndAccounts(t *testing.T) {
	s := startServers(t, "dovecot", "cyrus", "courier")
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	home := t.TempDir()
	var lines []string
	var pairs [][2]account
	for _, dstSrv := range []harness.Server{s.cyrus, s.courier} {
		acc := newAccounts(t, "parents-"+dstSrv.Family(), s.dovecot, dstSrv)
		if err := acc[0].srv.Seed(acc[0].user, acc[0].pass, imaptest.SampleMail(now)); err != nil {
			t.Fatal(err)
		}
		pairs = append(pairs, [2]account{acc[0], acc[1]})
		lines = append(lines, strings.Join([]string{acc[0].srv.PlainAddr(), acc[0].user, acc[0].pass,
			acc[1].srv.PlainAddr(), acc[1].user, acc[1].pass}, ";"))
	}
	file := filepath.Join(home, "accounts.csv")
	if err := os.WriteFile(file, []byte("# host1;user1;password1;host2;user2;password2\n"+strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for i, pair := range pairs {
		src, dst := pair[0], pair[1]
		t.Run("dovecot-to-"+dst.srv.Family(), func(t *testing.T) {
			line := strconv.Itoa(i + 2)
			args := []string{"sync", "--accounts", file, "--account", line, "--notls1", "--notls2", "--create-parents"}
			r := imapx(t, home, nil, args...)
			diff, n := compare(t, src, dst)
			t.Logf("accounts line %s → %s: exit %d in %v, %d messages, verdict %q\n%s", line, dst.srv.Family(), r.exit, r.took.Round(10*time.Millisecond), n, verdict(r.stderr), grepLines(r.stderr, "(?i)creat|folder"))
			p := exactProblems(r, diff)
			c, name := aclClient(t, dst)
			if _, err := c.Select(name("Archive"), &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
				p = append(p, fmt.Sprintf("%s has no selectable Archive: %v", dst.srv.Family(), err))
			}
			again := imapx(t, home, nil, args...)
			if !strings.Contains(again.stderr, "copied 0 messages") || !strings.Contains(again.stderr, " 0 folders to create") {
				p = append(p, "the re-run copied or created again:\n"+stderrSummary(again.stderr))
			}
			diff, _ = compare(t, src, dst)
			p = append(p, exactProblems(again, diff)...)
			expect(t, p)
		})
	}
}
