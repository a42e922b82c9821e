// Command bench measures imapx against real Dovecot servers it starts
// itself: wall time, CPU and peak RSS of each run, on generated corpora.
//
//	go run ./test/bench                 # every scenario
//	go run ./test/bench -run list100    # one
//
// Scenarios: list100 (list of a 100-folder account), inventory (fetch of a
// 5,000-message account), big (fetch --full of a 50 MB message, and of
// one of -bigmb MB), sync (first sync and no-op re-sync of a mixed corpus,
// destination verified after each run).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/test/harness"
)

type result struct {
	name     string
	wall     time.Duration
	cpu      time.Duration
	maxRSSKB int64
	note     string
}

func main() {
	only := flag.String("run", "", "run only scenarios whose name contains this")
	bigMB := flag.Int("bigmb", 100, "size of the second big message, in MB")
	n := flag.Int("messages", 5000, "messages in the inventory corpus")
	flag.Parse()
	if err := run(*only, *bigMB, *n); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(only string, bigMB, n int) error {
	work, err := os.MkdirTemp("", "imapx-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(work)
	os.Chmod(work, 0o755)
	bin := filepath.Join(work, "imapx")
	build := exec.Command("go", "build", "-o", bin, "./cmd/imapx")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return fmt.Errorf("building imapx (run from the repository root): %w", err)
	}
	d, err := harness.Start(filepath.Join(work, "dovecot"), harness.Options{MaxConnsPerUserIP: 20})
	if err != nil {
		return err
	}
	defer d.Stop()
	b := &bench{bin: bin, d: d, work: work}
	var results []result
	for _, s := range []struct {
		name string
		f    func() ([]result, error)
	}{
		{"list100", b.list100},
		{"inventory", func() ([]result, error) { return b.inventory(n) }},
		{"big", func() ([]result, error) { return b.big(bigMB) }},
		{"sync", b.sync},
	} {
		if only != "" && !strings.Contains(s.name, only) {
			continue
		}
		fmt.Fprintf(os.Stderr, "bench: %s…\n", s.name)
		rs, err := s.f()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, rs...)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tWALL\tCPU\tPEAK RSS\tNOTE\t")
	for _, r := range results {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.1f MB\t%s\t\n", r.name, r.wall.Round(time.Millisecond), r.cpu.Round(time.Millisecond), float64(r.maxRSSKB)/1024, r.note)
	}
	return tw.Flush()
}

type bench struct {
	bin, work string
	d         *harness.Dovecot
	users     int
}

// user adds a fresh account and returns its name and password.
func (b *bench) user() (string, string, error) {
	b.users++
	name, pw := fmt.Sprintf("bench%d", b.users), fmt.Sprintf("pw-%d", b.users)
	return name, pw, b.d.AddUser(name, pw)
}

func (b *bench) url(user string) string {
	return "imap://" + user + "@" + b.d.PlainAddr() + "?tls=none"
}

// imapx runs the binary and measures it; stdout goes to out (or nowhere).
func (b *bench) imapx(name string, env []string, out string, args ...string) (result, error) {
	cmd := exec.Command(b.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stderr = os.Stderr
	if out != "" {
		f, err := os.Create(out)
		if err != nil {
			return result{}, err
		}
		defer f.Close()
		cmd.Stdout = f
	}
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return result{}, fmt.Errorf("imapx %s: %w", strings.Join(args, " "), err)
	}
	ru := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	cpu := time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	return result{name: name, wall: time.Since(start), cpu: cpu, maxRSSKB: ru.Maxrss}, nil
}

func (b *bench) list100() ([]result, error) {
	u, pw, err := b.user()
	if err != nil {
		return nil, err
	}
	var folders []string
	var msgs []imaptest.SeedMessage
	now := time.Now()
	for i := 0; i < 100; i++ {
		f := fmt.Sprintf("Projects/P%02d/Sub%d", i/10, i%10)
		folders = append(folders, f)
		msgs = append(msgs, imaptest.SeedMessage{Folder: f, Raw: []byte(fmt.Sprintf("Subject: %d\r\n\r\nbody\r\n", i)), Date: now})
	}
	if err := b.d.Seed(u, pw, msgs, folders...); err != nil {
		return nil, err
	}
	env := []string{"IMAPX_PASSWORD=" + pw}
	r1, err := b.imapx("list, 111 folders", env, "", "list", b.url(u))
	if err != nil {
		return nil, err
	}
	r2, err := b.imapx("list --sizes, 111 folders", env, "", "list", "--sizes", b.url(u))
	if err != nil {
		return nil, err
	}
	return []result{r1, r2}, nil
}

func (b *bench) inventory(n int) ([]result, error) {
	u, pw, err := b.user()
	if err != nil {
		return nil, err
	}
	if err := b.d.Seed(u, pw, imaptest.Mixed(n, time.Now())); err != nil {
		return nil, err
	}
	out := filepath.Join(b.work, "inventory.jsonl")
	r, err := b.imapx(fmt.Sprintf("fetch inventory, %d messages", n), []string{"IMAPX_PASSWORD=" + pw}, out, "fetch", b.url(u))
	if err != nil {
		return nil, err
	}
	lines, err := countLines(out, `"type":"message"`)
	r.note = fmt.Sprintf("%d message records", lines)
	return []result{r}, err
}

func (b *bench) big(bigMB int) ([]result, error) {
	var rs []result
	for _, mb := range []int{50, bigMB} {
		u, pw, err := b.user()
		if err != nil {
			return nil, err
		}
		if err := b.d.Seed(u, pw, []imaptest.SeedMessage{imaptest.Big(mb<<20, time.Now())}); err != nil {
			return nil, err
		}
		env := []string{"IMAPX_PASSWORD=" + pw}
		out := filepath.Join(b.work, "big.jsonl")
		r, err := b.imapx(fmt.Sprintf("fetch --full, one %d MB message", mb), env, out, "fetch", "--full", b.url(u))
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
		r, err = b.imapx(fmt.Sprintf("fetch --format mbox, one %d MB message", mb), env, "", "fetch", "--format", "mbox", "-o", filepath.Join(b.work, "big.mbox"), b.url(u))
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
		dst, dpw, err := b.user()
		if err != nil {
			return nil, err
		}
		r, err = b.imapx(fmt.Sprintf("sync, one %d MB message", mb), []string{"IMAPX_PASSWORD1=" + pw, "IMAPX_PASSWORD2=" + dpw}, "", "sync", b.url(u), b.url(dst))
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
		os.Remove(out)
	}
	return rs, nil
}

func (b *bench) sync() ([]result, error) {
	src, spw, err := b.user()
	if err != nil {
		return nil, err
	}
	dst, dpw, err := b.user()
	if err != nil {
		return nil, err
	}
	if err := b.d.Seed(src, spw, imaptest.Mixed(2000, time.Now())); err != nil {
		return nil, err
	}
	env := []string{"IMAPX_PASSWORD1=" + spw, "IMAPX_PASSWORD2=" + dpw}
	first, err := b.imapx("sync, first, 2,000 mixed messages", env, "", "sync", b.url(src), b.url(dst))
	if err != nil {
		return nil, err
	}
	again, err := b.imapx("sync, no-op re-run", env, "", "sync", b.url(src), b.url(dst))
	if err != nil {
		return nil, err
	}
	if err := b.verify(src, spw, dst, dpw); err != nil {
		return nil, err
	}
	first.note, again.note = "destination verified", "destination verified"
	return []result{first, again}, nil
}

// verify compares both accounts with an independent read.
func (b *bench) verify(src, spw, dst, dpw string) error {
	a, _, err := b.d.ReadAll(src, spw)
	if err != nil {
		return err
	}
	c, _, err := b.d.ReadAll(dst, dpw)
	if err != nil {
		return err
	}
	count := map[string]int{}
	for _, m := range a {
		count[m.Key()]++
	}
	for _, m := range c {
		count[m.Key()]--
	}
	for k, v := range count {
		if v != 0 {
			return fmt.Errorf("destination differs from source (%+d of %.60q)", v, k)
		}
	}
	return nil
}

func countLines(path, substr string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	return strings.Count(string(b), substr), nil
}
