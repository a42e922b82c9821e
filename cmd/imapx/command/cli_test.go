package command

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// cliCase is one run of Main: arguments and stdin in, exit code and
// output out. "$DIR" in args is the case's directory (holding cliFiles),
// "$MEM" the in-process server's address.
type cliCase struct {
	name  string
	args  string // split on spaces; an argument of '' is the empty string
	stdin string
	code  int
	out   []string // regexps stdout must match
	err   []string // regexps stderr must match
	// noOut: stdout must be empty (data goes to stdout only, so a failed
	// command writes none of it).
	noOut bool
}

// Files every case finds in $DIR.
var cliFiles = map[string]string{
	"pw1":       "mem-one\n",
	"pw2":       "mem-two\n",
	"wrongpw":   "not-the-password\n",
	"empty.txt": "",
	"src.jsonl": `{"type":"folder","name":"INBOX","delim":"/","attrs":[],"subscribed":true}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":1,"flags":["\\Seen"],"internaldate":"2024-01-02T03:04:05Z","size":20,"ident":"h:1"}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-02T03:04:05Z","size":30,"ident":"h:2"}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":3,"flags":[],"internaldate":"2024-01-02T03:04:05Z","size":40,"ident":"h:3"}
{"type":"end","stage":"fetch","records":4,"folders":1,"messages":3}
`,
	"dst.jsonl": `{"type":"folder","name":"INBOX","delim":"/","attrs":[],"subscribed":true}
{"type":"message","folder":"INBOX","uidvalidity":9,"uid":5,"flags":[],"internaldate":"2024-01-02T03:04:05Z","size":20,"ident":"h:1"}
{"type":"message","folder":"INBOX","uidvalidity":9,"uid":6,"flags":[],"internaldate":"2024-01-02T03:04:05Z","size":50,"ident":"h:9"}
{"type":"end","stage":"fetch","records":3,"folders":1,"messages":2}
`,
	"noend.jsonl": `{"type":"folder","name":"INBOX","delim":"/","attrs":[],"subscribed":true}
{"type":"message","folder":"INBOX","uid":1,"flags":[],"internaldate":"2024-01-02T03:04:05Z","size":20,"ident":"h:1","headers":"Message-ID: <a@b>\r\n","header_fields":["Message-Id","Received"]}
`,
	"garbage.jsonl": "{\"type\":\"message\",\"folder\":\n",
	"small.mbox": "From a@example.org Tue Jan  2 03:04:05 2024\nMessage-ID: <one@example.org>\nSubject: one\n\nbody one\n\n" +
		"From b@example.org Tue Jan  2 03:04:06 2024\nMessage-ID: <two@example.org>\nSubject: two\nStatus: RO\n\n>From the start\n\n",
	"nofrom.mbox": "Return-Path: <a@example.org>\nSubject: saved without its From_ line\n\nbody\n",
	// A plan whose UIDVALIDITY matches no folder of the server (memserver
	// numbers folders from 1): nothing may be touched.
	"stale.plan": `{"type":"op","op":"delete","dst":{"folder":"INBOX","uid":1,"uidvalidity":999}}
{"type":"end","stage":"diff","records":1,"ops":1}
`,
}

