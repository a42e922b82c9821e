package session

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"github.com/imapx/imapx/internal/exitcode"
)

func TestIsConnError(t *testing.T) {
	no := &imap.Error{Type: imap.StatusResponseTypeNo, Text: "refused"}
	cases := []struct {
		name string
		err  error
		want bool
	}{
		{"nil", nil, false},
		{"server NO", no, false},
		{"server NO wrapped with a code", exitcode.New(exitcode.Select, fmt.Errorf("SELECT: %w", no)), false},
		{"cancelled", context.Canceled, false},
		{"cancelled wrapped", fmt.Errorf("x: %w", context.Canceled), false},
		{"deadline", context.DeadlineExceeded, false},
		{"auth", exitcode.Newf(exitcode.Auth, "bad password"), false},
		{"tls", exitcode.Newf(exitcode.TLS, "bad cert"), false},
		{"usage", exitcode.Newf(exitcode.Usage, "bad flag"), false},
		{"input", exitcode.Newf(exitcode.NoInput, "no file"), false},
		{"eof", io.ErrUnexpectedEOF, true},
		{"cannot connect", exitcode.Newf(exitcode.Connection, "connection refused"), true},
		{"select lost", exitcode.New(exitcode.Select, fmt.Errorf("SELECT: %w", io.EOF)), true},
	}
	for _, c := range cases {
		if got := IsConnError(c.err); got != c.want {
			t.Errorf("%s: IsConnError(%v) = %v, want %v", c.name, c.err, got, c.want)
		}
	}
}

func TestBackoff(t *testing.T) {
	if Backoff(0) != 200*time.Millisecond || Backoff(2) != 800*time.Millisecond {
		t.Errorf("Backoff(0), Backoff(2) = %v, %v", Backoff(0), Backoff(2))
	}
	for _, n := range []int{6, 40, 70, 1 << 20} {
		if d := Backoff(n); d != 10*time.Second {
			t.Errorf("Backoff(%d) = %v, want the 10s cap", n, d)
		}
	}
}

func TestRetryCountsOnlyFailuresWithoutProgress(t *testing.T) {
	hangups := 0
	r := Retry{Retries: 1, Hangup: func() { hangups++ }}
	calls := 0
	// Five losses in a row, each after progress: never given up.
	err := r.Do(context.Background(), "folder x", func() (bool, error) {
		calls++
		if calls <= 5 {
			return true, io.ErrUnexpectedEOF
		}
		return false, nil
	})
	if err != nil || calls != 6 || hangups != 5 {
		t.Fatalf("err %v, calls %d, hangups %d; want nil, 6, 5", err, calls, hangups)
	}
}

func TestRetryGivesUp(t *testing.T) {
	r := Retry{Retries: 2}
	calls := 0
	err := r.Do(context.Background(), `folder "x"`, func() (bool, error) { calls++; return false, io.EOF })
	var g *GaveUp
	if !errors.As(err, &g) || calls != 3 || exitcode.Of(err) != exitcode.Connection || !errors.Is(err, io.EOF) {
		t.Fatalf("err %v (code %d), calls %d; want GaveUp after 3 calls, code 10", err, exitcode.Of(err), calls)
	}
	if want := `folder "x": giving up after 2 reconnects: EOF`; err.Error() != want {
		t.Errorf("message %q, want %q", err, want)
	}
}

func TestRetryStopsOnAnswersAndFinalErrors(t *testing.T) {
	no := &imap.Error{Type: imap.StatusResponseTypeNo, Text: "no such folder"}
	final := errors.New("output closed")
	for _, want := range []error{no, exitcode.Newf(exitcode.Auth, "bad password"), final} {
		calls := 0
		r := Retry{Retries: 5, Final: func(err error) bool { return err == final }}
		err := r.Do(context.Background(), "x", func() (bool, error) { calls++; return false, want })
		if err != want || calls != 1 {
			t.Errorf("%v: got %v after %d calls; want it back after 1", want, err, calls)
		}
	}
}

func TestRetrySleepEndsWithContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r := Retry{Retries: 50, Hangup: cancel}
	start := time.Now()
	err := r.Do(ctx, "x", func() (bool, error) { return false, io.EOF })
	if !errors.Is(err, context.Canceled) || time.Since(start) > time.Second {
		t.Fatalf("err %v after %v; want context.Canceled at once", err, time.Since(start))
	}
}

func TestCheckValidity(t *testing.T) {
	if CheckValidity("INBOX", 7, 0) != nil || CheckValidity("INBOX", 7, 7) != nil {
		t.Fatal("a matching or absent plan validity must pass")
	}
	err := CheckValidity("INBOX", 8, 7)
	if exitcode.Of(err) != exitcode.Select || err.Error() != `folder "INBOX": UIDVALIDITY is 8, the plan was made at 7: run diff again` {
		t.Fatalf("got %v (code %d)", err, exitcode.Of(err))
	}
}
