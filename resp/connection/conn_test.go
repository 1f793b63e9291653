package connection

import (
	"bytes"
	"errors"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/resp/reply"
)

// fakeConn is a net.Conn that records each Write call, can fail writes,
// and serves reads from a fixed input.
type fakeConn struct {
	mu      sync.Mutex
	writes  [][]byte
	failN   int   // fail the failN-th write (1-based); 0: never
	failErr error // the error it fails with
	closes  int
	in      *bytes.Reader
}

var errBroken = errors.New("fake: broken pipe")

func newFakeConn(input string) *fakeConn {
	return &fakeConn{in: bytes.NewReader([]byte(input)), failErr: errBroken}
}

func (f *fakeConn) Read(b []byte) (int, error) { return f.in.Read(b) }

func (f *fakeConn) Write(b []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, bytes.Clone(b))
	if f.failN == len(f.writes) {
		return 0, f.failErr
	}
	return len(b), nil
}

func (f *fakeConn) Close() error {
	f.mu.Lock()
	f.closes++
	f.mu.Unlock()
	return nil
}

func (f *fakeConn) LocalAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379}
}

func (f *fakeConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }

// sent returns the number of Write calls and everything written.
func (f *fakeConn) sent() (int, string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var all []byte
	for _, w := range f.writes {
		all = append(all, w...)
	}
	return len(f.writes), string(all)
}

func outLen(c *Connection) int {
	_, _, out := c.Buffers()
	return out
}

func TestWriteBatchesUntilFlush(t *testing.T) {
	f := newFakeConn("")
	c := New(f)
	replies := []resp.Reply{reply.OK, reply.Int(-7), reply.BulkStr("v"), reply.Null}
	want := "+OK\r\n:-7\r\n$1\r\nv\r\n$-1\r\n"
	for _, r := range replies {
		c.Write(r)
	}
	c.Write(reply.Raw("+RAW\r\n"))
	want += "+RAW\r\n"
	if n, _ := f.sent(); n != 0 {
		t.Fatalf("%d socket writes before Flush, want 0", n)
	}
	if got := outLen(c); got != len(want) {
		t.Fatalf("Buffers out = %d before Flush, want %d", got, len(want))
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	n, got := f.sent()
	if n != 1 || got != want {
		t.Fatalf("after Flush: %d writes of %q, want 1 write of %q", n, got, want)
	}
	if got := outLen(c); got != 0 {
		t.Fatalf("Buffers out = %d after Flush, want 0", got)
	}
	// Nothing buffered: Flush writes nothing.
	if err := c.Flush(); err != nil {
		t.Fatalf("empty Flush: %v", err)
	}
	if n, _ := f.sent(); n != 1 {
		t.Fatalf("empty Flush wrote: %d writes", n)
	}
	// The next batch is a second write with only its own replies.
	c.Write(reply.Pong)
	c.Flush()
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.writes) != 2 || string(f.writes[1]) != "+PONG\r\n" {
		t.Fatalf("second batch writes = %q", f.writes)
	}
}

func TestFlushKeepsFirstError(t *testing.T) {
	for _, tc := range []struct {
		name  string
		failN int
	}{
		{"first write fails", 1},
		{"second write fails", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeConn("")
			f.failN = tc.failN
			c := New(f)
			var err error
			for i := 1; i <= tc.failN; i++ {
				c.Write(reply.Int(int64(i)))
				err = c.Flush()
				if i < tc.failN && err != nil {
					t.Fatalf("flush %d: %v", i, err)
				}
			}
			if !errors.Is(err, errBroken) {
				t.Fatalf("failing Flush returned %v, want %v", err, errBroken)
			}
			// The fake would accept later writes; the connection must not
			// try them, and must keep answering with the first error.
			c.Write(reply.OK)
			if err := c.Flush(); !errors.Is(err, errBroken) {
				t.Fatalf("Flush after error = %v, want %v", err, errBroken)
			}
			if err := c.Push(reply.Push{reply.BulkStr("message")}); !errors.Is(err, errBroken) {
				t.Fatalf("Push after error = %v, want %v", err, errBroken)
			}
			c.Write(reply.Bulk(make([]byte, 100*1024))) // would flush early
			if err := c.Flush(); !errors.Is(err, errBroken) {
				t.Fatalf("Flush after big write = %v, want %v", err, errBroken)
			}
			if n, _ := f.sent(); n != tc.failN {
				t.Fatalf("%d socket writes, want %d (none after the error)", n, tc.failN)
			}
			if got := outLen(c); got != 0 {
				t.Fatalf("Buffers out = %d after flushing a broken connection, want 0", got)
			}
		})
	}
}

