package push

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
)

// dupSource yields n messages for INBOX and Archive, every third one twice.
type dupSource struct {
	n, next int
	again   *stream.Item
}

func (s *dupSource) Next() (*stream.Item, error) {
	if s.again != nil {
		it := s.again
		s.again = nil
		return it, nil
	}
	if s.next == s.n {
		return nil, io.EOF
	}
	s.next++
	mk := func() *stream.Item {
		raw := fmt.Sprintf("Message-ID: <p-%d@example.org>\r\nSubject: %d\r\n\r\n%s\r\n", s.next, s.next, strings.Repeat("y", 100*s.next))
		body, _ := record.Spool(strings.NewReader(raw))
		folder := []string{"INBOX", "Archive"}[s.next%2]
		m := &record.Message{Type: record.TypeMessage, Folder: folder, Flags: []string{}, Size: body.Size(), Ident: fmt.Sprint("id-", s.next)}
		return &stream.Item{Type: record.TypeMessage, Msg: m, Body: body, Pos: fmt.Sprint("message ", s.next)}
	}
	it := mk()
	if s.next%3 == 0 {
		s.again = mk()
	}
	return it, nil
}

func TestRunParallelAppendsEverythingOnceWithWholeResultLines(t *testing.T) {
	dial, count := startDst(t)
	var out bytes.Buffer
	sum, err := RunParallel(context.Background(), dial, 4, Options{Window: 3}, &dupSource{n: 60}, &out)
	if err != nil {
		t.Fatal(err)
	}
	want := 60 + 20
	if sum.Appended != want || sum.Errors != 0 {
		t.Fatalf("summary %+v, want %d appended, 0 errors", sum, want)
	}
	if sum.FoldersCreated != 1 {
		t.Errorf("created %d folders, want 1 (Archive), however many lanes raced for it", sum.FoldersCreated)
	}
	r := record.NewReader(&out, "results")
	appends := 0
	for {
		l, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("result lines interleaved: %v", err)
		}
		var res record.Result
		if err := l.Decode(&res); err != nil {
			t.Fatal(err)
		}
		if res.Op == "append" && res.OK {
			appends++
		}
	}
	if appends != want {
		t.Errorf("%d append results, want %d", appends, want)
	}
	c, err := dial(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	n := count()
	st, err := c.Status("Archive", &imap.StatusOptions{NumMessages: true}).Wait()
	if err != nil {
		t.Fatal(err)
	}
	if int(n) != want/2 || int(*st.NumMessages) != want/2 {
		t.Errorf("INBOX has %d messages and Archive %d, want %d each", n, *st.NumMessages, want/2)
	}
}
