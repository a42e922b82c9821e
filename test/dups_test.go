package test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/state"
)

// plantdup [-journal STATEDIR SRCURL DSTURL] USER FOLDER: append to USER's
// FOLDER a second copy of its first message (same flags and date), as a
// killed run's APPEND committed after the next run's inventory leaves it.
// With -journal, also write the entry that run's journal of APPENDs in
// flight would hold for it, in the account pair's journal in STATEDIR.
func cmdPlantDup(ts *testscript.TestScript, neg bool, args []string) {
	var stateDir, srcURL, dstURL string
	if len(args) > 0 && args[0] == "-journal" {
		if len(args) < 4 {
			ts.Fatalf("usage: plantdup [-journal STATEDIR SRCURL DSTURL] USER FOLDER")
		}
		stateDir, srcURL, dstURL, args = args[1], args[2], args[3], args[4:]
	}
	if len(args) != 2 {
		ts.Fatalf("usage: plantdup [-journal STATEDIR SRCURL DSTURL] USER FOLDER")
	}
	user, folder := args[0], args[1]
	msgs, _, err := dovecot(ts).ReadAll(user, users[user])
	if err != nil {
		ts.Fatalf("read %s: %v", user, err)
	}
	var first *struct {
		raw   []byte
		flags []string
		date  string
	}
	for _, m := range msgs {
		if m.Folder == folder {
			first = &struct {
				raw   []byte
				flags []string
				date  string
			}{m.Raw, m.Flags, m.Date}
			break
		}
	}
	if first == nil {
		ts.Fatalf("%s has no message in %s", user, folder)
	}
	c, err := dovecot(ts).Client(user, users[user])
	if err != nil {
		ts.Fatalf("%v", err)
	}
	defer c.Close()
	flags := make([]imap.Flag, len(first.flags))
	for i, f := range first.flags {
		flags[i] = imap.Flag(f)
	}
	cmd := c.Append(folder, int64(len(first.raw)), &imap.AppendOptions{Flags: flags})
	cmd.Write(first.raw)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		ts.Fatalf("append: %v", err)
	}
	if stateDir == "" {
		return
	}
	a1, err1 := session.ParseURL(srcURL)
	a2, err2 := session.ParseURL(dstURL)
	if err1 != nil || err2 != nil {
		ts.Fatalf("urls: %v %v", err1, err2)
	}
	path := strings.TrimSuffix(state.Path(ts.MkAbs(stateDir), a1.String()+" -> "+a2.String()), ".json") + ".journal"
	os.MkdirAll(filepath.Dir(path), 0o700)
	entry, _ := json.Marshal(map[string]any{"op": "+", "id": "killed.1", "folder": folder,
		"ident": identity.Compute(identity.HeaderBlock(first.raw), identity.Options{}), "size": len(first.raw)})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		ts.Fatalf("%v", err)
	}
	f.Write(append(entry, '\n'))
	f.Close()
}

// plantcrcrlf USER N: deliver N messages whose body has bare CRs before
// line ends (\r\r\n, as old Mac mail has) straight into USER's INBOX
// maildir: an IMAP APPEND would have Dovecot normalise them, and the
// point is a source that holds them as they are.
func cmdPlantCRCRLF(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: plantcrcrlf USER N")
	}
	n, err := strconv.Atoi(args[1])
	if err != nil {
		ts.Fatalf("plantcrcrlf: %v", err)
	}
	dir := filepath.Join(dovecot(ts).Dir(), "mail", args[0], "Maildir", "INBOX", "new")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		ts.Fatalf("%v", err)
	}
	os.Chown(dir, 8, 8)
	for i := 0; i < n; i++ {
		raw := fmt.Sprintf("Message-ID: <crcrlf-%d@example.org>\r\nSubject: old Mac mail %d\r\nFrom: a@example.org\r\n\r\n"+
			"Line one.\r\r\nLine two.\r\r\nLine three.\r\n", i, i)
		path := filepath.Join(dir, fmt.Sprintf("17000000%02d.crcrlf%d.host", i, i))
		if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
			ts.Fatalf("%v", err)
		}
		os.Chown(path, 8, 8)
	}
}
