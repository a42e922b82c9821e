package pipeline

import (
	"bytes"
	"strings"
	"testing"
)

// TestCrossFilter checks the three modes on a Gmail-shaped plan: m1 in
// INBOX and Work, m2 in Work and All Mail, m3 only in All Mail, m4 in Work
// while host2 already holds it in INBOX.
func TestCrossFilter(t *testing.T) {
	plan := strings.Join([]string{
		`{"type":"op","op":"create_folder","dst":{"folder":"Work"}}`,
		`{"type":"op","op":"copy","src":{"folder":"INBOX","uid":1},"dst":{"folder":"INBOX"},"ident":"m1","size":10}`,
		`{"type":"op","op":"copy","src":{"folder":"Work","uid":1},"dst":{"folder":"Work"},"ident":"m1","size":10}`,
		`{"type":"op","op":"copy","src":{"folder":"Work","uid":2},"dst":{"folder":"Work"},"ident":"m2","size":20}`,
		`{"type":"op","op":"copy","src":{"folder":"Work","uid":3},"dst":{"folder":"Work"},"ident":"m4","size":40}`,
		`{"type":"op","op":"copy","src":{"folder":"[Gmail]/All Mail","uid":1},"dst":{"folder":"All Mail"},"ident":"m1","size":10}`,
		`{"type":"op","op":"copy","src":{"folder":"[Gmail]/All Mail","uid":2},"dst":{"folder":"All Mail"},"ident":"m2","size":20}`,
		`{"type":"op","op":"copy","src":{"folder":"[Gmail]/All Mail","uid":3},"dst":{"folder":"All Mail"},"ident":"m3","size":30}`,
	}, "\n") + "\n"
	dst := `{"type":"message","folder":"INBOX","uid":7,"ident":"m4","flags":[],"internaldate":"2024-01-01T00:00:00Z","size":40}` + "\n"
	allMail := map[string]bool{"[Gmail]/All Mail": true}
	for _, c := range []struct {
		mode            crossMode
		skipped, labels int
		copies          []string
	}{
		// one copy each: m1 INBOX, m2 Work, m3 All Mail; m4 is on host2
		{crossSkip, 4, 0, []string{"INBOX/1", "Work/2", "[Gmail]/All Mail/3"}},
		// label folders keep theirs, All Mail only the unlabelled m3
		{crossSkipAll, 2, 0, []string{"INBOX/1", "Work/1", "Work/2", "Work/3", "[Gmail]/All Mail/3"}},
		// the same copies as crossSkip, the others become labels
		{crossLabel, 0, 4, []string{"INBOX/1", "Work/2", "[Gmail]/All Mail/3"}},
	} {
		var out bytes.Buffer
		res, err := crossFilter(c.mode, strings.NewReader(plan), strings.NewReader(dst), allMail, &out, nil)
		if err != nil {
			t.Fatal(err)
		}
		if res.skipped != c.skipped || res.labels != c.labels {
			t.Errorf("mode %d: %+v, want skipped %d labels %d", c.mode, res, c.skipped, c.labels)
		}
		var copies []string
		for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
			if strings.Contains(line, `"op":"copy"`) {
				i := strings.Index(line, `"src":{"folder":"`) + len(`"src":{"folder":"`)
				j := strings.Index(line[i:], `"`)
				k := strings.Index(line, `"uid":`) + len(`"uid":`)
				copies = append(copies, line[i:i+j]+"/"+line[k:k+1])
			}
		}
		if strings.Join(copies, " ") != strings.Join(c.copies, " ") {
			t.Errorf("mode %d: copies %v, want %v", c.mode, copies, c.copies)
		}
		if !strings.Contains(out.String(), `"create_folder"`) {
			t.Errorf("mode %d: the create_folder op was lost", c.mode)
		}
	}
}
