package pipeline

import "testing"

func TestTranslateRights(t *testing.T) {
	const dovecot, cyrus = rfc2086Rights + "texk", rfc2086Rights + "kxten"
	for _, c := range []struct{ r1, r2, known1, known2, want string }{
		// Cyrus's owner → Dovecot: n is left out (Dovecot refuses it)
		{"lrswipkxtecdan", "lrwstipekxacd", cyrus, dovecot, "lrswipkxtecda"},
		// Dovecot's owner → Cyrus: the owner keeps n, which Dovecot cannot say
		{"lrwstipekxacd", "lrswipkxtecdan", dovecot, cyrus, "lrwstipekxacdn"},
		{"lrs", "", dovecot, cyrus, "lrs"},
		{"", "ilrsw", dovecot, cyrus, ""},
		{"", "ln", dovecot, cyrus, "n"},
	} {
		if got := translateRights(c.r1, c.r2, c.known1, c.known2); got != c.want {
			t.Errorf("translateRights(%q, %q) = %q, want %q", c.r1, c.r2, got, c.want)
		}
	}
}
