package main

import "github.com/urfave/cli/v2"

// defaultConnections per account for sync: enough to keep a server's
// write path busy and to hide round trips on a WAN, well under Dovecot's
// default 10 connections per user and IP.
const defaultConnections = 4

func connectionsFlag() cli.Flag {
	return &cli.IntFlag{Name: "connections", Value: defaultConnections,
		Usage: "use up to `N` connections per account: folders are read, and copied, N at a time"}
}

// pushConnectionsFlag: a stream being pushed is usually one folder at a
// time, which one connection serves best (servers lock a folder per APPEND).
func pushConnectionsFlag() cli.Flag {
	return &cli.IntFlag{Name: "connections", Value: 1,
		Usage: "append over `N` connections at once (copies of one message share one; helps servers that do not lock a folder per APPEND)"}
}
