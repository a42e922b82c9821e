package pipeline

import (
	"strings"
	"testing"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/exitcode"
)

// Every message present but some with other flags (keywords refused) is
// said as such, never "looks good"; a clean comparison still is.
func TestVerdictFlagsDiffer(t *testing.T) {
	for _, c := range []struct {
		name      string
		sum       diff.Summary
		noFlags   bool
		want      string
		looksgood bool
		exit      int
	}{
		{"clean", diff.Summary{SrcMessages: 50, Same: 50}, false, "The sync looks good, all 50 identified messages in host1 are on host2.", true, exitcode.OK},
		{"flags differ", diff.Summary{SrcMessages: 50, Same: 50, FlagsDiffer: 3}, false,
			"All 50 identified messages in host1 are on host2, but 3 messages have other flags on host2 than on host1.", false, exitcode.WithErrors},
		{"flags not synced", diff.Summary{SrcMessages: 50, Same: 50, FlagsDiffer: 3}, true, "The sync looks good", true, exitcode.OK},
	} {
		var log strings.Builder
		s := &syncer{o: &Options{}, rep: &Report{}, log: &log}
		s.o.Diff.NoResyncFlags = c.noFlags
		if err := s.verdict(c.sum, 0); err != nil {
			t.Fatal(err)
		}
		out := log.String()
		if !strings.Contains(out, c.want) || s.rep.Looksgood != c.looksgood || strings.Contains(out, "looks good") != c.looksgood {
			t.Errorf("%s: looks good %v, log:\n%s\nwant %q", c.name, s.rep.Looksgood, out, c.want)
		}
		if n := strings.Count(out, "other flags"); n > 1 {
			t.Errorf("%s: the flags are said %d times:\n%s", c.name, n, out)
		}
		if got := s.exitCode(nil); got != c.exit {
			t.Errorf("%s: exit %d, want %d", c.name, got, c.exit)
		}
	}
}
