package flags

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/imaptest"
)

// TestExpungeOnlyPlanned deletes one message from a folder where another
// client has marked a second one \Deleted: only the planned one may go,
// the other keeps its \Deleted for its owner to expunge. Without UIDPLUS
// (a server advertising only IMAP4rev1) that takes unmarking the others
// around a plain EXPUNGE, a path Dovecot (UIDPLUS) never exercises.
func TestExpungeOnlyPlanned(t *testing.T) {
	for _, tc := range []struct {
		name    string
		caps    imap.CapSet
		uidPlus bool
	}{
		{"without UIDPLUS", imap.CapSet{imap.CapIMAP4rev1: {}}, false},
		{"with UIDPLUS", nil, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC)
			var msgs []imaptest.SeedMessage
			for i := 1; i <= 5; i++ {
				m := imaptest.SeedMessage{Raw: []byte(fmt.Sprintf("Message-ID: <%d@x>\r\nSubject: %d\r\n\r\nbody\r\n", i, i)), Date: now}
				if i == 2 {
					m.Flags = []string{`\Deleted`} // another client's deletion
				}
				msgs = append(msgs, m)
			}
			srv, err := imaptest.StartMemCaps([]imaptest.MemUser{{Name: "u", Password: "p", Messages: msgs}}, tc.caps)
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Close()
			dial := func(ctx context.Context) (*imapclient.Client, error) {
				c, err := imapclient.DialInsecure(srv.Addr(), nil)
				if err != nil {
					return nil, err
				}
				if err := c.Login("u", "p").Wait(); err != nil {
					c.Close()
					return nil, err
				}
				return c, nil
			}
			c, err := dial(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			if got := c.Caps().Has(imap.CapUIDPlus); got != tc.uidPlus {
				t.Fatalf("server advertises UIDPLUS: %v, want %v", got, tc.uidPlus)
			}
			st, err := c.Status("INBOX", &imap.StatusOptions{UIDValidity: true}).Wait()
			if err != nil {
				t.Fatal(err)
			}

			plan := fmt.Sprintf(`{"type":"op","op":"delete","dst":{"folder":"INBOX","uid":4,"uidvalidity":%d}}
{"type":"end","stage":"diff","records":1,"ops":1}
`, st.UIDValidity)
			var out bytes.Buffer
			sum, err := Run(context.Background(), dial, Options{}, strings.NewReader(plan), "plan", &out)
			if err != nil || sum.Errors > 0 {
				t.Fatalf("Run: %v, %+v\n%s", err, sum, out.String())
			}
			if sum.Deleted != 1 {
				t.Fatalf("deleted %d, want 1", sum.Deleted)
			}
			if !strings.Contains(out.String(), `"op":"delete","ok":true`) {
				t.Fatalf("results: %s", out.String())
			}

			// An independent read: 4 is gone, 2 is still there and still
			// \Deleted, nothing else changed.
			if _, err := c.Select("INBOX", nil).Wait(); err != nil {
				t.Fatal(err)
			}
			got, err := c.Fetch(imap.SeqSetNum(1, 2, 3, 4), &imap.FetchOptions{UID: true, Flags: true}).Collect()
			if err != nil {
				t.Fatal(err)
			}
			var left []string
			for _, m := range got {
				left = append(left, fmt.Sprintf("%d%v", m.UID, m.Flags))
			}
			want := []string{"1[]", `2[\Deleted]`, "3[]", "5[]"}
			if !slices.Equal(left, want) {
				t.Fatalf("left in INBOX: %v, want %v", left, want)
			}
		})
	}
}
