// Package connection holds the state of one client connection and its
// write buffer: replies are appended and written once per batch.
package connection

import (
	"errors"
	"io"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/clock"
	"goredis/lib/logger"
	"goredis/resp/parser"
)

var nextID atomic.Int64

// outFlushAt is the buffered output size at which a batch is written
// before its end, so one huge pipeline does not buffer without bound.
const outFlushAt = 64 * 1024

// Connection is one client.
type Connection struct {
	conn  net.Conn
	sock  io.ReadWriter // conn's reads and writes (newSocket)
	try   tryReader     // sock, when it can read without waiting
	id    int64
	state resp.ClientState

	// db and proto are read by other clients (CLIENT LIST), so atomic.
	db     atomic.Int32
	proto  atomic.Int32
	authed atomic.Bool

	mu       sync.Mutex // guards out, spare, inflight, werr, name, user, softAt
	out      []byte
	spare    []byte // the buffer of the previous write, reused
	inflight int    // bytes handed to the socket by a write still running
	werr     error
	softAt   int64 // unix seconds when the soft output limit was first passed
	name     string
	user     string
	created  time.Time
	active   atomic.Int64 // clock.Mono of the last command

	// BeforeFlush, when set, runs before buffered replies are written: the
	// handler waits there for the client's writes to be durable. An error
	// drops the replies and fails the connection.
	BeforeFlush func() error
	// BeforeWait, when set, is what Waiting does instead of a Flush: the
	// handler also writes the replies it holds back.
	BeforeWait func()

	wmu        sync.Mutex // serializes writes to the socket, in buffer order
	writerOnce sync.Once
	wake       chan struct{} // cap 1: Enqueue asks the writer to flush
	done       chan struct{} // closed by Close

	Parser *parser.Parser
	closed atomic.Bool
	qbuf   atomic.Int64 // query bytes buffered after the last command read

}

// New wraps an accepted socket.
func New(conn net.Conn) *Connection {
	c := &Connection{conn: conn, sock: newSocket(conn), id: nextID.Add(1), created: time.Now(), user: "default", done: make(chan struct{})}
	c.proto.Store(2)
	c.active.Store(clock.Mono())
	c.try, _ = c.sock.(tryReader)
	c.Parser = parser.New(sockReader{c}, c)
	c.Parser.BeforeRead = c.Flush
	return c
}

// tryReader is a socket that can read without waiting for input.
type tryReader interface {
	TryRead(p []byte) (int, error)
}

// errWouldBlock is TryRead finding no input.
var errWouldBlock = errors.New("read would block")

// sockReader is what the parser reads the socket through. The parser's
// owner may leave replies buffered before a read, when the last read
// stopped inside a command and the rest is on its way (see
// parser.MidFrame); if the rest is not there yet, the replies are sent
// before the read waits for it, as Redis replies to what it parsed of a
// read: the client may not send the rest until it has them, and its
// first reply should not wait for its next write.
type sockReader struct{ c *Connection }

func (r sockReader) Read(p []byte) (int, error) {
	c := r.c
	// Only after a read that stopped inside a command are replies left
	// buffered (BeforeRead flushes otherwise): the check costs no lock
	// on the one-command-a-read path.
	if c.try != nil && c.Parser.MidFrame() && c.replyPending() {
		n, err := c.try.TryRead(p)
		if err != errWouldBlock {
			return n, err
		}
		c.Waiting()
	}
	return c.sock.Read(p)
}

// replyPending reports replies buffered and not yet written.
func (c *Connection) replyPending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.out) > 0
}

