package client

import (
	"errors"
	"net"
	"sync"
	"time"
)

// ErrClosed is the error of requests on a Client that Close has closed.
var ErrClosed = errors.New("resp client: closed")

// ErrUnexpectedReply is why a Client dies when a reply other than a RESP3
// push arrives while no request is waiting for one.
var ErrUnexpectedReply = errors.New("resp client: reply arrived with no request pending")

// call is a request waiting for its replies.
type call struct {
	n    int     // replies expected
	one  Value   // the reply when n == 1
	vals []Value // the replies when n > 1
	err  error
	done chan struct{}
}

var callPool = sync.Pool{New: func() any { return &call{done: make(chan struct{}, 1)} }}

// Client is a connection to a RESP server that any number of goroutines may
// use at once. Requests are written in the order Do, DoStrings and Pipeline
// take the write lock and replies are matched to them first in, first out,
// so concurrent callers pipeline on one connection. One goroutine per Client
// reads replies; none is started per request.
//
// Every reply is matched to the oldest waiting request, so a Client is not
// for commands that change the reply stream (SUBSCRIBE, MONITOR, CLIENT
// REPLY OFF, CLIENT TRACKING): use a RawConn. A RESP3 push arriving while
// no request is pending is passed to the handler set with OnPush, or
// dropped.
//
// When the connection breaks (write or read error, protocol error, reply
// timeout) every waiting request fails with that error, the connection is
// closed and the Client is dead: Err returns the error and every later
// request fails with it at once.
type Client struct {
	conn net.Conn
	r    *Reader

	wmu  sync.Mutex // serialises writes and keeps queue order = write order
	wbuf []byte

	qmu     sync.Mutex // guards the fields below
	queue   []*call
	head    int
	err     error
	timeout time.Duration
	onPush  func(Value)

	readerDone chan struct{}
}

// Dial connects to addr over TCP, giving up after timeout (0: no limit).
// The timeout applies to connecting only; see SetReplyTimeout.
func Dial(addr string, timeout time.Duration) (*Client, error) {
	conn, err := net.DialTimeout("tcp", addr, timeout)
	if err != nil {
		return nil, err
	}
	return NewClient(conn), nil
}

// NewClient returns a Client speaking over conn, which it owns from then on.
func NewClient(conn net.Conn) *Client {
	c := &Client{
		conn:       conn,
		r:          NewReader(conn),
		readerDone: make(chan struct{}),
	}
	go c.readLoop()
	return c
}

// SetReplyTimeout makes the Client fail (and die) when a request waits
// longer than d for bytes of its reply; 0, the default, waits forever.
// Set it before use; do not use it with blocking commands.
func (c *Client) SetReplyTimeout(d time.Duration) {
	c.qmu.Lock()
	c.timeout = d
	c.qmu.Unlock()
}

// OnPush sets the function called, on the reading goroutine, with RESP3
// pushes that arrive while no request is pending.
func (c *Client) OnPush(f func(Value)) {
	c.qmu.Lock()
	c.onPush = f
	c.qmu.Unlock()
}

// Err returns nil while the Client works, then why it died.
func (c *Client) Err() error {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.err
}

// RemoteAddr is the server's address.
func (c *Client) RemoteAddr() net.Addr { return c.conn.RemoteAddr() }

// Do sends one command and returns its reply. An error reply from the
// server is a Value (Kind '-'), not an error; the error is for a broken
// connection.
func (c *Client) Do(args ...[]byte) (Value, error) {
	cl, err := c.send(1, func(b []byte) []byte { return AppendCommand(b, args...) })
	if err != nil {
		return Value{}, err
	}
	<-cl.done
	v, err := cl.one, cl.err
	release(cl)
	return v, err
}

// Pending is a request sent whose reply has not been taken yet.
type Pending struct {
	cl   *call
	c    *Client
	once sync.Once
	v    Value
	err  error
}

// Send writes one command and returns at once; Wait gives its reply.
// Requests keep their order with every other request of the Client.
//
// The request is written lazily: with the next request that waits, the
// next Wait or Flush, so the commands sent in a row go out in one write.
func (c *Client) Send(args ...[]byte) (*Pending, error) {
	cl, err := c.sendLazy(1, func(b []byte) []byte { return AppendCommand(b, args...) }, false)
	if err != nil {
		return nil, err
	}
	return &Pending{cl: cl, c: c}, nil
}

// Flush writes the requests Send left buffered.
func (c *Client) Flush() {
	c.wmu.Lock()
	err := c.writeLocked()
	c.wmu.Unlock()
	if err != nil {
		c.fail(err)
	}
}

// writeLocked writes the buffered requests; wmu is held.
func (c *Client) writeLocked() error {
	if len(c.wbuf) == 0 {
		return nil
	}
	_, err := c.conn.Write(c.wbuf)
	if cap(c.wbuf) > 64<<10 {
		c.wbuf = nil
	} else {
		c.wbuf = c.wbuf[:0]
	}
	return err
}

// Flush writes the request now if it is still buffered.
func (p *Pending) Flush() { p.c.Flush() }

