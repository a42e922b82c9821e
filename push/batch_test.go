package push

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/stream"
)

// refuser is a minimal IMAP server that offers MULTIAPPEND and refuses
// every APPEND carrying more than one message, as a server over quota
// refuses a whole batch: push must then send each message alone.
type refuser struct {
	mu       sync.Mutex
	stored   []string
	refused  int
	uidNext  int
	listener net.Listener
	// cyrus answers every CREATE "NO Mailbox already exists" (yet makes
	// the folder, as Cyrus racing with itself does) and refuses keywords.
	cyrus   bool
	created []string
	// keywords, when set, are all the folder takes (a Cyrus folder at its
	// limit): SELECT lists them in FLAGS and PERMANENTFLAGS (no \*), an
	// APPEND with another is refused.
	keywords []string
	flags    []string // each stored message's flag list, as sent
}

func (r *refuser) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	const caps = "IMAP4rev1 LITERAL+ MULTIAPPEND UIDPLUS"
	fmt.Fprintf(conn, "* OK [CAPABILITY %s] ready\r\n", caps)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(line, " ")
		verb, _, _ := strings.Cut(strings.TrimSpace(rest), " ")
		switch strings.ToUpper(verb) {
		case "LOGIN":
			fmt.Fprintf(conn, "%s OK [CAPABILITY %s] in\r\n", tag, caps)
		case "LIST":
			r.mu.Lock()
			for _, f := range r.created {
				fmt.Fprintf(conn, "* LIST () \"/\" %s\r\n", f)
			}
			r.mu.Unlock()
			fmt.Fprintf(conn, "* LIST () \"/\" INBOX\r\n%s OK done\r\n", tag)
		case "CREATE":
			r.mu.Lock()
			r.created = append(r.created, strings.TrimSpace(strings.SplitN(strings.TrimSpace(rest), " ", 2)[1]))
			r.mu.Unlock()
			if r.cyrus {
				fmt.Fprintf(conn, "%s NO Mailbox already exists\r\n", tag)
			} else {
				fmt.Fprintf(conn, "%s OK created\r\n", tag)
			}
		case "SELECT", "EXAMINE":
			r.mu.Lock()
			if r.keywords != nil {
				kws := strings.Join(r.keywords, " ")
				fmt.Fprintf(conn, "* FLAGS (\\Seen \\Flagged %s)\r\n* OK [PERMANENTFLAGS (\\Seen \\Flagged %s)] p\r\n", kws, kws)
			}
			fmt.Fprintf(conn, "* %d EXISTS\r\n* OK [UIDVALIDITY 9] v\r\n* OK [UIDNEXT %d] n\r\n%s OK [READ-WRITE] done\r\n", len(r.stored), r.uidNext, tag)
			r.mu.Unlock()
		case "APPEND":
			line0 := line
			var msgs []string
			for {
				open := strings.LastIndexByte(line, '{')
				if open < 0 || !strings.HasSuffix(line, "+}\r\n") {
					break
				}
				n, _ := strconv.Atoi(line[open+1 : len(line)-4])
				buf := make([]byte, n)
				if _, err := io.ReadFull(br, buf); err != nil {
					return
				}
				msgs = append(msgs, string(buf))
				if line, err = br.ReadString('\n'); err != nil {
					return
				}
			}
			r.mu.Lock()
			if r.cyrus && strings.Contains(line0, "kw") || r.refusesKeyword(line0) {
				fmt.Fprintf(conn, "%s NO Too many user flags in mailbox\r\n", tag)
			} else if len(msgs) > 1 {
				r.refused++
				fmt.Fprintf(conn, "%s NO [LIMIT] not all of these\r\n", tag)
			} else {
				r.stored = append(r.stored, msgs...)
				r.flags = append(r.flags, flagList(line0))
				fmt.Fprintf(conn, "%s OK [APPENDUID 9 %d] stored\r\n", tag, r.uidNext)
				r.uidNext++
			}
			r.mu.Unlock()
		case "LOGOUT":
			fmt.Fprintf(conn, "* BYE bye\r\n%s OK out\r\n", tag)
			return
		default:
			fmt.Fprintf(conn, "%s OK fine\r\n", tag)
		}
	}
}