// NewFake returns a connection without a socket, for internal clients
// (AOF loading, tests); its replies are discarded.
func NewFake() *Connection {
	c := &Connection{id: nextID.Add(1), created: time.Now(), user: "default", done: make(chan struct{})}
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

// Touch records the query buffer left after the command just read.
func (c *Connection) Touch() {
	if c.Parser == nil {
		return
	}
	if q := int64(c.Parser.Buffered()); c.qbuf.Load() != q {
		c.qbuf.Store(q)
	}
}

// MarkActive records that the client ran commands now (CLIENT LIST idle,
// the timeout): once per batch, before the connection waits for more.
func (c *Connection) MarkActive() { c.active.Store(clock.Mono()) }

// Buffers reports buffer sizes for CLIENT LIST.
func (c *Connection) Buffers() (qbuf, qbufFree, out int) {
	c.mu.Lock()
	out = len(c.out) + c.inflight
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
// large. Writing a large buffer waits for the socket, so a client that
// does not read its replies stops being read (back-pressure), unless its
// class has a client-output-buffer-limit: then, as in Redis, the batch's
// replies pile up and the client is closed once they pass the limit.
// A connection whose writes failed drops the reply.
func (c *Connection) Write(r resp.Reply) {
	c.mu.Lock()
	if c.werr != nil {
		c.mu.Unlock()
		return
	}
	c.out = r.AppendTo(c.out, c.proto.Load() == 3)
	n := len(c.out)
	over, limited := false, false
	if n+c.inflight > checkLimitsAbove {
		over, limited = c.overLimitLocked()
	}
	c.mu.Unlock()
	if over {
		c.closeForLimit()
		return
	}
	if n >= outFlushAt && !limited {
		_ = c.Flush()
	}
}

// Push writes an out-of-band reply and flushes it, waiting for the socket.
func (c *Connection) Push(r resp.Reply) error {
	c.Write(r)
	return c.Flush()
}

// Enqueue appends an out-of-band reply (a pub/sub message) and returns at
// once: the connection's writer goroutine sends it, so a publisher never
// waits for a slow subscriber. A connection whose pending output passes
// its class's client-output-buffer-limit is closed, as Redis does; Enqueue
// then reports false.
func (c *Connection) Enqueue(r resp.Reply) bool {
	if c.closed.Load() {
		return false
	}
	c.mu.Lock()
	if c.werr != nil {
		c.mu.Unlock()
		return false
	}
	c.out = r.AppendTo(c.out, c.proto.Load() == 3)
	over := false
	if len(c.out)+c.inflight > checkLimitsAbove {
		over, _ = c.overLimitLocked()
	}
	c.mu.Unlock()
	if over {
		c.closeForLimit()
		return false
	}
	if c.conn == nil {
		c.mu.Lock()
		c.out = c.out[:0]
		c.mu.Unlock()
		return true
	}
	c.writerOnce.Do(func() {
		c.wake = make(chan struct{}, 1)
		go c.writer()
	})
	select {
	case c.wake <- struct{}{}:
	default:
	}
	return true
}

// writer flushes what Enqueue buffered until the connection closes.
func (c *Connection) writer() {
	for {
		select {
		case <-c.done:
			return
		case <-c.wake:
			if c.Flush() != nil {
				return
			}
		}
	}
}

// checkLimitsAbove is the pending output below which no limit is checked
// (Redis does not count its 16 KB static reply buffer either).
const checkLimitsAbove = 16 * 1024

// overLimitLocked applies client-output-buffer-limit to the pending output
// (buffered plus being written), with Redis's rule: over the hard limit at
// once, or over the soft limit for longer than its seconds. The class is
// pubsub while the client has subscriptions, normal otherwise. limited
// reports whether the class has a limit at all. c.mu is held.
func (c *Connection) overLimitLocked() (over, limited bool) {
	class := config.ClientNormal
	if sh := &c.state.Shown; sh.Subs.Load()+sh.Patterns.Load()+sh.ShardSub.Load() > 0 {
		class = config.ClientPubSub
	}
	lim := config.Get().OutputBufferLimits[class]
	if lim.Hard == 0 && lim.Soft == 0 {
		return false, false
	}
	used := int64(len(c.out) + c.inflight)
	if lim.Hard > 0 && used >= lim.Hard {
		return true, true
	}
	if lim.Soft > 0 && used >= lim.Soft {
		// Whole seconds, as Redis counts with its cached unixtime.
		now := time.Now().Unix()
		if c.softAt == 0 {
			c.softAt = now
			return false, true
		}
		return now-c.softAt > lim.SoftSeconds, true
	}
	c.softAt = 0
	return false, true
}

// closeForLimit drops a client over its output buffer limit.
func (c *Connection) closeForLimit() {
	if c.closed.Load() {
		return
	}
	logger.Warningf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", c.describe())
	c.fail(errOutputLimit)
}

// fail keeps err as the connection's write error (unless it has one),
// drops the pending output and closes the connection.
func (c *Connection) fail(err error) {
	c.mu.Lock()
	if c.werr == nil {
		c.werr = err
	}
	c.out = c.out[:0]
	c.mu.Unlock()
	_ = c.Close()
}

var errOutputLimit = errors.New("output buffer limit reached")

// describe names the client in log lines, like the start of Redis's
// CLIENT LIST line.
func (c *Connection) describe() string {
	return "id=" + strconv.FormatInt(c.id, 10) + " addr=" + c.RemoteAddr() + " laddr=" + c.LocalAddr() + " name=" + c.Name()
}

// Flush writes the buffered replies with one write. The first write error
// is kept; later calls return it without writing. Writes are serialized
// and take the buffer in order, so replies and pushed messages leave in
// the order they were appended; the buffer's lock is not held while the
// socket is written, so appending never waits for a slow peer.
func (c *Connection) Flush() error {
	if c.BeforeFlush != nil {
		if err := c.BeforeFlush(); err != nil {
			c.fail(err)
			return err
		}
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	c.mu.Lock()
	if c.werr != nil {
		c.out = c.out[:0]
		err := c.werr
		c.mu.Unlock()
		return err
	}
	if len(c.out) == 0 || c.conn == nil {
		c.out = c.out[:0]
		c.mu.Unlock()
		return nil
	}
	buf := c.out
	c.out, c.spare = c.spare[:0], nil
	c.inflight = len(buf)
	c.mu.Unlock()

	_, err := c.sock.Write(buf)

	c.mu.Lock()
	c.inflight = 0
	if err != nil && c.werr == nil {
		c.werr = err
	}
	err = c.werr
	if cap(buf) <= outFlushAt*4 {
		c.spare = buf[:0]
	}
	c.mu.Unlock()
	return err
}

// Waiting is told that the command running is about to wait (a blocking
// command nothing serves yet, a CLIENT PAUSE): the replies of the commands
// before it are sent now, as Redis writes a client's pending replies
// before it blocks, instead of waiting behind it.
func (c *Connection) Waiting() {
	if c.BeforeWait != nil {
		c.BeforeWait()
		return
	}
	_ = c.Flush()
}

// Close closes the socket; the connection's loop then ends.
func (c *Connection) Close() error {
	if c.closed.Swap(true) {
		return nil
	}
	close(c.done)
	if c.conn == nil {
		return nil
	}
	return c.conn.Close()
}

// Closed reports whether Close was called.
func (c *Connection) Closed() bool { return c.closed.Load() }

// Conn returns the socket.
func (c *Connection) Conn() net.Conn { return c.conn }
