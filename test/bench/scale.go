package main

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/imapx/imapx/test/harness"
)

// scaleOpts are the scale scenario's flags.
var scaleOpts struct {
	counts  string
	timeout time.Duration
	diffToo bool
	rounds  int
	compare string
	push    bool
	mbsync  bool
}

// scaleFolders are the scale corpus's folders with their shares of the
// messages: the vsmbsync corpus's, ASCII names only (the Maildir is
// written directly, in Dovecot's fs layout).
var scaleFolders = []struct {
	name   string
	weight int
}{
	{"INBOX", 34}, {"Sent", 10}, {"Drafts", 1}, {"Trash", 3}, {"Archive", 4},
	{"Archive/2023", 12}, {"Archive/2024", 14}, {"Projects", 2}, {"Projects/Alpha", 4},
	{"Projects/Alpha/Notes", 2}, {"Projects/Beta", 3}, {"Newsletters", 8},
}

// scale runs, for each message count of -counts, a first sync of an
// account of that many messages (written directly as a Maildir: seeding
// a million messages over IMAP would take hours) into a fresh account,
// then the audit stages on their own: fetch of both sides and diff of the
// two inventories. The table gives wall, CPU, peak RSS and CPU per
// message; a run's destination must hold the source's message count in
// every folder, and the sync must say "looks good".
func (b *bench) scale() ([]result, error) {
	var rs []result
	for _, field := range strings.Split(scaleOpts.counts, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSuffix(field, "k"), "M")))
		if err != nil {
			return nil, fmt.Errorf("-counts: %q is not a number", field)
		}
		switch {
		case strings.HasSuffix(field, "k"):
			n *= 1000
		case strings.HasSuffix(field, "M"):
			n *= 1000000
		}
		r, err := b.scaleOne(n)
		rs = append(rs, r...)
		if err != nil {
			return rs, err
		}
	}
	return rs, nil
}