func TestRefusedMultiAppendIsSentAgainMessageByMessage(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := &refuser{uidNext: 1}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.serve(c)
		}
	}()
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
		if err != nil {
			return nil, err
		}
		return c, c.Login("u", "p").Wait()
	}
	var out strings.Builder
	sum, err := RunFrom(context.Background(), dial, Options{}, &items{n: 10, size: 2000}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 10 || sum.Errors != 0 {
		t.Fatalf("summary %+v, want 10 appended and no error", sum)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if srv.refused == 0 {
		t.Fatal("no MULTIAPPEND was sent: the test proves nothing")
	}
	if len(srv.stored) != 10 {
		t.Fatalf("server holds %d messages, want 10 (each once)", len(srv.stored))
	}
	seen := map[string]bool{}
	for _, m := range srv.stored {
		if seen[m] {
			t.Fatal("a message was stored twice")
		}
		seen[m] = true
	}
	uids := map[uint32]bool{}
	r := record.NewReader(strings.NewReader(out.String()), "results")
	r.NoEnd = io.Discard // RunFrom writes none: RunParallel, the command's, does
	for {
		l, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		var res record.Result
		if err := l.Decode(&res); err != nil {
			t.Fatal(err)
		}
		if !res.OK || res.Dst == nil || res.Dst.UID == 0 || uids[res.Dst.UID] {
			t.Fatalf("result %+v: want ok with a UID of its own", res)
		}
		uids[res.Dst.UID] = true
	}
	if len(uids) != 10 {
		t.Fatalf("%d results, want 10", len(uids))
	}
}

// kwItems are n messages with a keyword, for folder Lists.
type kwItems struct{ items }

func (s *kwItems) Next() (*stream.Item, error) {
	it, err := s.items.Next()
	if it != nil {
		it.Msg.Folder, it.Msg.Flags = "Lists", []string{`\Seen`, "kw"}
	}
	return it, err
}

// A CREATE answered "already exists" is success once LIST shows the
// folder (Cyrus said so 43 times in a run that then reported 0 errors);
// a message stored again without its keywords counts once, the refused
// keywords are reported once for the folder, and every error printed is
// counted.
func TestAlreadyExistsAndKeywordRetryCountOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := &refuser{uidNext: 1, cyrus: true}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.serve(c)
		}
	}()
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
		if err != nil {
			return nil, err
		}
		return c, c.Login("u", "p").Wait()
	}
	var log strings.Builder
	sum, err := RunFrom(context.Background(), dial, Options{Log: &log}, &kwItems{items{n: 5, size: 300}}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Appended != 5 || len(srv.stored) != 5 {
		t.Errorf("appended %d, server holds %d: want 5 and 5", sum.Appended, len(srv.stored))
	}
	if strings.Contains(log.String(), "create folder") {
		t.Errorf("an existing folder was reported as an error:\n%s", log.String())
	}
	// The refused keywords are one error for the folder, in the server's
	// words, not one per message.
	if n := strings.Count(log.String(), "imapx: error:"); n != sum.Errors || n != 1 {
		t.Errorf("%d error lines, %d errors counted: want 1 (keywords refused in Lists) both", n, sum.Errors)
	}
	if !strings.Contains(log.String(), `folder "Lists": the server refused keywords (imap: NO Too many user flags in mailbox): 5 messages stored without them: kw`) {
		t.Errorf("the refusal is not reported once for the folder with the server's words:\n%s", log.String())
	}
}

// flagList is the flag list of an APPEND line, "" if it has none.
func flagList(line string) string {
	open, end := strings.IndexByte(line, '('), strings.IndexByte(line, ')')
	if open < 0 || end < open {
		return ""
	}
	return line[open+1 : end]
}

// refusesKeyword reports whether an APPEND line carries a keyword the
// folder does not take (r.keywords set).
func (r *refuser) refusesKeyword(line string) bool {
	if r.keywords == nil {
		return false
	}
	for _, f := range strings.Fields(flagList(line)) {
		if !strings.HasPrefix(f, `\`) && !slices.Contains(r.keywords, f) {
			return true
		}
	}
	return false
}

// mixedKwItems are n messages for Lists, each with a keyword the folder
// holds (old) and one it will refuse (new<i>).
type mixedKwItems struct{ items }

func (s *mixedKwItems) Next() (*stream.Item, error) {
	it, err := s.items.Next()
	if it != nil {
		it.Msg.Folder, it.Msg.Flags = "Lists", []string{`\Seen`, "old", fmt.Sprintf("new%d", s.next)}
	}
	return it, err
}

// A message refused for its keywords is stored again with those the
// folder holds (Cyrus at 100 keywords): only the new ones are dropped,
// and they are named, once for the folder.
func TestKeywordRetryKeepsTheFolders(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := &refuser{uidNext: 1, keywords: []string{"old"}}
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go srv.serve(c)
		}
	}()
	dial := func(ctx context.Context) (*imapclient.Client, error) {
		c, err := imapclient.DialInsecure(ln.Addr().String(), nil)
		if err != nil {
			return nil, err
		}
		return c, c.Login("u", "p").Wait()
	}
	var log strings.Builder
	sum, err := RunFrom(context.Background(), dial, Options{Log: &log}, &mixedKwItems{items{n: 3, size: 300}}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	if sum.Appended != 3 || len(srv.stored) != 3 {
		t.Fatalf("appended %d, server holds %d: want 3 and 3", sum.Appended, len(srv.stored))
	}
	for _, f := range srv.flags {
		if f != `\Seen old` {
			t.Errorf("stored with flags (%s), want (\\Seen old): the folder's keyword kept, the new one dropped", f)
		}
	}
	if n := strings.Count(log.String(), "imapx: error:"); n != 1 || sum.Errors != 1 {
		t.Errorf("%d error lines, %d errors counted: want 1 and 1\n%s", n, sum.Errors, log.String())
	}
	if !strings.Contains(log.String(), `folder "Lists": the server refused keywords (imap: NO Too many user flags in mailbox): 3 messages stored without them: new1 new2 new3`) {
		t.Errorf("the dropped keywords are not named exactly:\n%s", log.String())
	}
}
