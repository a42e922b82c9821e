package harness

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

// Courier is a running Courier-IMAP (Debian's courier-imap and
// courier-authlib, unpacked by install-servers.sh): couriertcpd forking
// imaplogin → imapd per connection, and authdaemond with a userdb.
//
// authlib has its paths compiled in (/etc/courier for authdaemonrc and
// userdb.dat, /run/courier/authdaemon/socket, /usr/lib/courier-authlib
// for its modules). So the server runs in a mount namespace of its own
// where the server's directories are bind-mounted on those paths: several
// Couriers run side by side and nothing of the host is changed but three
// empty mount points. That needs root, as does imaplogin's setuid.
type Courier struct {
	dir   string
	port  int
	group *group
	mu    sync.Mutex
	users map[string]string // name → password
}

// Courier's user ID: a real passwd entry ("mail"), or every SELECT waits
// 1.2 s on a lookup of the missing user.
const courierUID, courierGID = 8, 8

// courierMounts are the compiled-in paths and what is mounted on them.
var courierMounts = [][2]string{
	{"etc", "/etc/courier"},
	{"run", "/run/courier"},
	{"@usr/lib/courier-authlib", "/usr/lib/courier-authlib"},
}

// CourierOptions shape a Courier server.
type CourierOptions struct {
	// NoUIDPLUS leaves UIDPLUS out of the capabilities (IMAP_CAPABILITY,
	// as an administrator may): Courier then answers an APPEND without
	// APPENDUID, so a client learns no UID of what it stored.
	NoUIDPLUS bool
}

// StartCourier writes a config into dir and starts Courier-IMAP on
// 127.0.0.1 (plain IMAP only), shaped by the first of opts if any.
func StartCourier(dir string, opts ...CourierOptions) (*Courier, error) {
	var o CourierOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	capability := "IMAP4rev1 UIDPLUS CHILDREN NAMESPACE THREAD=ORDEREDSUBJECT THREAD=REFERENCES SORT QUOTA IDLE"
	if o.NoUIDPLUS {
		capability = strings.Replace(capability, " UIDPLUS", "", 1)
	}
	if os.Geteuid() != 0 {
		return nil, fmt.Errorf("courier: %w (mount namespace, setuid)", errNeedsRoot)
	}
	tcpd, err := unpacked("usr/sbin/couriertcpd")
	if err != nil {
		return nil, err
	}
	root := filepath.Join(ServersDir(), "root")
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	for _, sub := range []string{"etc", "run/authdaemon", "mail", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "etc", "authdaemonrc"), []byte(courierAuthdaemonrc), 0o644); err != nil {
		return nil, err
	}
	c := &Courier{dir: dir, users: map[string]string{}}
	if err := c.writeUserdb(); err != nil {
		return nil, err
	}
	var mounts strings.Builder
	for _, m := range courierMounts {
		src := filepath.Join(dir, m[0])
		if strings.HasPrefix(m[0], "@") {
			src = filepath.Join(root, m[0][1:])
		}
		// The mount point must exist on the host; it stays empty there.
		if err := os.MkdirAll(m[1], 0o755); err != nil {
			return nil, err
		}
		fmt.Fprintf(&mounts, "mount --bind %s %s\n", shellQuote(src), m[1])
	}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if c.port, err = FreePort(); err != nil {
			return nil, err
		}
		os.Remove(filepath.Join(dir, "run", "authdaemon", "socket"))
		script := "set -e\n" + mounts.String() +
			shellQuote(filepath.Join(root, "usr/lib/courier/courier-authlib/authdaemond")) + " >" +
			shellQuote(filepath.Join(dir, "log", "authdaemond.log")) + " 2>&1 &\n" +
			"exec " + shellQuote(tcpd) + " -address=127.0.0.1 -maxprocs=40 -maxperip=40 -nodnslookup -noidentlookup " +
			strconv.Itoa(c.port) + " " + shellQuote(filepath.Join(root, "usr/lib/courier/courier/imaplogin")) + " " +
			shellQuote(filepath.Join(root, "usr/bin/imapd")) + " Maildir\n"
		if err := os.WriteFile(filepath.Join(dir, "start.sh"), []byte(script), 0o644); err != nil {
			return nil, err
		}
		cmd := exec.Command("/bin/sh", filepath.Join(dir, "start.sh"))
		// Courier's imapd takes its settings from the environment (what
		// /etc/courier/imapd holds for the init script).
		cmd.Env = append(os.Environ(), libPath(),
			"IMAP_CAPABILITY="+capability,
			"IMAP_KEYWORDS=1", "IMAP_ACL=1", "IMAP_PROXY=0", "IMAP_IDLE_TIMEOUT=60",
			"IMAP_MAILBOX_SANITY_CHECK=1", "IMAP_USELOCKS=1", "IMAP_UMASK=022",
			"IMAP_TRASHFOLDERNAME=Trash", "MAILDIRPATH=Maildir")
		// Go makes the new namespace's mounts private before the exec.
		cmd.SysProcAttr = &syscall.SysProcAttr{Unshareflags: syscall.CLONE_NEWNS}
		c.group, err = startGroup(cmd, filepath.Join(dir, "log", "courier.log"))
		if err != nil {
			return nil, err
		}
		lastErr = waitGreeting(c.PlainAddr(), c.group, 15*time.Second)
		if lastErr == nil {
			lastErr = waitFile(filepath.Join(dir, "run", "authdaemon", "socket"), 10*time.Second)
		}
		if lastErr == nil {
			return c, nil
		}
		c.group.kill()
	}
	return nil, fmt.Errorf("courier: %w\n%s%s", lastErr, tail(filepath.Join(dir, "log", "courier.log")),
		tail(filepath.Join(dir, "log", "authdaemond.log")))
}

