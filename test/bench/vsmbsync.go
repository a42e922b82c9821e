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
}

// wanLatency is added in each direction in front of each server.
const wanLatency = 5 * time.Millisecond

// vsRow is one line of the comparison: the same sync done by both tools.
type vsRow struct {
	name          string
	imapx, mbsync result
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
	for _, u := range []string{"imapx-lan", "mbsync-lan", "imapx-wan", "mbsync-wan"} {
		if err := dstD.AddUser(u, "pw-"+u); err != nil {
			return nil, err
		}
	}

	statedir, err := imapxHasStatedir(b.bin)
	if err != nil {
		return nil, err
	}

	var rows []vsRow
	var notes, failures []string
	for _, link := range []struct {
		name             string
		srcAddr, dstAddr string
	}{
		{"LAN", srcD.PlainAddr(), dstD.PlainAddr()},
		{"WAN", srcWAN, dstWAN},
	} {
		first, again := vsRow{name: link.name + " first"}, vsRow{name: link.name + " re-sync"}
		far := src
		far.addr = link.srcAddr

		// imapx
		dst := imapAccount{addr: link.dstAddr, user: "imapx-" + strings.ToLower(link.name)}
		dst.pass = "pw-" + dst.user
		var args []string
		if statedir {
			dir := filepath.Join(b.work, "imapx-state-"+strings.ToLower(link.name))
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, err
			}
			args = append(args, "--statedir", dir)
		}
		for _, row := range []*vsRow{&first, &again} {
			label := "imapx " + row.name
			fmt.Fprintf(os.Stderr, "bench: vsmbsync: %s…\n", label)
			cmd := exec.Command(b.bin, append(append([]string{"sync"}, args...), imapURL(far), imapURL(dst))...)
			cmd.Env = append(os.Environ(), "IMAPX_PASSWORD1="+far.pass, "IMAPX_PASSWORD2="+dst.pass)
			logBase := filepath.Join(b.work, strings.ReplaceAll(label, " ", "-"))
			r, err := measure(label, cmd, logBase, vsOpts.timeout)
			row.imapx = r
			if err != nil {
				row.imapx.note = "FAILED"
				failures = append(failures, err.Error())
			} else {
				notes = append(notes, fmt.Sprintf("%s: imapx says %q", label, verdict(logBase+".err", "The sync", "Detected")))
			}
			a, d, err := readBoth(srcD, src, dstD, dst)
			if err != nil {
				return nil, err
			}
			c := compare(a, d)
			if !c.equal() {
				row.imapx.note = strings.TrimPrefix(row.imapx.note+", VERIFY FAILED", ", ")
				failures = append(failures, fmt.Sprintf("%s: %s", label, c))
			}
			notes = append(notes, fmt.Sprintf("%s: independent check: %s", label, c))
		}

		// mbsync
		dst = imapAccount{addr: link.dstAddr, user: "mbsync-" + strings.ToLower(link.name)}
		dst.pass = "pw-" + dst.user
		mr, err := newMbsyncRun(filepath.Join(b.work, "mbsync-"+strings.ToLower(link.name)), far, dst)
		if err != nil {
			return nil, err
		}
		for _, row := range []*vsRow{&first, &again} {
			label := "mbsync " + row.name
			fmt.Fprintf(os.Stderr, "bench: vsmbsync: %s…\n", label)
			cmd := exec.Command("mbsync", "-c", mr.rc, "-a")
			logBase := filepath.Join(b.work, strings.ReplaceAll(label, " ", "-"))
			r, err := measure(label, cmd, logBase, vsOpts.timeout)
			row.mbsync = r
			if err != nil {
				row.mbsync.note = "FAILED"
				failures = append(failures, err.Error())
			}
			a, d, err := readBoth(srcD, src, dstD, dst)
			if err != nil {
				return nil, err
			}
			note := mbsyncNote(compare(a, d), d, compare(withoutKeywords(a, false), withoutKeywords(d, true)))
			notes = append(notes, fmt.Sprintf("%s: %s", label, note))
			if len(d) != len(a) {
				failures = append(failures, fmt.Sprintf("%s: mbsync left %d of the source's %d messages on the destination", label, len(d), len(a)))
			}
		}
		rows = append(rows, first, again)
	}

	fmt.Printf("vsmbsync corpus: %s\n", shape)
	fmt.Printf("WAN: toxiproxy latency toxic, %s each way in front of each server; IMAP NOOP round trip %s (LAN %s)\n",
		wanLatency, rttWAN.Round(10*time.Microsecond), rttLAN.Round(10*time.Microsecond))
	if statedir {
		fmt.Println("imapx: --statedir, one fresh dir per destination, reused by the re-sync")
	}
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
