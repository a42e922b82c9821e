package main

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/test/harness"
)

// srvOpts are the servers flags.
var srvOpts struct {
	keywords int
	mbsync   bool
}

// srvAccount is a user on one of the three server families.
type srvAccount struct {
	srv        harness.Server
	user, pass string
}

func (a srvAccount) url() string {
	return "imap://" + a.user + "@" + a.srv.PlainAddr() + "?tls=none"
}

func (a srvAccount) String() string { return a.srv.Family() }

// read reads the account independently of imapx, folder names mapped to
// "/"-separated ones without the personal prefix (harness.Canonical).
func (a srvAccount) read() ([]harness.Message, error) {
	msgs, _, err := a.srv.ReadAll(a.user, a.pass)
	if err != nil {
		return nil, fmt.Errorf("reading %s on %s: %w", a.user, a.srv.Family(), err)
	}
	for i := range msgs {
		msgs[i].Folder = harness.Canonical(a.srv, msgs[i].Folder)
	}
	return msgs, nil
}

// srvRun is one imapx sync and what came of it.
type srvRun struct {
	res     result
	exit    int
	verdict string
	check   comparison
	diffs   []string // how the destination differs, by class
	// src, dst are both sides as read after the run, until note is made.
	src, dst []harness.Message
	note     string
}

// srvRow is one direction: the first sync and the no-op re-sync.
type srvRow struct {
	name          string
	first, resync srvRun
	roundTrip     string // against the corpus as seeded, for the way back
	// mbsync, mbsyncResync: mbsync the same way into an account of its own.
	mbsync, mbsyncResync srvRun
}

