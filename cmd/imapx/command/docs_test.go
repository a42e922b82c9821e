package command

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/scriptcmd"
)

// The documentation runs: every command example of README.md, of each
// command's --help and of the scripts in examples/ is run as written by
// TestDocExamples against two in-process accounts, with only the accounts
// (and the password) substituted, as README's "Examples run" describes.
// An example that fails, as written, fails the test.

// docExample is one command line (a pipeline, a list of commands) of a
// document.
type docExample struct {
	where   string // file:line, or "imapx CMD --help"
	section string // a Markdown file's "## " heading above it
	text    string
	code    int // the exit code it documents ("# exits N"), else 0
}

// exitsRE is an example's documented exit code: "… # exits 1 when they differ".
var exitsRE = regexp.MustCompile(`#.*\bexits (\d+)\b`)

func newExample(where, section, text string) docExample {
	ex := docExample{where: where, section: section, text: text}
	if m := exitsRE.FindStringSubmatch(text); m != nil {
		fmt.Sscan(m[1], &ex.code)
	}
	return ex
}

// docPassword is the password of both accounts; pw, pw2, p1 and p2 hold it.
const docPassword = "secret"

// examplesSkipped are examples that cannot run on this machine alone, each
// with why. Keep it short: an ordinary command never goes here.
var examplesSkipped = map[string]string{}

// exampleLine is a line that runs imapx (or a script of examples/): after
// an optional "$ " prompt and environment assignments.
var exampleLine = regexp.MustCompile(`^(\$ )?([A-Z_][A-Z0-9_]*=\S* )*(imapx |examples/\S+\.sh\b)`)

// markdownExamples are the example lines of a Markdown file's code blocks
// (indented by four spaces, or fenced without a language or with sh,
// bash, shell or console); a line ending in \ goes on with the next.
func markdownExamples(name, text string) []docExample {
	var out []docExample
	lines := strings.Split(text, "\n")
	fence, fenceRuns, prevBlank, section := "", false, true, ""
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		var code string
		trimmed := strings.TrimSpace(line)
		switch {
		case fence == "" && strings.HasPrefix(line, "## "):
			section, prevBlank = strings.TrimPrefix(line, "## "), false
			continue
		case fence != "":
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
				continue
			}
			if !fenceRuns {
				continue
			}
			code = trimmed
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			fence = trimmed[:3]
			lang := strings.TrimSpace(trimmed[3:])
			fenceRuns = lang == "" || lang == "sh" || lang == "bash" || lang == "shell" || lang == "console"
			continue
		case strings.HasPrefix(line, "    ") && (prevBlank || strings.HasPrefix(lines[i-1], "    ")):
			code = strings.TrimSpace(line)
		default:
			prevBlank = trimmed == ""
			continue
		}
		start := i + 1
		for strings.HasSuffix(code, `\`) && i+1 < len(lines) {
			i++
			code = strings.TrimSpace(code[:len(code)-1]) + " " + strings.TrimSpace(lines[i])
		}
		if exampleLine.MatchString(code) {
			out = append(out, newExample(fmt.Sprintf("%s:%d", name, start), section, strings.TrimPrefix(code, "$ ")))
		}
	}
	return out
}

// helpExamples are the example lines of a help text (the EXAMPLES: of a
// command's Description).
func helpExamples(where, text string) []docExample {
	var out []docExample
	lines := strings.Split(text, "\n")
	for i := 0; i < len(lines); i++ {
		code := strings.TrimSpace(lines[i])
		for strings.HasSuffix(code, `\`) && i+1 < len(lines) {
			i++
			code = strings.TrimSpace(code[:len(code)-1]) + " " + strings.TrimSpace(lines[i])
		}
		if exampleLine.MatchString(code) {
			out = append(out, newExample(where, "", code))
		}
	}
	return out
}

// scriptExamples are the usage lines in a script's leading comment
// ("#   examples/audit.sh SRC DST", "#   imapx fetch … | examples/x.sh").
func scriptExamples(name, text string) []docExample {
	var out []docExample
	for i, line := range strings.Split(text, "\n") {
		code, ok := strings.CutPrefix(line, "#")
		code = strings.TrimSpace(code)
		if ok && exampleLine.MatchString(code) {
			out = append(out, newExample(fmt.Sprintf("%s:%d", name, i+1), "", code))
		}
	}
	return out
}

var (
	// An account URL: the destination (user2) when its host starts
	// with "new", else the source (user1).
	urlRE = regexp.MustCompile(`imaps?://[^\s'"|;<>()]+`)
	// SRC and DST (or SRC-URL, DST-URL) written as whole arguments.
	placeholderRE = regexp.MustCompile(`(^|[\s"'=])(SRC|DST)(-URL)?([\s"';|)]|$)`)
	hostFlagRE    = regexp.MustCompile(`--host([12])[ =]\S+`)
	userFlagRE    = regexp.MustCompile(`--user([12])[ =]\S+`)
	// "…" standing for a password: IMAPX_PASSWORD1=…
	elidedRE = regexp.MustCompile(`(=)…`)
)

