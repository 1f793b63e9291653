package redistest

import (
	"testing"
	"time"

	"goredis/resp/client"
)

// ReplyTimeout bounds the wait for each reply on a Conn.
const ReplyTimeout = 20 * time.Second

// Conn is a test's connection to a Server. It reads replies of every kind,
// error replies included, as values; a broken connection or a reply that
// does not come within ReplyTimeout fails the test.
type Conn struct {
	t  testing.TB
	rc *client.RawConn
}

// Dial connects to s for test t; the connection closes when t ends.
func (s *Server) Dial(t testing.TB) *Conn {
	t.Helper()
	return &Conn{t: t, rc: DialRaw(t, s.Addr)}
}

// DialRaw connects to addr (any server) for test t; the connection closes
// when t ends.
func DialRaw(t testing.TB, addr string) *client.RawConn {
	t.Helper()
	rc, err := client.DialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rc.Close() })
	return rc
}

// Do sends args on c as one multibulk command and returns the reply; a
// broken connection or no reply within ReplyTimeout fails the test.
func Do(t testing.TB, c *client.RawConn, args ...string) client.Value {
	t.Helper()
	v, err := c.Do(ReplyTimeout, args...)
	if err != nil {
		t.Fatalf("%q: %v", args, err)
	}
	return v
}

// Raw is the underlying connection, for writes of any bytes and reads
// with other timeouts.
func (c *Conn) Raw() *client.RawConn { return c.rc }

// Do sends args as one multibulk command and returns the reply.
func (c *Conn) Do(args ...string) client.Value {
	c.t.Helper()
	return Do(c.t, c.rc, args...)
}

// Send writes b as it is, well-formed or not, and reads one reply. Unlike
// Do it returns the error of a broken connection (a server that closes
// after a protocol error, say) for the test to judge.
func (c *Conn) Send(b []byte) (client.Value, error) {
	if err := c.rc.Write(b); err != nil {
		return client.Value{}, err
	}
	return c.rc.ReadValue(ReplyTimeout)
}
