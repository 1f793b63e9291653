// Package tcp holds the interface the TCP server drives.
package tcp

import (
	"context"
	"net"
)

// Handler serves one accepted connection until it ends.
type Handler interface {
	Handle(ctx context.Context, conn net.Conn)
	Close() error
}
