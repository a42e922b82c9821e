package command

import (
	"os"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/imapx/imapx/internal/imaptest"
	"github.com/imapx/imapx/internal/scriptcmd"
)

// TestMain makes the test binary imapx for the scripts of testdata/:
// `exec imapx …` runs Run in a child process of this binary.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"imapx": func() { os.Exit(Run()) },
	})
}

// memUsers are the accounts of every script's in-process server: user1
// holds the sample mail, user2 starts empty.
var memUsers = map[string]string{"user1": "mem-one", "user2": "mem-two"}

// startMem starts an in-process server with memUsers.
func startMem(now time.Time) (*imaptest.MemServer, error) {
	return imaptest.StartMem([]imaptest.MemUser{
		{Name: "user1", Password: memUsers["user1"], Messages: imaptest.SampleMail(now)},
		{Name: "user2", Password: memUsers["user2"]},
	})
}

// TestScripts runs the scripts that need no real server: each gets an
// in-process IMAP server ($MEM, users user1 and user2 with passwords
// $PW_USER1 and $PW_USER2), so they run wherever go test runs.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata",
		RequireExplicitExec: true,
		Setup: func(env *testscript.Env) error {
			srv, err := startMem(time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC))
			if err != nil {
				return err
			}
			env.Defer(func() { srv.Close() })
			env.Setenv("MEM", srv.Addr())
			env.Setenv("PW_USER1", memUsers["user1"])
			env.Setenv("PW_USER2", memUsers["user2"])
			env.Setenv("HOME", env.WorkDir+"/.home")
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"exitcode": scriptcmd.ExitCode,
		},
	})
}
