package command

import (
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/record"
)

// listMappingFlags are the folder mapping options list takes to say where
// sync would copy each folder.
func listMappingFlags() []cli.Flag {
	return append([]cli.Flag{
		&cli.StringSliceFlag{Name: "f1f2", Category: mappingCat, Usage: "map source folder to destination folder, `SRC=DST` (repeatable, full names)"},
		&cli.BoolFlag{Name: "automap", Category: mappingCat, Usage: "map special folders by RFC 6154 attributes, then by well-known localized names (needs DST)"},
	}, mappingFlags{}.nameFlags()...)
}

// listDstNames is list's "dst_name": the source folders mapped to DST's
// listing (args[1]) as sync maps them, or, without DST but with mapping
// options, within the account's own naming; nil when neither.
func (s *streams) listDstNames(c *cli.Context, args []string) (func([]record.Folder) (map[string]string, error), error) {
	m, err := mappingFlags{}.mapping(c)
	if err != nil {
		return nil, err
	}
	f, err := f1f2(c)
	if err != nil {
		return nil, err
	}
	o := diff.Options{F1F2: f, Mapping: m}
	o.Mapping.Automap = c.Bool("automap")
	mapping := len(args) == 2 || o.Mapping.Automap || len(f) > 0 || len(m.Regextrans2) > 0 ||
		m.Subfolder1 != "" || m.Subfolder2 != "" || m.Prefix1 != nil || m.Prefix2 != nil || m.Sep1 != "" || m.Sep2 != ""
	if !mapping {
		return nil, nil
	}
	if o.Mapping.Automap && len(args) < 2 {
		return nil, usagef(c, "--automap needs the destination account: imapx list --automap SRC DST")
	}
	return func(src []record.Folder) (map[string]string, error) {
		dst := src
		if len(args) == 2 {
			a, err := host2.account(s, c, args[1])
			if err != nil {
				return nil, err
			}
			conn, err := dial(c.Context, a, 2)
			if err != nil {
				return nil, err
			}
			defer logout(conn)
			if dst, err = folders.List(c.Context, conn.Client, folders.Options{}); err != nil {
				return nil, err
			}
		}
		return diff.MapFolders(src, dst, o), nil
	}, nil
}