func TestBigReplyFlushesEarly(t *testing.T) {
	t.Run("one reply over 64KB", func(t *testing.T) {
		f := newFakeConn("")
		c := New(f)
		c.Write(reply.OK)
		big := bytes.Repeat([]byte("x"), 70*1024)
		c.Write(reply.Bulk(big))
		n, got := f.sent()
		want := "+OK\r\n$" + strconv.Itoa(len(big)) + "\r\n" + string(big) + "\r\n"
		if n != 1 || got != want {
			t.Fatalf("after a 70KB reply: %d writes of %d bytes, want 1 write of %d bytes", n, len(got), len(want))
		}
		if outLen(c) != 0 {
			t.Fatalf("Buffers out = %d after early flush", outLen(c))
		}
	})
	t.Run("small replies adding up", func(t *testing.T) {
		f := newFakeConn("")
		c := New(f)
		chunk := reply.Bulk(bytes.Repeat([]byte("y"), 10*1024))
		size := len(reply.Encode(chunk, false))
		need := (outFlushAt + size - 1) / size // replies until the threshold
		for i := 1; i < need; i++ {
			c.Write(chunk)
		}
		if n, _ := f.sent(); n != 0 {
			t.Fatalf("flushed at %d bytes, below 64KB", (need-1)*size)
		}
		c.Write(chunk)
		if n, got := f.sent(); n != 1 || len(got) != need*size {
			t.Fatalf("at %d bytes: %d writes, %d bytes; want 1 write of all", need*size, n, len(got))
		}
	})
	t.Run("below threshold stays buffered", func(t *testing.T) {
		f := newFakeConn("")
		c := New(f)
		c.Write(reply.Bulk(make([]byte, outFlushAt-100)))
		if n, _ := f.sent(); n != 0 {
			t.Fatalf("a reply below 64KB was written before Flush")
		}
	})
	t.Run("huge buffer is released", func(t *testing.T) {
		f := newFakeConn("")
		c := New(f)
		c.Write(reply.Bulk(make([]byte, 1<<20)))
		c.mu.Lock()
		capOut := cap(c.out)
		c.mu.Unlock()
		if capOut > outFlushAt*4 {
			t.Fatalf("output buffer keeps %d bytes of capacity after a 1MB reply", capOut)
		}
	})
}

func TestPushFlushes(t *testing.T) {
	f := newFakeConn("")
	c := New(f)
	c.SetProtocol(3)
	c.Write(reply.Int(1)) // buffered reply goes out first, in the same write
	msg := reply.Push{reply.BulkStr("message"), reply.BulkStr("ch"), reply.Bulk("hi")}
	if err := c.Push(msg); err != nil {
		t.Fatalf("Push: %v", err)
	}
	n, got := f.sent()
	want := ":1\r\n>3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
	if n != 1 || got != want {
		t.Fatalf("Push: %d writes of %q, want 1 write of %q", n, got, want)
	}
	c.SetProtocol(2)
	if err := c.Push(msg); err != nil {
		t.Fatalf("Push: %v", err)
	}
	want2 := "*3\r\n$7\r\nmessage\r\n$2\r\nch\r\n$2\r\nhi\r\n"
	if n, got := f.sent(); n != 2 || got != want+want2 {
		t.Fatalf("RESP2 Push: %d writes, %q; want 2 writes, %q", n, got, want+want2)
	}
}

func TestProtocolEncoding(t *testing.T) {
	for _, tc := range []struct {
		name         string
		r            resp.Reply
		resp2, resp3 string
	}{
		{"null", reply.Null, "$-1\r\n", "_\r\n"},
		{"null array", reply.NullArray, "*-1\r\n", "_\r\n"},
		{"bool", reply.Bool(true), ":1\r\n", "#t\r\n"},
		{"double", reply.Double(0.5), "$3\r\n0.5\r\n", ",0.5\r\n"},
		{"map", reply.Map{reply.BulkStr("k"), reply.Int(1)}, "*2\r\n$1\r\nk\r\n:1\r\n", "%1\r\n$1\r\nk\r\n:1\r\n"},
		{"set", reply.Set{reply.Int(1)}, "*1\r\n:1\r\n", "~1\r\n:1\r\n"},
		{"status", reply.OK, "+OK\r\n", "+OK\r\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFakeConn("")
			c := New(f)
			if p := c.Protocol(); p != 2 {
				t.Fatalf("new connection speaks RESP%d, want 2", p)
			}
			c.Write(tc.r)
			c.SetProtocol(3)
			c.Write(tc.r)
			c.SetProtocol(2)
			c.Write(tc.r)
			c.Flush()
			if _, got := f.sent(); got != tc.resp2+tc.resp3+tc.resp2 {
				t.Fatalf("sent %q, want %q", got, tc.resp2+tc.resp3+tc.resp2)
			}
		})
	}
}

