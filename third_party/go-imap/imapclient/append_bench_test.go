package imapclient_test

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// copyDelayed copies data from src to dst, delaying each chunk by delay. It
// doesn't limit the throughput: chunks are in flight concurrently, like on a
// network link with latency.
func copyDelayed(dst, src net.Conn, delay time.Duration) {
	type chunk struct {
		b  []byte
		at time.Time
	}
	ch := make(chan chunk, 4096)
	go func() {
		defer close(ch)
		for {
			buf := make([]byte, 32*1024)
			n, err := src.Read(buf)
			if n > 0 {
				ch <- chunk{buf[:n], time.Now().Add(delay)}
			}
			if err != nil {
				return
			}
		}
	}()

	for c := range ch {
		time.Sleep(time.Until(c.at))
		if _, err := dst.Write(c.b); err != nil {
			break
		}
	}
	dst.Close()
	src.Close()
	for range ch {
		// drain
	}
}

// startLatencyProxy starts a TCP proxy to addr which adds delay in each
// direction.
func startLatencyProxy(tb testing.TB, addr string, delay time.Duration) net.Listener {
	ln, err := net.Listen("tcp", "localhost:0")
	if err != nil {
		tb.Fatalf("net.Listen() = %v", err)
	}
	go func() {
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", addr)
			if err != nil {
				down.Close()
				continue
			}
			go copyDelayed(up, down, delay)
			go copyDelayed(down, up, delay)
		}
	}()
	return ln
}

func appendPipelined(client *imapclient.Client, n int, msg string) error {
	cmds := make([]*imapclient.AppendCommand, n)
	for i := range cmds {
		cmd := client.Append("INBOX", int64(len(msg)), nil)
		if _, err := cmd.Write([]byte(msg)); err != nil {
			return err
		}
		if err := cmd.Close(); err != nil {
			return err
		}
		cmds[i] = cmd
	}
	for _, cmd := range cmds {
		if _, err := cmd.Wait(); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkAppend_latency appends 500 messages of 8 KiB, pipelined on a single
// connection, through a proxy adding 10ms of latency in each direction. With
// LITERAL+, the client doesn't need to wait for a continuation request before
// sending each message: the whole batch costs about one round trip instead of
// one round trip per message.
func BenchmarkAppend_latency(b *testing.B) {
	const (
		numMsgs = 500
		msgSize = 8 * 1024
		delay   = 10 * time.Millisecond
	)

	header := "From: <bench@example.org>\r\nSubject: bench\r\n\r\n"
	msg := header + strings.Repeat("x", msgSize-len(header))

	for _, literalPlus := range []bool{false, true} {
		name := "LITERAL-"
		if literalPlus {
			name = "LITERAL+"
		}
		b.Run(name, func(b *testing.B) {
			ln, server := newLiteralPlusMemServer(b, literalPlus)
			defer server.Close()
			proxy := startLatencyProxy(b, ln.Addr().String(), delay)
			defer proxy.Close()

			conn, err := net.Dial("tcp", proxy.Addr().String())
			if err != nil {
				b.Fatalf("net.Dial() = %v", err)
			}
			client := imapclient.New(conn, nil)
			defer client.Close()

			if err := client.Login(testUsername, testPassword).Wait(); err != nil {
				b.Fatalf("Login().Wait() = %v", err)
			}
			if got := client.Caps().Has(imap.CapLiteralPlus); got != literalPlus {
				b.Fatalf("Caps().Has(LITERAL+) = %v, want %v", got, literalPlus)
			}

			b.SetBytes(numMsgs * msgSize)
			b.ResetTimer()
			start := time.Now()
			for i := 0; i < b.N; i++ {
				if err := appendPipelined(client, numMsgs, msg); err != nil {
					b.Fatalf("append: %v", err)
				}
			}
			elapsed := time.Since(start)
			b.StopTimer()

			b.ReportMetric(float64(numMsgs*b.N)/elapsed.Seconds(), "msgs/s")
		})
	}
}
