package fetch

import "testing"

func TestLineUID(t *testing.T) {
	for _, c := range []struct {
		in   string
		want uint32
		ok   bool
	}{
		{`{"type":"message","folder":"INBOX","uidvalidity":9,"uid":42,"flags":[]}`, 42, true},
		{`{"type":"message","folder":"x\"uid\":7","uid":3}`, 3, true},
		{`{"type":"message","folder":"INBOX","uidvalidity":9}`, 0, false},
	} {
		got, ok := lineUID([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("lineUID(%s) = %d, %v; want %d, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}
