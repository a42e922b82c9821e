package command

import (
	"bytes"
	"strings"
	"testing"

	"github.com/urfave/cli/v2"
)

// The presets set what imapsync's sub gmail2/office2/exchange2 set (its
// rewriting too), say so on stderr, and their --no… options undo it.
func TestPresetRewriting(t *testing.T) {
	type got struct {
		line              string
		disarm, addheader bool
		wrap              int
		regexflag, f1f2   []string
	}
	run := func(args ...string) got {
		t.Helper()
		var g got
		app := &cli.App{Flags: syncFlagList(), Action: func(c *cli.Context) error {
			var w bytes.Buffer
			if err := applyPresets(c, &w); err != nil {
				return err
			}
			g = got{strings.TrimSpace(w.String()), c.Bool("disarmreadreceipts"), c.Bool("addheader"),
				c.Int("wraplines"), c.StringSlice("regexflag"), c.StringSlice("f1f2")}
			return nil
		}}
		if err := app.Run(append([]string{"imapx"}, args...)); err != nil {
			t.Fatal(err)
		}
		return g
	}
	g := run("--exchange2")
	if g.line != `imapx: --exchange2 sets --maxsize "10000000" --maxmessagespersecond "4" --disarmreadreceipts --regexflag "s/\\\\Flagged//g" --wraplines "10239"` ||
		!g.disarm || g.wrap != 10239 || strings.Join(g.regexflag, "|") != `s/\\Flagged//g` {
		t.Errorf("--exchange2: %+v", g)
	}
	g = run("--exchange2", "--nodisarmreadreceipts", "--noregexflag", "--noregexmess", "--regexflag", `s/\$Junk//`)
	if g.line != `imapx: --exchange2 sets --maxsize "10000000" --maxmessagespersecond "4"` || g.disarm || g.wrap != 0 ||
		strings.Join(g.regexflag, "|") != `s/\$Junk//` {
		t.Errorf("--exchange2 undone: %+v", g)
	}
	// A --regexflag of the command line runs first, the preset's after, as
	// imapsync pushes onto its list.
	if g = run("--exchange2", "--regexflag", `s/\$Junk//`); strings.Join(g.regexflag, "|") != `s/\$Junk//|s/\\Flagged//g` {
		t.Errorf("--exchange2 with --regexflag: %+v", g)
	}
	g = run("--office2", "--wraplines", "9900")
	if !strings.Contains(g.line, `--maxmessagespersecond "4" --disarmreadreceipts --f1f2 "Files=Files_renamed_by_imapsync"`) ||
		!g.disarm || g.wrap != 9900 || len(g.regexflag) != 0 {
		t.Errorf("--office2 --wraplines 9900: %+v", g)
	}
	if g = run("--office2", "--nof1f2", "--noregexmess"); strings.Contains(g.line, "f1f2") || len(g.f1f2) != 0 || g.wrap != 0 {
		t.Errorf("--office2 --nof1f2 --noregexmess: %+v", g)
	}
	if g = run("--gmail2"); !strings.Contains(g.line, " --expunge1 --addheader --maxsleep") || !g.addheader {
		t.Errorf("--gmail2: %+v", g)
	}
	if g = run("--gmail2", "--noaddheader"); strings.Contains(g.line, "addheader") || g.addheader {
		t.Errorf("--gmail2 --noaddheader: %+v", g)
	}
	if g = run("--exchange1", "--office1", "--gmail1"); g.disarm || g.wrap != 0 || g.addheader || len(g.regexflag) != 0 {
		t.Errorf("host1 presets rewrite nothing: %+v", g)
	}
}
