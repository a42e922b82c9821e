// End-to-end tests: the real imapx binary, run by testscript files in
// testdata/ the way a user runs it, against a private Dovecot per script,
// with results checked by an independent read of the servers.
package test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imapx/imapx/cmd/imapx/command"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/scriptcmd"
	"github.com/imapx/imapx/test/harness"
)

// TestMain registers imapx's Run as the `imapx` command of the scripts
// (and of the tests that exec it): the test binary is imapx, so there is
// no separate build, and go test's cache sees every source it depends on.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"imapx": func() { os.Exit(command.Run()) },
	})
}

// Users every script's Dovecot has.
var users = map[string]string{"user1": "secret-one-9f2c", "user2": "secret-two-7a1d", "user3": "secret-three-4b8e"}

func TestScripts(t *testing.T) {
	if _, err := harness.Binary(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("%v: CI must run the end-to-end tests", err)
		}
		t.Skip(err)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Setup:               setup,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"seed":        cmdSeed,
			"same":        cmdSame,
			"samelayouts": cmdSameLayouts,
			"count":       cmdCount,
			"stopdovecot": cmdStop,
			"exitcode":    scriptcmd.ExitCode,
			"cutproxy":    cmdCutProxy,
			"sleeprandom": cmdSleepRandom,
			"nodups":      cmdNoDups,
			"plantdup":    cmdPlantDup,
			"slowproxy":   cmdSlowProxy,
			"plantcrcrlf": cmdPlantCRCRLF,
			"interrupt":   cmdInterrupt,
			"stallproxy":  cmdStallProxy,
			"nostarttls":  cmdNoStartTLS,
			"mkfolders":   cmdMkFolders,
			"folders":     cmdFolders,
			"subscribed":  cmdSubscribed,
			"alertproxy":  cmdAlertProxy,
			"setacl":      cmdSetACL,
			"acl":         cmdACL,
			"samesubst":   cmdSameSubst,
			"holdproxy":   cmdHoldProxy,
			"lagcutproxy": cmdLagCutProxy,
			"lagcutwait":  cmdLagCutWait,
			"waitcount":   cmdWaitCount,
			"plantorphan": cmdPlantOrphan,
			"provider":    cmdProvider,
			"provstat":    cmdProvStat,
			"gmailhas":    cmdGmailHas,
			"keywords":    cmdKeywords,
			"seedfolders": cmdSeedFolders,
			"provfolders": cmdProvFolders,
		},
	})
}

const dovecotKey, dovecot2Key = "dovecot", "dovecot2"

func setup(env *testscript.Env) error {
	examples, err := filepath.Abs("../examples")
	if err != nil {
		return err
	}
	env.Setenv("EXAMPLES", examples)
	// A home of its own: sync keeps its state under the user cache dir.
	env.Setenv("HOME", filepath.Join(env.WorkDir, ".home"))
	dir, err := os.MkdirTemp("", "imapx-e2e-")
	if err != nil {
		return err
	}
	os.Chmod(dir, 0o755)
	opts := harness.Options{}
	// Scripts named *courier* get a Courier/Cyrus-style server.
	if strings.Contains(filepath.Base(env.WorkDir), "courier") {
		opts = harness.Options{Separator: ".", Prefix: "INBOX."}
	}
	// Scripts named *acl* get Dovecot's acl plugin (GETACL, SETACL).
	opts.ACL = strings.Contains(filepath.Base(env.WorkDir), "acl")
	// Scripts named *quota* get a 100 KB storage quota per user.
	if strings.Contains(filepath.Base(env.WorkDir), "quota") {
		opts.Quota = "100K"
	}
	d, err := harness.Start(dir, opts)
	if err != nil {
		os.RemoveAll(dir)
		return err
	}
	env.Defer(func() {
		d.Stop()
		os.RemoveAll(dir)
	})
	for u, p := range users {
		if err := d.AddUser(u, p); err != nil {
			return err
		}
		env.Setenv("PW_"+strings.ToUpper(u), p)
	}
	env.Values[dovecotKey] = d
	env.Values[providersKey] = providers{}
	// Scripts named *crosslayout* also get a Courier/Cyrus-style second
	// server ($PLAIN2), to sync between the two layouts.
	if strings.Contains(filepath.Base(env.WorkDir), "crosslayout") {
		d2, err := harness.Start(filepath.Join(dir, "courier"), harness.Options{Separator: ".", Prefix: "INBOX."})
		if err != nil {
			return err
		}
		env.Defer(func() { d2.Stop() })
		for u, p := range users {
			if err := d2.AddUser(u, p); err != nil {
				return err
			}
		}
		env.Values[dovecot2Key] = d2
		env.Setenv("PLAIN2", d2.PlainAddr())
	}
	env.Setenv("DOVECOTDIR", d.Dir())
	env.Setenv("PLAIN", d.PlainAddr())
	env.Setenv("PLAINPORT", strconv.Itoa(d.PlainPort()))
	env.Setenv("TLSADDR", d.TLSAddr())
	env.Setenv("CAFILE", d.CAFile())
	env.Setenv("MASTER", harness.MasterUser)
	env.Setenv("MASTER_PW", harness.MasterPassword)
	env.Setenv("CLOSEDPORT", closedPort())
	return nil
}

