package command

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/runlock"
	"github.com/imapx/imapx/internal/session"
)

// An accounts file lists account pairs for mass migration, one a line, as
// imapsync's examples do (host1;user1;password1;host2;user2;password2,
// a trailing ';' allowed, fields quoted "…" when they hold ';') or as JSON
// objects with those names. Blank lines and lines starting with '#' are
// skipped. A pair is named by its line number: `sync --accounts FILE
// --account N` runs it, so that a scheduler (GNU parallel, a Kubernetes
// Indexed Job) passes line numbers, never passwords, in arguments.

// accountPair is one line of an accounts file.
type accountPair struct {
	line                    int
	host1, user1, password1 string
	host2, user2, password2 string
}

// accountsFlags: sync's accounts-file options.
type accountsFlags struct{}

func (accountsFlags) flags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "accounts", Category: "Accounts file", Usage: "account pairs in `FILE`: host1;user1;password1;host2;user2;password2 lines, or JSON lines with those names"},
		&cli.IntFlag{Name: "account", Category: "Accounts file", Usage: "sync the pair on line `N` of --accounts"},
		&cli.BoolFlag{Name: "list-accounts", Category: "Accounts file", Usage: "print each pair of --accounts as LINE<TAB>user1@host1<TAB>user2@host2 (no passwords) and stop"},
		&cli.IntFlag{Name: "max-per-server", Category: "Accounts file", Usage: "at most `N` syncs at once per server on this machine: a run waits for a free slot on host1's and host2's server"},
	}
}

// takeSlots waits for a slot on both servers when --max-per-server is
// given (nil otherwise).
func (accountsFlags) takeSlots(s *streams, c *cli.Context, a1, a2 *session.Account) (*runlock.Slots, error) {
	n := c.Int("max-per-server")
	if n <= 0 {
		return nil, nil
	}
	servers := []string{net.JoinHostPort(a1.Host, strconv.Itoa(a1.Port)), net.JoinHostPort(a2.Host, strconv.Itoa(a2.Port))}
	return runlock.TakeSlots(c.Context, filepath.Join(runDir(c), "slots"), n, servers, func(server string) {
		fmt.Fprintf(s.stderr, "imapx: waiting for one of the %d slots on %s (--max-per-server)\n", n, server)
	})
}

// jsonPair is an accounts file's JSON line.
type jsonPair struct {
	Host1     string `json:"host1"`
	User1     string `json:"user1"`
	Password1 string `json:"password1"`
	Host2     string `json:"host2"`
	User2     string `json:"user2"`
	Password2 string `json:"password2"`
}

// readAccounts reads every pair of an accounts file; an unusable line is
// an error naming the file, the line and what is wrong (exit 66).
func readAccounts(path string) ([]accountPair, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, exitcode.New(exitcode.NoInput, fmt.Errorf("--accounts: %w", err))
	}
	var out []accountPair
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimRight(sc.Text(), "\r")
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		bad := func(format string, args ...any) error {
			return exitcode.New(exitcode.NoInput, fmt.Errorf("%s:%d: %s", path, n, fmt.Sprintf(format, args...)))
		}
		p := accountPair{line: n}
		if strings.HasPrefix(t, "{") {
			var j jsonPair
			dec := json.NewDecoder(strings.NewReader(t))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&j); err != nil {
				return nil, bad("not a JSON object with host1, user1, password1, host2, user2, password2: %v", err)
			}
			p.host1, p.user1, p.password1, p.host2, p.user2, p.password2 = j.Host1, j.User1, j.Password1, j.Host2, j.User2, j.Password2
		} else {
			r := csv.NewReader(strings.NewReader(line))
			r.Comma, r.LazyQuotes, r.FieldsPerRecord = ';', true, -1
			f, err := r.Read()
			if err != nil {
				return nil, bad("%v", err)
			}
			if len(f) == 7 && f[6] == "" {
				f = f[:6] // imapsync's examples end each line with ';'
			}
			if len(f) != 6 {
				return nil, bad("%d fields, want 6: host1;user1;password1;host2;user2;password2", len(f))
			}
			p.host1, p.user1, p.password1 = strings.TrimSpace(f[0]), strings.TrimSpace(f[1]), f[2]
			p.host2, p.user2, p.password2 = strings.TrimSpace(f[3]), strings.TrimSpace(f[4]), f[5]
		}
		for _, v := range []struct{ name, value string }{{"host1", p.host1}, {"user1", p.user1}, {"host2", p.host2}, {"user2", p.user2}} {
			if v.value == "" {
				return nil, bad("%s is empty", v.name)
			}
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, exitcode.New(exitcode.NoInput, fmt.Errorf("--accounts %s: %w", path, err))
	}
	return out, nil
}

// listAccounts prints the pairs for a scheduler, without passwords.
func (s *streams) listAccounts(pairs []accountPair) {
	w := bufio.NewWriter(s.stdout)
	for _, p := range pairs {
		fmt.Fprintf(w, "%d\t%s@%s\t%s@%s\n", p.line, p.user1, p.host1, p.user2, p.host2)
	}
	w.Flush()
}

// applyAccount makes the pair on line n of the accounts file the run's
// two accounts: --host1/--user1/--port1 (host[:port]) and --host2…, the
// passwords as IMAPX_PASSWORD1/2 would give them (an empty one falls back
// to those variables). The other options (TLS, …) apply to every pair.
func (s *streams) applyAccount(c *cli.Context, pairs []accountPair, n int) error {
	for _, name := range []string{"host1", "user1", "password1", "passfile1", "host2", "user2", "password2", "passfile2"} {
		if c.IsSet(name) {
			return usagef(c, "--%s with --accounts: the accounts file gives both accounts", name)
		}
	}
	var p *accountPair
	for i := range pairs {
		if pairs[i].line == n {
			p = &pairs[i]
		}
	}
	if p == nil {
		return exitcode.New(exitcode.NoInput, fmt.Errorf("--account %d: line %d of %s holds no account pair", n, n, c.String("accounts")))
	}
	for _, side := range []struct{ n, host, user string }{{"1", p.host1, p.user1}, {"2", p.host2, p.user2}} {
		host, port := side.host, ""
		if h, pt, err := net.SplitHostPort(side.host); err == nil {
			host, port = h, pt
		}
		if err := c.Set("host"+side.n, host); err != nil {
			return err
		}
		if err := c.Set("user"+side.n, side.user); err != nil {
			return err
		}
		if port != "" {
			if _, err := strconv.Atoi(port); err != nil {
				return exitcode.New(exitcode.NoInput, fmt.Errorf("%s:%d: host%s %q: bad port", c.String("accounts"), n, side.n, side.host))
			}
			if err := c.Set("port"+side.n, port); err != nil {
				return err
			}
		}
	}
	getenv := s.getenv
	s.getenv = func(name string) string {
		switch {
		case name == "IMAPX_PASSWORD1" && p.password1 != "":
			return p.password1
		case name == "IMAPX_PASSWORD2" && p.password2 != "":
			return p.password2
		}
		return getenv(name)
	}
	return nil
}
