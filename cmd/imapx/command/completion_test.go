package command

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// generated runs `imapx ARGS...` in-process into a file of t's directory.
func generated(t *testing.T, name string, args ...string) (string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	if code := Main(context.Background(), append([]string{"imapx"}, args...), strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("imapx %s: exit %d: %s", strings.Join(args, " "), code, stderr.String())
	}
	file := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(file, stdout.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return file, stdout.String()
}

// The bash script parses, and completes commands, flags wherever they
// are on the line, and nothing (files: complete -o default) after a flag
// that takes a value.
func TestCompletionBash(t *testing.T) {
	file, _ := generated(t, "imapx.bash", "completion", "bash")
	if out, err := exec.Command("bash", "-n", file).CombinedOutput(); err != nil {
		t.Fatalf("bash -n: %v: %s", err, out)
	}
	for _, tc := range []struct{ words, want string }{
		{"imapx fe", "fetch"},
		{"imapx ", "list fetch ident diff rewrite push flags format sync demo completion man --help --version"},
		{"imapx fetch --pl", "--plan"},
		{"imapx fetch imap://a@b --fu", "--full"},
		{"imapx sync --passfile", "--passfile1 --passfile2"},
		{"imapx fetch --plan ", ""},
		{"imapx fetch -", "-o"},
		{"imapx fetch imap://a@b ", ""},
	} {
		words := strings.Fields(tc.words)
		if strings.HasSuffix(tc.words, " ") {
			words = append(words, "")
		}
		script := "source " + file + "\nCOMP_WORDS=(" + quoteAll(words) + ")\nCOMP_CWORD=" + strconv.Itoa(len(words)-1) +
			"\n_imapx\necho \"${COMPREPLY[*]}\"\n"
		out, err := exec.Command("bash", "-c", script).CombinedOutput()
		if err != nil {
			t.Fatalf("%q: %v: %s", tc.words, err, out)
		}
		got := strings.TrimSpace(string(out))
		if tc.want == "-o" {
			if !strings.Contains(" "+got+" ", " -o ") || !strings.Contains(got, "--plan") {
				t.Errorf("%q: completes %q, want every fetch flag", tc.words, got)
			}
			continue
		}
		if got != tc.want {
			t.Errorf("%q: completes %q, want %q", tc.words, got, tc.want)
		}
	}
}

func quoteAll(words []string) string {
	var q []string
	for _, w := range words {
		q = append(q, "'"+w+"'")
	}
	return strings.Join(q, " ")
}

// zsh and fish scripts: checked by the shells where installed, and in any
// case hold every command and its visible flags (never a hidden one).
func TestCompletionZshFish(t *testing.T) {
	zsh, zshText := generated(t, "_imapx", "completion", "zsh")
	fish, fishText := generated(t, "imapx.fish", "completion", "fish")
	if _, err := exec.LookPath("zsh"); err == nil {
		if out, err := exec.Command("zsh", "-n", zsh).CombinedOutput(); err != nil {
			t.Errorf("zsh -n: %v: %s", err, out)
		}
	} else {
		t.Log("zsh not installed: its script is checked for content only")
	}
	if _, err := exec.LookPath("fish"); err == nil {
		if out, err := exec.Command("fish", "--no-execute", fish).CombinedOutput(); err != nil {
			t.Errorf("fish --no-execute: %v: %s", err, out)
		}
		out, err := exec.Command("fish", "-c", "source "+fish+"; complete -C 'imapx fetch imap://a@b --pl'; complete -C 'imapx fe'").CombinedOutput()
		if err != nil || !strings.Contains(string(out), "--plan\t") || !strings.Contains(string(out), "fetch\t") {
			t.Errorf("fish completes: %v: %s", err, out)
		}
	} else {
		t.Log("fish not installed: its script is checked for content only")
	}
	if !strings.HasPrefix(zshText, "#compdef imapx\n") {
		t.Errorf("zsh script does not start with #compdef")
	}
	for _, want := range []string{"'fetch:", "'*--plan[", "'*--full[", "'*-o[", "sync)"} {
		if !strings.Contains(zshText, want) {
			t.Errorf("zsh script lacks %q", want)
		}
	}
	for _, want := range []string{"-a fetch ", "__fish_seen_subcommand_from fetch' -l plan -r", "__fish_seen_subcommand_from fetch' -l output -s o -r", "-l passfile1 -r"} {
		if !strings.Contains(fishText, want) {
			t.Errorf("fish script lacks %q", want)
		}
	}
	// --usecache is one of imapsync's moot options, hidden from --help
	if strings.Contains(zshText, "usecache") || strings.Contains(fishText, "usecache") {
		t.Errorf("a hidden flag is completed")
	}
}

// The man page renders without a warning (groff -ww), is ASCII (non-ASCII
// as \[uXXXX]) and holds every command with its description and flags.
func TestManPage(t *testing.T) {
	file, page := generated(t, "imapx.1", "man")
	if !strings.HasPrefix(page, ".nh\n.TH imapx 1") && !strings.Contains(page, ".TH imapx 1") {
		t.Errorf("not a section-1 man page:\n%.300s", page)
	}
	for i := 0; i < len(page); i++ {
		if page[i] >= 0x80 {
			t.Fatalf("non-ASCII byte at %d: %q", i, page[max(0, i-20):i+5])
		}
	}
	for _, cmd := range (&streams{}).app().Commands {
		if !strings.Contains(page, "imapx "+cmd.Name+" [OPTIONS]") {
			t.Errorf("man page lacks command %s", cmd.Name)
		}
	}
	for _, want := range []string{`\fB--plan\fP`, "EXIT CODES", "imapsync"} {
		if !strings.Contains(page, want) {
			t.Errorf("man page lacks %q", want)
		}
	}
	if strings.Contains(page, "usecache") {
		t.Errorf("a hidden flag is in the man page")
	}
	groff, err := exec.LookPath("groff")
	if err != nil {
		t.Log("groff not installed: the page is checked for content only")
		return
	}
	out, err := exec.Command(groff, "-man", "-Tutf8", "-ww", "-z", file).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("groff -man -ww: %v: %s", err, out)
	}
	out, err = exec.Command(groff, "-man", "-Tutf8", file).Output()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"NAME", "imapx fetch [OPTIONS] ACCOUNT [FOLDER...]", "read messages: an inventory"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("rendered page lacks %q", want)
		}
	}
}
