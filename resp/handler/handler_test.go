package handler_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goredis/interface/resp"
	"goredis/resp/client"
	"goredis/resp/handler"
	"goredis/resp/reply"
)

// fakeDB answers PING, ECHO, QUIT and SLOWECHO (which sleeps first); other
// commands get an error naming them.
type fakeDB struct {
	execs  atomic.Int64
	closed atomic.Int64
}

func (d *fakeDB) Exec(c resp.Connection, args [][]byte) resp.Reply {
	d.execs.Add(1)
	switch strings.ToUpper(string(args[0])) {
	case "PING":
		return reply.Pong
	case "ECHO":
		return reply.Bulk(append([]byte(nil), args[1]...))
	case "SLOWECHO":
		time.Sleep(20 * time.Millisecond)
		return reply.Bulk(append([]byte(nil), args[1]...))
	case "BIG":
		n, _ := strconv.Atoi(string(args[1]))
		return reply.Bulk(bytes.Repeat([]byte("x"), n))
	case "STORE":
		return reply.OK
	case "QUIT":
		c.State().Closing = true
		return reply.OK
	}
	return reply.Err("unknown command '" + string(args[0]) + "'")
}

func (d *fakeDB) AfterClientClose(c resp.Connection) { d.closed.Add(1) }
func (d *fakeDB) Close()                             {}
func (d *fakeDB) Durable(c resp.Connection) error    { return nil }

// countingConn counts the writes made on the server's side of a socket.
type countingConn struct {
	net.Conn
	writes atomic.Int64
}

func (c *countingConn) Write(b []byte) (int, error) {
	c.writes.Add(1)
	return c.Conn.Write(b)
}

type session struct {
	h      *handler.Handler
	db     *fakeDB
	server *countingConn
	client net.Conn
	r      *client.Reader
	done   chan struct{}
}

// serve connects a client to a handler over loopback TCP.
func serve(t *testing.T) *session {
	t.Helper()
	return serveWrapped(t, func(c net.Conn) net.Conn { return c })
}

// serveWrapped is serve with the server's side of the socket wrapped.
func serveWrapped(t *testing.T, wrap func(net.Conn) net.Conn) *session {
	t.Helper()
	return serveConn(t, wrap, false)
}

// serveRaw is serve with the handler given the accepted *net.TCPConn
// itself, so that it reads and writes it with raw system calls as the
// server does (the server's writes are not counted).
func serveRaw(t *testing.T) *session {
	t.Helper()
	return serveConn(t, func(c net.Conn) net.Conn { return c }, true)
}

func serveConn(t *testing.T, wrap func(net.Conn) net.Conn, raw bool) *session {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cl, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	s := &session{db: &fakeDB{}, server: &countingConn{Conn: wrap(sc)}, client: cl, r: client.NewReader(cl), done: make(chan struct{})}
	s.h = handler.New(s.db, nil)
	var hc net.Conn = s.server
	if raw {
		hc = sc
	}
	go func() { s.h.Handle(context.Background(), hc); close(s.done) }()
	_ = cl.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() {
		cl.Close()
		s.h.Close()
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			t.Error("Handle did not return")
		}
	})
	return s
}

func (s *session) write(t *testing.T, b []byte) {
	t.Helper()
	if _, err := s.client.Write(b); err != nil {
		t.Fatal(err)
	}
}

// readAll reads until the server closes the connection.
func (s *session) readAll(t *testing.T) []byte {
	t.Helper()
	b, err := io.ReadAll(s.client)
	if err != nil && !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("reading until close: %v (got %q)", err, b)
	}
	return b
}

func TestPipelineInOrder(t *testing.T) {
	s := serve(t)
	var req []byte
	for i := 0; i < 100; i++ {
		req = client.AppendCommandStrings(req, "ECHO", "reply-"+strconv.Itoa(i))
	}
	s.write(t, req)
	for i := 0; i < 100; i++ {
		v, err := s.r.ReadValue()
		if err != nil {
			t.Fatalf("reply %d: %v", i, err)
		}
		if want := "reply-" + strconv.Itoa(i); v.Kind != client.KindBulk || v.Text() != want {
			t.Fatalf("reply %d = %v, want %q", i, v, want)
		}
	}
}

func TestPipelineSplitAcrossWrites(t *testing.T) {
	s := serve(t)
	var req []byte
	var want []byte
	for i := 0; i < 50; i++ {
		arg := strings.Repeat(strconv.Itoa(i%10), i*37)
		req = client.AppendCommandStrings(req, "ECHO", arg)
		want = reply.AppendBulkString(want, arg)
	}
	// Byte pieces of odd sizes: frames cut anywhere, even inside "\r\n".
	go func() {
		for off := 0; off < len(req); off += 7 {
			end := min(off+7, len(req))
			if _, err := s.client.Write(req[off:end]); err != nil {
				return
			}
		}
	}()
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s.client, got); err != nil {
		t.Fatalf("read: %v (got %q)", err, got)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("replies differ from the expected bytes")
	}
}

