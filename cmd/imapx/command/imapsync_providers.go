package command

import (
	"fmt"
	"io"
	"strconv"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/pipeline"
)

// imapsync's provider presets (--gmail1/2, --office1/2, --exchange1/2),
// Gmail's labels and cross-folder duplicates, and the token command.
func init() {
	for _, n := range []string{"1", "2"} {
		cat := "Host" + n
		registerImapsync(
			imapsyncOption{name: "gmail" + n, status: implemented, says: gmailSays[n],
				flag: &cli.BoolFlag{Name: "gmail" + n, Category: cat, Usage: "host" + n + " is Gmail: imapsync's preset (see README)"}},
			imapsyncOption{name: "office" + n, status: implemented, says: officeSays[n],
				flag: &cli.BoolFlag{Name: "office" + n, Category: cat, Usage: "host" + n + " is Office 365: imapsync's preset (see README)"}},
			imapsyncOption{name: "exchange" + n, status: implemented, says: exchangeSays[n],
				flag: &cli.BoolFlag{Name: "exchange" + n, Category: cat, Usage: "host" + n + " is Exchange: imapsync's preset (see README)"}},
		)
	}
	registerImapsync(
		imapsyncOption{name: "skipcrossduplicates", status: implemented, says: "a message host2 holds in another folder, or that the run copies into a folder before (folder order: --folderfirst/--folderlast), is not copied again",
			flag: &cli.BoolFlag{Name: "skipcrossduplicates", Category: "Gmail", Usage: "copy no message host2 already holds in another folder (Gmail's labels)"}},
		imapsyncOption{name: "noskipcrossduplicates", status: implemented, says: "the default; undoes --gmail1's --skipcrossduplicates",
			flag: &cli.BoolFlag{Name: "noskipcrossduplicates", Category: "Gmail", Usage: "copy cross-folder duplicates (the default; undoes --gmail1's)"}},
		imapsyncOption{name: "debugcrossduplicates", status: implemented, says: "the log file names each cross-duplicate skipped and where host2 holds it (always)",
			flag: &cli.BoolFlag{Name: "debugcrossduplicates", Category: "Gmail", Usage: "accepted: the log file always names each cross-duplicate skipped"}},
		imapsyncOption{name: "synclabels", status: implemented, says: "Gmail labels (X-GM-LABELS, else the folders a message shows in): each message copied once, its other user labels as keywords (--labels-as folders: a copy per label folder, All Mail keeping the unlabelled); to a Gmail host2, set by STORE X-GM-LABELS",
			flag: &cli.BoolFlag{Name: "synclabels", Category: "Gmail", Usage: "sync Gmail labels: one copy per message, other labels as keywords (--labels-as) or, to Gmail, as labels"}},
		imapsyncOption{name: "resynclabels", status: implemented, says: "with --synclabels, labels of messages already on host2 are synced too (as keywords they are flags, resynced as flags are)",
			flag: &cli.BoolFlag{Name: "resynclabels", Category: "Gmail", Usage: "with --synclabels, also for messages already on host2 (the default)"}},
		imapsyncOption{name: "nosynclabels", status: implemented, says: "the default; undoes --gmail1/--gmail2's --synclabels",
			flag: &cli.BoolFlag{Name: "nosynclabels", Category: "Gmail", Usage: "do not sync labels (the default)"}},
		imapsyncOption{name: "noresynclabels", status: implemented, says: "labels are flags once copied: --noresyncflags leaves them",
			flag: &cli.BoolFlag{Name: "noresynclabels", Category: "Gmail", Usage: "accepted: labels as keywords follow --noresyncflags"}},
		imapsyncOption{name: "maxlinelength", status: implemented, says: "a message with a longer line is not copied (counted as not selected, named in the log file); Exchange refuses lines over 9,900 characters",
			flag: &cli.IntFlag{Name: "maxlinelength", Category: "Messages", Usage: "do not copy a message with a line longer than `N` bytes (Exchange: 9900)"}},
		imapsyncOption{name: "maxsleep", status: implemented, says: "caps each pause of --maxbytespersecond/--maxmessagespersecond at that many seconds (imapx's default: no cap; --gmail1/2 set 2 as imapsync)",
			flag: &cli.Float64Flag{Name: "maxsleep", Category: "Throttling", Usage: "pause at most `SECONDS` for the rate limits (imapsync's default 2 with --gmail1/2)"}},
	)
}

