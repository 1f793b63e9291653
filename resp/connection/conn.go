// Package connection holds the state of one client connection and its
// write buffer: replies are appended and written once per batch.
package connection

import (
	"net"
	"sync"
	"sync/atomic"
	"time"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/clock"
	"goredis/resp/parser"
)

var nextID atomic.Int64

// outFlushAt is the buffered output size at which a batch is written
// before its end, so one huge pipeline does not buffer without bound.
const outFlushAt = 64 * 1024

// Connection is one client.
type Connection struct {
	conn  net.Conn
	id    int64
	state resp.ClientState

	// db and proto are read by other clients (CLIENT LIST), so atomic.
	db     atomic.Int32
	proto  atomic.Int32
	authed atomic.Bool

	mu      sync.Mutex // guards out, werr, name and the socket's writes
	out     []byte
	werr    error
	name    string
	user    string
	created time.Time
	active  atomic.Int64 // clock.Mono of the last command

	Parser *parser.Parser
	closed atomic.Bool
	qbuf   atomic.Int64 // query bytes buffered after the last command read

}

// New wraps an accepted socket.
func New(conn net.Conn) *Connection {
	c := &Connection{conn: conn, id: nextID.Add(1), created: time.Now(), user: "default"}
	c.proto.Store(2)
	c.active.Store(clock.Mono())
	c.Parser = parser.New(conn, c)
	c.Parser.BeforeRead = c.Flush
	return c
}

// NewFake returns a connection without a socket, for internal clients
// (AOF loading, tests); its replies are discarded.
func NewFake() *Connection {
	c := &Connection{id: nextID.Add(1), created: time.Now(), user: "default"}
	c.proto.Store(2)
	c.authed.Store(true)
	return c
}

func (c *Connection) ID() int64                { return c.id }
func (c *Connection) DBIndex() int             { return int(c.db.Load()) }
func (c *Connection) SelectDB(i int)           { c.db.Store(int32(i)) }
func (c *Connection) Protocol() int            { return int(c.proto.Load()) }
func (c *Connection) SetProtocol(p int)        { c.proto.Store(int32(p)) }
func (c *Connection) State() *resp.ClientState { return &c.state }
func (c *Connection) CreatedAt() time.Time     { return c.created }

// Authenticated reports whether the client may run commands that need
// authentication.
func (c *Connection) Authenticated() bool { return c.authed.Load() }

// SetAuthenticated records the outcome of AUTH.
func (c *Connection) SetAuthenticated(ok bool, user string) {
	c.authed.Store(ok)
	if user != "" {
		c.mu.Lock()
		c.user = user
		c.mu.Unlock()
	}
}

// User is the authenticated user name.
func (c *Connection) User() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.user
}

// Name is the CLIENT SETNAME name.
func (c *Connection) Name() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.name
}

// SetName sets the name.
func (c *Connection) SetName(n string) {
	c.mu.Lock()
	c.name = n
	c.mu.Unlock()
}

// RemoteAddr is the peer's address.
func (c *Connection) RemoteAddr() string {
	if c.conn == nil {
		return ""
	}
	return c.conn.RemoteAddr().String()
}

// LocalAddr is the server's side of the socket.
func (c *Connection) LocalAddr() string {
	if c.conn == nil {
		return ""
	}
	return c.conn.LocalAddr().String()
}

// LastActive is when the client last ran a command.
func (c *Connection) LastActive() time.Time { return clock.Wall(c.active.Load()) }

// Touch records activity and the query buffer left after the command
// just read.
func (c *Connection) Touch() {
	c.active.Store(clock.Mono())
	if c.Parser == nil {
		return
	}
	if q := int64(c.Parser.Buffered()); c.qbuf.Load() != q {
		c.qbuf.Store(q)
	}
}

// Buffers reports buffer sizes for CLIENT LIST.
func (c *Connection) Buffers() (qbuf, qbufFree, out int) {
	c.mu.Lock()
	out = len(c.out)
	c.mu.Unlock()
	return int(c.qbuf.Load()), 0, out
}

// MaxBulkLen implements parser.Limits.
func (c *Connection) MaxBulkLen() int64 { return config.Get().ProtoMaxBulkLen }

// QueryBufferLimit implements parser.Limits.
func (c *Connection) QueryBufferLimit() int64 { return config.Get().ClientQueryBufferLimit }

// AuthRequired implements parser.Limits.
func (c *Connection) AuthRequired() bool {
	return !c.authed.Load() && config.Get().RequirePass != ""
}

// Write appends a reply to the output buffer; it is sent at the next Flush
// (when the client has no more commands buffered) or once the buffer is
// large.
func (c *Connection) Write(r resp.Reply) {
	c.mu.Lock()
	c.out = r.AppendTo(c.out, c.proto.Load() == 3)
	big := len(c.out) >= outFlushAt
	c.mu.Unlock()
	if big {
		_ = c.Flush()
	}
}

// Push writes an out-of-band reply and flushes it.
func (c *Connection) Push(r resp.Reply) error {
	c.Write(r)
	return c.Flush()
}

// Flush writes the buffered replies with one write. The first write error
// is kept; later calls return it without writing.
func (c *Connection) Flush() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.werr != nil {
		c.out = c.out[:0]
		return c.werr
	}
	if len(c.out) == 0 || c.conn == nil {
		c.out = c.out[:0]
		return nil
	}
	_, c.werr = c.conn.Write(c.out)
	if cap(c.out) > outFlushAt*4 {
		c.out = nil
	} else {
		c.out = c.out[:0]
	}
	return c.werr
}

// Close closes the socket; the connection's loop then ends.
func (c *Connection) Close() error {
	if c.closed.Swap(true) || c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// Closed reports whether Close was called.
func (c *Connection) Closed() bool { return c.closed.Load() }

// Conn returns the socket.
func (c *Connection) Conn() net.Conn { return c.conn }
