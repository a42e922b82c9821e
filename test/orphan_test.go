package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imapx/imapx/internal/identity"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/state"
)

// plantorphan STATEDIR SRCURL DSTURL SRCUSER DSTUSER FOLDER USEHEADER
// REGEX REPLACEMENT [REGEX REPLACEMENT…]: leave what a killed run's
// unanswered APPEND of a rewritten message leaves when the server stores
// it late (after the next run copied that message again): SRCUSER's first
// message of FOLDER, each REGEX replaced in turn (Go syntax, as the
// rewrite did), appended to DSTUSER's FOLDER with its flags and date and
// no link, and the entry the killed run's journal holds for it (its
// source's identity and the identity and size of the bytes sent, under
// --useheader USEHEADER, "-" for the default).
func cmdPlantOrphan(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 9 || len(args)%2 == 0 {
		ts.Fatalf("usage: plantorphan STATEDIR SRCURL DSTURL SRCUSER DSTUSER FOLDER USEHEADER REGEX REPLACEMENT [REGEX REPLACEMENT…]")
	}
	stateDir, srcURL, dstURL, srcUser, dstUser, folder := args[0], args[1], args[2], args[3], args[4], args[5]
	var o identity.Options
	if args[6] != "-" {
		o.Headers = []string{args[6]}
	}
	msgs, _, err := dovecot(ts).ReadAll(srcUser, users[srcUser])
	ts.Check(err)
	var src []byte
	var flags []imap.Flag
	var date time.Time
	for _, m := range msgs {
		if m.Folder == folder {
			src = m.Raw
			for _, f := range m.Flags {
				flags = append(flags, imap.Flag(f))
			}
			date, _ = time.Parse(time.RFC3339, m.Date)
			break
		}
	}
	if src == nil {
		ts.Fatalf("%s has no message in %s", srcUser, folder)
	}
	sent := src
	for i := 7; i < len(args); i += 2 {
		re, err := regexp.Compile(args[i])
		ts.Check(err)
		sent = re.ReplaceAll(sent, []byte(args[i+1]))
	}
	c, err := dovecot(ts).Client(dstUser, users[dstUser])
	ts.Check(err)
	defer c.Close()
	cmd := c.Append(folder, int64(len(sent)), &imap.AppendOptions{Flags: flags, Time: date})
	cmd.Write(sent)
	cmd.Close()
	if _, err := cmd.Wait(); err != nil {
		ts.Fatalf("append: %v", err)
	}
	a1, err1 := session.ParseURL(srcURL)
	a2, err2 := session.ParseURL(dstURL)
	if err1 != nil || err2 != nil {
		ts.Fatalf("urls: %v %v", err1, err2)
	}
	path := strings.TrimSuffix(state.Path(ts.MkAbs(stateDir), a1.String()+" -> "+a2.String()), ".json") + ".journal"
	os.MkdirAll(filepath.Dir(path), 0o700)
	entry, _ := json.Marshal(map[string]any{"op": "+", "id": "killed.orphan", "folder": folder,
		"ident": identity.Compute(identity.HeaderBlock(src), o), "sent": identity.Compute(identity.HeaderBlock(sent), o),
		"size": len(sent), "t": time.Now().Unix()})
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	ts.Check(err)
	f.Write(append(entry, '\n'))
	f.Close()
}
