package test

import (
	"bufio"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"

	"github.com/rogpeppe/go-internal/testscript"
)

// literalAtEnd finds the literal a server line announces ({N} or ~{N}).
var literalAtEnd = regexp.MustCompile(`~?\{(\d+)\+?\}\r\n$`)

// alertproxy NAME TARGETVAR TEXT: start a proxy to $TARGETVAR that sends
// `* OK [ALERT] TEXT` before every tagged OK of the server, as Courier-IMAP
// does for each APPEND of a message with 8-bit headers; $NAME is its
// address.
func cmdAlertProxy(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 3 {
		ts.Fatalf("usage: alertproxy NAME TARGETVAR TEXT")
	}
	alert := "* OK [ALERT] " + args[2] + "\r\n"
	rewritingProxy(ts, args[0], ts.Getenv(args[1]), func(r *bufio.Reader, client net.Conn) {
		w := bufio.NewWriter(client)
		for {
			line, err := r.ReadString('\n')
			if err != nil {
				w.WriteString(line)
				w.Flush()
				return
			}
			if f := strings.Fields(line); len(f) >= 2 && f[0] != "*" && f[0] != "+" && strings.EqualFold(f[1], "OK") && !strings.HasPrefix(line, " ") {
				w.WriteString(alert)
			}
			w.WriteString(line)
			if m := literalAtEnd.FindStringSubmatch(line); m != nil {
				n, _ := strconv.ParseInt(m[1], 10, 64)
				if _, err := io.CopyN(w, r, n); err != nil {
					w.Flush()
					return
				}
			}
			if r.Buffered() == 0 && w.Flush() != nil {
				return
			}
		}
	})
}
