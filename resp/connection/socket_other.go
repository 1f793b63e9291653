//go:build !linux

package connection

import (
	"io"
	"net"
)

// newSocket returns the reader and writer for an accepted connection.
func newSocket(c net.Conn) io.ReadWriter { return c }
