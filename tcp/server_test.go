package tcp

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// startEcho serves an EchoHandler on a loopback port.
func startEcho(t *testing.T) (*Server, string, chan struct{}) {
	t.Helper()
	s, err := Listen([]string{"127.0.0.1:0"}, []bool{false}, NewEchoHandler())
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { s.Serve(); close(served) }()
	t.Cleanup(func() {
		s.Close()
		<-served
	})
	return s, s.Addrs()[0].String(), served
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

func echoLine(t *testing.T, c net.Conn, r *bufio.Reader, line string) {
	t.Helper()
	if _, err := io.WriteString(c, line); err != nil {
		t.Fatal(err)
	}
	got, err := r.ReadString('\n')
	if err != nil || got != line {
		t.Fatalf("echo of %q = %q, %v", line, got, err)
	}
}

func TestEchoOverLoopback(t *testing.T) {
	_, addr, _ := startEcho(t)
	const clients = 8
	errs := make(chan error, clients)
	for i := 0; i < clients; i++ {
		go func(i int) {
			c, err := net.DialTimeout("tcp", addr, 5*time.Second)
			if err != nil {
				errs <- err
				return
			}
			defer c.Close()
			_ = c.SetDeadline(time.Now().Add(10 * time.Second))
			r := bufio.NewReader(c)
			for j := 0; j < 50; j++ {
				line := fmt.Sprintf("client %d line %d\n", i, j)
				if _, err := io.WriteString(c, line); err != nil {
					errs <- err
					return
				}
				got, err := r.ReadString('\n')
				if err != nil || got != line {
					errs <- fmt.Errorf("echo of %q = %q, %v", line, got, err)
					return
				}
			}
			errs <- nil
		}(i)
	}
	for i := 0; i < clients; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestEchoPartialLines(t *testing.T) {
	_, addr, _ := startEcho(t)
	c := dial(t, addr)
	defer c.Close()
	r := bufio.NewReader(c)
	// A line arriving in pieces comes back whole; two lines in one write
	// come back as two.
	for _, piece := range []string{"hel", "lo wor", "ld\nsecond\n"} {
		if _, err := io.WriteString(c, piece); err != nil {
			t.Fatal(err)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for _, want := range []string{"hello world\n", "second\n"} {
		got, err := r.ReadString('\n')
		if err != nil || got != want {
			t.Fatalf("got %q, %v; want %q", got, err, want)
		}
	}
}

func TestCloseStopsAcceptingAndClosesConns(t *testing.T) {
	s, addr, served := startEcho(t)
	conns := make([]net.Conn, 3)
	readers := make([]*bufio.Reader, 3)
	for i := range conns {
		conns[i] = dial(t, addr)
		defer conns[i].Close()
		readers[i] = bufio.NewReader(conns[i])
		echoLine(t, conns[i], readers[i], "ready\n")
	}
	closed := make(chan struct{})
	go func() { s.Close(); close(closed) }()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	select {
	case <-served:
	case <-time.After(5 * time.Second):
		t.Fatal("Serve did not return after Close")
	}
	for i, c := range conns {
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		if b, err := readers[i].ReadByte(); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Errorf("conn %d after Close: read %q, %v; want EOF", i, b, err)
		}
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		// Nothing accepts any more: the connection is refused, or at
		// worst never served.
		_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = io.WriteString(c, "ping\n")
		if n, err := c.Read(make([]byte, 8)); n > 0 {
			t.Errorf("a connection made after Close was served (%v)", err)
		}
		c.Close()
	}
	s.Close() // a second Close is harmless
}

func isReset(err error) bool {
	return err != nil && (strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe"))
}

// settleGoroutines waits for the goroutine count to come down to at most
// want and returns the last count.
func settleGoroutines(want int) int {
	n := runtime.NumGoroutine()
	for i := 0; i < 200 && n > want; i++ {
		time.Sleep(10 * time.Millisecond)
		n = runtime.NumGoroutine()
	}
	return n
}

func TestNoGoroutineLeak(t *testing.T) {
	before := runtime.NumGoroutine()
	for i := 0; i < 20; i++ { // let goroutines of earlier tests end
		time.Sleep(10 * time.Millisecond)
		n := runtime.NumGoroutine()
		if n == before {
			break
		}
		before = n
	}
	s, err := Listen([]string{"127.0.0.1:0"}, []bool{false}, NewEchoHandler())
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan struct{})
	go func() { s.Serve(); close(served) }()
	addr := s.Addrs()[0].String()
	running := before + 2 // Serve and the accept loop of its one listener
	for i := 0; i < 200; i++ {
		c := dial(t, addr)
		r := bufio.NewReader(c)
		if i%2 == 0 {
			echoLine(t, c, r, "x\n")
		}
		c.Close()
	}
	// The connections' goroutines end with the connections.
	if n := settleGoroutines(running); n > running {
		t.Errorf("%d goroutines after 200 closed connections, %d before them", n, running)
	}
	// Connections still open at Close are closed, and nothing remains.
	for i := 0; i < 20; i++ {
		c := dial(t, addr)
		defer c.Close()
		echoLine(t, c, bufio.NewReader(c), "open\n")
	}
	s.Close()
	<-served
	if n := settleGoroutines(before); n > before {
		buf := make([]byte, 1<<16)
		t.Errorf("%d goroutines after Close, %d before the server started\n%s", n, before, buf[:runtime.Stack(buf, true)])
	}
}

func TestListenAddrs(t *testing.T) {
	cases := []struct {
		bind     []string
		addrs    []string
		optional []bool
	}{
		{nil, []string{"0.0.0.0:7000", "[::]:7000"}, []bool{false, true}},
		{[]string{"127.0.0.1"}, []string{"127.0.0.1:7000"}, []bool{false}},
		{[]string{"127.0.0.1", "-::1"}, []string{"127.0.0.1:7000", "[::1]:7000"}, []bool{false, true}},
		{[]string{"*", "::*"}, []string{"0.0.0.0:7000", "[::]:7000"}, []bool{false, false}},
	}
	for _, c := range cases {
		addrs, optional := ListenAddrs(c.bind, 7000)
		if fmt.Sprint(addrs) != fmt.Sprint(c.addrs) || fmt.Sprint(optional) != fmt.Sprint(c.optional) {
			t.Errorf("ListenAddrs(%q) = %q %v, want %q %v", c.bind, addrs, optional, c.addrs, c.optional)
		}
	}
}

func TestListenFailures(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	taken := busy.Addr().String()
	if s, err := Listen([]string{taken}, []bool{false}, NewEchoHandler()); err == nil {
		s.Close()
		t.Fatalf("Listen on a port in use succeeded")
	}
	// An optional address that cannot be bound is skipped.
	s, err := Listen([]string{taken, "127.0.0.1:0"}, []bool{true, false}, NewEchoHandler())
	if err != nil {
		t.Fatalf("Listen with an optional busy address: %v", err)
	}
	if n := len(s.Addrs()); n != 1 {
		t.Errorf("%d listeners, want 1", n)
	}
	s.Close()
	// A required failure after a success releases what was bound.
	if s, err := Listen([]string{"127.0.0.1:0", taken}, []bool{false, false}, NewEchoHandler()); err == nil {
		s.Close()
		t.Fatal("Listen with a required busy address succeeded")
	}
	// Nothing bound at all is an error.
	if s, err := Listen([]string{taken}, []bool{true}, NewEchoHandler()); err == nil {
		s.Close()
		t.Fatal("Listen with no usable address succeeded")
	}
}