const courierAuthdaemonrc = `authmodulelist="authuserdb"
daemons=2
authdaemonvar=/run/courier/authdaemon
DEBUG_LOGIN=0
DEFAULTOPTIONS=""
LOGGEROPTS=""
`

// Family is "courier".
func (c *Courier) Family() string { return "courier" }

// Dir is the server's directory.
func (c *Courier) Dir() string { return c.dir }

// PlainAddr is the plain IMAP listener (no TLS).
func (c *Courier) PlainAddr() string { return "127.0.0.1:" + strconv.Itoa(c.port) }

// Layout: Courier's only namespace, "INBOX." and ".".
func (c *Courier) Layout() (string, string) { return "INBOX.", "." }

// AddUser creates the user's Maildir and rebuilds the userdb, which
// authdaemond reopens when it changes.
func (c *Courier) AddUser(name, password string) error {
	maildir := filepath.Join(c.dir, "mail", name, "Maildir")
	for _, sub := range []string{"cur", "new", "tmp"} {
		if err := os.MkdirAll(filepath.Join(maildir, sub), 0o700); err != nil {
			return err
		}
	}
	home := filepath.Join(c.dir, "mail", name)
	if err := filepath.Walk(home, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, courierUID, courierGID)
	}); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.users[name] = password
	return c.writeUserdb()
}

// writeUserdb makes userdb.dat and userdbshadow.dat with authlib's own
// makedatprog (what makeuserdb runs): "name<TAB>field=value|…" lines, ".".
func (c *Courier) writeUserdb() error {
	prog, err := unpacked("usr/lib/courier/courier-authlib/makedatprog")
	if err != nil {
		return err
	}
	names := make([]string, 0, len(c.users))
	for n := range c.users {
		names = append(names, n)
	}
	sort.Strings(names)
	var db, shadow strings.Builder
	for _, n := range names {
		home := filepath.Join(c.dir, "mail", n)
		fmt.Fprintf(&db, "%s\tuid=%d|gid=%d|home=%s|mail=%s\n", n, courierUID, courierGID, home, filepath.Join(home, "Maildir"))
		sum := sha256.Sum256([]byte(c.users[n]))
		fmt.Fprintf(&shadow, "%s\tsystempw={SHA256}%s\n", n, base64.StdEncoding.EncodeToString(sum[:]))
	}
	db.WriteString(".\n")
	shadow.WriteString(".\n")
	etc := filepath.Join(c.dir, "etc")
	for _, f := range []struct {
		name, text string
	}{{"userdb", db.String()}, {"userdbshadow", shadow.String()}} {
		cmd := exec.Command(prog, "-", filepath.Join(etc, f.name+".tmp"), filepath.Join(etc, f.name+".dat"))
		cmd.Env = append(os.Environ(), libPath())
		cmd.Stdin = strings.NewReader(f.text)
		if out, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("makedatprog %s: %v: %s", f.name, err, out)
		}
	}
	return nil
}

// Seed appends messages as Dovecot's Seed does, one at a time: pipelined
// APPENDs (synchronizing literals, Courier has no LITERAL+) take about
// 45 ms each on Courier, against 1.4 ms one after the other.
func (c *Courier) Seed(user, password string, msgs []imaptest.SeedMessage, folders ...string) error {
	return seed(c.PlainAddr(), 1, user, password, msgs, folders...)
}

// ReadAll reads every message with plain go-imap calls.
func (c *Courier) ReadAll(user, password string) ([]Message, []string, error) {
	return readAll(c.PlainAddr(), user, password)
}

// Stop stops couriertcpd, authdaemond and every imapd; the mount
// namespace goes with its last process.
func (c *Courier) Stop() error { return c.group.kill() }

func waitFile(path string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		if _, err := os.Stat(path); err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not appear", path)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }
