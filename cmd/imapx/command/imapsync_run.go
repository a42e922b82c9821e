package command

import "github.com/urfave/cli/v2"

// notDone options: imapsync features imapx does not have. They are
// accepted (a command line keeps working) with a note saying the run goes
// on without them; README lists them as "accepted, not done".
const notDone optStatus = "accepted, not done"

func notDone1(name, why string) imapsyncOption {
	return imapsyncOption{name: name, status: notDone, says: why, flag: mootFlag(name, false)}
}

func notDoneV(name, why string) imapsyncOption {
	return imapsyncOption{name: name, status: notDone, says: why, flag: mootFlag(name, true)}
}

// imapsync's options about what a run does: modes, folders and messages
// (those of the folder mapping, selection, deletion and log groups are
// registered by their own files), throttling, debugging, housekeeping.
func init() {
	registerImapsync(
		// modes
		imapsyncOption{name: "dry", status: implemented, says: "changes nothing; lists each message it would copy, flag it would change and message it would delete (folder, UID, size, flags, Subject)"},
		imapsyncOption{name: "justconnect", status: implemented, says: "connects to both servers, prints their greetings and capabilities, logs in to neither",
			flag: &cli.BoolFlag{Name: "justconnect", Usage: "connect to both servers, print their greetings and capabilities, and stop (no login)"}},
		imapsyncOption{name: "justlogin", status: implemented, says: "logs in to both and stops"},
		imapsyncOption{name: "justfolders", status: implemented, says: "folders only (with --delete2folders, deletions too)"},
		imapsyncOption{name: "justfoldersizes", status: implemented, says: "the selected folders' sizes on both hosts, in imapsync's Host1 / Host2 / Host2-Host1 columns (bytes), and the biggest message"},
		moot1("nofoldersizes", "imapx reads both inventories anyway: the folder sizes cost nothing extra, so they are not skipped"),
		moot1("nofoldersizesatend", "imapx re-reads only the folders it changed, for the verify: there is no separate size pass to skip"),
		imapsyncOption{name: "help", status: implemented, says: "imapx sync --help"},
		imapsyncOption{name: "version", status: implemented, says: "prints imapx's version",
			flag: &cli.BoolFlag{Name: "version", Usage: "print imapx's version and stop"}},
		// folders (the mapping group registers the rest)
		imapsyncOption{name: "folder", status: implemented, says: "repeatable"},
		imapsyncOption{name: "folderrec", status: implemented, says: "the folder and those below it"},
		imapsyncOption{name: "include", status: implemented, says: "RE2 regular expression (Perl-only constructs are refused)"},
		imapsyncOption{name: "exclude", status: implemented, says: "RE2 regular expression"},
		imapsyncOption{name: "subscribed", status: implemented, says: "only subscribed folders"},
		imapsyncOption{name: "f1f2", status: implemented, says: "SRC=DST, overrides the other mappings"},
		imapsyncOption{name: "skipemptyfolders", status: implemented, says: "empty source folders are not created"},
		// messages
		imapsyncOption{name: "delete1", status: implemented, says: "once the copy is confirmed; implies --expunge1 as in imapsync"},
		imapsyncOption{name: "expunge1", status: implemented, says: "also expunges what was \\Deleted before the run"},
		imapsyncOption{name: "noexpunge1", status: implemented, says: "the deleted messages stay flagged \\Deleted"},
		moot1("noexpungeaftereach", "imapx expunges a folder's deleted messages at once, with UID EXPUNGE, never after each message"),
		imapsyncOption{name: "delete2", status: implemented, says: "destination messages not in the source"},
		imapsyncOption{name: "delete2duplicates", status: implemented, says: "destination duplicates beyond the source's count"},
		imapsyncOption{name: "delete2folders", status: implemented, says: "destination folders no source folder maps to"},
		imapsyncOption{name: "useheader", status: implemented, says: "identity from these headers (repeatable)"},
		imapsyncOption{name: "syncduplicates", status: implemented, says: "the default in imapx (see the differences)"},
		imapsyncOption{name: "syncinternaldates", status: implemented, says: "always on"},
		imapsyncOption{name: "resyncflags", status: implemented, says: "the default"},
		imapsyncOption{name: "noresyncflags", status: implemented, says: "flags of messages on both sides are left alone"},
		imapsyncOption{name: "addheader", status: implemented, says: "adds \"Message-Id: <UID@imapsync>\" to messages without one; the copy keeps its source's identity through the account pair's links"},
		moot1("usecache", "imapx keeps its own state in --statedir"),
		moot1("nousecache", "imapx keeps its own state in --statedir (--nostate: none)"),
		moot1("nosyncacls", "imapx copies no ACLs (the default)"),
		imapsyncOption{name: "idatefromheader", status: implemented, says: "the internal date from the Date: header"},
		imapsyncOption{name: "filterbuggyflags", status: implemented, says: "drops unknown \\-flags and keywords atoms cannot hold"},
		imapsyncOption{name: "disarmreadreceipts", status: implemented, says: "adds $MDNSent to messages with Disposition-Notification-To"},
		imapsyncOption{name: "regexmess", status: implemented, says: "RE2 on the message's bytes (every byte one character, as Perl's); repeatable, in order"},
		imapsyncOption{name: "pipemess", status: implemented, says: "repeatable (cmd1 | cmd2); without a shell unless --pipemess-shell; --pipemess-timeout per message; a failure leaves the message out, exit 111"},
		imapsyncOption{name: "truncmess", status: implemented, says: "cuts messages over N bytes"},
		imapsyncOption{name: "skipmess", status: implemented, says: "m/REGEX/ on the message's bytes; left-out messages are not counted missing"},
		imapsyncOption{name: "regexflag", status: implemented, says: "on the space-separated flag list; the source's flags are compared through it"},
		// throttling, limits, locks
		imapsyncOption{name: "maxmessagespersecond", status: implemented, says: "average rate"},
		imapsyncOption{name: "maxbytespersecond", status: implemented, says: "average rate"},
		imapsyncOption{name: "maxbytesafter", status: implemented, says: "rate limit from that many bytes on"},
		imapsyncOption{name: "exitwhenover", status: implemented, says: "stops once that many bytes were copied"},
		imapsyncOption{name: "errorsmax", status: implemented, says: "no limit unless given (see the differences)"},
		imapsyncOption{name: "pidfile", status: implemented, says: "lock file holding the PID (default: one per account pair)"},
		imapsyncOption{name: "pidfilelocking", status: implemented, says: "the default: a second run exits 8 naming the first's PID"},
		imapsyncOption{name: "abort", status: implemented, says: "stops the sync running for the account pair (SIGTERM to the PID in its lock or --pidfile), waits for it to end, and exits",
			flag: &cli.BoolFlag{Name: "abort", Usage: "stop the sync running for this account pair (its lock's PID) and exit"}},
		imapsyncOption{name: "tmpdir", status: implemented, says: "temporary files, unlinked at once"},
		// debugging and housekeeping
		moot1("debug", "imapx has no general debug mode: --debugimap shows the IMAP dialogue, --progress json the progress, --report FILE the counts"),
		moot1("debugfolders", "imapx has no debug mode: imapx list shows the folders and their mapping"),
		moot1("debugcontent", "imapx has no debug mode: imapx fetch --full shows the messages"),
		moot1("debugflags", "imapx has no debug mode: imapx diff shows the flag changes planned"),
		moot1("debugmemory", "imapx streams messages and holds none whole in memory"),
		moot1("tests", "imapsync's self-tests: imapx's are go test"),
		moot1("testslive", "imapsync's live test against its author's server: imapx connects to nothing but the hosts given"),
		moot1("testslive6", "imapsync's live test against its author's server: imapx connects to nothing but the hosts given"),
		moot1("releasecheck", "imapx never checks for releases: it connects to nothing but the hosts given"),
		moot1("noreleasecheck", "imapx never checks for releases (the default)"),
	)
}
