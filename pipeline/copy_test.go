package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

// Eight folders of bodies between 1.5 and 6 MB over eight connection
// pairs: each copy's share of the memory budget (4 MB) is smaller than
// some bodies, which once deadlocked the bridge while push held its share.
func TestCopyBodiesLargerThanAShareOfTheBudget(t *testing.T) {
	now := time.Now()
	var msgs []imaptest.SeedMessage
	for f := 0; f < 8; f++ {
		for i, mb := range []float64{1.5, 6, 1.5, 5, 3} {
			head := fmt.Sprintf("Message-ID: <big-%d-%d@example.org>\r\nSubject: %d\r\n\r\n", f, i, i)
			raw := head + strings.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\r\n", int(mb*(1<<20))/65)
			msgs = append(msgs, imaptest.SeedMessage{Folder: fmt.Sprintf("F%d", f), Raw: []byte(raw), Date: now})
		}
	}
	srv, err := imaptest.StartMem([]imaptest.MemUser{{Name: "alice", Password: "pw", Messages: msgs}, {Name: "bob", Password: "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var log bytes.Buffer
	rep, err := Sync(ctx, memLogin(srv, "alice"), memLogin(srv, "bob"), Options{Connections: 8, Log: &log})
	if err != nil || rep.ExitCode != 0 || rep.Copied != len(msgs) || !rep.Looksgood {
		t.Fatalf("sync: %v, report %+v\n%s", err, rep, log.String())
	}
}
