package client

import (
	"errors"
	"net"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeServer accepts one connection and runs handle on it.
func fakeServer(t *testing.T, handle func(conn net.Conn, r *Reader)) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		conn, err := l.Accept()
		if err != nil {
			return
		}
		defer conn.Close()
		handle(conn, NewReader(conn))
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
	})
	return l.Addr().String()
}

// echoServer answers every command with a bulk string of its arguments
// joined by spaces, one write per batch of buffered commands.
func echoServer(conn net.Conn, r *Reader) {
	var out []byte
	for {
		v, err := r.ReadValue()
		if err != nil {
			return
		}
		parts := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			parts[i] = string(e.Str)
		}
		s := strings.Join(parts, " ")
		out = append(out, '$')
		out = strconv.AppendInt(out, int64(len(s)), 10)
		out = append(out, "\r\n"+s+"\r\n"...)
		if r.Buffered() == 0 {
			if _, err := conn.Write(out); err != nil {
				return
			}
			out = out[:0]
		}
	}
}

func dial(t *testing.T, addr string) *Client {
	t.Helper()
	c, err := Dial(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestClientConcurrentFIFO(t *testing.T) {
	c := dial(t, fakeServer(t, echoServer))
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 2000; i++ {
				want := "ECHO " + strconv.Itoa(g) + ":" + strconv.Itoa(i)
				v, err := c.DoStrings(strings.Fields(want)...)
				if err != nil {
					errs <- err
					return
				}
				if string(v.Str) != want {
					errs <- errors.New("got " + v.String() + ", want " + want)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if c.Err() != nil {
		t.Fatalf("Err() = %v on a healthy client", c.Err())
	}
}

func TestClientPipeline(t *testing.T) {
	c := dial(t, fakeServer(t, echoServer))
	var cmds [][][]byte
	for i := 0; i < 1000; i++ {
		cmds = append(cmds, [][]byte{[]byte("X"), []byte(strconv.Itoa(i))})
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // a concurrent caller must not land between the commands
		defer wg.Done()
		for i := 0; i < 100; i++ {
			if v, err := c.DoStrings("Y"); err != nil || string(v.Str) != "Y" {
				t.Errorf("Y: %v %v", v, err)
				return
			}
		}
	}()
	vals, err := c.Pipeline(cmds)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if len(vals) != len(cmds) {
		t.Fatalf("%d replies for %d commands", len(vals), len(cmds))
	}
	for i, v := range vals {
		if want := "X " + strconv.Itoa(i); string(v.Str) != want {
			t.Fatalf("reply %d = %s, want %q", i, v, want)
		}
	}
	if vals, err := c.Pipeline(nil); err != nil || vals != nil {
		t.Errorf("empty pipeline: %v %v", vals, err)
	}
	vals, err = c.WriteRaw([]byte("*1\r\n$1\r\na\r\n*1\r\n$1\r\nb\r\n"), 2)
	if err != nil || len(vals) != 2 || string(vals[0].Str) != "a" || string(vals[1].Str) != "b" {
		t.Errorf("WriteRaw: %v %v", vals, err)
	}
	vals, err = c.WriteRaw([]byte("*1\r\n$1\r\nc\r\n"), 1)
	if err != nil || len(vals) != 1 || string(vals[0].Str) != "c" {
		t.Errorf("WriteRaw one: %v %v", vals, err)
	}
}

// TestClientBrokenConnection: when the server goes away every waiting
// request fails, and the client stays dead.
func TestClientBrokenConnection(t *testing.T) {
	got := make(chan struct{})
	c := dial(t, fakeServer(t, func(conn net.Conn, r *Reader) {
		for i := 0; i < 3; i++ {
			if _, err := r.ReadValue(); err != nil {
				return
			}
		}
		close(got)
	}))
	errs := make(chan error, 3)
	for i := 0; i < 3; i++ {
		go func() {
			_, err := c.DoStrings("PING")
			errs <- err
		}()
	}
	<-got
	for i := 0; i < 3; i++ {
		select {
		case err := <-errs:
			if err == nil {
				t.Fatal("request on a closed connection succeeded")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("waiter not failed")
		}
	}
	if c.Err() == nil {
		t.Fatal("Err() is nil on a dead client")
	}
	if _, err := c.DoStrings("PING"); err == nil || err != c.Err() {
		t.Fatalf("later request: %v, want %v", err, c.Err())
	}
}

func TestClientUnexpectedReply(t *testing.T) {
	c := dial(t, fakeServer(t, func(conn net.Conn, r *Reader) {
		conn.Write([]byte("+SURPRISE\r\n"))
		r.ReadValue()
	}))
	deadline := time.Now().Add(5 * time.Second)
	for c.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if !errors.Is(c.Err(), ErrUnexpectedReply) {
		t.Fatalf("Err() = %v, want ErrUnexpectedReply", c.Err())
	}
}

func TestClientPushWithoutRequest(t *testing.T) {
	addr := fakeServer(t, func(conn net.Conn, r *Reader) {
		conn.Write([]byte(">2\r\n$10\r\ninvalidate\r\n*1\r\n$1\r\nk\r\n"))
		echoServer(conn, r)
	})
	c, err := Dial(addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pushes := make(chan Value, 1)
	c.OnPush(func(v Value) { pushes <- v })
	// The push may arrive before OnPush is set (then it is dropped), so only
	// check what arrives is right and the client survives it.
	select {
	case v := <-pushes:
		if v.String() != `>["invalidate", ["k"]]` {
			t.Errorf("push = %s", v)
		}
	case <-time.After(200 * time.Millisecond):
	}
	if v, err := c.DoStrings("PING"); err != nil || string(v.Str) != "PING" {
		t.Fatalf("after push: %v %v", v, err)
	}
}

func TestClientReplyTimeout(t *testing.T) {
	block := make(chan struct{})
	c := dial(t, fakeServer(t, func(conn net.Conn, r *Reader) {
		v, _ := r.ReadValue()
		if string(v.Elems[0].Str) == "FAST" {
			conn.Write([]byte("+OK\r\n"))
		}
		<-block
	}))
	defer close(block)
	c.SetReplyTimeout(100 * time.Millisecond)
	if v, err := c.DoStrings("FAST"); err != nil || v.Text() != "OK" {
		t.Fatalf("FAST: %v %v", v, err)
	}
	// An idle client with no request pending must not time out.
	time.Sleep(250 * time.Millisecond)
	if c.Err() != nil {
		t.Fatalf("idle client died: %v", c.Err())
	}
	start := time.Now()
	_, err := c.DoStrings("SLOW")
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("err = %v, want a timeout", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("timed out after %v", d)
	}
}

func TestClientClose(t *testing.T) {
	got := make(chan struct{})
	c := dial(t, fakeServer(t, func(conn net.Conn, r *Reader) {
		r.ReadValue()
		close(got)
		r.ReadValue()
	}))
	errc := make(chan error, 1)
	go func() {
		_, err := c.DoStrings("BLPOP", "k", "0")
		errc <- err
	}()
	<-got
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-errc; err != ErrClosed {
		t.Fatalf("waiter got %v, want ErrClosed", err)
	}
	if _, err := c.DoStrings("PING"); err != ErrClosed {
		t.Fatalf("after Close: %v", err)
	}
	if err := c.Close(); err != nil {
		t.Fatalf("second Close: %v", err)
	}
}

func TestRawConn(t *testing.T) {
	addr := fakeServer(t, func(conn net.Conn, r *Reader) {
		r.ReadValue()
		conn.Write([]byte("+ONE\r\n"))
		r.ReadValue()
		time.Sleep(300 * time.Millisecond)
		conn.Write([]byte("+TWO\r\n"))
		r.ReadValue()
	})
	c, err := DialRaw(addr)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if v, err := c.Do(time.Second, "A"); err != nil || v.Text() != "ONE" {
		t.Fatalf("A: %v %v", v, err)
	}
	if err := c.Write([]byte("*1\r\n$1\r\nB\r\n")); err != nil {
		t.Fatal(err)
	}
	_, err = c.ReadValue(50 * time.Millisecond)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("early read: %v, want a timeout", err)
	}
	if v, err := c.ReadValue(2 * time.Second); err != nil || v.Text() != "TWO" {
		t.Fatalf("after a timeout: %v %v", v, err)
	}
}

func BenchmarkClientDo(b *testing.B) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer l.Close()
	go func() {
		conn, err := l.Accept()
		if err == nil {
			echoServer(conn, NewReader(conn))
			conn.Close()
		}
	}()
	c, err := Dial(l.Addr().String(), time.Second)
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	args := [][]byte{[]byte("GET"), []byte("key")}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := c.Do(args...); err != nil {
				b.Error(err)
				return
			}
		}
	})
}