var cliCases = []cliCase{
	// the program
	{name: "no arguments prints help", args: "", out: []string{`imapx - migrate`, `COMMANDS:`}},
	{name: "help", args: "--help", out: []string{`list +list an account`, `sync +sync SRC to DST`, `EXIT CODES`}},
	{name: "version", args: "--version", out: []string{`^imapx version \S+`}},
	{name: "unknown command", args: "frobnicate", code: 64, noOut: true,
		err: []string{`^imapx: error: unknown command "frobnicate"\nimapx: hint: run 'imapx --help' for the list of commands\n$`}},
	{name: "near-miss command", args: "lis", code: 64, err: []string{`unknown command "lis"`}},
	{name: "unknown global flag", args: "--bogus", code: 64, err: []string{`unknown option --bogus`}},

	// every command's help: its flags, examples and the exit codes
	{name: "list help", args: "list --help", out: []string{`--sizes`, `--folderrec FOLDER`, `--passfile FILE`, `--timeout value`, `EXAMPLES`, `16 authentication failure`}},
	{name: "fetch help", args: "fetch --help", out: []string{`--full`, `--jq EXPR`, `--output FILE, -o FILE`, `--search KEYS`, `--useheader NAME`, `EXIT CODES`}},
	{name: "ident help", args: "ident --help", out: []string{`--useheader NAME`, `--no-end`, `EXIT CODES`}},
	{name: "diff help", args: "diff --help", out: []string{`--exit-code`, `--resyncflags`, `--delete2`, `--f1f2 SRC=DST`, `EXIT CODES`}},
	{name: "push help", args: "push --help", out: []string{`--dry-run, --dry`, `--window value`, `--connections`, `--maxbytespersecond`, `EXIT CODES`}},
	{name: "flags help", args: "flags --help", out: []string{`--delete1`, `--noexpunge1`, `EXIT CODES`}},
	{name: "format help", args: "format --help", out: []string{`--to FORMAT`, `--output FILE, -o FILE`, `EXIT CODES`}},
	{name: "sync help", args: "sync --help", out: []string{`--host1 HOST`, `--passfile2 FILE`, `--delete2`, `--statedir`, `EXIT CODES`}},
	{name: "demo help", args: "demo --help", out: []string{`in-process IMAP servers`}},
	{name: "completion of an unknown shell", args: "completion tcsh", code: 64, noOut: true, err: []string{`^imapx: error: shell "tcsh": want bash, zsh or fish\n`}},
	{name: "completion without a shell", args: "completion", code: 64, err: []string{`missing SHELL`}},
	{name: "man takes no argument", args: "man x", code: 64, err: []string{`too many arguments: x`}},
	{name: "no help command (hidden): a flag", args: "help", code: 64, err: []string{`unknown command "help"`}},

	// usage errors: 64, a hint, nothing on stdout
	{name: "unknown flag", args: "list --bogus x", code: 64, noOut: true,
		err: []string{`^imapx: error: unknown option --bogus\nimapx: hint: run 'imapx list --help' for the options\n$`}},
	{name: "bad duration", args: "list --timeout x imap://u@h", code: 64, err: []string{`invalid value "x" for flag -timeout`}},
	{name: "missing account", args: "list", code: 64, err: []string{`^imapx: error: missing ACCOUNT\n`}},
	{name: "too many arguments", args: "list imap://u@h imap://u@h2 extra", code: 64, err: []string{`too many arguments: extra`}},
	{name: "flags after the arguments", args: "list imap://user1@$MEM?tls=none --sizes --passfile $DIR/pw1", out: []string{`"name":"INBOX".*"size":\d+`}},
	{name: "not an account URL", args: "list http://u@h", code: 64, err: []string{`account "http://u@h": not an account URL`, `hint: write accounts as imaps://`}},
	{name: "bad port", args: "list imaps://u@h:notaport", code: 64, err: []string{`not an account URL`}},
	{name: "folder in the URL", args: "fetch imap://u@h/INBOX", code: 64, err: []string{`a folder or path in the URL is not supported`}},
	{name: "password in the URL is refused and masked", args: "list imap://u:hunter2@h", code: 64,
		err: []string{`a password in the URL is not accepted`, `MASKED`}},
	{name: "list format", args: "list --format xml imap://u@h", code: 64, err: []string{`--format "xml": want jsonl or table`}},
	{name: "fetch format", args: "fetch --format xml imap://u@h", code: 64, err: []string{`--format "xml": want jsonl or mbox`}},
	{name: "fetch search", args: "fetch --search FOO imap://u@h", code: 64, err: []string{`--search: search: "FOO" at position 1 is not a search key`}},
	{name: "fetch uid", args: "fetch --uid x imap://u@h", code: 64, err: []string{`--uid "x": not a UID range`}},
	{name: "fetch plan and folders", args: "fetch --plan $DIR/src.jsonl imap://u@h INBOX", code: 64, err: []string{`--plan chooses the messages`}},
	{name: "fetch plan and search", args: "fetch --plan $DIR/src.jsonl --maxage 3 imap://u@h", code: 64, err: []string{`--plan chooses the messages`}},
	{name: "empty useheader", args: "fetch --useheader '' imap://u@h", code: 64, err: []string{`--useheader: empty header name`}},
	{name: "bad jq", args: "fetch --jq select( imap://u@h", code: 64, err: []string{`--jq`}},
	{name: "bad include regex", args: "list --include ( imap://u@h", code: 64, err: []string{`--include`}},
	{name: "diff no arguments", args: "diff", code: 64, err: []string{`missing SRC.jsonl and DST.jsonl`}},
	{name: "diff two stdins", args: "diff - -", code: 64, err: []string{`only one of SRC and DST can be stdin`}},
	{name: "diff format", args: "diff --format xml $DIR/src.jsonl $DIR/dst.jsonl", code: 64, err: []string{`--format "xml": want jsonl or table`}},
	{name: "diff f1f2", args: "diff --f1f2 INBOX $DIR/src.jsonl $DIR/dst.jsonl", code: 64, err: []string{`--f1f2 "INBOX": want SRC=DST`}},
	{name: "push no account", args: "push", code: 64, err: []string{`missing ACCOUNT`}},
	{name: "push f1f2", args: "push --passfile $DIR/pw2 --f1f2 =x imap://user2@$MEM?tls=none $DIR/src.jsonl", code: 64, err: []string{`want SRC=DST`}},
	{name: "format to", args: "format --to xml", code: 64, err: []string{`--to "xml": want jsonl, mbox, table or summary`}},
	{name: "sync no hosts", args: "sync", code: 64, err: []string{`missing host1: give SRC and DST URLs, or --host1 and --user1`}},
	{name: "sync host twice", args: "sync --host1 h imap://a@b imap://c@d", code: 64, err: []string{`give host1 as an URL argument or with --host1, not both`}},
	{name: "sync negative timeout", args: "sync --timeout1 -1 imap://a@b?tls=none imap://c@d?tls=none", code: 64, err: []string{`--timeout1 -1: give seconds`}},
	{name: "sync missing host2", args: "sync --passfile1 $DIR/pw1 --host1 h --user1 u", code: 64, err: []string{`missing host2`}},

	// input that cannot be opened or read: 66
	{name: "missing file", args: "diff $DIR/nofile $DIR/dst.jsonl", code: 66, noOut: true, err: []string{`^imapx: error: open .*nofile: no such file or directory\n$`}},
	{name: "directory", args: "diff $DIR $DIR", code: 66, err: []string{`is a directory, not a file of JSON lines or mbox`}},
	{name: "push missing file", args: "push imap://u@h $DIR/nofile", code: 66, err: []string{`no such file`}},
	{name: "flags missing file", args: "flags --delete1 imap://u@h $DIR/nofile", code: 66, err: []string{`no such file`}},
	{name: "ident missing file", args: "ident $DIR/nofile", code: 66, err: []string{`no such file`}},
	{name: "format missing file", args: "format $DIR/nofile", code: 66, err: []string{`no such file`}},
	{name: "fetch missing plan", args: "fetch --plan $DIR/nofile imap://u@h", code: 66, err: []string{`no such file`}},
	{name: "input without its end record", args: "diff $DIR/noend.jsonl $DIR/dst.jsonl", code: 66, noOut: true,
		err: []string{`noend.jsonl: input ended before its end record \(did the stage before this one fail\?\)`, `hint: .*--no-end`}},
	{name: "--no-end accepts it with a warning", args: "diff --no-end $DIR/noend.jsonl $DIR/dst.jsonl",
		out: []string{`"type":"end","stage":"diff"`}, err: []string{`warning: .*noend.jsonl: input has no end record; accepted \(--no-end\)`}},
	{name: "truncated JSON", args: "ident $DIR/garbage.jsonl", code: 66, err: []string{`garbage.jsonl:1`}},
	{name: "neither mbox nor JSON lines", args: "format --to jsonl $DIR/nofrom.mbox", code: 66,
		err: []string{`nofrom.mbox:1: not an mbox \(no From_ line\) nor JSON lines`}},
	{name: "empty stdin is no stream", args: "ident", stdin: "", code: 66, err: []string{`input ended before its end record`}},
	{name: "report to a directory", args: "diff --report $DIR $DIR/src.jsonl $DIR/dst.jsonl", code: 66, err: []string{`--report`}},
	{name: "output in a missing directory", args: "format -o $DIR/no/such/file $DIR/src.jsonl", code: 66, err: []string{`-o .*no/such/file`}},

	// diff of small inventories
	{name: "diff plan", args: "diff $DIR/src.jsonl $DIR/dst.jsonl",
		out: []string{`"op":"copy","src":\{"folder":"INBOX","uid":2,"uidvalidity":7\}`, `"op":"copy","src":\{"folder":"INBOX","uid":3,`,
			`"op":"flags",.*"dst":\{"folder":"INBOX","uid":5,"uidvalidity":9\},.*"flags_add":\["\\\\Seen"\]`, `\{"type":"end","stage":"diff","records":3,"ops":3\}\n$`},
		err: []string{`^imapx: diff: source 3, destination 2 messages: = 1 same, \+ 2 only in source \(70 bytes to copy\), - 1 only in destination, \* 1 flags differ`}},
	{name: "diff noresyncflags", args: "diff --noresyncflags $DIR/src.jsonl $DIR/dst.jsonl", out: []string{`"records":2,"ops":2\}`}},
	{name: "diff resyncflags=false", args: "diff --resyncflags=false $DIR/src.jsonl $DIR/dst.jsonl", out: []string{`"records":2,"ops":2\}`}},
	{name: "diff delete2", args: "diff --delete2 $DIR/src.jsonl $DIR/dst.jsonl", out: []string{`"op":"delete","dst":\{"folder":"INBOX","uid":6,`}},
	{name: "diff exit-code differs", args: "diff --exit-code $DIR/src.jsonl $DIR/dst.jsonl", code: 1, out: []string{`"op":"copy"`}},
	{name: "diff exit-code same", args: "diff --exit-code $DIR/src.jsonl $DIR/src.jsonl", out: []string{`^\{"type":"end","stage":"diff","records":0\}\n$`}},
	{name: "diff stdin", args: "diff - $DIR/dst.jsonl", stdin: cliFiles["src.jsonl"], out: []string{`"op":"copy"`}},
	{name: "diff table", args: "diff --format table $DIR/src.jsonl $DIR/dst.jsonl", out: []string{`copy`, `INBOX`}},
	{name: "diff f1f2", args: "diff --f1f2 INBOX=Old $DIR/src.jsonl $DIR/dst.jsonl", out: []string{`"op":"create_folder","src":\{"folder":"INBOX"\},"dst":\{"folder":"Old"\}`}},

	// ident and format of small inputs
	{name: "ident of an mbox", args: "ident $DIR/small.mbox",
		out: []string{`"message_id":"<one@example.org>"`, `"ident":"h:[0-9a-f]{32}"`, `"type":"end","stage":"ident".*"messages":2`}},
	{name: "ident of stdin", args: "ident", stdin: cliFiles["small.mbox"], out: []string{`"message_id":"<two@example.org>"`}},
	{name: "ident by whole header", args: "ident --useheader ALL $DIR/small.mbox", out: []string{`"ident":"a:[0-9a-f]{32}"`}},
	{name: "rewrite an mbox", args: "rewrite --regexmess s/^Subject:/Subject:[x]/m --regexflag s/Seen/Flagged/ $DIR/small.mbox",
		out: []string{`"rewritten":\["regexmess"\]`, `"flags":\["\\\\Flagged"\].*"rewritten":\["regexmess","regexflag"\]`, `"type":"end","stage":"rewrite","records":2,"messages":2`},
		err: []string{`rewrite: 2 messages, 2 rewritten \(regexmess 2, regexflag 1\), 0 skipped, 0 errors`}},
	{name: "rewrite inventory flags only", args: "rewrite --regexflag s/Seen/Flagged/ $DIR/src.jsonl",
		out: []string{`"uid":1,"flags":\["\\\\Flagged"\]`, `"stage":"rewrite"`}},
	{name: "rewrite pipemess needs a shell", args: "rewrite --pipemess cat|tr $DIR/small.mbox", code: 64, noOut: true,
		err: []string{`--pipemess "cat\|tr": '\|' needs a shell: quote it, or run the command with --pipemess-shell`}},
	{name: "rewrite pipemess fails", args: "rewrite --pipemess false $DIR/small.mbox", code: 111,
		out: []string{`"type":"result","op":"rewrite","ok":false.*"error":"--pipemess \\"false\\": exit status 1","code":111`},
		err: []string{`imapx: error: .*small.mbox: message 1: --pipemess "false": exit status 1`}},
	{name: "rewrite bad regexmess", args: "rewrite --regexmess s/a(/b/ $DIR/small.mbox", code: 64, err: []string{`--regexmess: "s/a\(/b/": .*missing closing \)`}},
	{name: "format mbox to jsonl", args: "format --to jsonl $DIR/small.mbox", out: []string{`"raw":"`, `"flags":\["\\\\Seen"\]`, `"stage":"format"`}},
	{name: "format to table", args: "format --to table $DIR/src.jsonl", out: []string{`INBOX`, `\\Seen`}},
	{name: "format default is table", args: "format $DIR/small.mbox", out: []string{`<one@example.org>|one`}},
	{name: "format summary", args: "format --to summary $DIR/src.jsonl", out: []string{`INBOX`}},
	{name: "format plan table", args: "format --no-end $DIR/stale.plan", out: []string{`delete`}},

	// the demo: two in-process servers, the audit before and after a sync
	{name: "demo", args: "demo", out: []string{`== The source account's folders`, `Archive/2023`, `== Audit before the sync`, `== Audit after the sync`,
		`The destination now holds every message, flag, keyword and internal date of the source.\n$`}},
	{name: "demo takes no arguments' flags", args: "demo --bogus", code: 64, err: []string{`unknown option --bogus`}},
	// the Gmail demo: 14 folder entries of 6 messages, one copy per label
	// folder (9), All Mail's labelled copies left out (5), a re-run exact
	{name: "demo gmail", args: "demo --provider gmail", out: []string{`\[Gmail\]/All Mail`, `X-GM|labels as folders`,
		`copied 9 messages`, `5 cross-folder duplicates not copied`, `The sync looks good, all 14 identified messages`,
		`copied 0 messages`, `host2 holds the 9 messages of the Gmail account's 14 folder entries`}},
	{name: "demo bad provider", args: "demo --provider yahoo", code: 64, err: []string{`--provider takes gmail, not "yahoo"`}},

	// against the in-process server
	{name: "list", args: "list --passfile $DIR/pw1 imap://user1@$MEM?tls=none",
		out: []string{`"name":"INBOX"`, `"name":"Archive/2023"`, `\{"type":"end","stage":"list","records":\d+,"folders":\d+\}\n$`}},
	{name: "list table", args: "list --passfile $DIR/pw1 --format table --folderrec Archive imap://user1@$MEM?tls=none",
		out: []string{`Archive/2023`}},
	{name: "fetch one folder", args: "fetch --passfile $DIR/pw1 imap://user1@$MEM?tls=none Sent",
		out: []string{`"folder":"Sent"`, `"stage":"fetch".*"messages":4\}`}, err: []string{`fetched 4 messages`}},
	{name: "fetch search", args: `fetch --passfile $DIR/pw1 --search UNSEEN --jq select(.type=="message")|.folder imap://user1@$MEM?tls=none INBOX`,
		out: []string{`"INBOX"`}},
	{name: "fetch mbox", args: "fetch --passfile $DIR/pw1 --format mbox imap://user1@$MEM?tls=none Sent", out: []string{`^From `}},
	{name: "wrong password", args: "list --passfile $DIR/wrongpw imap://user1@$MEM?tls=none", code: 16, noOut: true, err: []string{`^imapx: error: .*auth`}},
	{name: "empty passfile is an empty password", args: "list --passfile $DIR/empty.txt imap://user1@$MEM?tls=none", code: 16, err: []string{`authentication as "user1" on 127.0.0.1:\d+ failed`}},
	{name: "no password at all", args: "list imap://user1@$MEM?tls=none", code: 64, err: []string{`password`}},
	{name: "connection refused", args: "list --passfile $DIR/pw1 imap://u@127.0.0.1:1?tls=none", code: 10,
		err: []string{`cannot connect to 127.0.0.1:1`, `hint: check the host and port`}},
	{name: "sync connection refused is host1's", args: "sync --passfile1 $DIR/pw1 --passfile2 $DIR/pw2 imap://u@127.0.0.1:1?tls=none imap://user2@$MEM?tls=none", code: 101},
	{name: "sync wrong password is host2's", args: "sync --passfile1 $DIR/pw1 --passfile2 $DIR/wrongpw imap://user1@$MEM?tls=none imap://user2@$MEM?tls=none", code: 162},
	{name: "push dry run", args: "push --dry-run --passfile $DIR/pw2 imap://user2@$MEM?tls=none $DIR/small.mbox",
		out: []string{`"dry_run":true`}, err: []string{`would append \(dry run\) 2 messages`}},
	{name: "flags stale plan touches nothing", args: "flags --passfile $DIR/pw1 imap://user1@$MEM?tls=none $DIR/stale.plan",
		code: 117, out: []string{`"ok":false,.*UIDVALIDITY is 1, the plan was made at 999`}, err: []string{`1 errors`}},
	// imapsync's options: an unknown one names the nearest, a hint names the option used
	{name: "sync unknown option", args: "sync --folderr INBOX imap://a@b imap://c@d", code: 64, noOut: true,
		err: []string{`^imapx: error: unknown option --folderr$`, `^imapx: hint: did you mean --folder\? run 'imapx sync --help' for the options$`}},
	{name: "sync single-account option", args: "sync --passfile x imap://a@b imap://c@d", code: 64, err: []string{`did you mean --passfile1\?`}},
	{name: "sync passfile1 named", args: "sync --passfile1 $DIR/nosuchfile imap://a@b imap://c@d", code: 66, err: []string{`^imapx: error: --passfile1: open`}},
	{name: "sync no password names passfile2", args: "sync --passfile1 $DIR/pw1 imap://user1@$MEM?tls=none imap://user2@$MEM?tls=none", code: 64,
		err: []string{`give one with --passfile2 FILE or the IMAPX_PASSWORD2 or IMAPSYNC_PASSWORD2`}},
	{name: "sync moot option notes", args: "sync --usecache --noreleasecheck --justconnect imap://user1@$MEM?tls=none imap://user2@$MEM?tls=none",
		out: []string{`^Host1 banner: \* OK`, `^Host2 capability: .*IMAP4rev1`},
		err: []string{`^imapx: note: --usecache: imapx keeps its own state in --statedir$`, `^imapx: note: --noreleasecheck: `}},
	{name: "sync justfoldersizes", args: "sync --justfoldersizes --folder INBOX --folderrec Archive --passfile1 $DIR/pw1 --passfile2 $DIR/pw2 imap://user1@$MEM?tls=none imap://user2@$MEM?tls=none",
		out: []string{`^Host1 folder "INBOX" +Size: +25423 Messages: +20 Biggest: +20252$`, `^Host1 folder "Archive/2024" +Size: +1355 Messages: +5 `,
			`^Host2 folder "Archive/2023" +does not exist$`, `^ +Host1 +Host2 +Host2-Host1$`, `^Nb messages: +30 +0 +-30$`,
			`^Total size: +28108 +0 +-28108$`, `^Biggest message: +20252 +0$`}},
	{name: "sync password in URL names passfile2", args: "sync --passfile1 $DIR/pw1 imap://user1@$MEM?tls=none imap://user2:pw@$MEM?tls=none", code: 64,
		err: []string{`a password in the URL is not accepted`, `hint: use --passfile2, the IMAPX_PASSWORD2 environment variable`}},
	{name: "sync syncacls on a server without ACL", args: "sync --syncacls --dry --nolog --passfile1 $DIR/pw1 --passfile2 $DIR/pw2 imap://user1@$MEM?tls=none imap://user2@$MEM?tls=none",
		err: []string{`^imapx: warning: --syncacls: host1 has no ACL extension \(RFC 4314\): no ACL copied$`}},
	{name: "sync version", args: "sync --version", out: []string{`^0\.`}},
	{name: "top-level unknown option", args: "--verison", code: 64, err: []string{`did you mean --version\? run 'imapx --help'`}},
	{name: "sync dry run", args: "sync --dry --passfile1 $DIR/pw1 --passfile2 $DIR/pw2 imap://user1@$MEM?tls=none imap://user2@$MEM?tls=none",
		err: []string{`\+ 38 only in source`, `nothing was changed`},
		out: []string{`^dry: create folder "Archive/2023"$`, `^dry: copy "INBOX" UID 1 \(\d+ bytes\) \[.*\] to "INBOX": Subject: \S+`}},
}

