package harness

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

// CyrusOptions shape a Cyrus server.
type CyrusOptions struct {
	// Munge8bit is Cyrus's munge8bit: on, it replaces 8-bit header bytes
	// of appended messages with "X" (Cyrus's own default). Off by default
	// here, so that exact copies can be checked.
	Munge8bit bool
	// QuotaKB is each user's storage quota in KB; 0 is none.
	QuotaKB int
}

// Cyrus is a running Cyrus IMAP (Debian's cyrus-imapd, unpacked by
// install-servers.sh): master in the foreground, imapd forked per
// connection, everything under its directory.
type Cyrus struct {
	dir   string
	port  int
	group *group
}

// cyrusServername is also the SASL realm of the users.
const cyrusServername = "imapx-test"

// StartCyrus writes a config into dir and starts Cyrus on 127.0.0.1.
//
// Quirks met: master ignores service_path for START commands, so every
// cmd is an absolute path; each cmd needs -C or it reads /etc/imapd.conf;
// everything logs to syslog only (no /dev/log here: the logs are lost);
// autocreate_quota >= 0 creates a user's INBOX at the first login, which
// spares an admin's "CREATE user.NAME" (cyradm).
func StartCyrus(dir string, o CyrusOptions) (*Cyrus, error) {
	master, err := unpacked("usr/lib/cyrus/bin/master")
	if err != nil {
		return nil, err
	}
	if _, err := saslpasswd(); err != nil {
		return nil, err
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	runAs := "mail"
	if os.Geteuid() != 0 {
		u, err := user.Current()
		if err != nil {
			return nil, err
		}
		runAs = u.Username
	}
	for _, sub := range []string{"conf", "spool", "run/proc", "run/lock", "run/socket", "log"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	c := &Cyrus{dir: dir}
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if c.port, err = FreePort(); err != nil {
			return nil, err
		}
		if err := os.WriteFile(c.imapdConf(), []byte(cyrusImapdConf(dir, runAs, o)), 0o644); err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "cyrus.conf"), []byte(cyrusConf(dir, filepath.Dir(master), c.port)), 0o644); err != nil {
			return nil, err
		}
		if err := chownTree(dir, runAs); err != nil {
			return nil, err
		}
		cmd := exec.Command(master, "-C", c.imapdConf(), "-M", filepath.Join(dir, "cyrus.conf"),
			"-p", filepath.Join(dir, "run", "master.pid"))
		cmd.Env = append(os.Environ(), libPath())
		c.group, err = startGroup(cmd, filepath.Join(dir, "log", "master.out"))
		if err != nil {
			return nil, err
		}
		if lastErr = waitGreeting(c.PlainAddr(), c.group, 15*time.Second); lastErr == nil {
			return c, nil
		}
		c.group.kill()
	}
	return nil, fmt.Errorf("cyrus: %w\n%s", lastErr, tail(filepath.Join(dir, "log", "master.out")))
}

func (c *Cyrus) imapdConf() string { return filepath.Join(c.dir, "imapd.conf") }

// Family is "cyrus".
func (c *Cyrus) Family() string { return "cyrus" }

// Dir is the server's directory.
func (c *Cyrus) Dir() string { return c.dir }

// PlainAddr is the plain IMAP listener (no TLS).
func (c *Cyrus) PlainAddr() string { return "127.0.0.1:" + strconv.Itoa(c.port) }

// Layout: Cyrus's standard namespace, "INBOX." and ".".
func (c *Cyrus) Layout() (string, string) { return "INBOX.", "." }

// AddUser adds a SASL user to the server's own sasldb; the INBOX is
// created at the user's first login.
func (c *Cyrus) AddUser(name, password string) error {
	bin, err := saslpasswd()
	if err != nil {
		return err
	}
	db := filepath.Join(c.dir, "sasldb2")
	cmd := exec.Command(bin, "-f", db, "-u", cyrusServername, "-c", "-p", name)
	cmd.Stdin = strings.NewReader(password)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("saslpasswd2 %s: %v: %s", name, err, out)
	}
	runAs := "mail"
	if os.Geteuid() != 0 {
		return nil
	}
	return chownTree(db, runAs)
}

// Seed appends messages as Dovecot's Seed does.
func (c *Cyrus) Seed(user, password string, msgs []imaptest.SeedMessage, folders ...string) error {
	return seed(c.PlainAddr(), 64, user, password, msgs, folders...)
}

// ReadAll reads every message with plain go-imap calls.
func (c *Cyrus) ReadAll(user, password string) ([]Message, []string, error) {
	return readAll(c.PlainAddr(), user, password)
}

// Stop stops master and every imapd it forked.
func (c *Cyrus) Stop() error { return c.group.kill() }

func saslpasswd() (string, error) {
	if p, err := exec.LookPath("saslpasswd2"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/saslpasswd2"); err == nil {
		return "/usr/sbin/saslpasswd2", nil
	}
	return "", fmt.Errorf("saslpasswd2 is not installed: run test/harness/install-servers.sh (apt-get install sasl2-bin)")
}

func cyrusImapdConf(dir, runAs string, o CyrusOptions) string {
	munge := "no"
	if o.Munge8bit {
		munge = "yes"
	}
	return fmt.Sprintf(`configdirectory: %[1]s/conf
proc_path: %[1]s/run/proc
mboxname_lockpath: %[1]s/run/lock
defaultpartition: default
partition-default: %[1]s/spool
idlesocket: %[1]s/run/socket/idle
notifysocket: %[1]s/run/socket/notify
lmtpsocket: %[1]s/run/socket/lmtp
servername: %[4]s
cyrus_user: %[2]s
altnamespace: no
unixhierarchysep: no
allowplaintext: yes
sasl_pwcheck_method: auxprop
sasl_auxprop_plugin: sasldb
sasl_sasldb_path: %[1]s/sasldb2
sasl_mech_list: PLAIN LOGIN
autocreate_quota: %[5]d
munge8bit: %[3]s
syslog_prefix: imapx-test-cyrus
`, dir, runAs, munge, cyrusServername, o.QuotaKB)
}

func cyrusConf(dir, bin string, port int) string {
	return fmt.Sprintf(`START {
  recover cmd="%[2]s/ctl_cyrusdb -C %[1]s/imapd.conf -r"
}
SERVICES {
  imap cmd="%[2]s/imapd -C %[1]s/imapd.conf" listen="127.0.0.1:%[3]d" prefork=0 maxchild=100
}
EVENTS {
}
`, dir, bin, port)
}

// waitGreeting polls until addr greets, failing early if the server died.
func waitGreeting(addr string, g *group, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		err := greets(addr, false)
		if err == nil {
			return nil
		}
		if g.exited() {
			return fmt.Errorf("exited before greeting on %s: %v", addr, err)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no greeting on %s: %v", addr, err)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// chownTree gives path and everything below it to a user, as root.
func chownTree(path, name string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup(name)
	if err != nil {
		return err
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, uid, gid)
	})
}