// Wait returns the reply (the same each time it is called), writing the
// request first if it is still buffered.
func (p *Pending) Wait() (Value, error) {
	p.once.Do(func() {
		p.c.Flush()
		<-p.cl.done
		p.v, p.err = p.cl.one, p.cl.err
		release(p.cl)
		p.cl = nil
	})
	return p.v, p.err
}

// DoStrings is Do with string arguments.
func (c *Client) DoStrings(args ...string) (Value, error) {
	cl, err := c.send(1, func(b []byte) []byte { return AppendCommandStrings(b, args...) })
	if err != nil {
		return Value{}, err
	}
	<-cl.done
	v, err := cl.one, cl.err
	release(cl)
	return v, err
}

// Pipeline writes all commands with one write, then returns their replies
// in order. No other caller's request comes between them.
func (c *Client) Pipeline(cmds [][][]byte) ([]Value, error) {
	if len(cmds) == 0 {
		return nil, nil
	}
	cl, err := c.send(len(cmds), func(b []byte) []byte {
		for _, args := range cmds {
			b = AppendCommand(b, args...)
		}
		return b
	})
	if err != nil {
		return nil, err
	}
	<-cl.done
	vals, err := cl.vals, cl.err
	cl.vals = nil
	release(cl)
	if err != nil {
		return nil, err
	}
	return vals, nil
}

// WriteRaw sends bytes that encode exactly n requests (n replies are
// expected), for callers that build commands themselves, and returns their
// replies.
func (c *Client) WriteRaw(b []byte, n int) ([]Value, error) {
	if n <= 0 {
		return nil, errors.New("resp client: WriteRaw needs n > 0")
	}
	cl, err := c.send(n, func(buf []byte) []byte { return append(buf, b...) })
	if err != nil {
		return nil, err
	}
	<-cl.done
	vals, err := cl.vals, cl.err
	if n == 1 && err == nil {
		vals = []Value{cl.one}
	}
	cl.vals = nil
	release(cl)
	return vals, err
}

func release(cl *call) {
	cl.one, cl.err, cl.n = Value{}, nil, 0
	callPool.Put(cl)
}

// send queues a call for n replies and writes the request that encode
// appends, both under the write lock so replies come back in queue order.
func (c *Client) send(n int, encode func([]byte) []byte) (*call, error) {
	return c.sendLazy(n, encode, true)
}

// sendLazy is send; with flush false the request stays buffered (after
// any buffered before it) for a later write.
func (c *Client) sendLazy(n int, encode func([]byte) []byte, flush bool) (*call, error) {
	c.wmu.Lock()
	c.qmu.Lock()
	if c.err != nil {
		err := c.err
		c.qmu.Unlock()
		c.wmu.Unlock()
		return nil, err
	}
	cl := callPool.Get().(*call)
	cl.n = n
	if n > 1 {
		cl.vals = make([]Value, 0, n)
	}
	if c.head == len(c.queue) && c.timeout > 0 {
		c.conn.SetReadDeadline(time.Now().Add(c.timeout))
	}
	c.queue = append(c.queue, cl)
	c.qmu.Unlock()

	c.wbuf = encode(c.wbuf)
	var err error
	if flush || len(c.wbuf) >= 64<<10 {
		err = c.writeLocked()
	}
	c.wmu.Unlock()
	if err != nil {
		// cl is queued, so fail delivers the error to it.
		c.fail(err)
	}
	return cl, nil
}

func (c *Client) readLoop() {
	defer close(c.readerDone)
	for {
		v, err := c.r.ReadValue()
		if err != nil {
			c.fail(err)
			return
		}
		c.qmu.Lock()
		if c.err != nil {
			c.qmu.Unlock()
			return
		}
		if c.head == len(c.queue) {
			push := c.onPush
			c.qmu.Unlock()
			if v.Kind != KindPush {
				c.fail(ErrUnexpectedReply)
				return
			}
			if push != nil {
				push(v)
			}
			continue
		}
		cl := c.queue[c.head]
		done := true
		if cl.n == 1 {
			cl.one = v
		} else {
			cl.vals = append(cl.vals, v)
			done = len(cl.vals) == cl.n
		}
		if done {
			c.queue[c.head] = nil
			c.head++
			if c.head == len(c.queue) {
				c.queue = c.queue[:0]
				c.head = 0
			}
		}
		if c.timeout > 0 {
			if c.head == len(c.queue) {
				c.conn.SetReadDeadline(time.Time{})
			} else {
				c.conn.SetReadDeadline(time.Now().Add(c.timeout))
			}
		}
		c.qmu.Unlock()
		if done {
			cl.done <- struct{}{}
		}
	}
}

// fail kills the client with err (the first error wins) and fails every
// waiting request.
func (c *Client) fail(err error) {
	c.qmu.Lock()
	if c.err == nil {
		c.err = err
		c.conn.Close()
	}
	err = c.err
	pending := c.queue[c.head:]
	c.queue, c.head = nil, 0
	c.qmu.Unlock()
	for _, cl := range pending {
		cl.err = err
		cl.done <- struct{}{}
	}
}

// Close closes the connection; waiting and later requests fail with
// ErrClosed. It returns once the reading goroutine has stopped.
func (c *Client) Close() error {
	c.fail(ErrClosed)
	<-c.readerDone
	return nil
}
