// Package harness starts a private Dovecot for tests, benchmarks and
// end-to-end runs: its config, sockets, logs, maildirs and certificate
// all live in one directory, it listens on 127.0.0.1 only, on free ports,
// and Stop removes every process it started.
package harness

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Options shape the server.
type Options struct {
	// Separator is the hierarchy separator ("/" by default).
	Separator string
	// Prefix is the personal namespace prefix, e.g. "INBOX." for a
	// Courier/Cyrus-style server (with Separator ".").
	Prefix string
	// MaxConnsPerUserIP is Dovecot's mail_max_userip_connections (10).
	MaxConnsPerUserIP int
	// Quota, when set, is every user's storage limit in Dovecot's units
	// ("500K", "2M"): APPENDs over it are refused [OVERQUOTA].
	Quota string
	// ACL turns on Dovecot's acl plugin (vfile) and its IMAP commands
	// (RFC 4314: GETACL, SETACL, DELETEACL, MYRIGHTS, LISTRIGHTS).
	ACL bool
}

// Dovecot is a running server.
type Dovecot struct {
	dir        string
	plain, tls int
	cert       []byte
	mu         sync.Mutex
	stopped    bool
	prefix     string
	sep        string
}

// Binary finds the dovecot binary, or says how to install it.
func Binary() (string, error) {
	if p, err := exec.LookPath("dovecot"); err == nil {
		return p, nil
	}
	if _, err := os.Stat("/usr/sbin/dovecot"); err == nil {
		return "/usr/sbin/dovecot", nil
	}
	return "", errors.New("dovecot is not installed (apt-get install dovecot-imapd)")
}

// Start writes a config into dir and starts Dovecot.
func Start(dir string, o Options) (*Dovecot, error) {
	bin, err := Binary()
	if err != nil {
		return nil, err
	}
	if o.Separator == "" {
		o.Separator = "/"
	}
	if o.MaxConnsPerUserIP == 0 {
		o.MaxConnsPerUserIP = 10
	}
	dir, err = filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	// The mail user must reach its maildir below dir.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	for _, sub := range []string{"run/state", "log", "mail"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return nil, err
		}
	}
	certPEM, keyPEM, err := selfSigned()
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "cert.pem"), certPEM, 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), keyPEM, 0o600); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Join(dir, "users.d"), 0o755); err != nil {
		return nil, err
	}
	master := fmt.Sprintf("%s:{PLAIN}%s\n", MasterUser, MasterPassword)
	if err := os.WriteFile(filepath.Join(dir, "masters"), []byte(master), 0o644); err != nil {
		return nil, err
	}
	if err := chownMail(filepath.Join(dir, "mail")); err != nil {
		return nil, err
	}
	d := &Dovecot{dir: dir, cert: certPEM, prefix: o.Prefix, sep: o.Separator}
	// A port picked free can be taken before Dovecot binds it: try again.
	var lastErr error
	for attempt := 0; attempt < 5; attempt++ {
		if d.plain, err = FreePort(); err != nil {
			return nil, err
		}
		if d.tls, err = FreePort(); err != nil {
			return nil, err
		}
		if err := os.WriteFile(d.ConfigPath(), []byte(config(dir, d.plain, d.tls, o)), 0o644); err != nil {
			return nil, err
		}
		// The master daemonizes and keeps its stdio: hand it a file, not a
		// pipe, or waiting for its output would wait for it to exit.
		out, err := os.Create(filepath.Join(dir, "log", "start.out"))
		if err != nil {
			return nil, err
		}
		cmd := exec.Command(bin, "-c", d.ConfigPath())
		cmd.Stdout, cmd.Stderr = out, out
		err = cmd.Run()
		out.Close()
		if err != nil {
			msg, _ := os.ReadFile(out.Name())
			lastErr = fmt.Errorf("dovecot: %v: %s", err, bytes.TrimSpace(msg))
			continue
		}
		if lastErr = d.waitReady(10 * time.Second); lastErr == nil {
			return d, nil
		}
		d.Stop()
		d.stopped = false
	}
	return nil, fmt.Errorf("%w\n%s", lastErr, d.logTail())
}

