package imapclient

import (
	"fmt"
	"net"
	"sync/atomic"
	"time"
)

// timeoutConn applies Options.ResponseTimeout: before every read it sets a
// deadline T from now while an answer is awaited, and none otherwise; before
// every write, always one, and bytes written move the read deadline too. A
// stalled server thus fails the connection T after the last byte moved
// either way, however long a response or literal is, and an idle
// connection stays open.
type timeoutConn struct {
	net.Conn
	client *Client
	// failed is the first timeout, returned by every later call: a reader
	// that retried would wait T again (bufio hands an error over once).
	failed atomic.Pointer[ResponseTimeoutError]
}

func (tc *timeoutConn) Read(b []byte) (int, error) {
	if err := tc.failed.Load(); err != nil {
		return 0, err
	}
	c := tc.client
	// Under the mutex: beginCommand arms the deadline under it too, so a
	// command sent now cannot have its deadline cleared by a stale check.
	c.mutex.Lock()
	if len(c.pendingCmds) > 0 || !c.greetingRecv {
		tc.Conn.SetReadDeadline(time.Now().Add(c.options.ResponseTimeout))
	} else {
		tc.Conn.SetReadDeadline(time.Time{})
	}
	c.mutex.Unlock()
	n, err := tc.Conn.Read(b)
	if isTimeout(err) {
		err = tc.fail("response")
	}
	return n, err
}

func (tc *timeoutConn) Write(b []byte) (int, error) {
	if err := tc.failed.Load(); err != nil {
		return 0, err
	}
	c := tc.client
	tc.Conn.SetWriteDeadline(time.Now().Add(c.options.ResponseTimeout))
	n, err := tc.Conn.Write(b)
	if isTimeout(err) {
		err = tc.fail("write")
	}
	if n > 0 {
		// The server is taking a long literal (a large APPEND): it answers
		// only once it has it all, so the wait for its answer starts now.
		c.mutex.Lock()
		if len(c.pendingCmds) > 0 {
			tc.Conn.SetReadDeadline(time.Now().Add(c.options.ResponseTimeout))
		}
		c.mutex.Unlock()
	}
	return n, err
}

// fail records the first timeout and returns it.
func (tc *timeoutConn) fail(op string) error {
	tc.failed.CompareAndSwap(nil, &ResponseTimeoutError{After: tc.client.options.ResponseTimeout, Op: op})
	return tc.failed.Load()
}

func isTimeout(err error) bool {
	ne, ok := err.(net.Error)
	return ok && ne.Timeout()
}

// ResponseTimeoutError is the error of a connection that Options.
// ResponseTimeout closed. It is a net.Error whose Timeout is true.
type ResponseTimeoutError struct {
	After time.Duration
	Op    string // "response" or "write"
}

func (e *ResponseTimeoutError) Error() string {
	if e.Op == "write" {
		return fmt.Sprintf("imapclient: the server took no data for %v (write timeout)", e.After)
	}
	return fmt.Sprintf("imapclient: no data from the server for %v (response timeout)", e.After)
}

// Temporary reports false: the connection is closed.
func (e *ResponseTimeoutError) Temporary() bool { return false }

// Timeout reports true.
func (e *ResponseTimeoutError) Timeout() bool { return true }

// sendUnlessClosing hands v to a command's consumer from the decoder
// goroutine, unless the client is closed: then nobody may ever read it, and
// Close must not wait for a send that never ends.
func sendUnlessClosing[T any](c *Client, ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	case <-c.closing:
		return false
	}
}