// substitute makes an example run against the test's accounts: account
// URLs, SRC/DST, --host1/--user1 (2) and elided passwords.
func substitute(text, examplesDir string) string {
	account := func(dst bool) string {
		if dst {
			return "imap://user2@$MEM?tls=none"
		}
		return "imap://user1@$MEM?tls=none"
	}
	text = urlRE.ReplaceAllStringFunc(text, func(u string) string {
		host := u[strings.LastIndex(u, "@")+1:]
		return account(strings.HasPrefix(host, "new"))
	})
	for placeholderRE.MatchString(text) { // twice: "SRC DST" shares a space
		text = placeholderRE.ReplaceAllStringFunc(text, func(m string) string {
			sub := placeholderRE.FindStringSubmatch(m)
			return sub[1] + account(sub[2] == "DST") + sub[4]
		})
	}
	text = hostFlagRE.ReplaceAllString(text, "--host$1 127.0.0.1 --port$1 $$MEMPORT --notls$1")
	text = substitutePresets(text)
	text = userFlagRE.ReplaceAllString(text, "--user$1 user$1")
	text = elidedRE.ReplaceAllString(text, "${1}"+docPassword)
	return regexp.MustCompile(`(^|[\s|;("'])examples/`).ReplaceAllString(text, "${1}"+examplesDir+"/")
}

// presetRE is a provider preset (--gmail1, --office2, --exchange1 …).
var presetRE = regexp.MustCompile(`--(gmail|office|exchange)([12])\b`)

// substitutePresets points a side with a provider preset at the emulated
// provider the test runs (Gmail, or Exchange for --officeN/--exchangeN;
// the one taking OAuth2 tokens only when the example gives
// --oauthtokencmdN): its --hostN, or, without one, the host the preset
// implies (imap.gmail.com, outlook.office365.com).
func substitutePresets(text string) string {
	for _, m := range presetRE.FindAllStringSubmatch(text, -1) {
		kind, n := m[1], m[2]
		v := "GMAIL"
		if kind != "gmail" {
			v = "EXCH"
		}
		if strings.Contains(text, "--oauthtokencmd"+n) {
			v += "OAUTH"
		}
		memPort := "--port" + n + " $MEMPORT"
		switch {
		case strings.Contains(text, memPort): // its --hostN, substituted
			text = strings.ReplaceAll(text, memPort, "--port"+n+" $"+v+"PORT")
		case len(urlRE.FindAllString(text, -1)) < 2:
			text = strings.Replace(text, m[0], m[0]+" --host"+n+" 127.0.0.1 --port"+n+" $"+v+"PORT --notls"+n, 1)
		}
	}
	return text
}

// loopbackRE is what a substituted host may be: the test's own servers.
var loopbackRE = regexp.MustCompile(`^(127\.0\.0\.1|\[::1\]|::1|localhost|\$[A-Z]+)(:(\d+|\$[A-Z]+))?$`)

// netCmdRE is a command that would go out itself (a token command, a
// download); gcloud is not one here: the test's stand-in takes its place.
var netCmdRE = regexp.MustCompile(`(^|[\s|;&('"])(curl|wget|ssh|scp|nc|az|oauth2l)(\s|$)`)

