package command

import (
	"fmt"
	"io"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/diff"
	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/folders"
	"github.com/imapx/imapx/internal/selection"
	"github.com/imapx/imapx/internal/session"
)

// folderSize is one folder's count, bytes and biggest message.
type folderSize struct {
	name           string
	exists         bool
	messages       int
	bytes, biggest int64
}

// justFolderSizes prints imapsync's --justfoldersizes: the selected host1
// folders and the host2 folders they map to, each with messages and bytes,
// then the totals in imapsync's Host1 / Host2 / Host2-Host1 columns (bytes)
// and the biggest message of each side.
func (s *streams) justFolderSizes(c *cli.Context, a1, a2 *session.Account) error {
	ctx := c.Context
	sel, err := selection.New(selectionFlags{}.options(c))
	if err != nil {
		return exitcode.New(exitcode.Usage, err)
	}
	// The folder mapping options, as sync maps.
	d, err := diffFlags{}.options(c)
	if err != nil {
		return err
	}
	c1, err := dial(ctx, a1, 1)
	if err != nil {
		return err
	}
	defer logout(c1)
	c2, err := dial(ctx, a2, 2)
	if err != nil {
		return err
	}
	defer logout(c2)
	src, err := folders.List(ctx, c1.Client, folders.Options{Selector: sel})
	if err != nil {
		return exitcode.ForHost(err, 1)
	}
	dst, err := folders.List(ctx, c2.Client, folders.Options{})
	if err != nil {
		return exitcode.ForHost(err, 2)
	}
	mapped := diff.MapFolders(src, dst, d)
	onDst := map[string]bool{}
	for i := range dst {
		if folders.Selectable(&dst[i]) {
			onDst[dst[i].Name] = true
		}
	}
	var rows [][2]folderSize
	for i := range src {
		if !folders.Selectable(&src[i]) {
			continue
		}
		h1, err := measure(c1.Client, src[i].Name)
		if err != nil {
			return exitcode.ForHost(err, 1)
		}
		h2 := folderSize{name: mapped[src[i].Name]}
		if onDst[h2.name] {
			if h2, err = measure(c2.Client, h2.name); err != nil {
				return exitcode.ForHost(err, 2)
			}
		}
		rows = append(rows, [2]folderSize{h1, h2})
	}
	printFolderSizes(s.stdout, rows)
	return nil
}

// measure reads a folder's RFC822.SIZEs: one EXAMINE and one UID FETCH.
func measure(c *imapclient.Client, name string) (folderSize, error) {
	fs := folderSize{name: name, exists: true}
	sel, err := c.Select(name, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		return fs, exitcode.New(exitcode.Select, fmt.Errorf("EXAMINE %q: %w", name, err))
	}
	if sel.NumMessages == 0 {
		return fs, nil
	}
	msgs, err := c.Fetch(imap.UIDSet{imap.UIDRange{Start: 1, Stop: 0}}, &imap.FetchOptions{UID: true, RFC822Size: true}).Collect()
	if err != nil {
		return fs, exitcode.New(exitcode.Fetch, fmt.Errorf("UID FETCH sizes in %q: %w", name, err))
	}
	for _, m := range msgs {
		fs.messages++
		fs.bytes += m.RFC822Size
		fs.biggest = max(fs.biggest, m.RFC822Size)
	}
	return fs, nil
}

func printFolderSizes(w io.Writer, rows [][2]folderSize) {
	var tot [2]folderSize
	var folders [2]int
	for _, r := range rows {
		for i, f := range r {
			if f.exists {
				folders[i]++
			}
			tot[i].messages += f.messages
			tot[i].bytes += f.bytes
			tot[i].biggest = max(tot[i].biggest, f.biggest)
		}
	}
	for i, label := range []string{"Host1", "Host2"} {
		for _, r := range rows {
			f := r[i]
			if !f.exists {
				fmt.Fprintf(w, "%s folder %-30q does not exist\n", label, f.name)
				continue
			}
			fmt.Fprintf(w, "%s folder %-30q Size: %12d Messages: %7d Biggest: %10d\n", label, f.name, f.bytes, f.messages, f.biggest)
		}
	}
	fmt.Fprintf(w, "\n%-17s %14s %14s %14s\n", "", "Host1", "Host2", "Host2-Host1")
	line := func(what string, a, b int64) {
		fmt.Fprintf(w, "%-17s %14d %14d %14d\n", what, a, b, b-a)
	}
	line("Nb folders:", int64(folders[0]), int64(folders[1]))
	line("Nb messages:", int64(tot[0].messages), int64(tot[1].messages))
	line("Total size:", tot[0].bytes, tot[1].bytes)
	fmt.Fprintf(w, "%-17s %14d %14d\n", "Biggest message:", tot[0].biggest, tot[1].biggest)
	fmt.Fprintln(w, "(sizes in bytes)")
}