func TestBatchWrittenWithFewWrites(t *testing.T) {
	s := serve(t)
	var req []byte
	for i := 0; i < 100; i++ {
		req = client.AppendCommandStrings(req, "PING")
	}
	s.write(t, req)
	want := bytes.Repeat([]byte("+PONG\r\n"), 100)
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s.client, got); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got %q", got)
	}
	if n := s.server.writes.Load(); n > 2 {
		t.Errorf("100 pipelined PINGs sent in one write were answered with %d writes, want at most 2", n)
	}
	// One command at a time: one write each.
	before := s.server.writes.Load()
	for i := 0; i < 5; i++ {
		s.write(t, client.AppendCommandStrings(nil, "PING"))
		if v, err := s.r.ReadValue(); err != nil || v.Text() != "PONG" {
			t.Fatalf("PING: %v %v", v, err)
		}
	}
	if n := s.server.writes.Load() - before; n != 5 {
		t.Errorf("5 PINGs one at a time made %d writes, want 5", n)
	}
}

func TestLargeRepliesAreNotHeldBack(t *testing.T) {
	s := serve(t)
	// 40 replies of 10000 bytes: far above the batch buffer, so some are
	// written before the batch ends, and all arrive intact.
	var req []byte
	for i := 0; i < 40; i++ {
		req = client.AppendCommandStrings(req, "BIG", "10000")
	}
	s.write(t, req)
	for i := 0; i < 40; i++ {
		v, err := s.r.ReadValue()
		if err != nil || len(v.Str) != 10000 {
			t.Fatalf("reply %d: %d bytes, %v", i, len(v.Str), err)
		}
	}
}

// fullReads makes every read of the server fill its buffer, as when a
// client's pipeline arrives faster than the server reads it.
type fullReads struct{ net.Conn }

func (c fullReads) Read(b []byte) (int, error) {
	n, err := io.ReadFull(c.Conn, b)
	if n > 0 {
		return n, nil
	}
	return 0, err
}

// TestLongPipelineAnsweredBeforeItsEnd: a pipeline still arriving gets the
// replies of its first part without waiting for its end (its client may
// be waiting for them before it sends the rest, and redis-benchmark
// counts a pipeline's latency to its first reply).
func TestLongPipelineAnsweredBeforeItsEnd(t *testing.T) {
	s := serveWrapped(t, func(c net.Conn) net.Conn { return fullReads{c} })
	value := strings.Repeat("v", 4000)
	var req []byte
	const n = 20
	for i := 0; i <= n; i++ {
		req = client.AppendCommandStrings(req, "STORE", "k", value)
	}
	last := len(req) - len(value)/2
	// Twenty whole commands (80 KB) and half of the twenty-first.
	s.write(t, req[:last])
	_ = s.client.SetReadDeadline(time.Now().Add(5 * time.Second))
	if v, err := s.r.ReadValue(); err != nil || v.Text() != "OK" {
		t.Fatalf("first reply while the pipeline was still arriving: %v %v", v, err)
	}
	s.write(t, req[last:])
	if err := s.client.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= n; i++ {
		if v, err := s.r.ReadValue(); err != nil || v.Text() != "OK" {
			t.Fatalf("reply %d: %v %v", i, v, err)
		}
	}
	if got := s.db.execs.Load(); got != n+1 {
		t.Fatalf("%d commands ran, want %d", got, n+1)
	}
}

// TestRepliesSentBeforeWaitingMidCommand: a read that fills the parser's
// buffer and stops inside a command leaves the replies of the commands
// before it buffered, as more input is on its way; when none is there
// yet, they are sent before the server waits for it (the client may be
// waiting for them before it sends the rest).
func TestRepliesSentBeforeWaitingMidCommand(t *testing.T) {
	s := serveRaw(t)
	value := strings.Repeat("v", 1200)
	var req []byte
	for i := 0; i < 4; i++ {
		req = client.AppendCommandStrings(req, "STORE", "k", value)
	}
	// The parser's first read takes 4096 bytes: three whole commands and
	// the start of the fourth, exactly.
	const first = 4096
	if len(req)*3/4 >= first || len(req) <= first {
		t.Fatalf("request of %d bytes does not split inside its fourth command at %d", len(req), first)
	}
	s.write(t, req[:first])
	_ = s.client.SetReadDeadline(time.Now().Add(5 * time.Second))
	for i := 0; i < 3; i++ {
		if v, err := s.r.ReadValue(); err != nil || v.Text() != "OK" {
			t.Fatalf("reply %d while the fourth command was incomplete: %v %v", i, v, err)
		}
	}
	s.write(t, req[first:])
	if v, err := s.r.ReadValue(); err != nil || v.Text() != "OK" {
		t.Fatalf("fourth reply: %v %v", v, err)
	}
}