// servers syncs the vsmbsync corpus (-scale) from Dovecot to Cyrus
// (munge8bit off) and to Courier, and back from each into a fresh Dovecot
// account, each followed by a no-op re-sync; after every run both sides
// are read independently and compared (folders through each server's
// naming, bytes, flags with keywords, internal dates). Failures and
// differences are collected, the table printed, then the failures
// returned.
func (b *bench) servers() ([]result, error) {
	msgs, folders, shape := buildCorpus(vsOpts.scale)
	extra := addKeywords(msgs, srvOpts.keywords)
	d, err := harness.Start(filepath.Join(b.work, "dovecot"), harness.Options{MaxConnsPerUserIP: 20})
	if err != nil {
		return nil, err
	}
	defer d.Stop()
	cy, err := harness.StartCyrus(filepath.Join(b.work, "cyrus"), harness.CyrusOptions{})
	if err != nil {
		return nil, err
	}
	defer cy.Stop()
	co, err := harness.StartCourier(filepath.Join(b.work, "courier"))
	if err != nil {
		return nil, err
	}
	defer co.Stop()

	acct := func(s harness.Server, user string) srvAccount {
		return srvAccount{srv: s, user: user, pass: "pw-" + user + "-" + s.Family()}
	}
	src, toCyrus, toCourier := acct(d, "source"), acct(cy, "alice"), acct(co, "alice")
	backCyrus, backCourier := acct(d, "from-cyrus"), acct(d, "from-courier")
	// mbsync's destinations, when it is installed.
	_, noMbsync := exec.LookPath("mbsync")
	if !srvOpts.mbsync {
		noMbsync = errors.New("-mbsync=false")
	}
	mbsyncTo := map[srvAccount]srvAccount{
		toCyrus: acct(cy, "mbsync"), toCourier: acct(co, "mbsync"),
		backCyrus: acct(d, "mbsync-from-cyrus"), backCourier: acct(d, "mbsync-from-courier"),
	}
	// Every account exists before anything logs in (see vsmbsync).
	for _, a := range []srvAccount{src, toCyrus, toCourier, backCyrus, backCourier, mbsyncTo[toCyrus], mbsyncTo[toCourier],
		mbsyncTo[backCyrus], mbsyncTo[backCourier]} {
		if err := a.srv.AddUser(a.user, a.pass); err != nil {
			return nil, err
		}
	}
	start := time.Now()
	if err := d.Seed(src.user, src.pass, msgs, folders...); err != nil {
		return nil, fmt.Errorf("seeding Dovecot: %w", err)
	}
	corpus := seeded(msgs)
	ref, err := src.read()
	if err != nil {
		return nil, err
	}
	if c := compare(corpus, ref); !c.equal() {
		return nil, fmt.Errorf("Dovecot does not hold the corpus as seeded: %s", strings.Replace(c.String(), "destination", "source", -1))
	}
	fmt.Fprintf(os.Stderr, "bench: servers: seeded %s into Dovecot in %s\n", shape, time.Since(start).Round(time.Millisecond))

	var rows []srvRow
	var failures []string
	for _, dir := range []struct{ from, to srvAccount }{
		{src, toCyrus}, {src, toCourier}, {toCyrus, backCyrus}, {toCourier, backCourier},
	} {
		name := fmt.Sprintf("%s → %s", dir.from, dir.to)
		if dir.to.srv == d {
			name += " (fresh account)"
		}
		row := srvRow{name: name}
		for i, r := range []*srvRun{&row.first, &row.resync} {
			label := name + " first"
			if i == 1 {
				label = name + " re-sync"
			}
			fmt.Fprintf(os.Stderr, "bench: servers: %s…\n", label)
			run, err := b.serverSync(label, dir.from, dir.to)
			if err != nil {
				return nil, err
			}
			run.src, run.dst = nil, nil
			*r = run
			if run.exit != 0 || !run.check.equal() {
				failures = append(failures, fmt.Sprintf("%s: exit %d, %q; %s", label, run.exit, run.verdict, run.check.short()))
			}
		}
		for i, r := range []*srvRun{&row.mbsync, &row.mbsyncResync} {
			if noMbsync != nil {
				break
			}
			label := name + " mbsync first"
			if i == 1 {
				label = name + " mbsync re-sync"
			}
			fmt.Fprintf(os.Stderr, "bench: servers: %s…\n", label)
			if *r, err = b.mbsyncSync(label, dir.from, mbsyncTo[dir.to]); err != nil {
				return nil, err
			}
		}
		if dir.to.srv == d {
			got, err := dir.to.read()
			if err != nil {
				return nil, err
			}
			c := compare(corpus, got)
			row.roundTrip = firstLine(c.String())
			if !c.equal() {
				row.roundTrip += "\n    " + strings.Join(differences(corpus, got), "\n    ")
			}
		}
		rows = append(rows, row)
	}

	fmt.Printf("servers corpus: %s\n", shape)
	if extra > 0 {
		fmt.Printf("-keywords %d: %d messages of Projects and below carry one of %d more keywords each (kw000…)\n", srvOpts.keywords, extra, srvOpts.keywords)
	}
	fmt.Println("Dovecot 2.3 (\"/\", no prefix), Cyrus 3.6 (munge8bit off, \"INBOX.\" and \".\"), Courier-IMAP 5.0 (\"INBOX.\" and \".\"); plain IMAP on 127.0.0.1")
	fmt.Println("independent check: both sides read with plain go-imap after the run, folders through harness.Canonical, compared as multisets of (folder, bytes, flags with keywords, internal date)")
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "DIRECTION\tEXIT\tVERDICT\tINDEPENDENT CHECK\tWALL\tCPU\tPEAK RSS\tRE-SYNC WALL\tRE-SYNC EXIT\tRE-SYNC CHECK\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%d\t%s\t\n", r.name, r.first.exit, r.first.verdict, r.first.check.short(),
			r.first.res.wall.Round(time.Millisecond), r.first.res.cpu.Round(time.Millisecond), mb(r.first.res.maxRSSKB),
			r.resync.res.wall.Round(time.Millisecond), r.resync.exit, r.resync.check.short())
	}
	tw.Flush()
	for _, r := range rows {
		for _, run := range []struct {
			what string
			r    srvRun
		}{{"first", r.first}, {"re-sync", r.resync}} {
			fmt.Printf("  %s %s: %q; CPU %s, peak RSS %s; %s\n", r.name, run.what, run.r.verdict,
				run.r.res.cpu.Round(time.Millisecond), mb(run.r.res.maxRSSKB), firstLine(run.r.check.String()))
			for _, l := range run.r.diffs {
				fmt.Println("    " + l)
			}
		}
		if r.roundTrip != "" {
			fmt.Printf("  %s, round trip against the corpus as seeded into Dovecot: %s\n", r.name, strings.Replace(r.roundTrip, "source", "corpus", -1))
		}
	}
	if noMbsync != nil {
		fmt.Printf("mbsync not run: %v\n", noMbsync)
	} else {
		fmt.Println("mbsync (isync), the same directions, each into an account of its own; its sync state reused by the re-sync:")
		tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "DIRECTION\tEXIT\tWALL\tCPU\tPEAK RSS\tRE-SYNC WALL\tRE-SYNC EXIT\t")
		for _, r := range rows {
			fmt.Fprintf(tw, "%s\t%d\t%s\t%s\t%s\t%s\t%d\t\n", r.name, r.mbsync.exit,
				r.mbsync.res.wall.Round(time.Millisecond), r.mbsync.res.cpu.Round(time.Millisecond), mb(r.mbsync.res.maxRSSKB),
				r.mbsyncResync.res.wall.Round(time.Millisecond), r.mbsyncResync.exit)
		}
		tw.Flush()
		for _, r := range rows {
			for _, run := range []struct {
				what string
				r    srvRun
			}{{"first", r.mbsync}, {"re-sync", r.mbsyncResync}} {
				fmt.Printf("  mbsync %s %s: %s", r.name, run.what, run.r.note)
				if run.r.exit != 0 {
					fmt.Printf("; stderr: %q", run.r.verdict)
				}
				fmt.Println()
			}
		}
		fmt.Println("  mbsync is not expected to copy exactly: it adds an X-TUID header to each message it copies and does not copy keywords ($Label1, Work), so its destination is counted, not compared.")
	}
	if len(failures) > 0 {
		return nil, fmt.Errorf("%d failures:\n%s", len(failures), strings.Join(failures, "\n"))
	}
	return nil, nil
}

