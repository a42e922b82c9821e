package session

import "testing"

// RFC 2195's example exchange.
func TestCRAMMD5(t *testing.T) {
	c := newCRAMMD5Client("tim", "tanstaaftanstaaf")
	mech, ir, err := c.Start()
	if mech != "CRAM-MD5" || ir != nil || err != nil {
		t.Fatalf("Start: %q %q %v", mech, ir, err)
	}
	resp, err := c.Next([]byte("<1896.697170952@postoffice.reston.mci.net>"))
	if err != nil || string(resp) != "tim b913a602c7eda7a495b4e6e7334d3890" {
		t.Fatalf("Next: %q %v", resp, err)
	}
}
