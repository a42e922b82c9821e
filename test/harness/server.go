package harness

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

// Server is what an end-to-end test needs of any of the three server
// families (Dovecot, Cyrus, Courier), so one test can run against each.
type Server interface {
	// Family is "dovecot", "cyrus" or "courier".
	Family() string
	PlainAddr() string
	AddUser(name, password string) error
	Seed(user, password string, msgs []imaptest.SeedMessage, folders ...string) error
	ReadAll(user, password string) ([]Message, []string, error)
	// Layout is the personal namespace prefix and the separator, to map
	// the names ReadAll returns to "/"-separated ones (Canonical).
	Layout() (prefix, sep string)
	Stop() error
}

// Family, Layout: Dovecot as a Server.
func (d *Dovecot) Family() string { return "dovecot" }

// Layout is the namespace Start was given.
func (d *Dovecot) Layout() (string, string) { return d.prefix, d.sep }

// Canonical maps a folder name as s lists it to the "/"-separated name
// without the personal prefix that imaptest's corpora use, so that
// mailboxes read from different families compare equal.
func Canonical(s Server, folder string) string {
	prefix, sep := s.Layout()
	if strings.EqualFold(folder, "INBOX") {
		return "INBOX"
	}
	folder = strings.TrimPrefix(folder, prefix)
	if sep != "/" {
		folder = strings.ReplaceAll(folder, sep, "/")
	}
	return folder
}

// ServersDir is where install-servers.sh unpacked Cyrus and Courier:
// $IMAPX_TEST_SERVERS, else /var/cache/imapx-test-servers (as root), else
// the user cache dir's imapx-test-servers. The first that holds a stamp
// wins, so a root-made cache is found by another user too.
func ServersDir() string {
	if d := os.Getenv("IMAPX_TEST_SERVERS"); d != "" {
		return d
	}
	candidates := []string{"/var/cache/imapx-test-servers"}
	if c, err := os.UserCacheDir(); err == nil {
		candidates = append(candidates, filepath.Join(c, "imapx-test-servers"))
	}
	for _, d := range candidates {
		if _, err := os.Stat(filepath.Join(d, "stamp")); err == nil {
			return d
		}
	}
	return candidates[0]
}

// unpacked is the path of a file of the unpacked packages, or an error
// saying how to get them.
func unpacked(rel string) (string, error) {
	p := filepath.Join(ServersDir(), "root", rel)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is missing: run test/harness/install-servers.sh (as root) to unpack Cyrus and Courier", p)
	}
	return p, nil
}

// libPath is LD_LIBRARY_PATH for the unpacked binaries' own libraries.
func libPath() string {
	root := filepath.Join(ServersDir(), "root")
	return "LD_LIBRARY_PATH=" + filepath.Join(root, "usr/lib/x86_64-linux-gnu") + ":" + filepath.Join(root, "usr/lib")
}

// group is a started process group: the server's foreground daemon and
// everything it forks.
type group struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	stop bool
}

func startGroup(cmd *exec.Cmd, logFile string) (*group, error) {
	out, err := os.Create(logFile)
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.Stderr = out, out
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	if err := cmd.Start(); err != nil {
		out.Close()
		return nil, err
	}
	g := &group{cmd: cmd, done: make(chan struct{})}
	go func() {
		cmd.Wait()
		out.Close()
		close(g.done)
	}()
	return g, nil
}

// exited tells whether the leader has gone.
func (g *group) exited() bool {
	select {
	case <-g.done:
		return true
	default:
		return false
	}
}

// kill stops the whole group: SIGTERM, then SIGKILL after a grace time.
func (g *group) kill() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stop {
		return nil
	}
	g.stop = true
	pgid := g.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	var err error
	select {
	case <-g.done:
	case <-time.After(10 * time.Second):
		err = fmt.Errorf("%s did not stop in time; killed", filepath.Base(g.cmd.Path))
	}
	// Children (an imapd serving a connection) may outlive the leader.
	syscall.Kill(-pgid, syscall.SIGKILL)
	<-g.done
	return err
}

// errNeedsRoot is returned where a family cannot run unprivileged.
var errNeedsRoot = errors.New("needs root")

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}
