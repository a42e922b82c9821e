package command

import "github.com/urfave/cli/v2"

// imapsync's folder mapping, message selection and deletion options: their
// flags are mappingFlags, syncSelectFlags and deleteFlags.
func init() {
	registerImapsync(
		// folder mapping
		imapsyncOption{name: "automap", status: implemented, says: "special folders paired by RFC 6154 attributes on both sides, then by well-known localized names (Sent Items, Gesendete Elemente, Papierkorb, Spam…); one source folder per use"},
		imapsyncOption{name: "regextrans2", status: implemented, says: "repeatable, in order, after the delimiter and prefix mapping; Perl-style s/RE/REPL/FLAGS run on RE2 ($1, \\1, flags i g s m); Perl-only constructs are a usage error naming them"},
		imapsyncOption{name: "subfolder1", status: implemented, says: "only that folder's hierarchy, to the destination's root"},
		imapsyncOption{name: "subfolder2", status: implemented, says: "the whole source under that folder (INBOX as F/INBOX); --delete2folders keeps it"},
		imapsyncOption{name: "prefix1", status: implemented, says: "overrides NAMESPACE's prefix"},
		imapsyncOption{name: "prefix2", status: implemented, says: "overrides NAMESPACE's prefix"},
		imapsyncOption{name: "sep1", status: implemented, says: "overrides the delimiter NAMESPACE/LIST give"},
		imapsyncOption{name: "sep2", status: implemented, says: "overrides the delimiter NAMESPACE/LIST give"},
		imapsyncOption{name: "nomixfolders", status: implemented, says: "of source folders whose destination names differ only in case, only the first (name order) is synced; the others' messages are not selected"},
		imapsyncOption{name: "folderfirst", status: implemented, says: "repeatable, in order"},
		imapsyncOption{name: "folderlast", status: implemented, says: "repeatable, in order"},
		imapsyncOption{name: "subscribe", status: implemented, says: "the default: folders created are subscribed when subscribed on the source (--nosubscribe: none)"},
		imapsyncOption{name: "subscribeall", status: implemented, says: "every folder created is subscribed"},
		// message selection
		imapsyncOption{name: "search", status: implemented, says: "IMAP SEARCH keys, on both sides"},
		imapsyncOption{name: "search1", status: implemented, says: "host1 only (refused with --delete2 without --search2)"},
		imapsyncOption{name: "search2", status: implemented, says: "host2 only"},
		imapsyncOption{name: "maxage", status: implemented, says: "SENTSINCE on both sides (union with --minage when minage > maxage); not selected, never deleted by --delete2"},
		imapsyncOption{name: "minage", status: implemented, says: "SENTBEFORE on both sides"},
		imapsyncOption{name: "maxsize", status: implemented, says: "SMALLER on both sides"},
		imapsyncOption{name: "minsize", status: implemented, says: "LARGER on both sides"},
		imapsyncOption{name: "noabletosearch", status: implemented, says: "age and size from the FETCH (internal dates), both sides"},
		imapsyncOption{name: "noabletosearch1", status: implemented, says: "host1 only"},
		imapsyncOption{name: "noabletosearch2", status: implemented, says: "host2 only"},
		notDone1("useuid", "not done by imapx: messages are identified by their headers, never by UID; folders unchanged since the last sync are not read at all, and changed ones only for what changed with CONDSTORE (--statedir), which is what --useuid's cache saves imapsync"),
		// deletions
		imapsyncOption{name: "noexpunge2", status: implemented, says: "what --delete2 deletes stays marked \\Deleted"},
		imapsyncOption{name: "nouidexpunge2", status: implemented, says: "as --noexpunge2 (imapx expunges only with UID EXPUNGE, or around its own marks)"},
		imapsyncOption{name: "uidexpunge2", status: implemented, says: "always: --delete2's deletions are removed with UID EXPUNGE (without UIDPLUS, other \\Deleted messages are unmarked around EXPUNGE)",
			flag: &cli.BoolFlag{Name: "uidexpunge2", Category: "Deletions", Usage: "expunge --delete2's deletions with UID EXPUNGE (always; accepted for imapsync command lines)"}},
		imapsyncOption{name: "delete1emptyfolders", status: implemented, says: "empty host1 folders (INBOX and parents kept), before the sync and after --delete1"},
		imapsyncOption{name: "delete2foldersonly", status: implemented, says: "implies --delete2folders; RE2, /RE/i accepted"},
		imapsyncOption{name: "delete2foldersbutnot", status: implemented, says: "implies --delete2folders; RE2, /RE/i accepted"},
	)
}