func (b *bench) scaleOne(n int) ([]result, error) {
	dir := filepath.Join(b.work, fmt.Sprintf("scale-%d", n))
	d, err := harness.Start(dir, harness.Options{MaxConnsPerUserIP: 20})
	if err != nil {
		return nil, err
	}
	defer func() {
		d.Stop()
		os.RemoveAll(dir) // gigabytes at a million messages
	}()
	src := "source"
	if err := d.AddUser(src, "pw-"+src); err != nil {
		return nil, err
	}
	start := time.Now()
	home := filepath.Join(dir, "mail", src)
	bytes, err := writeMaildir(filepath.Join(home, "Maildir"), n)
	if err != nil {
		return nil, err
	}
	if os.Geteuid() == 0 {
		if out, err := exec.Command("chown", "-R", "8:8", home).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("chown: %v: %s", err, out)
		}
	}
	wrote := time.Since(start)
	// Dovecot indexes the Maildir at its first sight of each folder:
	// done here, so the runs measure the sync, not the source's indexing.
	counts, err := folderCounts(d, src)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(os.Stderr, "bench: scale: %d messages, %.0f MB, written in %s, indexed in %s\n",
		n, float64(bytes)/(1<<20), wrote.Round(time.Millisecond), (time.Since(start) - wrote).Round(time.Millisecond))

	label := fmt.Sprintf("%s messages (%.0f MB)", count(n), float64(bytes)/(1<<20))
	per := func(r result) result {
		r.note = fmt.Sprintf("%.0f µs CPU/message", float64(r.cpu.Microseconds())/float64(n))
		return r
	}
	url := func(u string) string { return "imap://" + u + "@" + d.PlainAddr() + "?tls=none" }
	bins := []string{b.bin}
	if scaleOpts.compare != "" {
		bins = append(bins, scaleOpts.compare)
	}
	runs := make([][]result, len(bins))
	var rs []result
	for r := 0; r < max(1, scaleOpts.rounds); r++ {
		for k := range bins {
			i := k
			if r%2 == 1 {
				i = len(bins) - 1 - k // the order alternates
			}
			dst := fmt.Sprintf("dest-%d-r%d", i, r)
			if err := d.AddUser(dst, "pw-"+dst); err != nil {
				return rs, err
			}
			time.Sleep(time.Second) // see vsmbsync: Dovecot's passwd-file is re-read once a second
			env := []string{"IMAPX_PASSWORD1=pw-" + src, "IMAPX_PASSWORD2=pw-" + dst}
			res, err := b.timedWith(bins[i], fmt.Sprintf("sync, first, %s (%s, round %d)", label, filepath.Base(bins[i]), r+1), env, "", "sync", url(src), url(dst))
			if err != nil {
				return rs, err
			}
			if v := verdict(filepath.Join(b.work, "imapx-run.err"), "The sync"); !strings.Contains(v, "looks good") {
				return rs, fmt.Errorf("sync at %d messages: %s", n, v)
			}
			got, err := folderCounts(d, dst)
			if err != nil {
				return rs, err
			}
			for f, c := range counts {
				if got[f] != c {
					return rs, fmt.Errorf("sync at %d messages: %s holds %d messages on the destination, %d on the source", n, f, got[f], c)
				}
			}
			runs[i] = append(runs[i], per(res))
			if r == 0 && i == 0 && scaleOpts.diffToo {
				audit, err := b.scaleAudit(dir, label, url(src), src, url(dst), dst, per)
				rs = append(rs, audit...)
				if err != nil {
					return rs, err
				}
			}
			if r == 0 && i == 0 && scaleOpts.push {
				pushed, err := b.scalePush(d, dir, label, src, counts, per)
				rs = append(rs, pushed...)
				if err != nil {
					return rs, err
				}
			}
			// Gigabytes each: a destination goes once checked.
			os.RemoveAll(filepath.Join(dir, "mail", dst, "Maildir"))
		}
	}
	if scaleOpts.mbsync {
		r, err := b.scaleMbsync(d, dir, label, src, counts, n, per)
		if err != nil {
			return rs, err
		}
		rs = append([]result{r}, rs...)
	}
	var out []result
	for i := range bins {
		m := median(runs[i])
		m.name = fmt.Sprintf("sync, first, %s (%s)", label, filepath.Base(bins[i]))
		if len(runs[i]) > 1 {
			m.name += fmt.Sprintf(", median of %d", len(runs[i]))
		}
		out = append(out, m)
	}
	return append(out, rs...), nil
}

// scaleAudit times the audit stages on their own: fetch of the source,
// and diff of the two inventories (all same), and of the source against
// an empty destination (a copy op for every message).
func (b *bench) scaleAudit(dir, label, srcURL, src, dstURL, dst string, per func(result) result) ([]result, error) {
	var rs []result
	srcInv, dstInv := filepath.Join(dir, "src.jsonl"), filepath.Join(dir, "dst.jsonl")
	defer os.Remove(srcInv)
	defer os.Remove(dstInv)
	f, err := b.timed("fetch inventory, "+label, []string{"IMAPX_PASSWORD=pw-" + src}, srcInv, "fetch", srcURL)
	if err != nil {
		return rs, err
	}
	rs = append(rs, per(f))
	if _, err := b.timed("fetch destination", []string{"IMAPX_PASSWORD=pw-" + dst}, dstInv, "fetch", dstURL); err != nil {
		return rs, err
	}
	df, err := b.timed("diff, all same, "+label, nil, "", "diff", srcInv, dstInv)
	if err != nil {
		return rs, err
	}
	rs = append(rs, per(df))
	empty := filepath.Join(dir, "empty.jsonl")
	if err := os.WriteFile(empty, []byte(`{"type":"end"}`+"\n"), 0o644); err != nil {
		return rs, err
	}
	dc, err := b.timed("diff, all to copy, "+label, nil, "", "diff", srcInv, empty)
	if err != nil {
		return rs, err
	}
	return append(rs, per(dc)), nil
}

