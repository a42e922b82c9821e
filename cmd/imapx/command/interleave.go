package command

import (
	"strings"

	"github.com/urfave/cli/v2"
)

// interleave moves a command's flags (each with its value) before its
// positional arguments, so that flags may be written anywhere on the line
// (`imapx fetch SRC --plan P --full`), as git, rsync and imapsync take them:
// urfave/cli v2 stops parsing flags at the first argument. Which flags take
// a value is read from the command's own definitions: a switch (BoolFlag)
// takes none unless written --flag=value, every other flag the next
// argument. `--` ends the flags: what follows stays an argument, so a
// folder named --x is written `-- --x`. An unknown flag is moved too, as a
// switch, so that urfave reports it (with the nearest option); --help
// anywhere shows the command's help. args[0] is the program; the first
// argument that is not a global flag names the command; a line without a
// known command is returned as it is.
func interleave(app *cli.App, args []string) []string {
	i := 1
	for i < len(args) && strings.HasPrefix(args[i], "-") && args[i] != "-" && args[i] != "--" {
		i++ // global flags: --help, --version, both switches
	}
	if i >= len(args) {
		return args
	}
	cmd := app.Command(args[i])
	if cmd == nil {
		return args
	}
	valued := map[string]bool{}
	for _, f := range cmd.Flags {
		takes := takesValue(f)
		for _, n := range f.Names() {
			valued[n] = takes
		}
	}
	out := append([]string{}, args[:i+1]...)
	var pos []string
	rest := args[i+1:]
	for j := 0; j < len(rest); j++ {
		a := rest[j]
		if a == "--" {
			pos = append(pos, rest[j+1:]...)
			if len(pos) > 0 {
				pos = append([]string{"--"}, pos...)
			}
			break
		}
		if a == "-" || !strings.HasPrefix(a, "-") {
			pos = append(pos, a)
			continue
		}
		name, _, inline := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if name == "help" || name == "h" {
			// urfave would read the arguments after --help as a
			// subcommand to show: the command's help it is.
			return append(append([]string{}, args[:i+1]...), "--help")
		}
		out = append(out, a)
		if !inline && valued[name] && j+1 < len(rest) {
			out = append(out, rest[j+1])
			j++
		}
	}
	return append(out, pos...)
}
