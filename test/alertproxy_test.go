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
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	ts.Check(err)
	target, alert := ts.Getenv(args[1]), "* OK [ALERT] "+args[2]+"\r\n"
	go func() {
		for {
			client, err := ln.Accept()
			if err != nil {
				return
			}
			server, err := net.Dial("tcp", target)
			if err != nil {
				client.Close()
				continue
			}
			go func() {
				io.Copy(server, client)
				server.Close()
			}()
			go func() {
				defer client.Close()
				r, w := bufio.NewReader(server), bufio.NewWriter(client)
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
					if r.Buffered() == 0 {
						if w.Flush() != nil {
							return
						}
					}
				}
			}()
		}
	}()
	ts.Defer(func() { ln.Close() })
	ts.Setenv(args[0], ln.Addr().String())
}