// scaleMbsync runs mbsync (isync) once the same way, into a fresh
// account whose message count must then be the source's (mbsync copies
// every message; it adds a header to each, so it is counted, not compared).
func (b *bench) scaleMbsync(d *harness.Dovecot, dir, label, src string, counts map[string]int, n int, per func(result) result) (result, error) {
	dst := "mbsync"
	if err := d.AddUser(dst, "pw-"+dst); err != nil {
		return result{}, err
	}
	time.Sleep(time.Second)
	mr, err := newMbsyncRun(filepath.Join(b.work, "mbsync-scale"), imapAccount{d.PlainAddr(), src, "pw-" + src}, imapAccount{d.PlainAddr(), dst, "pw-" + dst})
	if err != nil {
		return result{}, err
	}
	defer os.RemoveAll(filepath.Join(b.work, "mbsync-scale"))
	r, err := measure("mbsync, first, "+label, exec.Command("mbsync", "-c", mr.rc, "-a"), filepath.Join(b.work, "mbsync-run"), scaleOpts.timeout)
	if err != nil {
		return r, err
	}
	got, err := folderCounts(d, dst)
	if err != nil {
		return r, err
	}
	total, want := 0, 0
	for f, c := range counts {
		total += got[f]
		want += c
	}
	os.RemoveAll(filepath.Join(dir, "mail", dst, "Maildir"))
	r = per(r)
	r.note += fmt.Sprintf("; %d/%d messages on the destination", total, want)
	return r, nil
}

// scalePush times `fetch --full` of the source to a file and `push` of
// that file into a fresh account (whose folders must then hold the
// source's counts): the stages a sync joins in one process, on their own.
// The file is about 4/3 of the account: -push is for up to 200k messages.
func (b *bench) scalePush(d *harness.Dovecot, dir, label, src string, counts map[string]int, per func(result) result) ([]result, error) {
	var rs []result
	url := func(u string) string { return "imap://" + u + "@" + d.PlainAddr() + "?tls=none" }
	full := filepath.Join(dir, "full.jsonl")
	defer os.Remove(full)
	f, err := b.timed("fetch --full, "+label, []string{"IMAPX_PASSWORD=pw-" + src}, full, "fetch", "--full", url(src))
	if err != nil {
		return rs, err
	}
	rs = append(rs, per(f))
	dst := "pushed"
	if err := d.AddUser(dst, "pw-"+dst); err != nil {
		return rs, err
	}
	time.Sleep(time.Second)
	p, err := b.timed("push, "+label, []string{"IMAPX_PASSWORD=pw-" + dst}, "", "push", url(dst), full)
	if err != nil {
		return rs, err
	}
	got, err := folderCounts(d, dst)
	if err != nil {
		return rs, err
	}
	for folder, c := range counts {
		if got[folder] != c {
			return rs, fmt.Errorf("push: %s holds %d messages, %d on the source", folder, got[folder], c)
		}
	}
	os.RemoveAll(filepath.Join(dir, "mail", dst, "Maildir"))
	return append(rs, per(p)), nil
}

// timed is imapx with the scale scenario's timeout; its output goes to
// out (or is dropped).
func (b *bench) timed(name string, env []string, out string, args ...string) (result, error) {
	return b.timedWith(b.bin, name, env, out, args...)
}

func (b *bench) timedWith(bin, name string, env []string, out string, args ...string) (result, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	logBase := filepath.Join(b.work, "imapx-run")
	r, err := measure(name, cmd, logBase, scaleOpts.timeout)
	if err != nil {
		return r, err
	}
	if out != "" {
		return r, os.Rename(logBase+".out", out)
	}
	os.Remove(logBase + ".out")
	return r, nil
}

func count(n int) string {
	switch {
	case n >= 1000000 && n%1000000 == 0:
		return fmt.Sprintf("%dM", n/1000000)
	case n >= 1000 && n%1000 == 0:
		return fmt.Sprintf("%dk", n/1000)
	}
	return strconv.Itoa(n)
}

