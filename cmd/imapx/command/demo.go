package command

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/fetch"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/list"
	"github.com/imapx/imapx/pipeline"
)

func (s *streams) demoCommand() *cli.Command {
	return &cli.Command{
		Name:  "demo",
		Usage: "run a complete sync between two built-in servers seeded with sample mail (no setup)",
		Description: `Starts two in-process IMAP servers on 127.0.0.1 (go-imap's imapmemserver), seeds the
source with sample mail (nested and non-ASCII folders, duplicates, a message without
Message-ID, 8-bit and bare-LF bodies, flags and keywords), then shows what each step
prints: the folder list, the audit (diff) before, the sync, and the audit after, which
must find nothing left to do. Exits 0 only when the destination matches.`,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "provider", Usage: "`gmail`: the source is an emulated Gmail (labels as folders, All Mail, X-GM-LABELS), synced as --gmail1 --synclabels --labels-as folders"},
		},
		Action: func(c *cli.Context) error {
			switch c.String("provider") {
			case "":
				return s.demo(c.Context)
			case "gmail":
				return s.demoGmail(c.Context)
			}
			return usagef(c, "--provider takes gmail, not %q", c.String("provider"))
		},
	}
}

func (s *streams) demo(ctx context.Context) error {
	now := time.Now().UTC().Truncate(time.Second)
	srv, err := imaptest.StartMem([]imaptest.MemUser{
		{Name: "alice", Password: "demo-source", Messages: imaptest.SampleMail(now)},
		{Name: "bob", Password: "demo-destination"},
	})
	if err != nil {
		return exitcode.New(exitcode.Internal, fmt.Errorf("starting the demo servers: %w", err))
	}
	defer srv.Close()
	src := &session.Account{Host: "127.0.0.1", User: "alice", Password: "demo-source", Security: session.Plain, Label: "host1"}
	dst := &session.Account{Host: "127.0.0.1", User: "bob", Password: "demo-destination", Security: session.Plain, Label: "host2"}
	fmt.Sscanf(portOf(srv.Addr()), "%d", &src.Port)
	dst.Port = src.Port

	step := func(title, cmd string) { fmt.Fprintf(s.stdout, "\n== %s\n$ %s\n", title, cmd) }
	step("The source account's folders", "imapx list --format table "+src.String())
	if err := s.demoList(ctx, src); err != nil {
		return err
	}
	step("Audit before the sync: what differs (nothing is copied)", "imapx fetch SRC > src.jsonl; imapx fetch DST > dst.jsonl; imapx diff --format table src.jsonl dst.jsonl")
	if _, err := s.demoAudit(ctx, src, dst); err != nil {
		return err
	}
	step("The sync", "imapx sync "+src.String()+" "+dst.String())
	if err := s.demoSync(ctx, src, dst); err != nil {
		return err
	}
	step("Audit after the sync", "imapx diff --exit-code src.jsonl dst.jsonl")
	differs, err := s.demoAudit(ctx, src, dst)
	if err != nil {
		return err
	}
	if differs {
		return exitcode.Newf(exitcode.WithErrors, "the destination still differs from the source after the sync")
	}
	fmt.Fprintln(s.stdout, "\nThe destination now holds every message, flag, keyword and internal date of the source.")
	return nil
}

func portOf(addr string) string {
	for i := len(addr) - 1; i >= 0; i-- {
		if addr[i] == ':' {
			return addr[i+1:]
		}
	}
	return addr
}

func (s *streams) demoList(ctx context.Context, a *session.Account) error {
	conn, err := dial(ctx, a, 0)
	if err != nil {
		return err
	}
	defer logout(conn)
	return list.Run(ctx, conn.Client, list.Options{Folders: folders.Options{Sizes: true}, Table: true}, s.stdout)
}

// demoAudit fetches both inventories and prints their diff as a table.
func (s *streams) demoAudit(ctx context.Context, src, dst *session.Account) (bool, error) {
	var inv [2]bytes.Buffer
	for i, a := range []*session.Account{src, dst} {
		if _, err := fetch.Run(ctx, dialer(a, i+1), fetch.Options{Log: s.stderr}, &inv[i]); err != nil {
			return false, err
		}
	}
	var plan bytes.Buffer
	sum, err := diff.Run(&inv[0], &inv[1], "src.jsonl", "dst.jsonl", diff.Options{}, &plan)
	if err != nil {
		return false, err
	}
	return sum.Differs(), diff.WriteTable(s.stdout, &plan, sum)
}

func (s *streams) demoSync(ctx context.Context, src, dst *session.Account) error {
	rep, err := pipeline.Sync(ctx, dialer(src, 1), dialer(dst, 2),
		pipeline.Options{Log: s.stdout})
	if err != nil {
		return err
	}
	if rep.ExitCode != exitcode.OK {
		return exitcode.Newf(rep.ExitCode, "the demo sync had %d errors; first: %s", rep.Errors, rep.FirstError)
	}
	return nil
}
