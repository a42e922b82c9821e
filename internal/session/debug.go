package session

import (
	"bytes"
	"encoding/base64"
	"io"
	"strings"
	"sync"

	"github.com/emersion/go-sasl"
)

// secretList collects what a debug dialogue must mask besides the
// password: the base64 of every SASL response sent (PLAIN's holds the
// password, decodable by anyone reading the log).
type secretList struct {
	mu   sync.Mutex
	list []string
}

func (l *secretList) add(s string) {
	if s == "" {
		return
	}
	l.mu.Lock()
	l.list = append(l.list, s)
	l.mu.Unlock()
}

func (l *secretList) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]string(nil), l.list...)
}

// maskedSASL notes each response of a SASL client as a secret before it
// is sent.
type maskedSASL struct {
	sasl.Client
	secrets *secretList
}

func (m maskedSASL) Start() (string, []byte, error) {
	mech, ir, err := m.Client.Start()
	m.note(ir)
	return mech, ir, err
}

func (m maskedSASL) Next(challenge []byte) ([]byte, error) {
	resp, err := m.Client.Next(challenge)
	m.note(resp)
	return resp, err
}

func (m maskedSASL) note(b []byte) {
	if len(b) > 0 {
		m.secrets.add(base64.StdEncoding.EncodeToString(b))
		m.secrets.add(string(b))
	}
}

// saslClient is c, its responses masked in the debug dialogue.
func (a *Account) saslClient(c sasl.Client) sasl.Client {
	if a.Debug == nil {
		return c
	}
	return maskedSASL{c, &a.debugSecrets}
}

// debugWriter prints one connection's IMAP dialogue (both directions, as
// go-imap hands it over) to a.Debug, each line prefixed with the
// account's label, every secret replaced by MASKED. nil without --debugimap.
func (a *Account) debugWriter() io.Writer {
	if a.Debug == nil {
		return nil
	}
	label := a.Label
	if label == "" {
		label = a.Addr()
	}
	return &debugWriter{a: a, prefix: label + ": ", atStart: true}
}

type debugWriter struct {
	a       *Account
	prefix  string
	atStart bool
}

// debugOut serializes the dialogues of all connections: lines of two
// connections never mix.
var debugOut sync.Mutex

func (w *debugWriter) Write(p []byte) (int, error) {
	text := string(p)
	secrets := append(w.a.secrets(), w.a.debugSecrets.all()...)
	for _, s := range secrets {
		// LOGIN sends the password as a quoted string: "a\"b" for a"b.
		quoted := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s)
		text = strings.ReplaceAll(text, quoted, "MASKED")
		text = strings.ReplaceAll(text, s, "MASKED")
	}
	var b bytes.Buffer
	for _, line := range strings.SplitAfter(text, "\n") {
		if line == "" {
			continue
		}
		if w.atStart {
			b.WriteString(w.prefix)
		}
		b.WriteString(strings.TrimSuffix(line, "\r\n"))
		if strings.HasSuffix(line, "\r\n") {
			b.WriteString("\n")
		}
		w.atStart = strings.HasSuffix(line, "\n")
	}
	debugOut.Lock()
	defer debugOut.Unlock()
	if _, err := w.a.Debug.Write(b.Bytes()); err != nil {
		return 0, err
	}
	return len(p), nil
}