// outsideDial is the guard that nothing leaves the machine: after
// substitution, every host an example names (an account URL's, a --hostN
// value) is loopback, a preset that implies a host (--gmailN, --officeN)
// comes with --hostN or account URLs, and no command of the example
// (a token command, say) is one that goes out by itself. It names the
// first host (or command) that is not.
func outsideDial(text string) string {
	if i := strings.Index(text, " #"); i >= 0 {
		text = text[:i] // the example's comment
	}
	if m := netCmdRE.FindStringSubmatch(text); m != nil {
		return m[2] + " (a command that goes out)"
	}
	for _, u := range urlRE.FindAllString(text, -1) {
		host := strings.TrimPrefix(strings.TrimPrefix(u, "imaps://"), "imap://")
		host = host[strings.LastIndex(host, "@")+1:]
		if i := strings.IndexAny(host, "/?"); i >= 0 {
			host = host[:i]
		}
		if !loopbackRE.MatchString(host) {
			return host
		}
	}
	for _, m := range regexp.MustCompile(`--host[12][ =]("[^"]*"|'[^']*'|\S+)`).FindAllStringSubmatch(text, -1) {
		if host := strings.Trim(m[1], `"'`); !loopbackRE.MatchString(host) {
			return host
		}
	}
	for _, m := range presetRE.FindAllStringSubmatch(text, -1) {
		n := m[2]
		if m[1] != "exchange" && !regexp.MustCompile(`--host`+n+`\b`).MatchString(text) && len(urlRE.FindAllString(text, -1)) < 2 {
			return map[string]string{"gmail": "imap.gmail.com", "office": "outlook.office365.com"}[m[1]] + " (--" + m[1] + n + "'s host)"
		}
	}
	return ""
}

// docPrelude makes the files examples name without making them: the
// password files, the two inventories and their plan, full messages, a backup, an accounts file, and an
// mbox written by another tool.
const docPrelude = `printf 'secret\n' > pw; cp pw pw2; cp pw p1; cp pw p2
imapx fetch imap://user1@$MEM?tls=none > src.jsonl
imapx fetch imap://user2@$MEM?tls=none > dst.jsonl
imapx diff src.jsonl dst.jsonl > plan.jsonl
imapx fetch --full imap://user1@$MEM?tls=none > msgs.jsonl
imapx fetch --full --format mbox -o backup.mbox imap://user1@$MEM?tls=none
printf '%s;user1;secret;%s;user2;secret\n' "$MEM" "$MEM" > accounts.csv
printf 'From a@example.org Tue Jan  2 03:04:05 2024\nMessage-ID: <other@example.org>\nSubject: from another tool\n\nbody\n' > other-tool.mbox
`

