package client

import (
	"net"
	"time"
)

// RawConn is a connection for tests: it writes any bytes, well-formed or
// not, and reads one reply at a time with a deadline. It is not safe for
// concurrent use.
type RawConn struct {
	conn net.Conn
	r    *Reader
	buf  []byte
}

// DialRaw connects to addr over TCP (giving up after 5 seconds).
func DialRaw(addr string) (*RawConn, error) {
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	return NewRawConn(conn), nil
}

// NewRawConn wraps conn.
func NewRawConn(conn net.Conn) *RawConn {
	return &RawConn{conn: conn, r: NewReader(conn)}
}

// Conn is the underlying connection (to half-close it, say).
func (c *RawConn) Conn() net.Conn { return c.conn }

// Write writes b as is.
func (c *RawConn) Write(b []byte) error {
	_, err := c.conn.Write(b)
	return err
}

// WriteCommand writes args as one RESP multibulk.
func (c *RawConn) WriteCommand(args ...string) error {
	c.buf = AppendCommandStrings(c.buf[:0], args...)
	return c.Write(c.buf)
}

// ReadValue reads one reply, waiting at most timeout (0: forever). A
// timeout before the first byte of a reply leaves the connection usable,
// so a test can check that no reply comes; one inside a reply does not.
func (c *RawConn) ReadValue(timeout time.Duration) (Value, error) {
	var deadline time.Time
	if timeout > 0 {
		deadline = time.Now().Add(timeout)
	}
	if err := c.conn.SetReadDeadline(deadline); err != nil {
		return Value{}, err
	}
	return c.r.ReadValue()
}

// Do writes one command and reads its reply, waiting at most timeout.
func (c *RawConn) Do(timeout time.Duration, args ...string) (Value, error) {
	if err := c.WriteCommand(args...); err != nil {
		return Value{}, err
	}
	return c.ReadValue(timeout)
}

// Close closes the connection.
func (c *RawConn) Close() error { return c.conn.Close() }
