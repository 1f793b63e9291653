// Package database holds the interface between the RESP handler and the
// command executor (standalone or cluster).
package database

import "goredis/interface/resp"

// DB executes commands for connections.
type DB interface {
	// Exec runs one command. args[0] is the command name as sent; args are
	// only valid until Exec returns. The reply may be nil when nothing is to
	// be sent (CLIENT REPLY OFF, subscribed pushes already written).
	Exec(c resp.Connection, args [][]byte) resp.Reply
	// AfterClientClose releases what the connection held (subscriptions,
	// blocked waits, watches).
	AfterClientClose(c resp.Connection)
	// Durable blocks until every write c has run is as durable as
	// appendfsync asks (in the append-only file; on disk under always).
	// The connection calls it before sending replies; an error means they
	// must not be sent, since the writes they acknowledge may be lost.
	Durable(c resp.Connection) error
	// Close stops background work and flushes persistence.
	Close()
}
