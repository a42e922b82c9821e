package command

import (
	"context"
	"fmt"
	"time"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/subst"
	"github.com/imapx/imapx/pipeline"
)

// demoGmail is the demo with an emulated Gmail as the source: six
// messages shown in fourteen folder entries (labels as folders, All Mail
// holding every message again), synced as --gmail1 --synclabels
// --labels-as folders does: each label folder keeps its copy, All Mail
// only the message with no label; then the same sync again must copy
// nothing and find host2 exact.
func (s *streams) demoGmail(ctx context.Context) error {
	now := time.Now().UTC().Truncate(time.Second)
	gm, err := imaptest.StartProvider(imaptest.ProviderOptions{Kind: "gmail",
		Users: []imaptest.MemUser{{Name: "alice@gmail.com", Password: "demo-gmail", Messages: imaptest.GmailSample(now)}}})
	if err != nil {
		return exitcode.New(exitcode.Internal, fmt.Errorf("starting the emulated Gmail: %w", err))
	}
	defer gm.Close()
	dstSrv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "bob", Password: "demo-destination"}})
	if err != nil {
		return exitcode.New(exitcode.Internal, fmt.Errorf("starting the demo destination: %w", err))
	}
	defer dstSrv.Close()
	src := &session.Account{Host: "127.0.0.1", User: "alice@gmail.com", Password: "demo-gmail", Security: session.Plain, Label: "host1"}
	dst := &session.Account{Host: "127.0.0.1", User: "bob", Password: "demo-destination", Security: session.Plain, Label: "host2"}
	fmt.Sscanf(portOf(gm.Addr()), "%d", &src.Port)
	fmt.Sscanf(portOf(dstSrv.Addr()), "%d", &dst.Port)

	step := func(title, cmd string) { fmt.Fprintf(s.stdout, "\n== %s\n$ %s\n", title, cmd) }
	step("The emulated Gmail account's folders: labels as folders, All Mail holding every message", "imapx list --format table "+src.String())
	if err := s.demoList(ctx, src); err != nil {
		return err
	}
	step("Audit before the sync: every label folder's copy is a message to copy", "imapx diff --format table src.jsonl dst.jsonl")
	if _, err := s.demoAudit(ctx, src, dst); err != nil {
		return err
	}
	cmd := "imapx sync --gmail1 --synclabels --labels-as folders " + src.String() + " " + dst.String()
	o := pipeline.Options{
		Log: s.stdout, SyncLabels: true, LabelsAsFolders: true,
		Diff: diff.Options{FolderLast: []string{"[Gmail]/All Mail"}},
	}
	rt, err := subst.Parse(`s,\[Gmail\].,,`)
	if err != nil {
		return exitcode.New(exitcode.Internal, err)
	}
	o.Diff.Mapping.Regextrans2 = []*subst.Subst{rt}
	step("The sync: one copy per label folder, All Mail only what has no label", cmd)
	rep, err := pipeline.Sync(ctx, dialer(src, 1), dialer(dst, 2), o)
	if err != nil {
		return err
	}
	if rep.ExitCode != exitcode.OK || !rep.Looksgood {
		return exitcode.Newf(exitcode.WithErrors, "the demo sync had %d errors; first: %s", rep.Errors, rep.FirstError)
	}
	step("Audit after the sync: the same sync again copies nothing", cmd)
	again, err := pipeline.Sync(ctx, dialer(src, 1), dialer(dst, 2), o)
	if err != nil {
		return err
	}
	if again.Copied != 0 || !again.Looksgood || again.ExitCode != exitcode.OK {
		return exitcode.Newf(exitcode.WithErrors, "the second sync copied %d messages (exit %d): the destination was not exact", again.Copied, again.ExitCode)
	}
	fmt.Fprintf(s.stdout, "\nhost2 holds the %d messages of the Gmail account's %d folder entries, one per label folder; All Mail's copies of labelled messages were not copied again (%d).\n",
		rep.Copied, rep.SourceMessages, rep.CrossDuplicates)
	return nil
}
