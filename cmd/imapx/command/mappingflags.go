package command

import (
	"regexp"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/subst"
)

// mappingFlags are imapsync's folder mapping options, shared by diff and
// sync (so an audit sees the names a sync writes).
type mappingFlags struct{}

const mappingCat = "Folder mapping"

func (g mappingFlags) flags() []cli.Flag {
	const cat = mappingCat
	return append([]cli.Flag{
		&cli.BoolFlag{Name: "automap", Category: cat, Usage: "map special folders (Sent, Trash, Drafts, Junk, Archive…) by RFC 6154 attributes, then by well-known localized names"},
		&cli.BoolFlag{Name: "noautomap", Category: cat, Usage: "do not automap (the default)"},
		&cli.BoolFlag{Name: "nomixfolders", Category: cat, Usage: "of source folders whose destination names differ only in case, sync the first only"},
		&cli.StringSliceFlag{Name: "folderfirst", Category: cat, Usage: "sync source `FOLDER` first (repeatable, in order)"},
		&cli.StringSliceFlag{Name: "folderlast", Category: cat, Usage: "sync source `FOLDER` last (repeatable, in order)"},
		&cli.BoolFlag{Name: "subscribe", Category: cat, Value: true, Usage: "subscribe the folders created that are subscribed on the source (default)"},
		&cli.BoolFlag{Name: "nosubscribe", Category: cat, Usage: "subscribe no folder created"},
		&cli.BoolFlag{Name: "subscribeall", Category: cat, Usage: "subscribe every folder created"},
		&cli.StringFlag{Name: "delete2foldersonly", Category: cat, Usage: "delete only destination folders matching `REGEX` (implies --delete2folders)"},
		&cli.StringFlag{Name: "delete2foldersbutnot", Category: cat, Usage: "do not delete destination folders matching `REGEX` (implies --delete2folders)"},
	}, g.nameFlags()...)
}

// nameFlags are the options that rename folders (push takes them too).
func (mappingFlags) nameFlags() []cli.Flag {
	const cat = mappingCat
	return []cli.Flag{
		&cli.StringSliceFlag{Name: "regextrans2", Category: cat, Usage: "rename destination folders with a Perl-style `s/RE/REPL/FLAGS` (RE2 syntax; $1 or \\1; flags i g s m), applied after the prefix and delimiter mapping; repeatable, in order"},
		&cli.StringFlag{Name: "subfolder1", Category: cat, Usage: "sync the source hierarchy under `FOLDER` to the destination's root"},
		&cli.StringFlag{Name: "subfolder2", Category: cat, Usage: "sync the whole source hierarchy under the destination `FOLDER`"},
		&cli.StringFlag{Name: "prefix1", Category: cat, Usage: "the source's personal namespace `PREFIX` (overrides NAMESPACE; \"\" for none)"},
		&cli.StringFlag{Name: "prefix2", Category: cat, Usage: "the destination's personal namespace `PREFIX` (overrides NAMESPACE; \"\" for none)"},
		&cli.StringFlag{Name: "sep1", Category: cat, Usage: "the source's hierarchy delimiter `SEP` (overrides NAMESPACE/LIST)"},
		&cli.StringFlag{Name: "sep2", Category: cat, Usage: "the destination's hierarchy delimiter `SEP` (overrides NAMESPACE/LIST)"},
	}
}

// apply sets the mapping options on a diff's; a bad --regextrans2 or
// folder regex is a usage error naming it.
func (g mappingFlags) apply(c *cli.Context, o *diff.Options) error {
	var err error
	if o.Mapping, err = g.mapping(c); err != nil {
		return err
	}
	o.Mapping.Automap = c.Bool("automap") && !c.Bool("noautomap")
	o.NoMixFolders = c.Bool("nomixfolders")
	o.FolderFirst, o.FolderLast = c.StringSlice("folderfirst"), c.StringSlice("folderlast")
	o.SubscribeAll = c.Bool("subscribeall")
	o.NoSubscribe = c.Bool("nosubscribe") || !c.Bool("subscribe")
	for _, r := range []struct {
		name string
		to   **regexp.Regexp
	}{{"delete2foldersonly", &o.Delete2FoldersOnly}, {"delete2foldersbutnot", &o.Delete2FoldersButNot}} {
		if !c.IsSet(r.name) {
			continue
		}
		re, err := folderRegex(c.String(r.name))
		if err != nil {
			return usagef(c, "--%s: %v", r.name, err)
		}
		*r.to, o.Delete2Folders = re, true
	}
	return nil
}

// mapping is the renaming options (nameFlags).
func (mappingFlags) mapping(c *cli.Context) (folders.Mapping, error) {
	var m folders.Mapping
	for _, s := range c.StringSlice("regextrans2") {
		rt, err := subst.Parse(s)
		if err != nil {
			return m, usagef(c, "--regextrans2 %v", err)
		}
		m.Regextrans2 = append(m.Regextrans2, rt)
	}
	m.Subfolder1, m.Subfolder2 = c.String("subfolder1"), c.String("subfolder2")
	m.Sep1, m.Sep2 = c.String("sep1"), c.String("sep2")
	for _, p := range []struct {
		name string
		to   **string
	}{{"prefix1", &m.Prefix1}, {"prefix2", &m.Prefix2}} {
		if c.IsSet(p.name) {
			v := c.String(p.name)
			*p.to = &v
		}
	}
	return m, nil
}

// folderRegex compiles an imapsync folder regex, which is often written
// Perl-style between slashes ("/^Junk$|^INBOX.Junk$/", "m/…/i").
func folderRegex(s string) (*regexp.Regexp, error) {
	body, flags := s, ""
	if strings.HasPrefix(body, "m/") {
		body = body[1:]
	}
	if len(body) >= 2 && body[0] == '/' {
		if i := strings.LastIndexByte(body, '/'); i > 0 {
			body, flags = body[1:i], body[i+1:]
		}
	}
	if strings.Contains(flags, "i") {
		body = "(?i)" + body
	}
	return regexp.Compile(body)
}
