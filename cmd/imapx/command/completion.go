package command

import (
	"fmt"
	"io"
	"strings"

	"github.com/urfave/cli/v2"

	"github.com/imapx/imapx/internal/exitcode"
)

// The shell completions and the man page are written from the commands'
// own definitions (names, flags, usage), so they cannot drift from --help.
// Hidden flags (imapsync's moot options) are left out, as in --help.

func (s *streams) completionCommand() *cli.Command {
	return &cli.Command{
		Name:      "completion",
		Usage:     "print a shell completion script (bash, zsh or fish)",
		ArgsUsage: "bash|zsh|fish",
		Description: `Prints the completion script of the shell named: commands, and each command's
options (values and arguments complete as file names).

   EXAMPLES:
      imapx completion bash > ~/.bash_completion    # bash-completion loads it; or: source <(imapx completion bash)
      imapx completion zsh > _imapx                 # then put _imapx in a directory of $fpath
      imapx completion fish > imapx.fish            # then put it in ~/.config/fish/completions/`,
		Action: func(c *cli.Context) error {
			args, err := positional(c, 1, 1, "SHELL (bash, zsh or fish)")
			if err != nil {
				return err
			}
			cmds := visibleCommands(c.App)
			switch args[0] {
			case "bash":
				return writeBash(s.stdout, cmds)
			case "zsh":
				return writeZsh(s.stdout, cmds)
			case "fish":
				return writeFish(s.stdout, cmds)
			}
			return usagef(c, "shell %q: want bash, zsh or fish", args[0])
		},
	}
}

func (s *streams) manCommand() *cli.Command {
	return &cli.Command{
		Name:  "man",
		Usage: "print the man page (roff), made from the same definitions as --help",
		Description: `EXAMPLES:
      imapx man > imapx.1                           # then: man -l imapx.1
      imapx man | gzip > imapx.1.gz                 # for a man directory, e.g. /usr/local/share/man/man1`,
		Action: func(c *cli.Context) error {
			if _, err := positional(c, 0, 0, ""); err != nil {
				return err
			}
			app := *c.App
			app.Description = manText(app.Description)
			app.Commands = visibleCommands(c.App)
			for _, cmd := range app.Commands {
				// urfave's page has no command descriptions: they go,
				// as --help shows them, in the usage block.
				cmd.UsageText = "imapx " + cmd.Name + " [OPTIONS] " + cmd.ArgsUsage + "\n\n" + cmd.Description
			}
			page, err := app.ToManWithSection(1)
			if err != nil {
				return exitcode.New(exitcode.Internal, fmt.Errorf("man page: %w", err))
			}
			_, err = io.WriteString(s.stdout, roffASCII(page))
			return err
		},
	}
}

// manText makes a help text Markdown for urfave's man page (which goes
// through Markdown): indented lines (examples, tables) are kept as they are
// in a code block, the prose is escaped.
func manText(text string) string {
	var b strings.Builder
	inCode := false
	esc := strings.NewReplacer(`\`, `\\`, "[", `\[`, "]", `\]`, "*", `\*`, "_", `\_`, "<", `\<`, "`", "\\`")
	for _, line := range strings.Split(text, "\n") {
		code := strings.HasPrefix(line, " ")
		switch {
		case code && !inCode:
			b.WriteString("\n")
		case !code && inCode && line != "":
			b.WriteString("\n")
		}
		inCode = code || inCode && line == ""
		if code {
			b.WriteString("    " + line + "\n")
		} else {
			b.WriteString(esc.Replace(line) + "\n")
		}
	}
	return b.String()
}

// roffASCII writes each non-ASCII character as roff's \[uXXXX], which
// every roff reads whatever its input encoding.
func roffASCII(page string) string {
	var b strings.Builder
	for _, r := range page {
		if r < 0x80 {
			b.WriteRune(r)
		} else {
			fmt.Fprintf(&b, `\[u%04X]`, r)
		}
	}
	return b.String()
}

// visibleCommands are app's commands, each with only its visible flags.
func visibleCommands(app *cli.App) []*cli.Command {
	var out []*cli.Command
	for _, cmd := range app.Commands {
		if cmd.Hidden {
			continue
		}
		c := *cmd
		c.Flags = nil
		for _, f := range cmd.Flags {
			if v, ok := f.(cli.VisibleFlag); ok && !v.IsVisible() {
				continue
			}
			c.Flags = append(c.Flags, f)
		}
		out = append(out, &c)
	}
	return out
}

// flagWords are a command's flags as written (--name, -o), and those of
// them that take a value.
func flagWords(cmd *cli.Command) (all, valued []string) {
	for _, f := range cmd.Flags {
		takes := takesValue(f)
		for _, n := range f.Names() {
			w := dashed(n)
			all = append(all, w)
			if takes {
				valued = append(valued, w)
			}
		}
	}
	return append(all, "--help"), valued
}

// takesValue says whether a flag takes a value (urfave's own answer; a
// flag type that gives none is taken to).
func takesValue(f cli.Flag) bool {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return d.TakesValue()
	}
	return true
}

// dashed is a flag name as written: -o, --name.
func dashed(n string) string {
	if len(n) == 1 {
		return "-" + n
	}
	return "--" + n
}

func usageOf(f cli.Flag) string {
	if d, ok := f.(cli.DocGenerationFlag); ok {
		return d.GetUsage()
	}
	return ""
}

func writeBash(w io.Writer, cmds []*cli.Command) error {
	var b strings.Builder
	b.WriteString(`# bash completion for imapx (imapx completion bash)
_imapx() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]} cmd= w words valued
	for w in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
		case $w in -*) ;; *) cmd=$w; break ;; esac
	done
	case $cmd in
