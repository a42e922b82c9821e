package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/test/harness"
)

// vsOpts are the vsmbsync flags.
var vsOpts struct {
	scale     float64
	timeout   time.Duration
	toxiproxy string
	rounds    int
}

// wanLatency is added in each direction in front of each server.
const wanLatency = 5 * time.Millisecond

// vsRow is one line of the comparison: the same sync done by both tools.
type vsRow struct {
	name          string
	imapx, mbsync result
}

// vsRuns are one row's runs, over the rounds.
type vsRuns struct{ imapx, mbsync []result }

// median is the run of median wall time (its CPU and RSS with it), with
// the largest peak RSS of all runs.
func median(rs []result) result {
	if len(rs) == 0 {
		return result{}
	}
	s := append([]result(nil), rs...)
	sort.Slice(s, func(i, j int) bool { return s[i].wall < s[j].wall })
	m := s[len(s)/2]
	for _, r := range rs {
		m.maxRSSKB = max(m.maxRSSKB, r.maxRSSKB)
		if r.note != "" {
			m.note = r.note
		}
	}
	return m
}

// vsmbsync runs imapx sync and mbsync on the same corpus between two
// private Dovecots, on the loopback (LAN) and through toxiproxy (WAN):
// each tool's first sync to a fresh destination account, then a no-op
// re-run into the same account (and, for mbsync, the same sync state).
// imapx's destination must equal the source after every run; mbsync's is
// counted. Failures are collected, the table printed, then the failures
// returned.
func (b *bench) vsmbsync() ([]result, error) {
	if _, err := exec.LookPath("mbsync"); err != nil {
		return nil, errors.New("mbsync is not installed (apt-get install isync)")
	}
	msgs, folders, shape := buildCorpus(vsOpts.scale)
	srcD, err := harness.Start(filepath.Join(b.work, "dovecot-src"), harness.Options{MaxConnsPerUserIP: 10})
	if err != nil {
		return nil, err
	}
	defer srcD.Stop()
	dstD, err := harness.Start(filepath.Join(b.work, "dovecot-dst"), harness.Options{MaxConnsPerUserIP: 10})
	if err != nil {
		return nil, err
	}
	defer dstD.Stop()

	src := imapAccount{addr: srcD.PlainAddr(), user: "source", pass: "pw-source"}
	if err := srcD.AddUser(src.user, src.pass); err != nil {
		return nil, err
	}
	start := time.Now()
	if err := srcD.Seed(src.user, src.pass, msgs, folders...); err != nil {
		return nil, fmt.Errorf("seeding the source: %w", err)
	}
	ref, _, err := srcD.ReadAll(src.user, src.pass)
	if err != nil {
		return nil, err
	}
	if c := compare(seeded(msgs), ref); !c.equal() {
		return nil, fmt.Errorf("the source does not hold the corpus as seeded: %s", strings.Replace(c.String(), "destination", "source", -1))
	}
	fmt.Fprintf(os.Stderr, "bench: vsmbsync: seeded %s in %s\n", shape, time.Since(start).Round(time.Millisecond))

	toxi, err := startToxiproxy(b.work, vsOpts.toxiproxy)
	if err != nil {
		return nil, err
	}
	defer toxi.stop()
	srcWAN, err := toxi.latencyProxy("src", srcD.PlainAddr(), wanLatency)
	if err != nil {
		return nil, err
	}
	dstWAN, err := toxi.latencyProxy("dst", dstD.PlainAddr(), wanLatency)
	if err != nil {
		return nil, err
	}
	rttLAN, _ := imapRTT(srcD.PlainAddr())
	rttWAN, _ := imapRTT(srcWAN)

	// Every destination account exists before anything logs in there:
	// Dovecot re-reads its passwd-file only when the file's mtime changes,
	// and a user appended within the second of a login can fail to log in.
	rounds := max(1, vsOpts.rounds)
	for r := 1; r <= rounds; r++ {
		for _, u := range []string{"imapx-lan", "mbsync-lan", "imapx-wan", "mbsync-wan"} {
			u = fmt.Sprintf("%s-r%d", u, r)
			if err := dstD.AddUser(u, "pw-"+u); err != nil {
				return nil, err
			}
		}
	}

	statedir, err := imapxHasStatedir(b.bin)
	if err != nil {
		return nil, err
	}

	var rows []vsRow
	var notes, failures []string
	// Disk and CPU here are shared and noisy: every first sync runs on a
	// fresh destination, rounds times, the tools' order alternating, and
	// the table shows medians.
	runs := map[string]*vsRuns{}
	var order []string
	for r := 1; r <= rounds; r++ {
		for _, link := range []struct {
			name             string
			srcAddr, dstAddr string
		}{
			{"LAN", srcD.PlainAddr(), dstD.PlainAddr()},
			{"WAN", srcWAN, dstWAN},
		} {
			far := src
			far.addr = link.srcAddr
			tools := []string{"imapx", "mbsync"}
			if r%2 == 0 {
				tools = []string{"mbsync", "imapx"}
			}
			for _, tool := range tools {
				dst := imapAccount{addr: link.dstAddr, user: fmt.Sprintf("%s-%s-r%d", tool, strings.ToLower(link.name), r)}
				dst.pass = "pw-" + dst.user
				for _, row := range []string{link.name + " first", link.name + " re-sync"} {
					if runs[row] == nil {
						runs[row] = &vsRuns{}
						order = append(order, row)
					}
					label := fmt.Sprintf("%s %s (round %d)", tool, row, r)
					fmt.Fprintf(os.Stderr, "bench: vsmbsync: %s…\n", label)
					logBase := filepath.Join(b.work, strings.NewReplacer(" ", "-", "(", "", ")", "").Replace(label))
					var cmd *exec.Cmd
					if tool == "imapx" {
						var args []string
						if statedir {
							args = append(args, "--statedir", filepath.Join(b.work, "imapx-state-"+dst.user))
						}
						cmd = exec.Command(b.bin, append(append([]string{"sync"}, args...), imapURL(far), imapURL(dst))...)
						cmd.Env = append(os.Environ(), "IMAPX_PASSWORD1="+far.pass, "IMAPX_PASSWORD2="+dst.pass)
					} else {
						mr, err := newMbsyncRun(filepath.Join(b.work, "mbsync-"+dst.user), far, dst)
						if err != nil {
							return nil, err
						}
						cmd = exec.Command("mbsync", "-c", mr.rc, "-a")
					}
					res, err := measure(label, cmd, logBase, vsOpts.timeout)
					if err != nil {
						res.note = "FAILED"
						failures = append(failures, err.Error())
					}
					a, d, err := readBoth(srcD, src, dstD, dst)
					if err != nil {
						return nil, err
					}
					if tool == "imapx" {
						runs[row].imapx = append(runs[row].imapx, res)
						if res.note == "" {
							notes = append(notes, fmt.Sprintf("%s: imapx says %q", label, verdict(logBase+".err", "The sync", "Detected")))
						}
						c := compare(a, d)
						if !c.equal() {
							failures = append(failures, fmt.Sprintf("%s: VERIFY FAILED: %s", label, c))
						}
						notes = append(notes, fmt.Sprintf("%s: independent check: %s", label, c))
						continue
					}
					runs[row].mbsync = append(runs[row].mbsync, res)
					notes = append(notes, fmt.Sprintf("%s: %s", label, mbsyncNote(compare(a, d), d, compare(withoutKeywords(a, false), withoutKeywords(d, true)))))
					if len(d) != len(a) {
						failures = append(failures, fmt.Sprintf("%s: mbsync left %d of the source's %d messages on the destination", label, len(d), len(a)))
					}
				}
			}
		}
	}
	for _, name := range order {
		rows = append(rows, vsRow{name: name, imapx: median(runs[name].imapx), mbsync: median(runs[name].mbsync)})
	}

	fmt.Printf("vsmbsync corpus: %s\n", shape)
	fmt.Printf("WAN: toxiproxy latency toxic, %s each way in front of each server; IMAP NOOP round trip %s (LAN %s)\n",
		wanLatency, rttWAN.Round(10*time.Microsecond), rttLAN.Round(10*time.Microsecond))
	if statedir {
		fmt.Println("imapx: --statedir, one fresh dir per destination, reused by the re-sync")
	}
	fmt.Printf("median of %d rounds (each first sync on a fresh destination; order alternating)\n", rounds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "RUN\tIMAPX WALL\tMBSYNC WALL\tIMAPX/MBSYNC\tIMAPX CPU\tMBSYNC CPU\tIMAPX PEAK RSS\tMBSYNC PEAK RSS\t")
	for _, r := range rows {
		ratio := "-"
		if r.mbsync.wall > 0 {
			ratio = fmt.Sprintf("%.2f", r.imapx.wall.Seconds()/r.mbsync.wall.Seconds())
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", r.name,
			wallNote(r.imapx), wallNote(r.mbsync), ratio,
			r.imapx.cpu.Round(time.Millisecond), r.mbsync.cpu.Round(time.Millisecond),
			mb(r.imapx.maxRSSKB), mb(r.mbsync.maxRSSKB))
	}
	tw.Flush()
	for _, n := range notes {
		fmt.Println("  " + n)
	}
	fmt.Println("  mbsync is not expected to copy exactly: it adds an X-TUID header to each message it copies and does not copy keywords ($Label1, Work), so its destination is counted, not compared.")
	if len(failures) > 0 {
		return nil, fmt.Errorf("%d failures:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	return nil, nil
}

// seeded is the corpus as a read of the source must see it.
func seeded(msgs []imaptest.SeedMessage) []harness.Message {
	out := make([]harness.Message, len(msgs))
	for i, m := range msgs {
		flags := slices.Clone(m.Flags)
		sort.Strings(flags)
		out[i] = harness.Message{Folder: m.Folder, Raw: m.Raw, Flags: flags, Date: m.Date.UTC().Format("2006-01-02T15:04:05Z")}
	}
	return out
}

func imapURL(a imapAccount) string { return "imap://" + a.user + "@" + a.addr + "?tls=none" }

func wallNote(r result) string {
	s := r.wall.Round(time.Millisecond).String()
	if r.note != "" {
		s += " (" + r.note + ")"
	}
	return s
}

func mb(kb int64) string { return fmt.Sprintf("%.1f MB", float64(kb)/1024) }

// withoutKeywords copies messages without their keywords and, with
// tuid, without mbsync's X-TUID header line.
func withoutKeywords(ms []harness.Message, tuid bool) []harness.Message {
	out := make([]harness.Message, len(ms))
	for i, m := range ms {
		m.Flags = slices.DeleteFunc(slices.Clone(m.Flags), func(f string) bool { return !strings.HasPrefix(f, `\`) })
		if tuid {
			head, _, _ := bytes.Cut(m.Raw, []byte("\r\n\r\n"))
			if i := bytes.Index(head, []byte("X-TUID: ")); i == 0 || i > 0 && head[i-1] == '\n' {
				if j := bytes.Index(m.Raw[i:], []byte("\r\n")); j >= 0 {
					m.Raw = append(m.Raw[:i:i], m.Raw[i+j+2:]...)
				}
			}
		}
		out[i] = m
	}
	return out
}

// mbsyncNote counts what mbsync left on the destination; loose compares
// the accounts without keywords and X-TUID headers.
func mbsyncNote(c comparison, dst []harness.Message, loose comparison) string {
	tuid, kw := 0, 0
	for _, m := range dst {
		if bytes.HasPrefix(m.Raw, []byte("X-TUID:")) || bytes.Contains(m.Raw, []byte("\r\nX-TUID:")) {
			tuid++
		}
		for _, f := range m.Flags {
			if !strings.HasPrefix(f, `\`) {
				kw++
				break
			}
		}
	}
	var folders []string
	for f, n := range c.srcFolders {
		if c.dstFolders[f] != n {
			folders = append(folders, fmt.Sprintf("%s %d/%d", f, c.dstFolders[f], n))
		}
	}
	sort.Strings(folders)
	s := fmt.Sprintf("%d/%d messages on the destination in %d/%d folders; %d exact copies; %d with an X-TUID header; %d with keywords; %d equal once X-TUID and keywords are dropped",
		c.dst, c.src, len(c.dstFolders), len(c.srcFolders), c.src-c.nMissing, tuid, kw, loose.src-loose.nMissing)
	if len(folders) > 0 {
		s += "; folders that differ: " + strings.Join(folders, ", ")
	}
	return s
}

// imapxHasStatedir says whether `imapx sync --help` lists --statedir.
func imapxHasStatedir(bin string) (bool, error) {
	out, err := exec.Command(bin, "sync", "--help").CombinedOutput()
	if err != nil {
		return false, fmt.Errorf("imapx sync --help: %v\n%s", err, out)
	}
	return bytes.Contains(out, []byte("--statedir")), nil
}

// imapRTT is the median time of an IMAP NOOP round trip (before login).
func imapRTT(addr string) (time.Duration, error) {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return 0, err
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	r := bufio.NewReader(c)
	if _, err := r.ReadString('\n'); err != nil {
		return 0, err
	}
	var ds []time.Duration
	for i := range 9 {
		t := time.Now()
		fmt.Fprintf(c, "r%d NOOP\r\n", i)
		if _, err := r.ReadString('\n'); err != nil {
			return 0, err
		}
		ds = append(ds, time.Since(t))
	}
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	return ds[len(ds)/2], nil
}
