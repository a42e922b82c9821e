package session

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/imapx/imapx/internal/exitcode"
)

// tokenCmdTimeout bounds one run of the token command.
const tokenCmdTimeout = time.Minute

// TokenCmd is an OAuth2 token source: a user-given shell command whose
// first line of output is an access token (`--oauthtokencmd1 CMD`). It
// runs at every connection: Google's and Microsoft's tokens live an hour,
// a migration lasts longer, and a server that ends a session when its
// token expires (Office 365: "BYE Session invalidated -
// AccessTokenExpired") is re-dialed with a fresh one.
type TokenCmd struct {
	Cmd string

	mu   sync.Mutex
	last string // the last token, masked in messages
	runs int
}

// NewTokenCmd returns a token source running cmd with sh -c.
func NewTokenCmd(cmd string) *TokenCmd { return &TokenCmd{Cmd: cmd} }

// Token runs the command and returns the token it printed.
func (t *TokenCmd) Token(flag string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), tokenCmdTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", t.Cmd)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Run(); err != nil {
		why := strings.TrimSpace(strings.SplitN(errOut.String(), "\n", 2)[0])
		if why != "" {
			why = ": " + why
		}
		return "", exitcode.WithHint(exitcode.Auth, fmt.Errorf("%s command failed (%v)%s", flag, err, why),
			"the command must print an OAuth2 access token on its first line of output")
	}
	tok := strings.TrimSpace(strings.SplitN(out.String(), "\n", 2)[0])
	if tok == "" {
		return "", exitcode.Newf(exitcode.Auth, "%s command printed no token", flag)
	}
	t.mu.Lock()
	t.last = tok
	t.runs++
	t.mu.Unlock()
	return tok, nil
}

// Last is the last token the command printed ("" before any run).
func (t *TokenCmd) Last() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.last
}

// Runs counts the command's successful runs.
func (t *TokenCmd) Runs() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.runs
}
