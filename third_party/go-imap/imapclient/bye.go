package imapclient

import (
	"fmt"

	"github.com/emersion/go-imap/v2"
)

// ByeError is the error of the commands a connection's end cut short
// when the server had said BYE first (outside LOGOUT): the BYE says why
// ("Session invalidated - AccessTokenExpired", "Connection closed. 14",
// "[UNAVAILABLE] …"). It unwraps to the read error (io.ErrUnexpectedEOF…),
// never to an *imap.Error: the command got no answer of its own.
type ByeError struct {
	Bye imap.StatusResponse
	Err error
}

func (e *ByeError) Error() string {
	if e.Bye.Code != "" {
		return fmt.Sprintf("connection closed by the server: BYE [%s] %s (%v)", e.Bye.Code, e.Bye.Text, e.Err)
	}
	return fmt.Sprintf("connection closed by the server: BYE %s (%v)", e.Bye.Text, e.Err)
}

func (e *ByeError) Unwrap() error { return e.Err }
