package session

import (
	"context"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Pool keeps the logged-in connections of one account that a run's stages
// gave back, and hands them out again instead of dialing: a sync's phases
// (inventory, copy, flags, verify) then share one LOGIN, and one SELECT
// of each folder (Select), instead of paying them in every phase.
//
// A connection is in exactly one hand at a time: out (a stage's, until it
// calls Release or closes it) or idle in the pool. The pool dials only
// when no idle connection is left, so the connections open never exceed
// the run's peak demand (servers count them per user: Dovecot allows 10).
type Pool struct {
	dial Dialer

	mu     sync.Mutex
	idle   []idleConn // most recently released last
	out    map[*imapclient.Client]bool
	closed bool
}

type idleConn struct {
	c     *imapclient.Client
	since time.Time
}

// maxIdle is how long a connection may wait in a pool: one idle longer is
// closed rather than trusted (a NAT or the server may have dropped it
// without a word).
const maxIdle = 2 * time.Minute

// logoutWait bounds how long Close waits for the LOGOUTs' answers.
const logoutWait = time.Second

// owners maps each connection a pool handed out to its pool, for Release
// (stages see only a Dialer and a client). A connection leaves it when it
// is closed.
var owners = struct {
	sync.Mutex
	m map[*imapclient.Client]*Pool
}{m: map[*imapclient.Client]*Pool{}}

// NewPool returns a pool dialing with dial.
func NewPool(dial Dialer) *Pool {
	return &Pool{dial: dial, out: map[*imapclient.Client]bool{}}
}

// Dial is a Dialer: an idle connection still alive, else a new one.
func (p *Pool) Dial(ctx context.Context) (*imapclient.Client, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for {
		c, ok := p.take()
		if !ok {
			break
		}
		if c != nil {
			return c, nil
		}
	}
	c, err := p.dial(ctx)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	p.out[c] = true
	p.mu.Unlock()
	owners.Lock()
	owners.m[c] = p
	owners.Unlock()
	go func() {
		<-c.Closed()
		p.forget(c)
	}()
	return c, nil
}

// take hands out the most recently released idle connection (ok false:
// none left); c is nil when the one taken was unusable and got closed.
func (p *Pool) take() (c *imapclient.Client, ok bool) {
	p.mu.Lock()
	n := len(p.idle)
	if n == 0 {
		p.mu.Unlock()
		return nil, false
	}
	ic := p.idle[n-1]
	p.idle = p.idle[:n-1]
	fresh := time.Since(ic.since) < maxIdle && usable(ic.c)
	if fresh {
		p.out[ic.c] = true
	}
	p.mu.Unlock()
	if !fresh {
		ic.c.Close()
		return nil, true
	}
	return ic.c, true
}

// forget drops a closed connection.
func (p *Pool) forget(c *imapclient.Client) {
	owners.Lock()
	delete(owners.m, c)
	owners.Unlock()
	p.mu.Lock()
	delete(p.out, c)
	for i, ic := range p.idle {
		if ic.c == c {
			p.idle = append(p.idle[:i:i], p.idle[i+1:]...)
			break
		}
	}
	p.mu.Unlock()
}

// Release gives back a connection a stage is done with: one from a pool
// that is alive, logged in and between commands waits there for the next
// Dial; any other (not from a pool, lost, or with a command unfinished)
// is closed. A stage releases its connection after work that went
// through, and closes it after a failure: a connection that failed a
// command is never handed on.
func Release(c *imapclient.Client) {
	if c == nil {
		return
	}
	owners.Lock()
	p := owners.m[c]
	owners.Unlock()
	if p == nil || !usable(c) {
		c.Close()
		return
	}
	p.mu.Lock()
	if !p.out[c] {
		// Released twice: it is idle already (or gone); a second entry
		// would hand it to two users.
		p.mu.Unlock()
		return
	}
	delete(p.out, c)
	if p.closed {
		p.mu.Unlock()
		logout([]*imapclient.Client{c})
		return
	}
	p.idle = append(p.idle, idleConn{c, time.Now()})
	p.mu.Unlock()
}

// usable reports whether c can serve another user: not closed, logged in,
// no command waiting for its answer.
func usable(c *imapclient.Client) bool {
	select {
	case <-c.Closed():
		return false
	default:
	}
	switch c.State() {
	case imap.ConnStateAuthenticated, imap.ConnStateSelected:
	default:
		return false
	}
	return c.Pending() == 0
}

// Close logs out the idle connections; those still out are logged out
// when released. Dial keeps working (it dials), for a late straggler.
func (p *Pool) Close() {
	p.mu.Lock()
	p.closed = true
	idle := p.idle
	p.idle = nil
	p.mu.Unlock()
	cs := make([]*imapclient.Client, len(idle))
	for i, ic := range idle {
		cs[i] = ic.c
	}
	logout(cs)
}

// logout says LOGOUT on every connection at once, waits a little for the
// answers, and closes them.
func logout(cs []*imapclient.Client) {
	if len(cs) == 0 {
		return
	}
	done := make(chan struct{}, len(cs))
	for _, c := range cs {
		go func() {
			c.Logout().Wait()
			done <- struct{}{}
		}()
	}
	timeout := time.NewTimer(logoutWait)
	defer timeout.Stop()
	for range cs {
		select {
		case <-done:
		case <-timeout.C:
			for _, c := range cs {
				c.Close()
			}
			return
		}
	}
	for _, c := range cs {
		c.Close()
	}
}
