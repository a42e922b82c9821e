package command

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

// flagPosCase is one command line whose flags are tried at every position:
// all before the arguments, all after, one between each two arguments, and
// in reverse order after the first argument. Every order must give the
// same exit code and the same stdout (lines compared sorted: folders are
// read in parallel). "$DIR" is the test's directory, "$MEM" the server.
type flagPosCase struct {
	cmd   string
	flags [][]string // each flag with its value, if it takes one
	args  []string   // the positional arguments, in order
	code  int
	out   []string // regexps the stdout of the flags-first order must match
}

var flagPosCases = []flagPosCase{
	{cmd: "list", flags: [][]string{{"--passfile", "$DIR/pw1"}, {"--sizes"}, {"--format", "table"}, {"--folderrec", "Archive"}},
		args: []string{"imap://user1@$MEM?tls=none"}, out: []string{`Archive/2023`}},
	{cmd: "list", flags: [][]string{{"--passfile", "$DIR/pw1"}, {"--passfile2=$DIR/pw2"}, {"--folder", "INBOX"}},
		args: []string{"imap://user1@$MEM?tls=none", "imap://user2@$MEM?tls=none"}, out: []string{`"dst_name":"INBOX"`}},
	// the line: `fetch SRC --plan P --full` is `fetch --plan P --full SRC`
	{cmd: "fetch", flags: [][]string{{"--plan", "$DIR/plan.jsonl"}, {"--full"}, {"--passfile", "$DIR/pw1"}},
		args: []string{"imap://user1@$MEM?tls=none"}, out: []string{`"raw":"`, `"dst_folder":"INBOX"`}},
	{cmd: "fetch", flags: [][]string{{"--passfile", "$DIR/pw1"}, {"--headers=false"}, {"-o", "-"}, {"--useheader", "Subject"}},
		args: []string{"imap://user1@$MEM?tls=none", "INBOX", "Sent"}, out: []string{`"folder":"Sent"`, `"folder":"INBOX"`}},
	{cmd: "ident", flags: [][]string{{"--useheader", "Subject"}, {"--no-end"}},
		args: []string{"$DIR/small.mbox"}, out: []string{`"ident":"h:`}},
	{cmd: "diff", flags: [][]string{{"--format", "table"}, {"--noresyncflags"}, {"--f1f2", "INBOX=INBOX"}},
		args: []string{"$DIR/src.jsonl", "$DIR/dst.jsonl"}, out: []string{`copy`}},
	{cmd: "diff", flags: [][]string{{"--exit-code"}, {"--delete2"}},
		args: []string{"-", "$DIR/dst.jsonl"}, code: 1, out: []string{`"op":"delete"`}},
	{cmd: "rewrite", flags: [][]string{{"--regexmess", `s/^Subject: /Subject: [x] /m`}, {"--addheader"}, {"--workers", "2"}, {"--no-end"}},
		args: []string{"$DIR/small.mbox"}, out: []string{`"rewritten":\[`}},
	{cmd: "push", flags: [][]string{{"--dry-run"}, {"--passfile", "$DIR/pw2"}, {"--folder", "Restored"}, {"--window", "4"}},
		args: []string{"imap://user2@$MEM?tls=none", "$DIR/small.mbox"}, out: []string{`"dry_run":true`}},
	{cmd: "flags", flags: [][]string{{"--dry-run"}, {"--passfile", "$DIR/pw1"}, {"--no-end"}},
		args: []string{"imap://user1@$MEM?tls=none", "$DIR/stale.plan"}, code: 117, out: []string{`UIDVALIDITY is 1, the plan was made at 999`}},
	{cmd: "format", flags: [][]string{{"--to", "summary"}, {"-o", "-"}},
		args: []string{"$DIR/src.jsonl"}, out: []string{`INBOX`}},
	// imapsync's options anywhere, as imapsync takes them
	{cmd: "sync", flags: [][]string{{"--dry"}, {"--passfile1", "$DIR/pw1"}, {"--passfile2", "$DIR/pw2"}, {"--nolog"}, {"--folder", "Sent"}, {"-nostate"}, {"--timeout1", "-1"}},
		args: []string{"imap://user1@$MEM?tls=none", "imap://user2@$MEM?tls=none"}, code: 64},
	{cmd: "sync", flags: [][]string{{"--dry"}, {"--passfile1", "$DIR/pw1"}, {"--passfile2", "$DIR/pw2"}, {"--nolog"}, {"--folder", "Sent"}, {"-nostate"}, {"--usecache"}},
		args: []string{"imap://user1@$MEM?tls=none", "imap://user2@$MEM?tls=none"}, out: []string{`^dry: copy "Sent" UID 1 `}},
	{cmd: "sync", flags: [][]string{{"--host1", "127.0.0.1"}, {"--port1", "$PORT"}, {"--user1", "user1"}, {"--passfile1", "$DIR/pw1"}, {"--notls1"},
		{"--host2", "127.0.0.1"}, {"--port2", "$PORT"}, {"--user2", "user2"}, {"--passfile2", "$DIR/pw2"}, {"--notls2"}, {"--justfolders"}, {"--dry"}, {"--nolog"}},
		out: []string{`^dry: create folder "Archive/2023"$`}},
	{cmd: "demo", flags: [][]string{{"--help"}}, out: []string{`in-process IMAP servers`}},
	{cmd: "completion", flags: [][]string{{"--bogus"}}, args: []string{"bash"}, code: 64},
	{cmd: "completion", args: []string{"zsh"}, out: []string{`^#compdef imapx`}},
	{cmd: "man", flags: [][]string{{"--help"}}, out: []string{`imapx man`}},
}

