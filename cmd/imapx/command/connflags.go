package command

import "github.com/urfave/cli/v2"

// maxConnections bounds --connections: servers cap connections per user
// and address (Dovecot: 10 by default), and a login refused there fails
// the folders it was to carry.
const maxConnections = 16

func checkConnections(c *cli.Context, n int) error {
	if n < 1 || n > maxConnections {
		return usagef(c, "--connections %d: give 1 to %d (servers cap connections per user: Dovecot at 10)", n, maxConnections)
	}
	return nil
}

// defaultConnections per account for sync: enough to keep a server's
// write path busy and to hide round trips on a WAN, well under Dovecot's
// default 10 connections per user and IP.
const defaultConnections = 4

func connectionsFlag() cli.Flag {
	return &cli.IntFlag{Name: "connections", Value: defaultConnections, Action: checkConnections,
		Usage: "use up to `N` connections per account: folders are read, and copied, N at a time"}
}

// pushConnectionsFlag: a stream being pushed is usually one folder at a
// time, which one connection serves best (servers lock a folder per APPEND).
func pushConnectionsFlag() cli.Flag {
	return &cli.IntFlag{Name: "connections", Value: 1, Action: checkConnections,
		Usage: "append over `N` connections at once (copies of one message share one; helps servers that do not lock a folder per APPEND)"}
}

// fetchConnectionsFlag: one connection keeps a fetch's output in folder
// order; more read folders in parallel.
func fetchConnectionsFlag() cli.Flag {
	return &cli.IntFlag{Name: "connections", Value: 1, Action: checkConnections,
		Usage: "read `N` folders at once, each on its own connection (their records interleave)"}
}
