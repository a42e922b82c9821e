package test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/test/harness"
)

// TestMassMigrationParallel runs 20 account pairs of an accounts file
// (imapsync's CSV lines and JSON lines) through GNU parallel as README's
// mass migration does, kills the whole run (parallel and every sync) with
// SIGKILL when some accounts are done and others are half copied, then
// runs the same command again with --resume-failed: every pair must end
// identical (an independent read; the same multiset, so nothing copied
// twice), and the joblog must show every account done, exit 0.
func TestMassMigrationParallel(t *testing.T) {
	if _, err := exec.LookPath("parallel"); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("GNU parallel is not installed: CI must run this test")
		}
		t.Skip("GNU parallel is not installed (apt-get install parallel)")
	}
	d := harness.Require(t, harness.Options{})
	const n = 20
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	var lines []string
	lines = append(lines, "# host1;user1;password1;host2;user2;password2", "")
	for i := 1; i <= n; i++ {
		src, dst := fmt.Sprintf("src%02d", i), fmt.Sprintf("dst%02d", i)
		// Passwords with the characters a shell or CSV would trip on.
		sp, dp := fmt.Sprintf("s p;w'%d\"$x", i), fmt.Sprintf("d-%d", i)
		for _, u := range [][2]string{{src, sp}, {dst, dp}} {
			if err := d.AddUser(u[0], u[1]); err != nil {
				t.Fatal(err)
			}
		}
		if i%2 == 0 {
			b, _ := json.Marshal(map[string]string{"host1": d.PlainAddr(), "user1": src, "password1": sp, "host2": d.PlainAddr(), "user2": dst, "password2": dp})
			lines = append(lines, string(b))
		} else {
			// CSV quoting: "…", a quote doubled.
			quoted := `"` + strings.ReplaceAll(sp, `"`, `""`) + `"`
			lines = append(lines, fmt.Sprintf("%s;%s;%s;%s;%s;%s;", d.PlainAddr(), src, quoted, d.PlainAddr(), dst, dp))
		}
	}
	// Dovecot re-reads its users when the file's mtime changes: every
	// user exists a second before the first login.
	time.Sleep(time.Second)
	for i := 1; i <= n; i++ {
		if err := d.Seed(fmt.Sprintf("src%02d", i), fmt.Sprintf("s p;w'%d\"$x", i), imaptest.Many(10+i/2, now)); err != nil {
			t.Fatal(err)
		}
	}
	dir := t.TempDir()
	accounts := filepath.Join(dir, "accounts.csv")
	if err := os.WriteFile(accounts, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"logs", "reports"} {
		os.Mkdir(filepath.Join(dir, sub), 0o700)
	}
	list := exec.Command("imapx", "sync", "--accounts", accounts, "--list-accounts")
	out, err := list.Output()
	if err != nil {
		t.Fatalf("--list-accounts: %v", err)
	}
	if got := strings.Count(string(out), "\n"); got != n {
		t.Fatalf("--list-accounts listed %d pairs, want %d:\n%s", got, n, out)
	}
	if bytes.Contains(out, []byte("p;w")) {
		t.Fatalf("--list-accounts shows a password:\n%s", out)
	}
	os.WriteFile(filepath.Join(dir, "jobs.tsv"), out, 0o600)

	// README's command: line numbers in the arguments, passwords only in
	// the file; a throttle makes each sync last about a second.
	script := `parallel --jobs 8 --colsep '\t' --joblog jobs.log --resume-failed ` +
		`imapx sync --accounts accounts.csv --account {1} --nossl1 --notls1 --nossl2 --notls2 --max-per-server 8 ` +
		`--maxmessagespersecond 40 --logfile logs/{1}.log --report reports/{1}.json :::: jobs.tsv`
	start := func() (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command("bash", "-c", script)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "HOME="+dir, "XDG_CACHE_HOME="+filepath.Join(dir, ".cache"))
		cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
		var errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &errb, &errb
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, &errb
	}
	first, _ := start()
	joblog := filepath.Join(dir, "jobs.log")
	deadline := time.Now().Add(60 * time.Second)
	for doneJobs(joblog) < 4 {
		if time.Now().After(deadline) {
			killSession(first.Process.Pid)
			t.Fatal("4 accounts not done in 60 s")
		}
		time.Sleep(50 * time.Millisecond)
	}
	syncs := killSession(first.Process.Pid)
	first.Wait()
	done := doneJobs(joblog)
	t.Logf("killed the run with %d of %d accounts done and %d syncs running", done, n, syncs)
	if done >= n || syncs == 0 {
		t.Fatalf("the kill found %d accounts done and %d syncs running: nothing cut short to resume", done, syncs)
	}
	before, _ := os.ReadFile(joblog)

	second, output := start()
	if err := second.Wait(); err != nil {
		t.Errorf("resumed parallel: %v\n%s", err, output)
	}
	log, _ := os.ReadFile(joblog)
	t.Logf("joblog before the kill:\n%s\njoblog after the resume:\n%s", before, log)
	ok := map[int]bool{}
	for _, l := range strings.Split(string(log), "\n")[1:] {
		f := strings.Split(l, "\t")
		if len(f) < 9 {
			continue
		}
		if f[6] == "0" && f[7] == "0" {
			seq, _ := strconv.Atoi(f[0])
			ok[seq] = true
		}
	}
	if len(ok) != n {
		t.Errorf("joblog: %d accounts done with exit 0, want %d", len(ok), n)
	}
	for i := 1; i <= n; i++ {
		src, _, err := d.ReadAll(fmt.Sprintf("src%02d", i), fmt.Sprintf("s p;w'%d\"$x", i))
		if err != nil {
			t.Fatal(err)
		}
		dst, _, err := d.ReadAll(fmt.Sprintf("dst%02d", i), fmt.Sprintf("d-%d", i))
		if err != nil {
			t.Fatal(err)
		}
		if diff := keyDiff(src, dst); diff != "" {
			t.Errorf("pair %d: not identical:\n%s", i, diff)
		}
	}
	// The per-account reports merge into one table.
	sum := exec.Command("bash", "-c", `jq -r '[.looks_good, .exit_code] | @tsv' reports/*.json | sort | uniq -c | awk '{print $1, $2, $3}'`)
	sum.Dir = dir
	table, err := sum.Output()
	if err != nil {
		t.Fatalf("jq over the reports: %v", err)
	}
	if strings.TrimSpace(string(table)) != fmt.Sprintf("%d true 0", n) {
		t.Errorf("reports: want %d runs looking good with exit 0, got:\n%s", n, table)
	}
}

// doneJobs counts the jobs a GNU parallel joblog records.
func doneJobs(path string) int {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	return max(0, strings.Count(string(b), "\n")-1)
}

// killSession SIGKILLs every process of the session sid (parallel, its
// shells and the syncs it started): the run dies as a machine would. It
// returns how many of them were syncs (imapx).
func killSession(sid int) int {
	syncs := 0
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid pgrp session …: comm may hold spaces.
		rest := string(b[bytes.LastIndexByte(b, ')')+2:])
		f := strings.Fields(rest)
		if len(f) > 3 && f[3] == strconv.Itoa(sid) {
			if syscall.Kill(pid, syscall.SIGKILL) == nil && bytes.Contains(b[:bytes.LastIndexByte(b, ')')], []byte("(imapx")) {
				syncs++
			}
		}
	}
	return syncs
}

// keyDiff compares two mailboxes as multisets of harness keys.
func keyDiff(a, b []harness.Message) string {
	count := map[string]int{}
	for _, m := range a {
		count[m.Key()]++
	}
	for _, m := range b {
		count[m.Key()]--
	}
	var out []string
	for k, c := range count {
		if c != 0 {
			out = append(out, fmt.Sprintf("%+d %.80s", -c, k))
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
