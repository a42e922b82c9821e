package flags

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
)

// kwLimit serves one folder that takes the keyword "old" and refuses any
// other, as Cyrus at its 100 keywords does; it records the flag lists of
// the STOREs it took.
type kwLimit struct {
	// listsAll lists the refused keywords in FLAGS too, as Cyrus did
	// after crashing at its limit.
	listsAll bool
	mu       sync.Mutex
	stored   []string
}

func (s *kwLimit) serve(conn net.Conn) {
	defer conn.Close()
	br := bufio.NewReader(conn)
	const caps = "IMAP4rev1 LITERAL+ UIDPLUS"
	fmt.Fprintf(conn, "* OK [CAPABILITY %s] ready\r\n", caps)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		tag, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
		fields := strings.Fields(rest)
		verb := strings.ToUpper(fields[0])
		if verb == "UID" {
			verb += " " + strings.ToUpper(fields[1])
		}
		switch verb {
		case "LOGIN":
			fmt.Fprintf(conn, "%s OK [CAPABILITY %s] in\r\n", tag, caps)
		case "SELECT":
			listed := "old"
			if s.listsAll {
				listed = "old new1 new2 new3"
			}
			fmt.Fprintf(conn, "* FLAGS (\\Seen \\Flagged %s)\r\n* OK [PERMANENTFLAGS (\\Seen \\Flagged %s \\*)] p\r\n* 3 EXISTS\r\n* OK [UIDVALIDITY 9] v\r\n* OK [UIDNEXT 4] n\r\n%s OK [READ-WRITE] done\r\n", listed, listed, tag)
		case "UID STORE":
			list := rest[strings.IndexByte(rest, '(')+1 : strings.LastIndexByte(rest, ')')]
			refused := slices.ContainsFunc(strings.Fields(list), func(f string) bool { return !strings.HasPrefix(f, `\`) && f != "old" })
			if refused {
				fmt.Fprintf(conn, "%s NO Too many user flags in mailbox\r\n", tag)
				continue
			}
			s.mu.Lock()
			s.stored = append(s.stored, fields[2]+" "+list)
			s.mu.Unlock()
			fmt.Fprintf(conn, "%s OK stored\r\n", tag)
		case "LOGOUT":
			fmt.Fprintf(conn, "* BYE bye\r\n%s OK out\r\n", tag)
			return
		default:
			fmt.Fprintf(conn, "%s OK fine\r\n", tag)
		}
	}
}

// A folder that refuses new keywords gets the rest of each change (the
// system flags and the keywords it holds), and the refusal is one error
// line for the folder with the count and the keywords dropped, counted
// once, exit 114 as push's.
func TestRefusedKeywordsOneLinePerFolder(t *testing.T) {
	t.Run("listed", func(t *testing.T) { refusedKeywords(t, false) })
	// The folder lists the keywords it refuses: the server's words decide.
	t.Run("listed-yet-refused", func(t *testing.T) { refusedKeywords(t, true) })
}

func refusedKeywords(t *testing.T, listsAll bool) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	srv := &kwLimit{listsAll: listsAll}
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
	var plan strings.Builder
	for uid := 1; uid <= 3; uid++ {
		fmt.Fprintf(&plan, `{"type":"op","op":"flags","dst":{"folder":"Lists","uid":%d,"uidvalidity":9},"flags_add":["\\Seen","old","new%d"]}`+"\n", uid, uid)
	}
	plan.WriteString(`{"type":"end","stage":"diff"}` + "\n")
	var log, out strings.Builder
	sum, err := Run(context.Background(), dial, Options{Log: &log}, strings.NewReader(plan.String()), "plan", &out)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(log.String(), "imapx: error:"); n != 1 || sum.Errors != 1 {
		t.Errorf("%d error lines, %d errors counted: want 1 and 1\n%s", n, sum.Errors, log.String())
	}
	// Listed yet refused, the folder's list cannot tell which it takes:
	// every keyword is left out, the system flags still stored.
	wantDropped, wantStored := "new1 new2 new3", `\Seen old`
	if listsAll {
		wantDropped, wantStored = "new1 old new2 new3", `\Seen` // in the order met
	}
	if !strings.Contains(log.String(), `STORE in "Lists": the server refused keywords (imap: NO Too many user flags in mailbox): 3 messages stay without them: `+wantDropped) {
		t.Errorf("the refusal is not one line for the folder with the count and the keywords:\n%s", log.String())
	}
	if code := sum.Code(); code != exitcode.Append {
		t.Errorf("exit %d, want %d (as push's keyword refusal)", code, exitcode.Append)
	}
	srv.mu.Lock()
	defer srv.mu.Unlock()
	slices.Sort(srv.stored)
	if want := []string{"1 " + wantStored, "2 " + wantStored, "3 " + wantStored}; !slices.Equal(srv.stored, want) {
		t.Errorf("stored %q, want %q: the accepted flags of each change", srv.stored, want)
	}
	if strings.Count(out.String(), `"code":114`) != 3 {
		t.Errorf("each message's result should say the refusal (code 114):\n%s", out.String())
	}
}
