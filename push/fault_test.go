package push

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/stream"
	"github.com/imapx/imapx/test/harness"
)

// msgs is a Source of messages, each for its folder (a record's
// "folder") or dst (a plan's "dst_folder").
type msgs struct {
	list []msgSpec
	next int
}

type msgSpec struct {
	folder, dst string
	n, size     int
}

func (s *msgs) Next() (*stream.Item, error) {
	for s.next < len(s.list) && s.list[s.next].n == 0 {
		s.next++
	}
	if s.next == len(s.list) {
		return nil, io.EOF
	}
	sp := &s.list[s.next]
	sp.n--
	head := fmt.Sprintf("Message-ID: <%d-%d@fault.test>\r\nSubject: %q %d\r\n\r\n", s.next, sp.n, sp.folder+sp.dst, sp.n)
	size := max(sp.size, len(head)+10)
	body, err := record.Spool(strings.NewReader(head + strings.Repeat("z", size-len(head)-2) + "\r\n"))
	if err != nil {
		return nil, err
	}
	m := &record.Message{Type: record.TypeMessage, Folder: sp.folder, DstFolder: sp.dst, Flags: []string{}, Size: body.Size()}
	return &stream.Item{Type: record.TypeMessage, Msg: m, Body: body, Pos: fmt.Sprintf("message %d/%d", s.next, sp.n)}, nil
}

const fuser, fpass = "user1", "pw-fault-1"

func dovecotFor(t *testing.T, o harness.Options) *harness.Dovecot {
	d := harness.Require(t, o)
	if err := d.AddUser(fuser, fpass); err != nil {
		t.Fatal(err)
	}
	if err := d.Seed(fuser, fpass, nil); err != nil { // INBOX exists
		t.Fatal(err)
	}
	return d
}

// counts reads the destination independently: messages per folder, and
// the largest number of copies of one message.
func counts(t *testing.T, d *harness.Dovecot) (map[string]int, int) {
	t.Helper()
	all, _, err := d.ReadAll(fuser, fpass)
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]int{}
	copies := map[string]int{}
	most := 0
	for _, m := range all {
		per[m.Folder]++
		k := m.Folder + "\x00" + string(m.Raw)
		copies[k]++
		most = max(most, copies[k])
	}
	return per, most
}

// errorLines counts the "imapx: error:" lines of a log.
func errorLines(log string) int {
	return strings.Count(log, "imapx: error:")
}

// A NO to CREATE or SELECT fails that folder's messages, each with a
// result and an error counted, and never looks like a lost connection:
// every other folder is copied. (It once retried 5 times, then panicked
// on a nil command.)
func TestRefusedCreateOrSelectFailsOnlyThatFolder(t *testing.T) {
	d := dovecotFor(t, harness.Options{})
	px := startTamper(t, d.PlainAddr())
	px.refuseSelect = `Refused`
	src := &msgs{list: []msgSpec{
		{dst: "Good", n: 3},
		{dst: "a//b", n: 2},
		{folder: "../../etc", n: 1},
		{folder: "a\x00b", n: 1},
		{folder: "a\r\nb", n: 1},
		{dst: "Refused", n: 2},
		{dst: "Good", n: 2},
	}}
	var log, out bytes.Buffer
	sum, err := RunFrom(context.Background(), px.dial(fuser, fpass), Options{Log: &log}, src, &out)
	t.Logf("log:\n%s", log.String())
	if err != nil {
		t.Fatalf("push failed as a whole: %v", err)
	}
	if sum.Appended != 5 {
		t.Errorf("appended %d, want the 5 of Good", sum.Appended)
	}
	if n := errorLines(log.String()); n != sum.Errors {
		t.Errorf("%d error lines printed, %d counted", n, sum.Errors)
	}
	// The folders' errors (4 CREATEs, 1 SELECT) and their 7 messages.
	if sum.Errors != 12 {
		t.Errorf("%d errors counted, want 12", sum.Errors)
	}
	if code := exitcode.Of(sum.First); code != exitcode.Create {
		t.Errorf("first error %v: exit %d, want 116", sum.First, code)
	}
	// CREATEs (116) and a SELECT (117) failed: no one code they share.
	if code := sum.Code(); code != exitcode.WithErrors {
		t.Errorf("push's exit code %d, want 111", code)
	}
	if !strings.Contains(log.String(), `imapx: error: create folder "a//b": imap: NO`) {
		t.Error("the server's refusal of a//b is not printed")
	}
	if !strings.Contains(log.String(), `imapx: error: select folder "Refused": imap: NO`) {
		t.Error("the refused SELECT is not printed")
	}
	if strings.Contains(log.String(), "connection lost") {
		t.Error("a NO was taken for a lost connection")
	}
	codes := map[int]int{}
	r := record.NewReader(&out, "results")
	r.NoEnd = io.Discard // RunFrom leaves the end record to its caller
	for {
		l, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var res record.Result
		if err := l.Decode(&res); err != nil {
			t.Fatal(err)
		}
		if res.Op == "append" && !res.OK {
			codes[res.Code]++
		}
	}
	if codes[exitcode.Create] != 5 || codes[exitcode.Select] != 2 {
		t.Errorf("failed append results by code %v, want 5×116 and 2×117", codes)
	}
	per, most := counts(t, d)
	if per["Good"] != 5 || most != 1 {
		t.Errorf("destination: %v (most copies %d), want Good with 5, each once", per, most)
	}
}

