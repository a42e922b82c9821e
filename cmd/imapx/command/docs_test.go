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
	text = userFlagRE.ReplaceAllString(text, "--user$1 user$1")
	text = elidedRE.ReplaceAllString(text, "${1}"+docPassword)
	return regexp.MustCompile(`(^|[\s|;("'])examples/`).ReplaceAllString(text, "${1}"+examplesDir+"/")
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
			fmt.Fprintf(&script, "\n# %s: %s\nexitcode %d bash -e -o pipefail ex%d.sh\n", ex.where, ex.text, ex.code, i)
			files += fmt.Sprintf("-- ex%d.sh --\n%s\n", i, substitute(ex.text, examplesDir))
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
			env.Setenv("HOME", env.WorkDir+"/.home")
			return os.Mkdir(env.WorkDir+"/.home", 0o700)
		},
	})
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
}