func TestCloseIdempotent(t *testing.T) {
	f := newFakeConn("")
	c := New(f)
	if c.Closed() {
		t.Fatal("new connection reports Closed")
	}
	for i := 0; i < 3; i++ {
		if err := c.Close(); err != nil {
			t.Fatalf("Close %d: %v", i+1, err)
		}
	}
	if !c.Closed() {
		t.Fatal("Closed false after Close")
	}
	if f.closes != 1 {
		t.Fatalf("socket closed %d times, want 1", f.closes)
	}
	if c.Conn() != net.Conn(f) {
		t.Fatal("Conn does not return the socket")
	}
}

func TestNewFake(t *testing.T) {
	old := config.Get().RequirePass
	if err := config.SetParams([]string{"requirepass", "fakepass"}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { config.SetParams([]string{"requirepass", old}) })

	a, b := NewFake(), NewFake()
	if a.ID() >= b.ID() {
		t.Fatalf("ids not increasing: %d then %d", a.ID(), b.ID())
	}
	for _, tc := range []struct {
		name string
		got  any
		want any
	}{
		{"Authenticated", a.Authenticated(), true},
		{"AuthRequired", a.AuthRequired(), false},
		{"Protocol", a.Protocol(), 2},
		{"DBIndex", a.DBIndex(), 0},
		{"User", a.User(), "default"},
		{"RemoteAddr", a.RemoteAddr(), ""},
		{"LocalAddr", a.LocalAddr(), ""},
		{"Conn nil", a.Conn() == nil, true},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.name, tc.got, tc.want)
		}
	}
	a.Write(reply.OK)
	if err := a.Flush(); err != nil {
		t.Errorf("Flush: %v", err)
	}
	if err := a.Push(reply.Push{reply.BulkStr("x")}); err != nil {
		t.Errorf("Push: %v", err)
	}
	a.Write(reply.Bulk(make([]byte, 100*1024)))
	if out := outLen(a); out != 0 {
		t.Errorf("fake keeps %d output bytes after a big reply", out)
	}
	if err := a.Close(); err != nil || !a.Closed() {
		t.Errorf("Close = %v, Closed = %v", err, a.Closed())
	}
	if err := a.Close(); err != nil {
		t.Errorf("second Close = %v", err)
	}
}

func TestStateAccessors(t *testing.T) {
	c := New(newFakeConn(""))
	if c.RemoteAddr() != "127.0.0.1:50000" || c.LocalAddr() != "127.0.0.1:6379" {
		t.Errorf("addrs = %q, %q", c.RemoteAddr(), c.LocalAddr())
	}
	if c.Authenticated() {
		t.Error("new socket connection is authenticated")
	}
	c.SelectDB(5)
	if c.DBIndex() != 5 {
		t.Errorf("DBIndex = %d after SelectDB(5)", c.DBIndex())
	}
	c.SetName("worker")
	if c.Name() != "worker" {
		t.Errorf("Name = %q", c.Name())
	}
	if c.User() != "default" {
		t.Errorf("User = %q, want default", c.User())
	}
	c.SetAuthenticated(true, "alice")
	if !c.Authenticated() || c.User() != "alice" {
		t.Errorf("after SetAuthenticated(true, alice): %v, %q", c.Authenticated(), c.User())
	}
	c.SetAuthenticated(false, "")
	if c.Authenticated() || c.User() != "alice" {
		t.Errorf("after SetAuthenticated(false, \"\"): %v, %q", c.Authenticated(), c.User())
	}
	if c.State() == nil || c.State() != c.State() {
		t.Error("State is not a stable pointer")
	}
	if d := time.Since(c.CreatedAt()); d < 0 || d > 5*time.Second {
		t.Errorf("CreatedAt is %v ago", d)
	}
	if c.MaxBulkLen() != config.Get().ProtoMaxBulkLen || c.QueryBufferLimit() != config.Get().ClientQueryBufferLimit {
		t.Error("limits do not follow config")
	}
}

