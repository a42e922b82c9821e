package pipeline

import "testing"

func TestLeadingFolder(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"type":"message","folder":"INBOX","uid":1}`, "INBOX", true},
		{`{"type":"message","folder":"a\"b","uid":1}`, "", false},
		{`{"folder":"INBOX","type":"message"}`, "", false},
	} {
		got, ok := leadingFolder([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("leadingFolder(%s) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