var (
	memOnce sync.Once
	memAddr string
	memErr  error
)

func TestCLI(t *testing.T) {
	memOnce.Do(func() {
		srv, err := startMem(time.Date(2024, 3, 4, 5, 6, 7, 0, time.UTC))
		memErr = err
		if err == nil {
			memAddr = srv.Addr() // closed with the process: cases run in parallel
		}
	})
	if memErr != nil {
		t.Fatal(memErr)
	}
	dir := t.TempDir()
	for name, body := range cliFiles {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	t.Setenv("HOME", filepath.Join(dir, "home"))
	t.Chdir(dir) // sync writes its log file (LOG_imapx/) in the current directory
	t.Setenv("IMAPX_PASSWORD", "")
	for _, tc := range cliCases {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"imapx"}
			if tc.args != "" {
				for _, a := range strings.Split(tc.args, " ") {
					if a == "''" {
						a = ""
					}
					a = strings.ReplaceAll(a, "$DIR", dir)
					args = append(args, strings.ReplaceAll(a, "$MEM", memAddr))
				}
			}
			var stdout, stderr bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			code := Main(ctx, args, strings.NewReader(tc.stdin), &stdout, &stderr)
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstdout: %.2000s\nstderr: %s", code, tc.code, stdout.String(), stderr.String())
			}
			match(t, "stdout", stdout.String(), tc.out)
			match(t, "stderr", stderr.String(), tc.err)
			if tc.noOut && stdout.Len() > 0 {
				t.Errorf("stdout not empty: %.500s", stdout.String())
			}
			if strings.Contains(stdout.String()+stderr.String(), "mem-one") {
				t.Errorf("a password appeared in the output")
			}
		})
	}
}

func match(t *testing.T, name, got string, want []string) {
	t.Helper()
	for _, re := range want {
		if !regexp.MustCompile(`(?m)` + re).MatchString(got) {
			t.Errorf("%s does not match %q:\n%.3000s", name, re, got)
		}
	}
}