// folderCounts asks Dovecot (doveadm, as the server sees its own
// Maildir) how many messages each folder holds.
func folderCounts(d *harness.Dovecot, user string) (map[string]int, error) {
	out, err := exec.Command("doveadm", "-c", d.ConfigPath(), "-f", "tab", "mailbox", "status", "-u", user, "messages", "*").CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("doveadm mailbox status: %v: %s", err, out)
	}
	counts := map[string]int{}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for _, l := range lines[1:] { // a header line first
		name, c, ok := strings.Cut(l, "\t")
		if !ok {
			continue
		}
		if counts[name], err = strconv.Atoi(strings.TrimSpace(c)); err != nil {
			return nil, fmt.Errorf("doveadm mailbox status: %q", l)
		}
	}
	return counts, nil
}

// writeMaildir writes n messages into a Dovecot Maildir (fs layout) at
// root, the shape of the vsmbsync corpus without its handful of
// multi-megabyte messages: log-normal sizes around 10 KB, 6% with a
// base64 attachment, 1.5% exact duplicates, 3% without Message-ID, the
// corpus's flags and keywords, internal dates as file times. Bodies are
// cut from precomputed text and base64 blocks, so that the disk, not the
// generator, sets the pace. It returns the bytes written.
func writeMaildir(root string, n int) (int64, error) {
	r := rand.New(rand.NewPCG(uint64(n), 1000))
	g := newScaleGen(r)
	total := 0
	for _, f := range scaleFolders {
		total += f.weight
		for _, sub := range []string{"cur", "new", "tmp"} {
			if err := os.MkdirAll(filepath.Join(root, f.name, sub), 0o700); err != nil {
				return 0, err
			}
		}
		if err := os.WriteFile(filepath.Join(root, f.name, "dovecot-keywords"), []byte("0 $Label1\n1 Work\n"), 0o600); err != nil {
			return 0, err
		}
	}
	if err := os.WriteFile(filepath.Join(root, "subscriptions"), []byte(scaleSubscriptions()), 0o600); err != nil {
		return 0, err
	}
	epoch := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Unix()
	span := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC).Unix() - epoch
	last := map[string][]byte{} // each folder's last message, for duplicates
	var bytes int64
	for i := 0; i < n; i++ {
		folder := scaleFolders[0].name
		if i < len(scaleFolders) {
			folder = scaleFolders[i].name
		} else {
			w := r.IntN(total)
			for _, f := range scaleFolders {
				if w -= f.weight; w < 0 {
					folder = f.name
					break
				}
			}
		}
		date := time.Unix(epoch+r.Int64N(span), 0)
		raw := last[folder]
		if raw == nil || r.Float64() >= 0.015 {
			raw = g.message(i, folder, date)
			last[folder] = raw
		}
		name := fmt.Sprintf("%d.M%dP1.bench,S=%d,W=%d:2,%s", date.Unix(), i, len(raw), len(raw), g.flags(folder))
		path := filepath.Join(root, folder, "cur", name)
		if err := os.WriteFile(path, raw, 0o600); err != nil {
			return bytes, err
		}
		if err := os.Chtimes(path, date, date); err != nil {
			return bytes, err
		}
		bytes += int64(len(raw))
	}
	return bytes, nil
}

func scaleSubscriptions() string {
	var b strings.Builder
	b.WriteString("V\t2\n\n")
	for _, f := range scaleFolders {
		b.WriteString(f.name + "\n")
	}
	return b.String()
}

// scaleGen makes the scale corpus's messages from precomputed blocks.
type scaleGen struct {
	r          *rand.Rand
	text, b64  string
	textLines  []int // offsets of line starts in text
	b64LineLen int
}

func newScaleGen(r *rand.Rand) *scaleGen {
	g := &scaleGen{r: r}
	var t strings.Builder
	mg := newMailGen(r)
	for t.Len() < 1<<20 {
		g.textLines = append(g.textLines, t.Len())
		t.WriteString(mg.line(40 + r.IntN(36)))
		t.WriteString("\r\n")
	}
	g.text = t.String()
	raw := make([]byte, 57)
	enc := make([]byte, 76)
	var b strings.Builder
	src := rand.NewChaCha8([32]byte{'s', 'c', 'a', 'l', 'e'})
	for b.Len() < 4<<20 {
		src.Read(raw)
		base64.StdEncoding.Encode(enc, raw)
		b.Write(enc)
		b.WriteString("\r\n")
	}
	g.b64, g.b64LineLen = b.String(), 78
	return g
}

