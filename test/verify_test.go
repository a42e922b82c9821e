package test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/pipeline"
	"github.com/imapx/imapx/test/harness"
)

// alterAtVerify is a progress reporter that, when the verify starts,
// rewrites the destination's maildir files behind the server's back: old
// becomes new (same length), as a server or a disk could alter a stored
// copy after answering its APPEND.
type alterAtVerify struct {
	t        *testing.T
	maildir  string
	old, new []byte
	altered  int
}

func (a *alterAtVerify) Start(phase string, _ int, _ int64) {
	if phase != "verify" {
		return
	}
	filepath.WalkDir(a.maildir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || filepath.Base(filepath.Dir(path)) != "cur" && filepath.Base(filepath.Dir(path)) != "new" {
			return nil
		}
		b, err := os.ReadFile(path)
		if err != nil || !bytes.Contains(b, a.old) {
			return nil
		}
		if err := os.WriteFile(path, bytes.ReplaceAll(b, a.old, a.new), 0o600); err != nil {
			a.t.Errorf("altering %s: %v", path, err)
		}
		a.altered++
		return nil
	})
}

func (a *alterAtVerify) Add(int, int64) {}
func (a *alterAtVerify) Done()          {}

func dovecotLogin(d *harness.Dovecot, user, pass string) session.Dialer {
	return func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(d.PlainAddr(), nil)
		if err != nil {
			return nil, err
		}
		if err := c.Login(user, pass).Wait(); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
}

// TestVerifyAlteredBehindBack: a copy Dovecot holds altered after its
// APPEND, at the same size, as sizes never show. The header digest
// catches a changed header; only --verify full catches a changed body.
// Either is reported as altered with what changed, exit 111, never
// "looks good".
func TestVerifyAlteredBehindBack(t *testing.T) {
	d := harness.Require(t, harness.Options{})
	now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
	msgs := []imaptest.SeedMessage{
		{Folder: "INBOX", Raw: []byte("Subject: watched header\r\nMessage-ID: <watched@example.org>\r\n\r\nThe body says ORIGINAL text.\r\n"), Date: now},
		{Folder: "INBOX", Raw: []byte("Subject: bystander\r\nMessage-ID: <bystander@example.org>\r\n\r\nUntouched.\r\n"), Date: now},
	}
	cases := []struct {
		name     string
		mode     pipeline.VerifyMode
		old, new string
		want     string // what changed; "" for a copy that passes
	}{
		{"body-header-mode", pipeline.VerifyHeader, "ORIGINAL", "ALTERED!", ""},
		{"body-full", pipeline.VerifyFull, "ORIGINAL", "ALTERED!", "body changed"},
		{"header-header-mode", pipeline.VerifyHeader, "watched header", "WATCHED HEADER", "header changed"},
		{"header-full", pipeline.VerifyFull, "watched header", "WATCHED HEADER", "header changed"},
		{"nothing-full", pipeline.VerifyFull, "no such text", "no such text", ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src, dst := "vsrc"+strings.Repeat("x", i), "vdst"+strings.Repeat("x", i)
			for _, u := range []string{src, dst} {
				if err := d.AddUser(u, "pw-"+u); err != nil {
					t.Fatal(err)
				}
			}
			if err := d.Seed(src, "pw-"+src, msgs); err != nil {
				t.Fatal(err)
			}
			hook := &alterAtVerify{t: t, maildir: filepath.Join(d.Dir(), "mail", dst), old: []byte(c.old), new: []byte(c.new)}
			var log bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			o := pipeline.Options{Verify: c.mode, Log: &log, Progress: hook, StateDir: t.TempDir(), StateKey: src + ">" + dst}
			rep, err := pipeline.Sync(ctx, dovecotLogin(d, src, "pw-"+src), dovecotLogin(d, dst, "pw-"+dst), o)
			if err != nil {
				t.Fatalf("sync: %v\n%s", err, log.String())
			}
			if c.old != c.new && hook.altered != 1 {
				t.Fatalf("altered %d maildir files, want 1 (the test no longer alters anything)", hook.altered)
			}
			if rep.Copied != 2 {
				t.Fatalf("copied %d, want 2\n%s", rep.Copied, log.String())
			}
			if c.want == "" {
				if rep.ExitCode != 0 || !rep.Looksgood || len(rep.Altered) != 0 {
					t.Fatalf("exit %d, looks good %v, altered %+v; want a clean pass\n%s", rep.ExitCode, rep.Looksgood, rep.Altered, log.String())
				}
				return
			}
			if rep.ExitCode != 111 || rep.Looksgood || len(rep.Altered) != 1 || rep.Altered[0].What != c.want || rep.Altered[0].DstSize != rep.Altered[0].SrcSize {
				t.Fatalf("exit %d, looks good %v, altered %+v; want exit 111 and one copy altered (%s)\n%s", rep.ExitCode, rep.Looksgood, rep.Altered, c.want, log.String())
			}
			for _, line := range []string{
				"imapx: error: 1 messages were stored altered by host2 (" + c.want + ")\n",
				"The sync is complete, but 1 of 2 identified messages in host1 were stored altered by host2 (" + c.want + ").\n",
			} {
				if !strings.Contains(log.String(), line) {
					t.Errorf("log lacks %q:\n%s", line, log.String())
				}
			}
			if strings.Contains(log.String(), "looks good") {
				t.Errorf("\"looks good\" with a copy altered:\n%s", log.String())
			}
			// A re-run: the same class from the state, nothing copied.
			log.Reset()
			o.Progress = nil
			again, err := pipeline.Sync(ctx, dovecotLogin(d, src, "pw-"+src), dovecotLogin(d, dst, "pw-"+dst), o)
			if err != nil || again.Copied != 0 || again.ExitCode != 111 || len(again.Altered) != 1 || again.Altered[0] != rep.Altered[0] {
				t.Errorf("re-run: err %v, copied %d, exit %d, altered %+v; want the same class, nothing copied\n%s", err, again.Copied, again.ExitCode, again.Altered, log.String())
			}
		})
	}
}