// Courier sends no UIDNEXT with SELECT: push falls back to STATUS, or to
// the last message's UID, and recovers from a lost answer without a
// duplicate either way.
func TestNoUIDNextInSelect(t *testing.T) {
	for _, status := range []bool{true, false} {
		t.Run(fmt.Sprintf("status=%v", status), func(t *testing.T) {
			d := dovecotFor(t, harness.Options{})
			if err := d.Seed(fuser, fpass, imaptest.Many(3, time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC))); err != nil {
				t.Fatal(err)
			}
			before, _ := counts(t, d)
			px := startTamper(t, d.PlainAddr())
			px.hideUIDNext, px.refuseStatus, px.loseAnswer = true, !status, 1
			var log bytes.Buffer
			sum, err := RunFrom(context.Background(), px.dial(fuser, fpass), Options{Log: &log},
				&msgs{list: []msgSpec{{folder: "INBOX", n: 10}, {folder: "Lists", n: 5}}}, io.Discard)
			t.Logf("log:\n%s", log.String())
			if err != nil || sum.Appended != 15 || sum.Errors != 0 {
				t.Fatalf("push: %+v, %v; want 15 appended, no error", sum, err)
			}
			if px.cuts != 1 {
				t.Fatalf("the proxy cut %d times, want 1: the test proves nothing", px.cuts)
			}
			per, most := counts(t, d)
			if per["INBOX"] != before["INBOX"]+10 || per["Lists"] != 5 || most != 1 {
				t.Errorf("destination: %v (most copies %d), want each message once", per, most)
			}
		})
	}
}

// A MULTIAPPEND batch stored whose answer is lost is found whole after
// the reconnect and not sent again, even when the reconnect is cut while
// it looks (it once left 64 duplicates: the second attempt had forgotten
// where to look).
func TestLostMultiAppendAnswer(t *testing.T) {
	d := dovecotFor(t, harness.Options{})
	px := startTamper(t, d.PlainAddr())
	px.loseAnswer, px.cutSecond = 2, 3000
	var log bytes.Buffer
	sum, err := RunFrom(context.Background(), px.dial(fuser, fpass), Options{Log: &log},
		&msgs{list: []msgSpec{{folder: "INBOX", n: 300, size: 3000}}}, io.Discard)
	t.Logf("log:\n%s", log.String())
	if err != nil || sum.Appended != 300 || sum.Errors != 0 {
		t.Fatalf("push: %+v, %v; want 300 appended, no error", sum, err)
	}
	if px.cuts != 2 {
		t.Fatalf("the proxy cut %d times, want 2", px.cuts)
	}
	per, most := counts(t, d)
	if per["INBOX"] != 300 || most != 1 {
		t.Errorf("destination: %v (most copies %d), want 300 in INBOX, each once", per, most)
	}
}

// Over quota, push stops at the first refusal: what is in flight is
// settled, nothing more is sent, and it ends with exit 113 saying how
// much was copied. A second run without space adds nothing twice.
func TestOverQuotaStops(t *testing.T) {
	d := dovecotFor(t, harness.Options{Quota: "100K"})
	corpus := func() Source { return &msgs{list: []msgSpec{{folder: "INBOX", n: 400, size: 5000}}} }
	var sent counting
	var log bytes.Buffer
	sum, err := RunFrom(context.Background(), func() session.Dialer { return startTamper(t, d.PlainAddr()).dial(fuser, fpass) }(),
		Options{Log: &log, Progress: &sent}, corpus(), io.Discard)
	t.Logf("log:\n%s", log.String())
	if code := exitcode.Of(err); code != exitcode.OverQuota {
		t.Fatalf("err = %v (exit %d), want exit 113", err, code)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("%d messages", sum.Appended)) || exitcode.HintOf(err) == "" {
		t.Errorf("the error %q does not say how much was copied, or has no hint", err)
	}
	if sum.Appended == 0 || sum.Appended > 25 {
		t.Errorf("%d appended: want the ~20 that fit in 100K", sum.Appended)
	}
	// Sent: what fit, plus at most a window of refused ones (batches
	// refused whole are sent again one by one until the first refusal).
	if sent.msgs > sum.Appended+2*maxBatch {
		t.Errorf("%d messages sent for %d stored: push did not stop", sent.msgs, sum.Appended)
	}
	if n := errorLines(log.String()); n != sum.Errors {
		t.Errorf("%d error lines printed, %d counted", n, sum.Errors)
	}
	per, most := counts(t, d)
	if per["INBOX"] != sum.Appended || most != 1 {
		t.Errorf("destination: %v (most copies %d), want the %d appended, each once", per, most, sum.Appended)
	}
	// A second run: still full, still 113, nothing stored twice.
	sum2, err := RunFrom(context.Background(), startTamper(t, d.PlainAddr()).dial(fuser, fpass), Options{Log: io.Discard}, corpus(), io.Discard)
	if code := exitcode.Of(err); code != exitcode.OverQuota {
		t.Fatalf("re-run: err = %v (exit %d), want exit 113", err, code)
	}
	per2, most2 := counts(t, d)
	if most2 != 1 || per2["INBOX"] != per["INBOX"]+sum2.Appended {
		t.Errorf("after the re-run: %v (most copies %d)", per2, most2)
	}
}