// docExamples are every document's examples: README.md, the help of imapx
// and of each command, and examples/*.sh.
func docExamples(t *testing.T) map[string][]docExample {
	docs := map[string][]docExample{}
	readme, err := os.ReadFile("../../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	// Each section of README against fresh accounts: its examples
	// illustrate that section, not a sequence through the whole file.
	for _, ex := range markdownExamples("README.md", string(readme)) {
		slug := strings.Trim(regexp.MustCompile(`[^a-z0-9]+`).ReplaceAllString(strings.ToLower(ex.section), "-"), "-")
		docs["README-"+slug] = append(docs["README-"+slug], ex)
	}
	app := (&streams{}).app()
	docs["help"] = helpExamples("imapx --help", app.Description)
	for _, cmd := range app.Commands {
		docs["help-"+cmd.Name] = helpExamples("imapx "+cmd.Name+" --help", cmd.UsageText+"\n"+cmd.Description)
	}
	scripts, _ := filepath.Glob("../../../examples/*.sh")
	for _, s := range scripts {
		b, err := os.ReadFile(s)
		if err != nil {
			t.Fatal(err)
		}
		exs := scriptExamples("examples/"+filepath.Base(s), string(b))
		if len(exs) == 0 {
			t.Errorf("examples/%s: no usage line in its leading comment (#   examples/%[1]s SRC DST), so it is never run", filepath.Base(s))
		}
		docs["script-"+strings.TrimSuffix(filepath.Base(s), ".sh")] = exs
	}
	if len(scripts) == 0 {
		t.Error("no examples/*.sh found")
	}
	return docs
}

// TestDocExamples runs every example, each document's in order in one
// directory (an example may read what an earlier one wrote) against a
// fresh pair of accounts: user1 with the sample mail, user2 empty.
func TestDocExamples(t *testing.T) {
	examplesDir, err := filepath.Abs("../../../examples")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	total := 0
	for name, examples := range docExamples(t) {
		var script strings.Builder
		script.WriteString("exec bash -e -o pipefail prelude.sh\n")
		files := "-- prelude.sh --\n" + docPrelude
		for i, ex := range examples {
			if why, ok := examplesSkipped[ex.text]; ok {
				fmt.Fprintf(&script, "# %s: skipped: %s\n", ex.where, why)
				continue
			}
			total++
			run := substitute(ex.text, examplesDir)
			if host := outsideDial(run); host != "" {
				t.Errorf("%s: after substitution the example would still dial %s, outside this machine: %s", ex.where, host, run)
				continue
			}
			fmt.Fprintf(&script, "\n# %s: %s\nexitcode %d bash -e -o pipefail ex%d.sh\n", ex.where, ex.text, ex.code, i)
			files += fmt.Sprintf("-- ex%d.sh --\n%s\n", i, run)
		}
		if err := os.WriteFile(filepath.Join(dir, name+".txtar"), []byte(script.String()+files), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if total < 40 {
		t.Fatalf("only %d examples found: is the extractor broken?", total)
	}
	testscript.Run(t, testscript.Params{
		Dir:                 dir,
		RequireExplicitExec: true,
		Cmds:                map[string]func(ts *testscript.TestScript, neg bool, args []string){"exitcode": scriptcmd.ExitCode},
		Setup: func(env *testscript.Env) error {
			srv, err := imaptest.StartMem([]imaptest.MemUser{
				{Name: "user1", Password: docPassword, Messages: imaptest.SampleMail(time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC))},
				{Name: "user2", Password: docPassword},
			})
			if err != nil {
				return err
			}
			env.Defer(func() { srv.Close() })
			env.Setenv("MEM", srv.Addr())
			env.Setenv("MEMPORT", portOf(srv.Addr()))
			for _, v := range []string{"IMAPX_PASSWORD", "IMAPX_PASSWORD1", "IMAPX_PASSWORD2"} {
				env.Setenv(v, docPassword)
			}
			if err := startDocProviders(env); err != nil {
				return err
			}
			env.Setenv("HOME", env.WorkDir+"/.home")
			return os.Mkdir(env.WorkDir+"/.home", 0o700)
		},
	})
}

// startDocProviders starts the emulated providers the examples with a
// preset run against (see substitutePresets): Gmail (user1 Gmail-shaped,
// user2 empty) and Exchange (user1 with the same mail in folders, user2
// empty),
// each once with passwords ($GMAILPORT, $EXCHPORT) and once taking only
// OAuth2 tokens ($GMAILOAUTHPORT, $EXCHOAUTHPORT). The token commands of
// README's examples (gcloud) are stand-ins on PATH, first, that print the
// emulated provider's current token: the real ones would ask Google.
func startDocProviders(env *testscript.Env) error {
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	bin := filepath.Join(env.WorkDir, ".bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		return err
	}
	for _, p := range []struct {
		name, kind string
		tokens     bool
		seed       []imaptest.SeedMessage
	}{
		{"GMAIL", "gmail", false, imaptest.GmailSample(now)},
		{"GMAILOAUTH", "gmail", true, imaptest.GmailSample(now)},
		{"EXCH", "exchange", false, imaptest.GmailSampleAsFolders(now)},
		{"EXCHOAUTH", "exchange", true, imaptest.GmailSampleAsFolders(now)},
	} {
		o := imaptest.ProviderOptions{Kind: p.kind, Tokens: p.tokens, Users: []imaptest.MemUser{
			{Name: "user1", Password: docPassword, Messages: p.seed}, {Name: "user2", Password: docPassword}}}
		if p.tokens {
			o.TokenFile = filepath.Join(bin, strings.ToLower(p.name)+".token")
			env.Setenv(p.name+"_TOKENFILE", o.TokenFile)
		}
		srv, err := imaptest.StartProvider(o)
		if err != nil {
			return err
		}
		env.Defer(func() { srv.Close() })
		env.Setenv(p.name+"PORT", portOf(srv.Addr()))
	}
	gcloud := "#!/bin/sh\n# stand-in for Google Cloud's CLI: the emulated Gmail's current token\nexec head -n 1 \"$GMAILOAUTH_TOKENFILE\"\n"
	if err := os.WriteFile(filepath.Join(bin, "gcloud"), []byte(gcloud), 0o755); err != nil {
		return err
	}
	env.Setenv("PATH", bin+string(os.PathListSeparator)+env.Getenv("PATH"))
	return nil
}

// The extractor finds what it must: a change to README's layout that
// hides examples from it fails here, not silently.
func TestDocExtractor(t *testing.T) {
	md := "text\n\n    imapx list SRC\n    $ imapx fetch --full SRC | \\\n      imapx push DST\n    output line\n\n" +
		"```\nIMAPX_PASSWORD=x imapx diff a b\n```\n```text\nimapx sync SRC DST\n```\n- `imapx inline` is prose\n"
	got := markdownExamples("x.md", md)
	want := []string{"imapx list SRC", "imapx fetch --full SRC | imapx push DST", "IMAPX_PASSWORD=x imapx diff a b"}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %q", got, want)
	}
	for i := range want {
		if got[i].text != want[i] {
			t.Errorf("example %d: %q, want %q", i, got[i].text, want[i])
		}
	}
	if s := substitute("imapx sync --host1 old.example --user1 alice SRC imaps://a@new.example:993 DST-URL", "/ex"); s !=
		"imapx sync --host1 127.0.0.1 --port1 $MEMPORT --notls1 --user1 user1 imap://user1@$MEM?tls=none imap://user2@$MEM?tls=none imap://user2@$MEM?tls=none" {
		t.Errorf("substitute: %s", s)
	}
	// A preset's implicit host goes to the emulated provider; the guard
	// catches any host left outside.
	if s := substitute("imapx sync --gmail1 --user1 a@gmail.com --oauthtokencmd1 'gcloud x' --host2 mail.example.org --user2 b", "/ex"); s !=
		"imapx sync --gmail1 --host1 127.0.0.1 --port1 $GMAILOAUTHPORT --notls1 --user1 user1 --oauthtokencmd1 'gcloud x' --host2 127.0.0.1 --port2 $MEMPORT --notls2 --user2 user2" {
		t.Errorf("substitute: %s", s)
	} else if h := outsideDial(s); h != "" {
		t.Errorf("outsideDial(%q) = %q, want none", s, h)
	}
	for text, want := range map[string]string{
		"imapx sync --gmail1 --user1 a --host2 127.0.0.1 --user2 b":                "imap.gmail.com (--gmail1's host)",
		"imapx sync --host1 127.0.0.1 --user1 a --office2 --user2 b":               "outlook.office365.com (--office2's host)",
		"imapx sync --host1 mail.example.org --user1 a --host2 ::1 --user2 b":      "mail.example.org",
		"imapx sync --host1='old.example' --user1 a --host2 ::1 --user2 b":         "old.example",
		"imapx list imaps://alice@imap.gmail.com:993/":                             "imap.gmail.com:993",
		"imapx diff a.jsonl b.jsonl | imapx push imap://u@127.0.0.1:1430?tls=none": "",
		"imapx sync --exchange2 imap://u@$MEM imap://u@[::1]:143":                  "",
		"imapx sync --oauthtokencmd2 'az account get-access-token' --host2 ::1":    "az (a command that goes out)",
	} {
		if got := outsideDial(text); got != want {
			t.Errorf("outsideDial(%q) = %q, want %q", text, got, want)
		}
	}
}