// ConfigPath is the dovecot.conf of this server.
func (d *Dovecot) ConfigPath() string { return filepath.Join(d.dir, "dovecot.conf") }

// Dir is the server's directory.
func (d *Dovecot) Dir() string { return d.dir }

// PlainAddr is the address of the plain (STARTTLS-capable) listener.
func (d *Dovecot) PlainAddr() string { return "127.0.0.1:" + strconv.Itoa(d.plain) }

// TLSAddr is the address of the implicit-TLS listener.
func (d *Dovecot) TLSAddr() string { return "127.0.0.1:" + strconv.Itoa(d.tls) }

// PlainPort and TLSPort are the listeners' ports.
func (d *Dovecot) PlainPort() int { return d.plain }
func (d *Dovecot) TLSPort() int   { return d.tls }

// CertPEM is the server's self-signed certificate.
func (d *Dovecot) CertPEM() []byte { return d.cert }

// CAFile is the path of the certificate, to trust with --ca-file.
func (d *Dovecot) CAFile() string { return filepath.Join(d.dir, "cert.pem") }

// AddUser adds a passwd-file user; Dovecot reads the file at each login.
func (d *Dovecot) AddUser(name, password string) error {
	home := filepath.Join(d.dir, "mail", name)
	if err := os.MkdirAll(home, 0o700); err != nil {
		return err
	}
	if err := chownMail(home); err != nil {
		return err
	}
	// One passwd-file per user (the path has %u): Dovecot stats a
	// passwd-file at most once a second, so a user appended to a shared
	// file within the second of another login would stay unknown.
	line := fmt.Sprintf("%s:{PLAIN}%s:8:8::%s::\n", name, password, home)
	return os.WriteFile(filepath.Join(d.dir, "users.d", name), []byte(line), 0o644)
}

// Stop stops the server and waits until its processes are gone.
func (d *Dovecot) Stop() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.stopped {
		return nil
	}
	d.stopped = true
	pidFile := filepath.Join(d.dir, "run", "master.pid")
	b, err := os.ReadFile(pidFile)
	if err != nil {
		return nil // never started
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	syscall.Kill(pid, syscall.SIGTERM)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if syscall.Kill(pid, 0) != nil {
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	return fmt.Errorf("dovecot %d did not stop in time; killed", pid)
}

// waitReady polls until both listeners greet.
func (d *Dovecot) waitReady(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		errPlain := greets(d.PlainAddr(), false)
		errTLS := greets(d.TLSAddr(), true)
		if errPlain == nil && errTLS == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("dovecot did not come up on %s/%s: %v %v", d.PlainAddr(), d.TLSAddr(), errPlain, errTLS)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

func greets(addr string, useTLS bool) error {
	c, err := net.DialTimeout("tcp", addr, time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	if useTLS {
		tc := tls.Client(c, &tls.Config{InsecureSkipVerify: true})
		if err := tc.Handshake(); err != nil {
			return err
		}
		c = tc
	}
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 256)
	n, err := c.Read(buf)
	if err != nil {
		return err
	}
	if !bytes.HasPrefix(buf[:n], []byte("* OK")) {
		return fmt.Errorf("unexpected greeting %q", buf[:n])
	}
	return nil
}

func (d *Dovecot) logTail() string {
	b, _ := os.ReadFile(filepath.Join(d.dir, "log", "dovecot.log"))
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// FreePort is a 127.0.0.1 port free at the time of asking.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// chownMail gives a directory to the mail user (uid/gid 8 on Debian), as
// Dovecot's mail processes run as that user.
func chownMail(path string) error {
	if os.Geteuid() != 0 {
		return nil
	}
	return os.Chown(path, 8, 8)
}
