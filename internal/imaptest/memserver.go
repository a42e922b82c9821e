// Package imaptest runs in-process IMAP servers (go-imap's imapmemserver)
// seeded with mail, for fast tests and for `imapx demo`. It does not
// import "testing": the product's demo uses it too.
package imaptest

import (
	"bytes"
	"fmt"
	"io"
	"log"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// SeedMessage is one message to put into a mailbox.
type SeedMessage struct {
	// Folder is "/"-separated; "" means INBOX.
	Folder string
	Raw    []byte
	Flags  []string
	// Date is the internal date.
	Date time.Time
}

// MemUser is an account of a MemServer.
type MemUser struct {
	Name, Password string
	Messages       []SeedMessage
	// Folders are created even when no message goes there.
	Folders []string
}

// MemServer is a running in-process server on 127.0.0.1.
type MemServer struct {
	srv *imapserver.Server
	ln  net.Listener
}

// StartMem starts a server with users and their mail.
func StartMem(users []MemUser) (*MemServer, error) {
	return StartMemCaps(users, nil)
}

// StartMemCaps is StartMem with the capabilities to advertise instead of
// IMAP4rev1 and IMAP4rev2 (which implies UIDPLUS, ESEARCH…): a server with
// only IMAP4rev1 is a pre-UIDPLUS server for the paths Dovecot never takes.
func StartMemCaps(users []MemUser, caps imap.CapSet) (*MemServer, error) {
	if caps == nil {
		caps = imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}
	}
	mem := imapmemserver.New()
	for _, u := range users {
		user := imapmemserver.NewUser(u.Name, u.Password)
		if err := user.Create("INBOX", nil); err != nil {
			return nil, err
		}
		created := map[string]bool{"INBOX": true}
		ensure := func(folder string) error {
			if folder == "" || strings.EqualFold(folder, "INBOX") {
				return nil
			}
			// Parents first, so that the hierarchy lists like a real server's.
			parts := strings.Split(folder, "/")
			for i := range parts {
				name := strings.Join(parts[:i+1], "/")
				if !created[name] {
					if err := user.Create(name, nil); err != nil {
						return fmt.Errorf("create %q: %w", name, err)
					}
					created[name] = true
				}
			}
			return nil
		}
		for _, f := range u.Folders {
			if err := ensure(f); err != nil {
				return nil, err
			}
		}
		for _, m := range u.Messages {
			if err := ensure(m.Folder); err != nil {
				return nil, err
			}
			folder := m.Folder
			if folder == "" {
				folder = "INBOX"
			}
			flags := make([]imap.Flag, len(m.Flags))
			for i, f := range m.Flags {
				flags[i] = imap.Flag(f)
			}
			lit := &literal{Reader: bytes.NewReader(m.Raw), size: int64(len(m.Raw))}
			if _, err := user.Append(folder, lit, &imap.AppendOptions{Flags: flags, Time: m.Date}); err != nil {
				return nil, fmt.Errorf("append to %q: %w", folder, err)
			}
		}
		mem.AddUser(user)
	}
	srv := imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return mem.NewSession(), nil, nil
		},
		Caps:         caps,
		InsecureAuth: true,
		Logger:       log.New(io.Discard, "", 0),
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	go srv.Serve(ln)
	return &MemServer{srv: srv, ln: ln}, nil
}

// Addr is the server's 127.0.0.1:port.
func (s *MemServer) Addr() string { return s.ln.Addr().String() }

// Login connects to the server and logs user in.
func (s *MemServer) Login(user, password string) (*imapclient.Client, error) {
	c, err := imapclient.DialInsecure(s.Addr(), nil)
	if err != nil {
		return nil, err
	}
	if err := c.Login(user, password).Wait(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// Look reads back, on a connection of its own, how many messages folder
// holds and the UIDs of those carrying flag: what a test checks a stage
// did (or, dry, did not do).
func (s *MemServer) Look(user, password, folder string, flag imap.Flag) (uint32, []imap.UID, error) {
	c, err := s.Login(user, password)
	if err != nil {
		return 0, nil, err
	}
	defer c.Close()
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return 0, nil, err
	}
	found, err := c.UIDSearch(&imap.SearchCriteria{Flag: []imap.Flag{flag}}, nil).Wait()
	if err != nil {
		return 0, nil, err
	}
	return sel.NumMessages, found.AllUIDs(), nil
}

// Close stops the server.
func (s *MemServer) Close() error { return s.srv.Close() }

type literal struct {
	*bytes.Reader
	size int64
}

func (l *literal) Size() int64 { return l.size }