// serverSync runs one imapx sync from → to, with the state of the pair
// kept in the bench's temp dir, then reads both sides.
func (b *bench) serverSync(label string, from, to srvAccount) (srvRun, error) {
	state := filepath.Join(b.work, "servers-state", from.srv.Family()+"-"+to.srv.Family()+"-"+to.user)
	cmd := exec.Command(b.bin, "sync", "--statedir", state, from.url(), to.url())
	cmd.Env = append(os.Environ(), "IMAPX_PASSWORD1="+from.pass, "IMAPX_PASSWORD2="+to.pass,
		"XDG_CACHE_HOME="+filepath.Join(b.work, "cache"))
	return b.serverRun(label, cmd, from, to, imapxVerdict)
}

// mbsyncSync runs mbsync from → to with the config and sync state of the
// pair in the bench's temp dir (a re-sync reuses them), then reads both
// sides.
func (b *bench) mbsyncSync(label string, from, to srvAccount) (srvRun, error) {
	mr, err := newMbsyncRun(filepath.Join(b.work, "servers-mbsync", from.srv.Family()+"-"+to.srv.Family()+"-"+to.user),
		imapAccount{addr: from.srv.PlainAddr(), user: from.user, pass: from.pass},
		imapAccount{addr: to.srv.PlainAddr(), user: to.user, pass: to.pass})
	if err != nil {
		return srvRun{}, err
	}
	run, err := b.serverRun(label, exec.Command("mbsync", "-c", mr.rc, "-a"), from, to, func(l string) bool {
		return strings.HasPrefix(l, "mbsync") || strings.Contains(l, "Error") || strings.Contains(l, "IMAP error")
	})
	if err == nil {
		run.diffs = nil
		run.note = mbsyncNote(run.check, run.dst, compare(withoutKeywords(run.src, false), withoutKeywords(run.dst, true)))
	}
	run.src, run.dst = nil, nil
	return run, err
}

// serverRun measures cmd, takes its verdict from the lines of its stderr
// that keep picks (else its last line), and compares both sides.
func (b *bench) serverRun(label string, cmd *exec.Cmd, from, to srvAccount, keep func(string) bool) (srvRun, error) {
	logBase := filepath.Join(b.work, "servers-"+strings.NewReplacer(" ", "-", "→", "to", "(", "", ")", "").Replace(label))
	var run srvRun
	var err error
	run.res, err = measure(label, cmd, logBase, vsOpts.timeout)
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		run.exit = ee.ExitCode()
		fmt.Fprintln(os.Stderr, "bench: servers:", err)
	case err != nil:
		return run, err
	}
	run.verdict = verdictWhere(logBase+".err", keep)
	a, err := from.read()
	if err != nil {
		return run, err
	}
	c, err := to.read()
	if err != nil {
		return run, err
	}
	run.check = compare(a, c)
	if !run.check.equal() {
		run.diffs = differences(a, c)
	}
	run.src, run.dst = a, c
	return run, nil
}

// short is a comparison in a table cell.
func (c comparison) short() string {
	if c.equal() {
		return fmt.Sprintf("equal (%d)", c.src)
	}
	return fmt.Sprintf("DIFFERS: %d/%d without exact copy, %d extra", c.nMissing, c.src, c.nExtra)
}

// addKeywords gives the messages of Projects and its subfolders one of n
// keywords each (kw000, kw001, …, in turn), so that a folder holds more
// distinct keywords than Cyrus takes; it returns how many it changed.
func addKeywords(msgs []imaptest.SeedMessage, n int) int {
	if n <= 0 {
		return 0
	}
	changed := 0
	for i := range msgs {
		if msgs[i].Folder == "Projects" || strings.HasPrefix(msgs[i].Folder, "Projects/") {
			msgs[i].Flags = append(slices.Clone(msgs[i].Flags), fmt.Sprintf("kw%03d", changed%n))
			changed++
		}
	}
	return changed
}

func firstLine(s string) string {
	first, _, _ := strings.Cut(s, "\n")
	return first
}

// imapxVerdict picks sync's closing judgement lines: "The sync …", "N
// messages have …" and "Detected N errors".
func imapxVerdict(l string) bool {
	return strings.HasPrefix(l, "The sync") || strings.HasPrefix(l, "Detected ") ||
		strings.Contains(l, " messages have ") && !strings.HasPrefix(l, "imapx:")
}

// verdictWhere is the lines of a log that keep picks, joined, or else its
// last line.
func verdictWhere(path string, keep func(string) bool) string {
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	var out []string
	for _, l := range lines {
		if keep(l) {
			out = append(out, strings.TrimSpace(l))
		}
	}
	if len(out) == 0 {
		return strings.TrimSpace(lines[len(lines)-1])
	}
	return strings.Join(out, " / ")
}