var gmailSays = map[string]string{
	"1": "--host1 imap.gmail.com --ssl1 --maxbytespersecond 40000 --maxbytesafter 3000000000 --automap --maxsleep 2 --skipcrossduplicates --useheader X-Gmail-Received --useheader Message-Id --regextrans2 's,\\[Gmail\\].,,' --folderlast '[Gmail]/All Mail', each unless given",
	"2": "--host2 imap.gmail.com --ssl2 --maxbytespersecond 20000 --maxbytesafter 1000000000 --automap --expunge1 --addheader --maxsleep 2 --exclude '\\[Gmail\\]$' --useheader Message-Id, regextrans2 of [Gmail]., blanks and quotes, --folderlast '[Gmail]/All Mail'; a message in several folders is appended once and labelled (STORE X-GM-LABELS)",
}

var officeSays = map[string]string{
	"1": "--host1 outlook.office365.com --ssl1 --exclude '^Files$'",
	"2": "--host2 outlook.office365.com --ssl2 --maxsize 45000000 --maxmessagespersecond 4 --disarmreadreceipts --wraplines 10239 (imapsync's --regexmess 's,(.{10239}),$1\\r\\n,g') --f1f2 Files=Files_renamed_by_imapsync; --nodisarmreadreceipts, --noregexmess, --nof1f2 undo them",
}

var exchangeSays = map[string]string{
	"1": "nothing, as imapsync (prints that)",
	"2": "--maxsize 10000000 --maxmessagespersecond 4 --disarmreadreceipts --regexflag 's/\\\\Flagged//g' --wraplines 10239 (imapsync's --regexmess 's,(.{10239}),$1\\r\\n,g'); --nodisarmreadreceipts, --noregexflag, --noregexmess undo them",
}

// preset is one option a provider preset sets unless the command line
// gave it (or its negation).
type preset struct {
	name, value string
	unless      []string
}

func gmailPresets(n string) []preset {
	if n == "1" {
		return []preset{
			{name: "maxbytespersecond", value: "40000"}, {name: "maxbytesafter", value: "3000000000"},
			{name: "automap", value: "true", unless: []string{"noautomap"}}, {name: "maxsleep", value: "2"},
			{name: "skipcrossduplicates", value: "true", unless: []string{"noskipcrossduplicates"}},
			{name: "useheader", value: "X-Gmail-Received"}, {name: "useheader", value: "Message-Id"},
			{name: "regextrans2", value: `s,\[Gmail\].,,`}, {name: "folderlast", value: "[Gmail]/All Mail"},
		}
	}
	return []preset{
		{name: "maxbytespersecond", value: "20000"}, {name: "maxbytesafter", value: "1000000000"},
		{name: "automap", value: "true", unless: []string{"noautomap"}}, {name: "expunge1", value: "true", unless: []string{"noexpunge1"}},
		{name: "addheader", value: "true", unless: []string{"noaddheader"}}, {name: "maxsleep", value: "2"}, {name: "exclude", value: `\[Gmail\]$`}, {name: "useheader", value: "Message-Id"},
		{name: "regextrans2", value: `s,\[Gmail\].,,`}, {name: "regextrans2", value: `s,^ +| +$,,g`},
		{name: "regextrans2", value: `s,/ +| +/,/,g`}, {name: "regextrans2", value: `s/['\\^"]/_/g`},
		{name: "folderlast", value: "[Gmail]/All Mail"},
	}
}

func officePresets(n string) []preset {
	if n == "1" {
		return []preset{{name: "exclude", value: "^Files$"}}
	}
	return []preset{
		{name: "maxsize", value: "45000000"}, {name: "maxmessagespersecond", value: "4"},
		{name: "disarmreadreceipts", value: "true", unless: []string{"nodisarmreadreceipts"}},
		{name: "wraplines", value: exchangeWrap, unless: []string{"noregexmess"}},
		{name: "f1f2", value: "Files=Files_renamed_by_imapsync", unless: []string{"nof1f2"}},
	}
}

// exchangeWrap is imapsync's line wrapping for Exchange and Office 365,
// its --regexmess 's,(.{10239}),$1\r\n,g', done by --wraplines.
const exchangeWrap = "10239"

func exchangePresets(n string) []preset {
	if n == "1" {
		return nil
	}
	return []preset{
		{name: "maxsize", value: "10000000"}, {name: "maxmessagespersecond", value: "4"},
		{name: "disarmreadreceipts", value: "true", unless: []string{"nodisarmreadreceipts"}},
		{name: "regexflag", value: `s/\\Flagged//g`, unless: []string{"noregexflag"}},
		{name: "wraplines", value: exchangeWrap, unless: []string{"noregexmess"}},
	}
}

