package pipeline

import (
	"errors"
	"testing"

	"github.com/imapx/imapx/internal/exitcode"
)

// The verdict's own errors ("N messages not on host2", extra copies)
// follow from the errors that caused them and never hide their code.
func TestExitCodeRule(t *testing.T) {
	quota := exitcode.Newf(exitcode.OverQuota, "over quota")
	appendErr := exitcode.Newf(exitcode.Append, "refused")
	verdict := exitcode.Newf(exitcode.WithErrors, "3 messages of host1 are not on host2")
	for _, c := range []struct {
		name    string
		errs    []error
		verdict int
		want    int
	}{
		{"clean", nil, 0, exitcode.OK},
		{"quota, then the verdict", []error{quota, quota}, 1, exitcode.OverQuota},
		{"append only", []error{appendErr}, 0, exitcode.Append},
		{"create, then the verdict", []error{exitcode.Newf(exitcode.Create, "x")}, 2, exitcode.Create},
		{"select", []error{exitcode.Newf(exitcode.Select, "x")}, 1, exitcode.Select},
		{"fetch", []error{exitcode.Newf(exitcode.Fetch, "x")}, 1, exitcode.Fetch},
		{"mixed codes", []error{quota, appendErr}, 1, exitcode.WithErrors},
		{"verdict alone", nil, 1, exitcode.WithErrors},
		{"a generic error", []error{errors.New("x")}, 1, exitcode.WithErrors},
		{"a lost connection", []error{exitcode.Newf(exitcode.Connection2, "x")}, 1, exitcode.WithErrors},
	} {
		s := &syncer{o: &Options{}, rep: &Report{}}
		for _, err := range c.errs {
			s.countError(err)
		}
		for i := 0; i < c.verdict; i++ {
			s.countVerdictError(verdict)
		}
		if got := s.exitCode(nil); got != c.want {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.want)
		}
	}
	s := &syncer{o: &Options{}, rep: &Report{ErrorsMaxHit: true}}
	s.countError(quota)
	if got := s.exitCode(nil); got != exitcode.ErrorsMax {
		t.Errorf("errorsmax: exit %d, want 112", got)
	}
}