func TestProtocolErrorRepliesAndCloses(t *testing.T) {
	cases := []struct{ in, out string }{
		{"*abc\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"PING\r\n*abc\r\n", "+PONG\r\n-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n$abc\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\n$-5\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"*1\r\nfoo\r\n", "-ERR Protocol error: expected '$', got 'f'\r\n"},
		{"*3000000000\r\n", "-ERR Protocol error: invalid multibulk length\r\n"},
		{"*1\r\n$600000000\r\n", "-ERR Protocol error: invalid bulk length\r\n"},
		{"PING \"x\r\n", "-ERR Protocol error: unbalanced quotes in request\r\n"},
		{"*2\r\n$4\r\nECHO\r\n$1\r\nx\r\n*abc\r\nPING\r\n", "$1\r\nx\r\n-ERR Protocol error: invalid multibulk length\r\n"},
	}
	for _, c := range cases {
		t.Run(strconv.Quote(c.in), func(t *testing.T) {
			s := serve(t)
			s.write(t, []byte(c.in))
			if got := s.readAll(t); string(got) != c.out {
				t.Errorf("got %q then close, want %q", got, c.out)
			}
			select {
			case <-s.done:
			case <-time.After(5 * time.Second):
				t.Fatal("Handle still running after the protocol error")
			}
			if s.db.closed.Load() != 1 {
				t.Errorf("AfterClientClose called %d times, want 1", s.db.closed.Load())
			}
		})
	}
}

func TestInlineAndEmptyFrames(t *testing.T) {
	s := serve(t)
	// Empty lines, *0 and *-1 run nothing and answer nothing.
	s.write(t, []byte("\r\n   \r\n*0\r\n*-1\r\nPING\r\necho \"a b\"\r\n"))
	want := "+PONG\r\n$3\r\na b\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(s.client, got); err != nil || string(got) != want {
		t.Fatalf("got %q, %v; want %q", got, err, want)
	}
	if n := s.db.execs.Load(); n != 2 {
		t.Errorf("%d commands executed, want 2", n)
	}
}

func TestQuitFlushesThenCloses(t *testing.T) {
	s := serve(t)
	s.write(t, []byte("*1\r\n$4\r\nPING\r\n*1\r\n$4\r\nQUIT\r\n*1\r\n$4\r\nPING\r\n"))
	if got := string(s.readAll(t)); got != "+PONG\r\n+OK\r\n" {
		t.Errorf("got %q, want PONG, OK and no reply to the command after QUIT", got)
	}
}

func TestCloseEndsIdleAndBusyClients(t *testing.T) {
	db := &fakeDB{}
	h := handler.New(db, nil)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var wg sync.WaitGroup
	var clients []net.Conn
	for i := 0; i < 4; i++ {
		c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		sc, err := l.Accept()
		if err != nil {
			t.Fatal(err)
		}
		wg.Add(1)
		go func() { defer wg.Done(); h.Handle(context.Background(), sc) }()
		clients = append(clients, c)
	}
	// Client 0 is running a slow command when Close is called; it still
	// gets its reply.
	if _, err := clients[0].Write(client.AppendCommandStrings(nil, "SLOWECHO", "last")); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	start := time.Now()
	h.Close()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Close took %v", d)
	}
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(5 * time.Second):
		t.Fatal("Handle calls still running after Close")
	}
	for i, c := range clients {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c)
		if err != nil && !strings.Contains(err.Error(), "connection reset") {
			t.Errorf("client %d: %v", i, err)
		}
		want := ""
		if i == 0 {
			want = "$4\r\nlast\r\n"
		}
		if string(b) != want {
			t.Errorf("client %d got %q before close, want %q", i, b, want)
		}
	}
	// A connection arriving after Close is closed at once.
	c, err := net.DialTimeout("tcp", l.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{})
	go func() { h.Handle(context.Background(), sc); close(returned) }()
	select {
	case <-returned:
	case <-time.After(5 * time.Second):
		t.Fatal("Handle served a connection after Close")
	}
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := c.Read(make([]byte, 1)); !errors.Is(err, io.EOF) && (err == nil || !strings.Contains(err.Error(), "reset")) {
		t.Errorf("connection after Close: read err %v, want EOF", err)
	}
}

func TestManyClientsConcurrently(t *testing.T) {
	const n = 20
	sessions := make([]*session, n)
	for i := range sessions {
		sessions[i] = serve(t)
	}
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i, s := range sessions {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := 0; j < 50; j++ {
				msg := fmt.Sprintf("c%d-%d", i, j)
				if _, err := s.client.Write(client.AppendCommandStrings(nil, "ECHO", msg)); err != nil {
					errs <- err
					return
				}
				v, err := s.r.ReadValue()
				if err != nil || v.Text() != msg {
					errs <- fmt.Errorf("client %d: %v %v, want %q", i, v, err, msg)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
