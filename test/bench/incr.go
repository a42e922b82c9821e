package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/test/harness"
)

// incrOpts are the incr50k flags.
var incrOpts struct{ messages int }

// incr50k: a re-sync of an INBOX of -incr-messages messages (50,000) after
// 10 new messages and 10 flag changes on the source, by imapx (with its
// state) and by mbsync (with its own), each into its own destination
// synced once before; rounds rounds, medians. imapx's destination must
// equal the source after every run (an independent read).
func (b *bench) incr50k() ([]result, error) {
	if _, err := exec.LookPath("mbsync"); err != nil {
		return nil, errors.New("mbsync is not installed (apt-get install isync)")
	}
	n := incrOpts.messages
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
	ix := imapAccount{addr: dstD.PlainAddr(), user: "imapx", pass: "pw-imapx"}
	mbs := imapAccount{addr: dstD.PlainAddr(), user: "mbsync", pass: "pw-mbsync"}
	for _, a := range []struct {
		d *harness.Dovecot
		a imapAccount
	}{{srcD, src}, {dstD, ix}, {dstD, mbs}} {
		if err := a.d.AddUser(a.a.user, a.a.pass); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	if err := seedMaildir(filepath.Join(srcD.Dir(), "mail", src.user, "Maildir", "INBOX"), inboxCorpus(0, n)); err != nil {
		return nil, fmt.Errorf("seeding the source: %w", err)
	}
	fmt.Fprintf(os.Stderr, "bench: incr50k: seeded %d messages in INBOX in %s\n", n, time.Since(start).Round(time.Millisecond))

	state := filepath.Join(b.work, "imapx-state")
	mr, err := newMbsyncRun(filepath.Join(b.work, "mbsync-incr"), src, mbs)
	if err != nil {
		return nil, err
	}
	imapxCmd := func() *exec.Cmd {
		cmd := exec.Command(b.bin, "sync", "--statedir", state, imapURL(src), imapURL(ix))
		cmd.Env = append(os.Environ(), "IMAPX_PASSWORD1="+src.pass, "IMAPX_PASSWORD2="+ix.pass)
		return cmd
	}
	mbsyncCmd := func() *exec.Cmd { return exec.Command("mbsync", "-c", mr.rc, "-a") }
	var notes, failures []string
	check := func(label string) error {
		a, d, err := readBoth(srcD, src, dstD, ix)
		if err != nil {
			return err
		}
		c := compare(a, d)
		if !c.equal() {
			failures = append(failures, fmt.Sprintf("%s: VERIFY FAILED: %s", label, c))
		}
		notes = append(notes, fmt.Sprintf("%s: independent check: %s", label, c))
		return nil
	}
	first := map[string]result{}
	for _, t := range []struct {
		name string
		cmd  func() *exec.Cmd
	}{{"imapx", imapxCmd}, {"mbsync", mbsyncCmd}} {
		label := t.name + " first sync"
		fmt.Fprintf(os.Stderr, "bench: incr50k: %s…\n", label)
		r, err := measure(label, t.cmd(), filepath.Join(b.work, strings.ReplaceAll(label, " ", "-")), vsOpts.timeout)
		if err != nil {
			return nil, err
		}
		first[t.name] = r
	}
	if err := check("imapx first sync"); err != nil {
		return nil, err
	}
	var ixRuns, mbRuns []result
	// Runs of a few hundred milliseconds against servers that rescan a
	// Maildir at will spread widely: 9 rounds unless -rounds says.
	rounds := 9
	flag.Visit(func(f *flag.Flag) {
		if f.Name == "rounds" {
			rounds = max(1, vsOpts.rounds)
		}
	})
	for r := 1; r <= rounds; r++ {
		if err := changeInbox(srcD, src, n+(r-1)*10, r); err != nil {
			return nil, err
		}
		tools := []string{"imapx", "mbsync"}
		if r%2 == 0 {
			tools = []string{"mbsync", "imapx"}
		}
		for _, tool := range tools {
			label := fmt.Sprintf("%s re-sync round %d", tool, r)
			fmt.Fprintf(os.Stderr, "bench: incr50k: %s…\n", label)
			logBase := filepath.Join(b.work, strings.ReplaceAll(label, " ", "-"))
			cmd := mbsyncCmd()
			if tool == "imapx" {
				cmd = imapxCmd()
			}
			res, err := measure(label, cmd, logBase, vsOpts.timeout)
			if err != nil {
				failures = append(failures, err.Error())
				res.note = "FAILED"
			}
			if tool == "mbsync" {
				mbRuns = append(mbRuns, res)
				continue
			}
			ixRuns = append(ixRuns, res)
			notes = append(notes, fmt.Sprintf("%s: imapx says %q", label, verdict(logBase+".err", "imapx: host", "The sync", "Detected")))
			if err := check(label); err != nil {
				return nil, err
			}
		}
	}
	fmt.Printf("incr50k: INBOX of %d messages; each round adds 10 messages and changes the flags of 10 on the source, then re-syncs (median of %d rounds)\n", n, rounds)
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "RUN\tIMAPX WALL\tMBSYNC WALL\tIMAPX/MBSYNC\tIMAPX CPU\tMBSYNC CPU\tIMAPX PEAK RSS\tMBSYNC PEAK RSS\t")
	for _, row := range []struct {
		name   string
		ix, mb result
	}{{"first sync", first["imapx"], first["mbsync"]}, {"re-sync", median(ixRuns), median(mbRuns)}} {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%.2f\t%s\t%s\t%s\t%s\t\n", row.name, wallNote(row.ix), wallNote(row.mb),
			row.ix.wall.Seconds()/row.mb.wall.Seconds(), row.ix.cpu.Round(time.Millisecond), row.mb.cpu.Round(time.Millisecond),
			mb(row.ix.maxRSSKB), mb(row.mb.maxRSSKB))
	}
	tw.Flush()
	// Every round, for the spread behind the medians.
	walls := func(rs []result) string {
		var s []string
		for _, r := range rs {
			s = append(s, r.wall.Round(time.Millisecond).String())
		}
		return strings.Join(s, " ")
	}
	fmt.Printf("  re-sync rounds, imapx: %s\n  re-sync rounds, mbsync: %s\n", walls(ixRuns), walls(mbRuns))
	wins := 0
	for i := range ixRuns {
		if i < len(mbRuns) && ixRuns[i].wall <= mbRuns[i].wall {
			wins++
		}
	}
	fmt.Printf("  imapx at least as fast as mbsync in %d of %d rounds\n", wins, len(ixRuns))
	for _, n := range notes {
		fmt.Println("  " + n)
	}
	if len(failures) > 0 {
		return nil, fmt.Errorf("%d failures:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	return nil, nil
}

// inboxCorpus is n small INBOX messages from number from on (1–4 KB,
// a third seen).
func inboxCorpus(from, n int) []imaptest.SeedMessage {
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	out := make([]imaptest.SeedMessage, 0, n)
	line := strings.Repeat("incremental ", 6) + "\r\n"
	for i := from; i < from+n; i++ {
		var s strings.Builder
		fmt.Fprintf(&s, "Message-ID: <incr-%d@example.org>\r\nSubject: message %d\r\nFrom: a%d@example.org\r\nTo: b@example.org\r\n\r\n", i, i, i%97)
		for s.Len() < 1000+(i*7919)%3000 {
			s.WriteString(line)
		}
		flags := []string{}
		if i%3 == 0 {
			flags = append(flags, `\Seen`)
		}
		out = append(out, imaptest.SeedMessage{Folder: "INBOX", Raw: []byte(s.String()), Flags: flags, Date: now.Add(-time.Duration(i) * time.Minute)})
	}
	return out
}

// changeInbox adds 10 messages to the source's INBOX (numbered from next)
// and sets (odd rounds) or clears (even rounds) \Flagged on 10 messages
// spread over it.
func changeInbox(d *harness.Dovecot, a imapAccount, next, round int) error {
	if err := d.Seed(a.user, a.pass, inboxCorpus(next, 10)); err != nil {
		return err
	}
	c, err := imapclient.DialInsecure(a.addr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Login(a.user, a.pass).Wait(); err != nil {
		return err
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		return err
	}
	var set imap.UIDSet
	for i := imap.UID(0); i < 10; i++ {
		set.AddNum(1 + i*4999)
	}
	op := imap.StoreFlagsAdd
	if round%2 == 0 {
		op = imap.StoreFlagsDel
	}
	return c.Store(set, &imap.StoreFlags{Op: op, Flags: []imap.Flag{imap.FlagFlagged}, Silent: true}, nil).Close()
}

// seedMaildir writes msgs straight into a Maildir folder of the harness's
// Dovecot (files owned by its mail user, uid and gid 8, as its passwd
// file says), before any login: seeding 50,000 messages over IMAP takes
// tens of minutes on a busy machine. Dovecot indexes them at the first
// SELECT; the internal date is the file's mtime.
func seedMaildir(dir string, msgs []imaptest.SeedMessage) error {
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o700); err != nil {
			return err
		}
	}
	for i, m := range msgs {
		info := ""
		for _, f := range m.Flags {
			if f == `\Seen` {
				info += "S"
			}
		}
		name := filepath.Join(dir, "cur", fmt.Sprintf("%d.M%dP1Q%d.bench,S=%d:2,%s", m.Date.Unix(), i, i, len(m.Raw), info))
		if err := os.WriteFile(name, m.Raw, 0o600); err != nil {
			return err
		}
		if err := os.Chtimes(name, m.Date, m.Date); err != nil {
			return err
		}
		if err := os.Chown(name, 8, 8); err != nil {
			return err
		}
	}
	for _, p := range []string{filepath.Dir(filepath.Dir(dir)), filepath.Dir(dir), dir, filepath.Join(dir, "cur"), filepath.Join(dir, "new"), filepath.Join(dir, "tmp")} {
		if err := os.Chown(p, 8, 8); err != nil {
			return err
		}
	}
	return nil
}