// closedPort is an address nothing listens on: bound, noted, closed.
func closedPort() string {
	l, err := netListen()
	if err != nil {
		return "127.0.0.1:1"
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

func dovecot(ts *testscript.TestScript) *harness.Dovecot {
	return ts.Value(dovecotKey).(*harness.Dovecot)
}

// seed USER CORPUS [FOLDER...]: put a corpus into USER's mailbox.
// Corpora: sample (imaptest.SampleMail), many:N (N small messages in
// INBOX and Archive/N), big:BYTES (one message of that size).
func cmdSeed(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 {
		ts.Fatalf("usage: seed USER CORPUS [FOLDER...]")
	}
	user, corpus := args[0], args[1]
	var msgs []imaptest.SeedMessage
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	switch {
	case corpus == "sample":
		msgs = imaptest.SampleMail(now)
	case strings.HasPrefix(corpus, "many:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(corpus, "many:"))
		msgs = imaptest.Many(n, now)
	case strings.HasPrefix(corpus, "mixed:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(corpus, "mixed:"))
		msgs = imaptest.Mixed(n, now)
	case strings.HasPrefix(corpus, "big:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(corpus, "big:"))
		msgs = []imaptest.SeedMessage{imaptest.Big(n, now)}
	case strings.HasPrefix(corpus, "rewrite:"):
		n, _ := strconv.Atoi(strings.TrimPrefix(corpus, "rewrite:"))
		msgs = imaptest.RewriteMail(now, n)
	case corpus == "none":
	default:
		ts.Fatalf("unknown corpus %q", corpus)
	}
	err := dovecot(ts).Seed(user, users[user], msgs, args[2:]...)
	if (err != nil) != neg {
		ts.Fatalf("seed: %v", err)
	}
}

// same USER1 USER2: both mailboxes hold exactly the same multiset of
// (folder, raw bytes, flags, internal date), read independently of imapx.
func cmdSame(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: same USER1 USER2")
	}
	a := readKeys(ts, args[0])
	b := readKeys(ts, args[1])
	diff := multisetDiff(a, b)
	if neg {
		if diff == "" {
			ts.Fatalf("mailboxes are the same")
		}
		return
	}
	if diff != "" {
		ts.Fatalf("mailboxes differ:\n%s", diff)
	}
	ts.Logf("%d messages identical", len(a))
}

// samelayouts USER1 USER2: USER1 on the first server and USER2 on the
// Courier-style second one hold the same messages, folder names read
// through each server's separator and prefix ("INBOX.Archive.2023" is
// "Archive/2023").
func cmdSameLayouts(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: samelayouts USER1 USER2")
	}
	a := readKeys(ts, args[0])
	d2 := ts.Value(dovecot2Key).(*harness.Dovecot)
	msgs, _, err := d2.ReadAll(args[1], users[args[1]])
	if err != nil {
		ts.Fatalf("read %s on the second server: %v", args[1], err)
	}
	b := make([]string, len(msgs))
	for i, m := range msgs {
		if m.Folder != "INBOX" {
			m.Folder = strings.ReplaceAll(strings.TrimPrefix(m.Folder, "INBOX."), ".", "/")
		}
		b[i] = m.Key()
	}
	sort.Strings(b)
	if diff := multisetDiff(a, b); (diff != "") != neg {
		ts.Fatalf("mailboxes differ (or not, with !):\n%s", diff)
	}
	ts.Logf("%d messages identical across layouts", len(a))
}

func readKeys(ts *testscript.TestScript, user string) []string {
	msgs, _, err := dovecot(ts).ReadAll(user, users[user])
	if err != nil {
		ts.Fatalf("read %s: %v", user, err)
	}
	keys := make([]string, len(msgs))
	for i, m := range msgs {
		keys[i] = m.Key()
	}
	sort.Strings(keys)
	return keys
}

func multisetDiff(a, b []string) string {
	count := map[string]int{}
	for _, k := range a {
		count[k]++
	}
	for _, k := range b {
		count[k]--
	}
	var out []string
	for k, n := range count {
		if n != 0 {
			if len(k) > 160 {
				k = k[:160] + "…"
			}
			out = append(out, fmt.Sprintf("%+d %s", n, k))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// count USER N: USER's mailbox holds N messages in all.
func cmdCount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: count USER N")
	}
	msgs, _, err := dovecot(ts).ReadAll(args[0], users[args[0]])
	if err != nil {
		ts.Fatalf("read: %v", err)
	}
	want, _ := strconv.Atoi(args[1])
	if (len(msgs) == want) == neg {
		ts.Fatalf("%s has %d messages, want %d", args[0], len(msgs), want)
	}
}

// stopdovecot: stop the server (connection failure tests).
func cmdStop(ts *testscript.TestScript, neg bool, args []string) {
	dovecot(ts).Stop()
}

// nodups USER: no folder of USER holds the same raw message more often
// than SRCUSER's same folder does (given as second argument).
func cmdNoDups(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: nodups USER SRCUSER")
	}
	count := func(user string) map[string]int {
		msgs, _, err := dovecot(ts).ReadAll(user, users[user])
		if err != nil {
			ts.Fatalf("read %s: %v", user, err)
		}
		c := map[string]int{}
		for _, m := range msgs {
			c[m.Folder+"|"+string(m.Raw)]++
		}
		return c
	}
	dst, src := count(args[0]), count(args[1])
	for k, n := range dst {
		if n > src[k] {
			ts.Fatalf("%s holds %d copies of a message the source has %d times: %.80q", args[0], n, src[k], k)
		}
	}
}
