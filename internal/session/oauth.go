package session

import (
	"fmt"

	"github.com/emersion/go-sasl"
)

// oauthClient speaks XOAUTH2 (Google, Microsoft) or OAUTHBEARER (RFC 7628).
// go-sasl has no XOAUTH2, and its OAUTHBEARER client answers an error
// challenge with an error, which leaves the server waiting; both mechanisms
// want a dummy response so the server can finish with a tagged NO.
type oauthClient struct {
	mech, user, token, host string
	port                    int
}

func newOAuthClient(mech, user, token, host string, port int) sasl.Client {
	return &oauthClient{mech: mech, user: user, token: token, host: host, port: port}
}

func (c *oauthClient) Start() (string, []byte, error) {
	if c.mech == "xoauth2" {
		return "XOAUTH2", []byte("user=" + c.user + "\x01auth=Bearer " + c.token + "\x01\x01"), nil
	}
	ir := fmt.Sprintf("n,a=%s,\x01host=%s\x01port=%d\x01auth=Bearer %s\x01\x01", c.user, c.host, c.port, c.token)
	return "OAUTHBEARER", []byte(ir), nil
}

// Next answers the server's error challenge (a JSON status) so that it ends
// the exchange with NO, which Dial reports as an authentication failure.
func (c *oauthClient) Next(challenge []byte) ([]byte, error) {
	if c.mech == "xoauth2" {
		return []byte{}, nil
	}
	return []byte{0x01}, nil
}