func TestTouchBuffersLastActive(t *testing.T) {
	f := newFakeConn("PING\r\nGET k\r\n")
	c := New(f)
	if d := time.Since(c.LastActive()); d < -time.Second || d > 5*time.Second {
		t.Fatalf("new connection LastActive is %v ago", d)
	}
	before := c.LastActive()
	time.Sleep(20 * time.Millisecond)

	args, err := c.Parser.ReadCommand()
	if err != nil || len(args) != 1 || string(args[0]) != "PING" {
		t.Fatalf("ReadCommand = %q, %v", args, err)
	}
	c.Touch()
	if !c.LastActive().Equal(before) {
		t.Fatal("Touch moved LastActive: it is set once per batch, by MarkActive")
	}
	c.MarkActive()
	if d := c.LastActive().Sub(before); d < 15*time.Millisecond {
		t.Fatalf("MarkActive after 20ms moved LastActive by %v", d)
	}
	qbuf, free, out := c.Buffers()
	if qbuf != len("GET k\r\n") || free != 0 || out != 0 {
		t.Fatalf("Buffers = %d, %d, %d; want %d, 0, 0", qbuf, free, out, len("GET k\r\n"))
	}
	c.Write(reply.OK)
	if _, _, out := c.Buffers(); out != len("+OK\r\n") {
		t.Fatalf("Buffers out = %d, want %d", out, len("+OK\r\n"))
	}
	// A command already buffered is read without flushing: the batch
	// goes on.
	args, err = c.Parser.ReadCommand()
	if err != nil || len(args) != 2 {
		t.Fatalf("ReadCommand = %q, %v", args, err)
	}
	if n, _ := f.sent(); n != 0 {
		t.Fatalf("%d writes while commands were still buffered, want 0", n)
	}
	c.Touch()
	if qbuf, _, _ := c.Buffers(); qbuf != 0 {
		t.Fatalf("qbuf = %d after the last command, want 0", qbuf)
	}
	// The parser flushes before it blocks on the socket.
	if _, err := c.Parser.ReadCommand(); err != io.EOF {
		t.Fatalf("ReadCommand at end = %v, want EOF", err)
	}
	if n, got := f.sent(); n != 1 || got != "+OK\r\n" {
		t.Fatalf("sent %d writes %q, want the pending reply once", n, got)
	}
}

func TestAuthRequiredFollowsRequirepass(t *testing.T) {
	old := config.Get().RequirePass
	t.Cleanup(func() {
		if err := config.SetParams([]string{"requirepass", old}); err != nil {
			t.Errorf("restore requirepass: %v", err)
		}
	})
	for _, tc := range []struct {
		pass   string
		authed bool
		want   bool
	}{
		{"", false, false},
		{"", true, false},
		{"secret", false, true},
		{"secret", true, false},
	} {
		if err := config.SetParams([]string{"requirepass", tc.pass}); err != nil {
			t.Fatal(err)
		}
		c := New(newFakeConn(""))
		if tc.authed {
			c.SetAuthenticated(true, "default")
		}
		if got := c.AuthRequired(); got != tc.want {
			t.Errorf("requirepass %q, authenticated %v: AuthRequired = %v, want %v", tc.pass, tc.authed, got, tc.want)
		}
	}
	// The check reads the current config, not a copy taken at New.
	config.SetParams([]string{"requirepass", ""})
	c := New(newFakeConn(""))
	config.SetParams([]string{"requirepass", "later"})
	if !c.AuthRequired() {
		t.Error("AuthRequired false after requirepass was set on a live connection")
	}
}

// TestOverPipe sends batches over net.Pipe and reads them at the other end.
func TestOverPipe(t *testing.T) {
	srv, cli := net.Pipe()
	defer cli.Close()
	c := New(srv)
	defer c.Close()
	c.Write(reply.OK)
	c.Write(reply.Strings{"a", "b"})
	errc := make(chan error, 1)
	go func() { errc <- c.Flush() }()
	cli.SetReadDeadline(time.Now().Add(10 * time.Second))
	want := "+OK\r\n*2\r\n$1\r\na\r\n$1\r\nb\r\n"
	buf := make([]byte, len(want))
	if _, err := io.ReadFull(cli, buf); err != nil {
		t.Fatalf("read: %v", err)
	}
	if string(buf) != want {
		t.Fatalf("read %q, want %q", buf, want)
	}
	if err := <-errc; err != nil {
		t.Fatalf("Flush: %v", err)
	}
	// After the peer goes away the first error is kept.
	cli.Close()
	c.Write(reply.OK)
	first := c.Flush()
	if first == nil {
		t.Fatal("Flush to a closed pipe succeeded")
	}
	if err := c.Flush(); err != first {
		t.Fatalf("later Flush = %v, want the first error %v", err, first)
	}
}