// orders are the command lines of c: flags first, flags last, one flag
// between each two arguments, and reversed after the first argument.
func (c flagPosCase) orders() [][]string {
	var flags []string
	for _, f := range c.flags {
		flags = append(flags, f...)
	}
	first := append(append([]string{c.cmd}, flags...), c.args...)
	last := append(append([]string{c.cmd}, c.args...), flags...)
	between := []string{c.cmd}
	for i := 0; i < max(len(c.args), len(c.flags)); i++ {
		if i < len(c.args) {
			between = append(between, c.args[i])
		}
		if i < len(c.flags) {
			between = append(between, c.flags[i]...)
		}
	}
	reversed := []string{c.cmd}
	if len(c.args) > 0 {
		reversed = append(reversed, c.args[0])
	}
	for i := len(c.flags) - 1; i >= 0; i-- {
		reversed = append(reversed, c.flags[i]...)
	}
	if len(c.args) > 0 {
		reversed = append(reversed, c.args[1:]...)
	}
	return [][]string{first, last, between, reversed}
}

func TestFlagPositions(t *testing.T) {
	srv, err := imaptest.StartMem([]imaptest.MemUser{
		{Name: "user1", Password: memUsers["user1"], Messages: imaptest.SampleMail(time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC))},
		{Name: "user2", Password: memUsers["user2"]},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	dir := t.TempDir()
	for name, body := range cliFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", filepath.Join(dir, "home"))
	t.Setenv("IMAPX_PASSWORD", "")
	t.Chdir(dir)
	expand := func(args []string) []string {
		out := []string{"imapx"}
		for _, a := range args {
			a = strings.ReplaceAll(a, "$DIR", dir)
			a = strings.ReplaceAll(a, "$PORT", portOf(srv.Addr()))
			out = append(out, strings.ReplaceAll(a, "$MEM", srv.Addr()))
		}
		return out
	}
	run := func(t *testing.T, stdin string, args ...string) (int, string, string) {
		t.Helper()
		var stdout, stderr bytes.Buffer
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		code := Main(ctx, expand(args), strings.NewReader(stdin), &stdout, &stderr)
		return code, stdout.String(), stderr.String()
	}
	// A plan to fetch: the source's messages, none on the destination.
	code, inv, stderr := run(t, "", "fetch", "--passfile", "$DIR/pw1", "imap://user1@$MEM?tls=none", "INBOX")
	if code != 0 {
		t.Fatalf("fetch: exit %d: %s", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, "inv.jsonl"), []byte(inv), 0o600)
	code, plan, stderr := run(t, "", "diff", "$DIR/inv.jsonl", "$DIR/dst.jsonl")
	if code != 0 {
		t.Fatalf("diff: exit %d: %s", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, "plan.jsonl"), []byte(plan), 0o600)

	covered := map[string]bool{}
	for _, c := range flagPosCases {
		covered[c.cmd] = true
		t.Run(strings.Join(append([]string{c.cmd}, c.args...), " "), func(t *testing.T) {
			var want []string
			for i, args := range c.orders() {
				code, out, errOut := run(t, cliFiles["src.jsonl"], args...)
				if code != c.code {
					t.Errorf("%q: exit %d, want %d\nstderr: %s", args, code, c.code, errOut)
				}
				lines := strings.Split(out, "\n")
				slices.Sort(lines)
				if i == 0 {
					want = lines
					match(t, "stdout", out, c.out)
				} else if !slices.Equal(lines, want) {
					t.Errorf("%q: stdout differs from the flags-first order:\n%.2000s\nwant:\n%.2000s", args, out, strings.Join(want, "\n"))
				}
			}
		})
	}
	for _, cmd := range (&streams{}).app().Commands {
		if !covered[cmd.Name] {
			t.Errorf("command %s has no case in flagPosCases", cmd.Name)
		}
	}
}

// Lines the reordering must leave alone or refuse clearly.
func TestFlagPositionEdges(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "small.mbox"), []byte(cliFiles["small.mbox"]), 0o600)
	os.WriteFile(filepath.Join(dir, "--x"), []byte(cliFiles["small.mbox"]), 0o600)
	t.Chdir(dir)
	for _, tc := range []struct {
		args     []string
		code     int
		out, err []string
	}{
		// -- ends the flags: a file (or folder) named --x is an argument
		{args: []string{"ident", "--useheader", "Subject", "--", "--x"}, out: []string{`"message_id":"<one@example.org>"`}},
		{args: []string{"ident", "--", "--x", "--useheader"}, code: 64, err: []string{`too many arguments: --useheader`}},
		// a switch takes no value: the argument after it stays an argument
		{args: []string{"ident", "small.mbox", "--no-end"}, out: []string{`"stage":"ident"`}},
		{args: []string{"ident", "--no-end", "small.mbox"}, out: []string{`"stage":"ident"`}},
		// --switch=value is one argument
		{args: []string{"ident", "small.mbox", "--no-end=true"}, out: []string{`"stage":"ident"`}},
		// a value that looks like a flag is the flag's value
		{args: []string{"ident", "small.mbox", "--useheader", "-x"}, out: []string{`"ident":"a:`}},
		// "-" is stdin, an argument
		{args: []string{"ident", "-", "--useheader", "Subject"}, out: []string{`"stage":"ident"`}},
		// a flag the command does not have, anywhere: the clear error
		{args: []string{"ident", "small.mbox", "--folderr", "x"}, code: 64,
			err: []string{`^imapx: error: unknown option --folderr\nimapx: hint: run 'imapx ident --help' for the options\n$`}},
		{args: []string{"sync", "imap://a@b", "imap://c@d", "--folderr", "INBOX"}, code: 64,
			err: []string{`^imapx: error: unknown option --folderr$`, `did you mean --folder\?`}},
		// a command's --help anywhere
		{args: []string{"list", "imap://a@b", "--help"}, out: []string{`imapx list \[command options\] ACCOUNT`}},
		{args: []string{"--version"}, out: []string{`^imapx version`}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := Main(context.Background(), append([]string{"imapx"}, tc.args...), strings.NewReader(cliFiles["small.mbox"]), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tc.code, stderr.String())
			}
			match(t, "stdout", stdout.String(), tc.out)
			match(t, "stderr", stderr.String(), tc.err)
		})
	}
}
