//go:build linux

package connection

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

// socketPair returns an accepted connection wrapped by newSocket and the
// client side of it.
func socketPair(t *testing.T) (net.Conn, io.ReadWriter, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cl, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cl.Close(); srv.Close() })
	s := newSocket(srv)
	if _, ok := s.(*rawSocket); !ok {
		t.Fatalf("newSocket(TCPConn) = %T, want *rawSocket", s)
	}
	return srv, s, cl
}

// A write larger than the socket buffers waits for the reader (EAGAIN)
// and resumes where it stopped: every byte arrives once, in order.
func TestRawSocketLargeWrite(t *testing.T) {
	_, s, cl := socketPair(t)
	want := make([]byte, 16<<20)
	for i := range want {
		want[i] = byte(i * 7 / 5)
	}
	got := make(chan []byte)
	go func() {
		var b bytes.Buffer
		buf := make([]byte, 4096)
		for b.Len() < len(want) {
			n, err := cl.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
			if b.Len() < 1<<20 {
				time.Sleep(50 * time.Microsecond) // slow at first
			}
		}
		got <- b.Bytes()
	}()
	n, err := s.Write(want)
	if n != len(want) || err != nil {
		t.Fatalf("Write = %d, %v", n, err)
	}
	if b := <-got; !bytes.Equal(b, want) {
		t.Fatalf("received %d bytes, differing from the %d written", len(b), len(want))
	}
}

func TestRawSocketRead(t *testing.T) {
	srv, s, cl := socketPair(t)
	go func() {
		time.Sleep(20 * time.Millisecond) // the read waits for readiness
		cl.Write([]byte("hello"))
	}()
	buf := make([]byte, 64)
	n, err := s.Read(buf)
	if err != nil || string(buf[:n]) != "hello" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if n, err := s.Read(buf[:0]); n != 0 || err != nil {
		t.Fatalf("empty Read = %d, %v", n, err)
	}

	// A deadline ends a waiting read with a timeout.
	srv.SetReadDeadline(time.Now().Add(20 * time.Millisecond))
	_, err = s.Read(buf)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("Read past deadline: %v, want a timeout", err)
	}
	srv.SetReadDeadline(time.Time{})

	// The peer's close is io.EOF, after the data sent before it.
	cl.Write([]byte("bye"))
	cl.Close()
	n, err = s.Read(buf)
	if err != nil || string(buf[:n]) != "bye" {
		t.Fatalf("Read = %q, %v", buf[:n], err)
	}
	if n, err = s.Read(buf); n != 0 || err != io.EOF {
		t.Fatalf("Read after close = %d, %v; want 0, EOF", n, err)
	}
}

// Closing the connection wakes a read waiting on it with net.ErrClosed.
func TestRawSocketCloseWakesRead(t *testing.T) {
	srv, s, _ := socketPair(t)
	done := make(chan error, 1)
	go func() {
		_, err := s.Read(make([]byte, 16))
		done <- err
	}()
	time.Sleep(20 * time.Millisecond)
	srv.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) {
			t.Fatalf("Read after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Read still waiting 5 s after Close")
	}
	if _, err := s.Write([]byte("x")); !errors.Is(err, net.ErrClosed) {
		t.Fatalf("Write after Close: %v, want net.ErrClosed", err)
	}
}

// A reset from the peer is ECONNRESET for the reader, and a write to a
// reset socket fails (EPIPE or ECONNRESET) without killing the process.
func TestRawSocketReset(t *testing.T) {
	_, s, cl := socketPair(t)
	cl.(*net.TCPConn).SetLinger(0)
	cl.Close()
	time.Sleep(20 * time.Millisecond)
	_, err := s.Read(make([]byte, 16))
	if !errors.Is(err, syscall.ECONNRESET) {
		t.Fatalf("Read after reset: %v, want ECONNRESET", err)
	}
	var werr error
	for i := 0; i < 10 && werr == nil; i++ {
		_, werr = s.Write([]byte("after reset"))
	}
	if !errors.Is(werr, syscall.EPIPE) && !errors.Is(werr, syscall.ECONNRESET) {
		t.Fatalf("Write after reset: %v, want EPIPE or ECONNRESET", werr)
	}
}

// A read and a write that need no wait allocate nothing: at 50k requests
// a second, a closure per call was 8 MB/s of garbage and a collection a
// second (in the latency tail at -P 1).
func TestRawSocketDoesNotAllocate(t *testing.T) {
	_, s, cl := socketPair(t)
	msg := []byte("+OK\r\n")
	buf := make([]byte, 64)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := s.Write(msg); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(cl, buf[:len(msg)]); err != nil {
			t.Fatal(err)
		}
		if _, err := cl.Write(msg); err != nil {
			t.Fatal(err)
		}
		// The data may not have arrived: a Read that waits is allowed,
		// so read until it has.
		for got := 0; got < len(msg); {
			n, err := s.Read(buf)
			if err != nil {
				t.Fatal(err)
			}
			got += n
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per write and read, want 0", allocs)
	}
}

// TestTryReadNeverWaits: TryRead returns errWouldBlock at once when there
// is no input, the input when there is, without allocating.
func TestTryReadNeverWaits(t *testing.T) {
	_, s, cl := socketPair(t)
	rs := s.(*rawSocket)
	buf := make([]byte, 64)
	done := make(chan struct{})
	go func() {
		defer close(done)
		if n, err := rs.TryRead(buf); err != errWouldBlock {
			t.Errorf("TryRead with no input = %d, %v; want errWouldBlock", n, err)
		}
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("TryRead with no input waited")
	}
	if _, err := cl.Write([]byte("PING\r\n")); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, err := rs.TryRead(buf)
		if err == nil {
			if string(buf[:n]) != "PING\r\n" {
				t.Fatalf("TryRead = %q", buf[:n])
			}
			break
		}
		if err != errWouldBlock || time.Now().After(deadline) {
			t.Fatalf("TryRead after the client wrote: %v", err)
		}
		time.Sleep(time.Millisecond)
	}
	if a := testing.AllocsPerRun(100, func() { _, _ = rs.TryRead(buf) }); a != 0 {
		t.Fatalf("TryRead with no input: %v allocations, want 0", a)
	}
}
