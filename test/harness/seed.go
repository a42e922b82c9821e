package harness

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/imaptest"
)

// Client logs in as user over the plain listener.
func (d *Dovecot) Client(user, password string) (*imapclient.Client, error) {
	return dialLogin(d.PlainAddr(), user, password)
}

// dialLogin logs in as user on a plain IMAP address.
func dialLogin(addr, user, password string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, password).Wait(); err != nil {
		c.Close()
		return nil, fmt.Errorf("login %s: %w", user, err)
	}
	return c, nil
}

// Seed appends messages over IMAP (folders are "/"-separated and mapped
// to the server's separator and prefix), creating and subscribing folders.
// APPENDs are pipelined.
func (d *Dovecot) Seed(user, password string, msgs []imaptest.SeedMessage, folders ...string) error {
	return seed(d.PlainAddr(), 64, user, password, msgs, folders...)
}

// seed is Seed on any server's plain address, with up to window APPENDs
// in flight.
func seed(addr string, window int, user, password string, msgs []imaptest.SeedMessage, folders ...string) error {
	c, err := dialLogin(addr, user, password)
	if err != nil {
		return err
	}
	defer c.Close()
	name, err := serverName(c)
	if err != nil {
		return err
	}
	created := map[string]bool{"INBOX": true}
	ensure := func(folder string) (string, error) {
		if folder == "" || strings.EqualFold(folder, "INBOX") {
			return "INBOX", nil
		}
		full := name(folder)
		if !created[full] {
			// Cyrus says "Mailbox already exists" without the code.
			if err := c.Create(full, nil).Wait(); err != nil && !strings.Contains(err.Error(), "ALREADYEXISTS") && !strings.Contains(err.Error(), "already exists") {
				return "", fmt.Errorf("create %q: %w", full, err)
			}
			c.Subscribe(full).Wait()
			created[full] = true
		}
		return full, nil
	}
	for _, f := range folders {
		if _, err := ensure(f); err != nil {
			return err
		}
	}
	var cmds []*imapclient.AppendCommand
	wait := func() error {
		for _, cmd := range cmds {
			if _, err := cmd.Wait(); err != nil {
				return err
			}
		}
		cmds = cmds[:0]
		return nil
	}
	for _, m := range msgs {
		folder, err := ensure(m.Folder)
		if err != nil {
			return err
		}
		flags := make([]imap.Flag, len(m.Flags))
		for i, f := range m.Flags {
			flags[i] = imap.Flag(f)
		}
		cmd := c.Append(folder, int64(len(m.Raw)), &imap.AppendOptions{Flags: flags, Time: m.Date})
		if _, err := cmd.Write(m.Raw); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		cmds = append(cmds, cmd)
		if len(cmds) >= window {
			if err := wait(); err != nil {
				return err
			}
		}
	}
	if err := wait(); err != nil {
		return err
	}
	return c.Logout().Wait()
}

// serverName maps a "/"-separated name to the server's separator and
// personal namespace prefix.
func serverName(c *imapclient.Client) (func(string) string, error) {
	list, err := c.List("", "INBOX", nil).Collect()
	if err != nil {
		return nil, err
	}
	sep := "/"
	if len(list) > 0 && list[0].Delim != 0 {
		sep = string(list[0].Delim)
	}
	prefix := ""
	if ns, err := c.Namespace().Wait(); err == nil && len(ns.Personal) > 0 {
		prefix = ns.Personal[0].Prefix
	}
	return func(folder string) string {
		n := strings.ReplaceAll(folder, "/", sep)
		if prefix != "" && !strings.HasPrefix(n, prefix) {
			n = prefix + n
		}
		return n
	}, nil
}

// Message is one message as an independent read of the server sees it.
type Message struct {
	Folder string
	UID    imap.UID
	Raw    []byte
	Flags  []string // sorted, \Recent dropped
	Date   string   // INTERNALDATE, RFC 3339 in UTC
}

// Key is what must be equal between source and destination.
func (m Message) Key() string {
	return fmt.Sprintf("%s|%s|%s|%x", m.Folder, strings.Join(m.Flags, " "), m.Date, m.Raw)
}

// ReadAll reads every message of every selectable folder with plain go-imap
// calls, independently of imapx's own code, for end-to-end checks.
func (d *Dovecot) ReadAll(user, password string) ([]Message, []string, error) {
	return readAll(d.PlainAddr(), user, password)
}

// readAll is ReadAll on any server's plain address.
func readAll(addr, user, password string) ([]Message, []string, error) {
	c, err := dialLogin(addr, user, password)
	if err != nil {
		return nil, nil, err
	}
	defer c.Close()
	boxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		return nil, nil, err
	}
	var out []Message
	var names []string
	for _, b := range boxes {
		names = append(names, b.Mailbox)
		skip := false
		for _, a := range b.Attrs {
			if a == imap.MailboxAttrNoSelect || a == imap.MailboxAttrNonExistent {
				skip = true
			}
		}
		if skip {
			continue
		}
		sel, err := c.Select(b.Mailbox, &imap.SelectOptions{ReadOnly: true}).Wait()
		if err != nil {
			return nil, nil, err
		}
		if sel.NumMessages == 0 {
			continue
		}
		fetch := c.Fetch(imap.SeqSet{imap.SeqRange{Start: 1, Stop: 0}}, &imap.FetchOptions{
			UID: true, Flags: true, InternalDate: true,
			BodySection: []*imap.FetchItemBodySection{{Peek: true}},
		})
		bufs, err := fetch.Collect()
		if err != nil {
			return nil, nil, err
		}
		for _, m := range bufs {
			msg := Message{Folder: b.Mailbox, UID: m.UID, Date: m.InternalDate.UTC().Format("2006-01-02T15:04:05Z")}
			for _, s := range m.BodySection {
				msg.Raw = bytes.Clone(s.Bytes)
			}
			for _, f := range m.Flags {
				if !strings.EqualFold(string(f), `\Recent`) {
					msg.Flags = append(msg.Flags, string(f))
				}
			}
			sort.Strings(msg.Flags)
			out = append(out, msg)
		}
	}
	return out, names, nil
}