`)
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
		all, valued := flagWords(c)
		fmt.Fprintf(&b, "\t%s)\n\t\twords='%s'\n\t\tvalued=' %s ' ;;\n", c.Name, strings.Join(all, " "), strings.Join(valued, " "))
	}
	fmt.Fprintf(&b, "\t*)\n\t\twords='%s --help --version'\n\t\tvalued= ;;\n", strings.Join(names, " "))
	b.WriteString(`	esac
	COMPREPLY=()
	if [[ $valued == *" $prev "* ]]; then
		return # a flag's value: files (complete -o default)
	fi
	if [[ -z $cmd || $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$words" -- "$cur"))
	fi
}
complete -o default -F _imapx imapx
`)
	_, err := io.WriteString(w, b.String())
	return err
}

// zshQuote makes text safe inside a single-quoted _arguments spec or a
// _describe entry: no quote, bracket, colon or backslash.
func zshQuote(text string) string {
	return strings.NewReplacer("'", "", "[", "(", "]", ")", ":", " -", "\\", "", "`", "").Replace(text)
}

func writeZsh(w io.Writer, cmds []*cli.Command) error {
	var b strings.Builder
	b.WriteString("#compdef imapx\n# zsh completion for imapx (imapx completion zsh)\n_imapx() {\n\tlocal -a commands\n\tcommands=(\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t\t'%s:%s'\n", c.Name, zshQuote(c.Usage))
	}
	b.WriteString("\t)\n\tif (( CURRENT == 2 )); then\n\t\t_describe command commands\n\t\treturn\n\tfi\n")
	b.WriteString("\tlocal cmd=$words[2]\n\tshift words\n\t(( CURRENT-- ))\n\tcase $cmd in\n")
	for _, c := range cmds {
		fmt.Fprintf(&b, "\t%s)\n\t\t_arguments \\\n", c.Name)
		for _, f := range c.Flags {
			takes := takesValue(f)
			for _, n := range f.Names() {
				w := dashed(n)
				spec := "*" + w + "[" + zshQuote(usageOf(f)) + "]"
				if takes {
					spec += ":value:_files"
				}
				fmt.Fprintf(&b, "\t\t\t'%s' \\\n", spec)
			}
		}
		b.WriteString("\t\t\t'*:file:_files' ;;\n")
	}
	b.WriteString("\tesac\n}\nif [[ $zsh_eval_context[-1] == loadautofunc ]]; then\n\t_imapx \"$@\"\nelse\n\tcompdef _imapx imapx\nfi\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func writeFish(w io.Writer, cmds []*cli.Command) error {
	var b strings.Builder
	b.WriteString("# fish completion for imapx (imapx completion fish)\ncomplete -c imapx -f\n")
	var names []string
	for _, c := range cmds {
		names = append(names, c.Name)
	}
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c imapx -n 'not __fish_seen_subcommand_from %s' -a %s -d '%s'\n",
			strings.Join(names, " "), c.Name, fishQuote(c.Usage))
	}
	for _, c := range cmds {
		fmt.Fprintf(&b, "complete -c imapx -n '__fish_seen_subcommand_from %s' -F\n", c.Name)
		for _, f := range c.Flags {
			takes := takesValue(f)
			fmt.Fprintf(&b, "complete -c imapx -n '__fish_seen_subcommand_from %s'", c.Name)
			for _, n := range f.Names() {
				if len(n) == 1 {
					fmt.Fprintf(&b, " -s %s", n)
				} else {
					fmt.Fprintf(&b, " -l %s", n)
				}
			}
			if takes {
				b.WriteString(" -r")
			}
			fmt.Fprintf(&b, " -d '%s'\n", fishQuote(usageOf(f)))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func fishQuote(text string) string {
	return strings.NewReplacer(`\`, `\\`, `'`, `\'`, "`", "").Replace(text)
}