// TestConcurrentPush has several goroutines push while the owner writes
// and flushes; every reply must arrive whole.
func TestConcurrentPush(t *testing.T) {
	f := newFakeConn("")
	c := New(f)
	const workers, each = 4, 200
	msg := reply.Push{reply.BulkStr("message"), reply.BulkStr("ch"), reply.BulkStr("payload")}
	enc := string(reply.Encode(msg, false))
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				if err := c.Push(msg); err != nil {
					t.Errorf("Push: %v", err)
					return
				}
			}
		}()
	}
	for i := 0; i < each; i++ {
		c.Write(reply.OK)
		c.Flush()
	}
	wg.Wait()
	c.Flush()
	_, got := f.sent()
	if n := strings.Count(got, enc); n != workers*each {
		t.Fatalf("%d whole push messages, want %d", n, workers*each)
	}
	if n := strings.Count(got, "+OK\r\n"); n != each {
		t.Fatalf("%d OK replies, want %d", n, each)
	}
	if len(got) != workers*each*len(enc)+each*len("+OK\r\n") {
		t.Fatalf("%d bytes sent, want %d", len(got), workers*each*len(enc)+each*len("+OK\r\n"))
	}
}

// blockingConn is a fakeConn whose writes wait until released, like the
// socket of a peer that stopped reading.
type blockingConn struct {
	*fakeConn
	release chan struct{}
}

func (b *blockingConn) Write(p []byte) (int, error) {
	<-b.release
	return b.fakeConn.Write(p)
}

func (b *blockingConn) Close() error {
	select {
	case <-b.release:
	default:
		close(b.release)
	}
	return b.fakeConn.Close()
}

// TestEnqueueNeverWaits: Enqueue returns while the socket is stuck, the
// backlog counts what is being written, and the pubsub class limits apply
// once the client has subscriptions: over the hard limit at once, over
// the soft limit only after it lasted longer than its seconds.
func TestEnqueueNeverWaits(t *testing.T) {
	old := config.Get().OutputBufferLimits
	t.Cleanup(func() {
		_ = config.SetParams([]string{"client-output-buffer-limit", "pubsub " + strconv.FormatInt(old[2].Hard, 10) + " " +
			strconv.FormatInt(old[2].Soft, 10) + " " + strconv.FormatInt(old[2].SoftSeconds, 10)})
	})
	if err := config.SetParams([]string{"client-output-buffer-limit", "pubsub 100000 40000 0"}); err != nil {
		t.Fatal(err)
	}
	msg := reply.Bulk(strings.Repeat("x", 1000))

	// Not subscribed: the normal class (unlimited) applies.
	bc := &blockingConn{fakeConn: newFakeConn(""), release: make(chan struct{})}
	c := New(bc)
	done := make(chan struct{})
	go func() {
		for i := 0; i < 150; i++ {
			if !c.Enqueue(msg) {
				t.Errorf("Enqueue %d refused for a client of the normal class", i)
				break
			}
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Enqueue waited for a stuck socket")
	}
	if n := outLen(c); n < 150*1000 {
		t.Errorf("backlog %d, want all 150 KB counted (buffered plus in flight)", n)
	}
	_ = c.Close()

	// Subscribed: the hard limit closes at once.
	bc = &blockingConn{fakeConn: newFakeConn(""), release: make(chan struct{})}
	c = New(bc)
	c.State().Shown.Subs.Store(1)
	sent := 0
	for sent < 1000 && c.Enqueue(msg) {
		sent++
	}
	if sent < 95 || sent > 101 {
		t.Errorf("accepted %d messages of 1 KB before closing, want about 100 (hard 100000)", sent)
	}
	if !c.Closed() {
		t.Error("connection over the hard limit not closed")
	}

	// Soft limit: staying over it is tolerated until more than its seconds
	// (0 here) have passed, counted in whole seconds as Redis does.
	if err := config.SetParams([]string{"client-output-buffer-limit", "pubsub 0 40000 0"}); err != nil {
		t.Fatal(err)
	}
	bc = &blockingConn{fakeConn: newFakeConn(""), release: make(chan struct{})}
	c = New(bc)
	c.State().Shown.Patterns.Store(1)
	for i := 0; i < 45; i++ {
		c.Enqueue(msg)
	}
	if c.Closed() {
		t.Fatal("closed as soon as the soft limit was passed")
	}
	time.Sleep(1100 * time.Millisecond)
	if c.Enqueue(msg) || !c.Closed() {
		t.Error("still open after staying over the soft limit for more than its seconds")
	}
}