// body is size bytes of text lines from a random place in the block.
func (g *scaleGen) body(w *strings.Builder, size int) {
	for size > 0 {
		start := g.textLines[g.r.IntN(len(g.textLines)/2)]
		chunk := g.text[start:]
		chunk = chunk[:min(len(chunk), size)]
		if i := strings.LastIndex(chunk, "\r\n"); i > 0 {
			chunk = chunk[:i+2]
		} else {
			chunk = strings.Repeat(".", max(size-2, 0)) + "\r\n"
		}
		w.WriteString(chunk)
		size -= len(chunk)
	}
}

var scaleSenders = []string{"Bob Builder <bob@example.net>", "Carol <carol@example.org>",
	"=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>", "newsletter@lists.example.com",
	"Dana Scully <dana@example.gov>"}

func (g *scaleGen) message(i int, folder string, date time.Time) []byte {
	attach := g.r.Float64() < 0.06
	var size int
	if attach {
		size = int(math.Exp(math.Log(60<<10) + 1.1*g.r.NormFloat64()))
	} else {
		size = int(math.Exp(math.Log(4500) + 0.8*g.r.NormFloat64()))
	}
	size = min(max(size, 1<<10), 2<<20)
	var b strings.Builder
	b.Grow(size + 1024)
	from, to := scaleSenders[g.r.IntN(len(scaleSenders))], "Alice <alice@example.org>"
	if folder == "Sent" {
		from, to = to, from
	}
	if folder != "Sent" && folder != "Drafts" {
		fmt.Fprintf(&b, "Return-Path: <sender%d@example.net>\r\nReceived: from mail%d.example.net (mail%d.example.net [192.0.2.%d])\r\n\tby mx.example.org with ESMTPS id %08x\r\n\tfor <alice@example.org>; %s\r\n",
			i%97, i%13, i%13, i%250+1, g.r.Uint32(), date.Format(time.RFC1123Z))
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: message %d about %s\r\nDate: %s\r\n", from, to, i, g.text[g.textLines[i%len(g.textLines)]:][:30], date.Format(time.RFC1123Z))
	if folder != "Drafts" && g.r.Float64() >= 0.03 {
		fmt.Fprintf(&b, "Message-ID: <%d.%08x@scale.example.org>\r\n", i, g.r.Uint32())
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	if !attach {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		g.body(&b, size-b.Len())
		return []byte(b.String())
	}
	boundary := fmt.Sprintf("=_scale_%d_%08x", i, g.r.Uint32())
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\n--%s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n", boundary, boundary)
	g.body(&b, 300+g.r.IntN(1200))
	fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: application/octet-stream; name=\"file-%d.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\n", boundary, i)
	lines := max((size-b.Len())/g.b64LineLen, 1)
	lines = min(lines, len(g.b64)/g.b64LineLen-1)
	start := g.r.IntN(len(g.b64)/g.b64LineLen-lines) * g.b64LineLen
	b.WriteString(g.b64[start : start+lines*g.b64LineLen])
	fmt.Fprintf(&b, "--%s--\r\n", boundary)
	return []byte(b.String())
}

// flags are a message's Maildir flag letters (sorted; a and b are the
// keywords $Label1 and Work of dovecot-keywords), the corpus's odds.
func (g *scaleGen) flags(folder string) string {
	if folder == "Drafts" {
		return "DS"
	}
	var f []byte
	seen := 0.95
	if folder == "INBOX" || folder == "Newsletters" {
		seen = 0.6
	}
	if g.r.Float64() < 0.04 {
		f = append(f, 'F')
	}
	if folder != "Sent" && g.r.Float64() < 0.10 {
		f = append(f, 'R')
	}
	if g.r.Float64() < seen {
		f = append(f, 'S')
	}
	if g.r.Float64() < 0.04 {
		f = append(f, 'a')
	}
	work := 0.02
	if strings.HasPrefix(folder, "Projects") {
		work = 0.4
	}
	if g.r.Float64() < work {
		f = append(f, 'b')
	}
	return string(f)
}
