// Command bench measures imapx against real Dovecot servers it starts
// itself: wall time, CPU and peak RSS of each run, on generated corpora.
//
//	go run ./test/bench                 # every scenario
//	go run ./test/bench -run list100    # one
//	go run ./test/bench -run vsmbsync   # imapx against mbsync, LAN and WAN
//	go run ./test/bench -run servers    # Dovecot → Cyrus, Courier and back
//
// -run names a scenario exactly, or else selects every scenario whose name
// contains it.
//
// Scenarios: list100 (list of a 100-folder account), inventory (fetch of a
// 5,000-message account), big (fetch --full of a 50 MB message, and of
// one of -bigmb MB), sync (first sync and no-op re-sync of a mixed corpus,
// destination verified after each run), vsmbsync (imapx sync and mbsync on
// the same 5,097-message, 91 MB, 14-folder corpus, -scale scales it,
// between two Dovecots, directly and through 5 ms of latency each way:
// first sync and no-op re-sync each on a fresh destination; imapx's
// destination verified after each run, mbsync's counted), servers (the
// same corpus from Dovecot to Cyrus and to Courier and back into fresh
// Dovecot accounts, first sync and no-op re-sync, each run checked by an
// independent read of both servers; mbsync the same ways if installed;
// needs root and test/harness/install-servers.sh), incr50k (re-sync of a
// 50,000-message INBOX after 10 new messages and 10 flag changes, imapx
// with its state against mbsync with its own, imapx's destination
// verified; -incr-messages sets the size).
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/test/harness"
)

var keepWork bool

type result struct {
	name     string
	wall     time.Duration
	cpu      time.Duration
	maxRSSKB int64
	note     string
}

func main() {
	only := flag.String("run", "", "run only the scenario of this name, or else those whose name contains this")
	bigMB := flag.Int("bigmb", 100, "size of the second big message, in MB")
	n := flag.Int("messages", 5000, "messages in the inventory corpus")
	flag.Float64Var(&vsOpts.scale, "scale", 1.0, "vsmbsync, servers: corpus scale (1.0 = 5,097 messages, 91 MB)")
	flag.IntVar(&vsOpts.rounds, "rounds", 3, "vsmbsync: first syncs per tool and link; incr50k: re-sync rounds (default 9 there); the tables show medians")
	flag.DurationVar(&vsOpts.timeout, "timeout", 30*time.Minute, "vsmbsync, servers: kill a sync run after this long")
	flag.StringVar(&vsOpts.toxiproxy, "toxiproxy", "", "vsmbsync: toxiproxy server binary (default: build "+toxiproxyPkg+")")
	flag.IntVar(&incrOpts.messages, "incr-messages", 50000, "incr50k: messages in the INBOX")
	flag.IntVar(&srvOpts.keywords, "keywords", 0, "servers: give the messages of Projects and below this many more distinct keywords (Cyrus takes 100 a folder)")
	flag.BoolVar(&srvOpts.mbsync, "mbsync", true, "servers: run mbsync the same ways too (if installed)")
	flag.StringVar(&scaleOpts.counts, "counts", "10k,100k", "scale: message counts, comma-separated (k and M suffixes: 10k,100k,200k,1M)")
	flag.DurationVar(&scaleOpts.timeout, "scale-timeout", time.Hour, "scale: kill a run after this long")
	flag.BoolVar(&scaleOpts.diffToo, "audit", true, "scale: also time fetch of the source and diff of the inventories")
	flag.BoolVar(&scaleOpts.mbsync, "scale-mbsync", false, "scale: also run mbsync once the same way (counted)")
	flag.BoolVar(&scaleOpts.push, "push", false, "scale: also time fetch --full to a file and push of it (the file is 4/3 of the account)")
	flag.IntVar(&scaleOpts.rounds, "scale-rounds", 1, "scale: first syncs per binary, each into a fresh account; the table shows medians")
	flag.StringVar(&scaleOpts.compare, "compare", "", "scale: another imapx binary (an earlier build) run the same way, alternating with this one")
	prebuilt := flag.String("imapx", "", "use this imapx binary instead of building ./cmd/imapx")
	flag.BoolVar(&keepWork, "keep", false, "keep the temp dir (servers' logs, runs' logs, configs) and print its path")
	flag.Parse()
	if err := run(*only, *bigMB, *n, *prebuilt); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func run(only string, bigMB, n int, prebuilt string) error {
	work, err := os.MkdirTemp("", "imapx-bench-")
	if err != nil {
		return err
	}
	if keepWork {
		defer fmt.Fprintln(os.Stderr, "bench: kept", work)
	} else {
		defer os.RemoveAll(work)
	}
	os.Chmod(work, 0o755)
	bin := filepath.Join(work, "imapx")
	if prebuilt != "" {
		if bin, err = filepath.Abs(prebuilt); err != nil {
			return err
		}
	} else {
		build := exec.Command("go", "build", "-o", bin, "./cmd/imapx")
		build.Stdout, build.Stderr = os.Stderr, os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building imapx (run from the repository root): %w", err)
		}
	}
	if err := buildRusage(work); err != nil {
		return err
	}
	b := &bench{bin: bin, work: work}
	scenarios := []struct {
		name string
		// shared: runs against the one Dovecot started here.
		shared bool
		f      func() ([]result, error)
		// named: runs only when -run names it (minutes, gigabytes).
		named bool
	}{
		{"list100", true, b.list100, false},
		{"inventory", true, func() ([]result, error) { return b.inventory(n) }, false},
		{"big", true, func() ([]result, error) { return b.big(bigMB) }, false},
		{"sync", true, b.sync, false},
		{"vsmbsync", false, b.vsmbsync, false},
		{"servers", false, b.servers, false},
		{"scale", false, b.scale, true},
		{"incr50k", false, b.incr50k, true},
	}
	exact := false
	for _, s := range scenarios {
		exact = exact || s.name == only
	}
	selected := scenarios[:0]
	for _, s := range scenarios {
		if only == "" && !s.named || s.name == only || only != "" && !exact && strings.Contains(s.name, only) {
			selected = append(selected, s)
		}
	}
	for _, s := range selected {
		if s.shared && b.d == nil {
			d, err := harness.Start(filepath.Join(work, "dovecot"), harness.Options{MaxConnsPerUserIP: 20})
			if err != nil {
				return err
			}
			defer d.Stop()
			b.d = d
		}
	}
	var results []result
	for _, s := range selected {
		fmt.Fprintf(os.Stderr, "bench: %s…\n", s.name)
		rs, err := s.f()
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
		results = append(results, rs...)
	}
	if len(results) == 0 {
		return nil
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

// imapx runs the binary and measures it (see measure); stdout goes to
// out (or nowhere).
func (b *bench) imapx(name string, env []string, out string, args ...string) (result, error) {
	cmd := exec.Command(b.bin, args...)
	cmd.Env = append(os.Environ(), env...)
	logBase := filepath.Join(b.work, "imapx-run")
	r, err := measure(name, cmd, logBase, 24*time.Hour)
	if err != nil {
		return result{}, err
	}
	if out != "" {
		return r, os.Rename(logBase+".out", out)
	}
	return r, nil
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
	if cmp := compare(a, c); !cmp.equal() {
		return fmt.Errorf("%s", cmp)
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
