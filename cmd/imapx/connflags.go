package main

import "github.com/urfave/cli/v2"

// defaultConnections appending at once: enough to keep a server's write
// path busy, well under Dovecot's default 10 connections per user and IP.
const defaultConnections = 4

func connectionsFlag() cli.Flag {
	return &cli.IntFlag{Name: "connections", Value: defaultConnections,
		Usage: "append over `N` destination connections at once (copies of one message always share one)"}
}
