package main

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
)

// imapAccount is one side of a sync as mbsync (and imapx) reach it.
type imapAccount struct {
	addr, user, pass string
}

// writeMbsyncrc writes a config that pulls every folder of far into near:
// plain IMAP with LOGIN, pipelined, arrival (internal) dates copied,
// folders created on the near side, nothing ever deleted or expunged, the
// sync state in stateDir. (mbsync(1) says wildcards do not match INBOX,
// but against Dovecot `Patterns *` does copy it: the run counts INBOX.)
// mbsync warns "Password is being sent in the clear" on stderr: expected.
func writeMbsyncrc(path string, far, near imapAccount, stateDir string) error {
	var b strings.Builder
	for _, side := range []struct {
		name string
		a    imapAccount
	}{{"src", far}, {"dst", near}} {
		host, port, err := net.SplitHostPort(side.a.addr)
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "IMAPAccount %s\nHost %s\nPort %s\nUser %s\nPass %q\nSSLType None\nAuthMechs LOGIN\nPipelineDepth 50\n\n",
			side.name, host, port, side.a.user, side.a.pass)
		fmt.Fprintf(&b, "IMAPStore %s\nAccount %s\n\n", side.name, side.name)
	}
	fmt.Fprintf(&b, "Channel vs\nFar :src:\nNear :dst:\nPatterns *\nCreate Near\nSync Pull\nExpunge None\nRemove None\nCopyArrivalDate yes\nSyncState %s/\n",
		stateDir)
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(path, []byte(b.String()), 0o600)
}

// mbsyncRun is the config and state of one mbsync destination.
type mbsyncRun struct {
	rc, state string
}

func newMbsyncRun(dir string, far, near imapAccount) (mbsyncRun, error) {
	r := mbsyncRun{rc: filepath.Join(dir, "mbsyncrc"), state: filepath.Join(dir, "state")}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return r, err
	}
	return r, writeMbsyncrc(r.rc, far, near, r.state)
}