// presetLists are the repeatable options a preset adds to, as imapsync
// pushes onto its lists, whatever the command line gave.
var presetLists = map[string]bool{"useheader": true, "regextrans2": true, "folderlast": true, "exclude": true, "f1f2": true, "regexflag": true}

// applyPresets sets what --gmailN, --officeN and --exchangeN imply, as
// imapsync does: an option the command line gave keeps its value, a list
// option gets the preset's values added (once), and each preset says
// what it set on w.
func applyPresets(c *cli.Context, w io.Writer) error {
	given := map[string]bool{}
	for _, name := range c.FlagNames() {
		if c.IsSet(name) {
			given[name] = true
		}
	}
	for _, n := range []string{"1", "2"} {
		for _, p := range []struct {
			flag string
			list []preset
		}{{"gmail" + n, gmailPresets(n)}, {"office" + n, officePresets(n)}, {"exchange" + n, exchangePresets(n)}} {
			if !c.Bool(p.flag) {
				continue
			}
			set := ""
		next:
			for _, o := range p.list {
				if presetLists[o.name] {
					for _, v := range c.StringSlice(o.name) {
						if v == o.value {
							continue next
						}
					}
				} else if given[o.name] {
					continue
				}
				for _, u := range o.unless {
					if c.Bool(u) {
						continue next
					}
				}
				if err := c.Set(o.name, o.value); err != nil {
					return fmt.Errorf("--%s: setting --%s %s: %w", p.flag, o.name, o.value, err)
				}
				if o.value == "true" {
					set += " --" + o.name
				} else {
					set += " --" + o.name + " " + strconv.Quote(o.value)
				}
			}
			if set == "" {
				set = " nothing more"
			}
			fmt.Fprintf(w, "imapx: --%s sets%s\n", p.flag, set)
		}
	}
	return nil
}

// presetHost is the server --gmailN or --officeN names ("" without them).
func (g accountFlags) presetHost(c *cli.Context) string {
	switch {
	case c.Bool("gmail" + g.n):
		return "imap.gmail.com"
	case c.Bool("office" + g.n):
		return "outlook.office365.com"
	}
	return ""
}

// providerFlags are sync's own options of this area (not imapsync's).
func providerFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "labels-as", Category: "Gmail", Value: "keywords", Usage: "with --synclabels to a server other than Gmail, a message's other labels become `keywords` on its one copy, or `folders`: a copy in each label's folder (All Mail keeping the unlabelled)"},
		&cli.BoolFlag{Name: "noaddheader", Category: "Provider presets", Usage: "undo --gmail2's --addheader"},
		&cli.BoolFlag{Name: "nodisarmreadreceipts", Category: "Provider presets", Usage: "undo --office2/--exchange2's --disarmreadreceipts"},
		&cli.BoolFlag{Name: "noregexflag", Category: "Provider presets", Usage: "undo --exchange2's --regexflag 's/\\\\Flagged//g' (keep \\Flagged)"},
		&cli.BoolFlag{Name: "noregexmess", Category: "Provider presets", Usage: "undo --office2/--exchange2's line wrapping (--wraplines 10239)"},
		&cli.BoolFlag{Name: "nof1f2", Category: "Provider presets", Usage: "undo --office2's --f1f2 Files=Files_renamed_by_imapsync"},
		&cli.StringFlag{Name: "oauthtokencmd1", Category: "Host1", Usage: "run shell `CMD` at every connection to host1 for an OAuth2 access token (its first line of output); XOAUTH2 unless --authmech1"},
		&cli.StringFlag{Name: "oauthtokencmd2", Category: "Host2", Usage: "run shell `CMD` at every connection to host2 for an OAuth2 access token (its first line of output); XOAUTH2 unless --authmech2"},
	}
}

// providerOptions sets the pipeline's options of this area.
func providerOptions(c *cli.Context, o *pipeline.Options) error {
	o.SkipCrossDuplicates = c.Bool("skipcrossduplicates") && !c.Bool("noskipcrossduplicates")
	o.SyncLabels = c.Bool("synclabels") && !c.Bool("nosynclabels")
	switch c.String("labels-as") {
	case "keywords":
	case "folders":
		o.LabelsAsFolders = true
	default:
		return usagef(c, "--labels-as takes keywords or folders, not %q", c.String("labels-as"))
	}
	o.LabelsOnHost2 = (c.Bool("gmail2") || o.SyncLabels) && !c.Bool("nosynclabels")
	if o.MaxLineLength = c.Int("maxlinelength"); o.MaxLineLength < 0 {
		return usagef(c, "--maxlinelength takes a positive number of bytes")
	}
	return nil
}
