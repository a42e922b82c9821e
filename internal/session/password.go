package session

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/imapx/imapx/internal/exitcode"
)

// PasswordSources are the places a password may come from, tried in this
// order: PassFile, the first set variable of Env, Prompt, Flag.
type PasswordSources struct {
	PassFile string
	Env      []string
	Getenv   func(string) string
	// Prompt asks the user; nil when stdin is not a terminal.
	Prompt func(prompt string) (string, error)
	Flag   string
	// Warn receives the warning about --password.
	Warn io.Writer
}

// ResolvePassword fills a.Password from the first source that has one. An
// account that authenticates with an OAuth token needs none.
func ResolvePassword(a *Account, src PasswordSources) error {
	if a.OAuthTokenFile != "" || a.OAuthToken != "" || a.OAuthDirect != "" || a.OAuthTokenCmd != nil {
		return nil
	}
	if src.PassFile != "" {
		f, err := os.Open(src.PassFile)
		if err != nil {
			return exitcode.New(exitcode.NoInput, fmt.Errorf("%s: %w", a.flag("passfile"), err))
		}
		defer f.Close()
		line, err := bufio.NewReader(f).ReadString('\n')
		if err != nil && err != io.EOF {
			return exitcode.New(exitcode.NoInput, fmt.Errorf("%s %s: %w", a.flag("passfile"), src.PassFile, err))
		}
		a.Password = strings.TrimRight(line, "\r\n")
		return nil
	}
	getenv := src.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	for _, name := range src.Env {
		if v := getenv(name); v != "" {
			a.Password = v
			return nil
		}
	}
	if src.Prompt != nil {
		p, err := src.Prompt(fmt.Sprintf("Password for %s: ", a))
		if err != nil {
			return exitcode.New(exitcode.Usage, fmt.Errorf("reading password: %w", err))
		}
		a.Password = p
		return nil
	}
	if src.Flag != "" {
		if src.Warn != nil {
			env := "IMAPX_PASSWORD"
			if len(src.Env) > 0 {
				env = src.Env[0]
			}
			fmt.Fprintf(src.Warn, "imapx: warning: %s is visible to other users in `ps`; prefer %s or %s\n", a.flag("password"), a.flag("passfile"), env)
		}
		a.Password = src.Flag
		return nil
	}
	names := strings.Join(src.Env, " or ")
	return exitcode.WithHint(exitcode.Usage,
		fmt.Errorf("no password for %s", a),
		"give one with "+a.flag("passfile")+" FILE or the "+names+" environment variable")
}
