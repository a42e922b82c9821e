package push

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/test/harness"
)

// A \Noselect parent in the records is not created as a real folder: its
// child's CREATE makes it where the server needs it (Dovecot lists it
// \NonExistent or \Noselect), and only the child counts as created.
func TestNoselectParentIsNotCreated(t *testing.T) {
	d := dovecotFor(t, harness.Options{})
	raw := base64.StdEncoding.EncodeToString([]byte("Subject: child\r\nMessage-ID: <child@noselect.test>\r\n\r\nHi.\r\n"))
	in := strings.Join([]string{
		`{"type":"folder","name":"Parent","delim":"/","attrs":["\\Noselect","\\HasChildren"]}`,
		`{"type":"folder","name":"Parent/Child","delim":"/","attrs":["\\HasNoChildren"]}`,
		fmt.Sprintf(`{"type":"message","folder":"Parent/Child","flags":[],"internaldate":"2024-03-04T05:06:07Z","raw":%q}`, raw),
		`{"type":"end"}`,
	}, "\n") + "\n"
	var log bytes.Buffer
	sum, err := Run(context.Background(), func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(d.PlainAddr(), nil)
		if err != nil {
			return nil, err
		}
		return c, c.Login(fuser, fpass).Wait()
	}, Options{Log: &log}, strings.NewReader(in), "in", &bytes.Buffer{})
	if err != nil || sum.Appended != 1 || sum.Errors != 0 {
		t.Fatalf("push: %+v, %v; log:\n%s", sum, err, log.String())
	}
	if sum.FoldersCreated != 1 {
		t.Errorf("%d folders created, want 1 (the child only)", sum.FoldersCreated)
	}
	c, err := imapclient.DialInsecure(d.PlainAddr(), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(fuser, fpass).Wait(); err != nil {
		t.Fatal(err)
	}
	list, err := c.List("", "Parent", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		if !hasAttr(l.Attrs, imap.MailboxAttrNoSelect) && !hasAttr(l.Attrs, imap.MailboxAttrNonExistent) {
			t.Errorf("Parent is listed %v: created as a real folder", l.Attrs)
		}
	}
}
