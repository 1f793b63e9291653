package database

import (
	"net"
	"strings"
	"testing"
	"time"

	"goredis/resp/connection"
)

// loopConn is a socket whose reads replay one pipelined batch forever and
// whose writes are counted and discarded.
type loopConn struct {
	batch  []byte
	off    int
	writes int
}

func (l *loopConn) Read(p []byte) (int, error) {
	n := copy(p, l.batch[l.off:])
	l.off = (l.off + n) % len(l.batch)
	return n, nil
}
func (l *loopConn) Write(p []byte) (int, error) { l.writes++; return len(p), nil }
func (l *loopConn) Close() error                { return nil }
func (l *loopConn) LocalAddr() net.Addr         { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 6379} }
func (l *loopConn) RemoteAddr() net.Addr {
	return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 50000}
}
func (l *loopConn) SetDeadline(time.Time) error      { return nil }
func (l *loopConn) SetReadDeadline(time.Time) error  { return nil }
func (l *loopConn) SetWriteDeadline(time.Time) error { return nil }

// hotPath runs n commands the way a client connection does: parse from
// the socket's bytes, execute, append the reply, write once per batch.
func hotPath(tb testing.TB, srv *Server, cmd string, pipeline int) (run func(n int), conn *loopConn) {
	tb.Helper()
	conn = &loopConn{batch: []byte(strings.Repeat(cmd, pipeline))}
	c := connection.New(conn)
	c.SetAuthenticated(true, "default")
	run = func(n int) {
		for i := 0; i < n; i++ {
			args, err := c.Parser.ReadCommand()
			if err != nil {
				tb.Fatal(err)
			}
			if r := srv.Exec(c, args); r != nil {
				c.Write(r)
			}
		}
	}
	return run, conn
}

const (
	respGet = "*2\r\n$3\r\nGET\r\n$10\r\nkey:000001\r\n"
	respSet = "*3\r\n$3\r\nSET\r\n$10\r\nkey:000001\r\n$20\r\nvalue-of-some-length\r\n"
)

func benchHotPath(b *testing.B, cmd string, pipeline int) {
	srv := NewServer()
	defer srv.Close()
	srv.Exec(connection.NewFake(), strArgs("SET", "key:000001", "value-of-some-length"))
	run, _ := hotPath(b, srv, cmd, pipeline)
	run(pipeline * 4)
	b.ReportAllocs()
	b.ResetTimer()
	run(b.N)
}

// Parse + execute + encode the reply + one write per batch, for GET and an
// overwriting SET, unpipelined and pipelined 16 deep.
func BenchmarkHotPathGetP1(b *testing.B)  { benchHotPath(b, respGet, 1) }
func BenchmarkHotPathGetP16(b *testing.B) { benchHotPath(b, respGet, 16) }
func BenchmarkHotPathSetP1(b *testing.B)  { benchHotPath(b, respSet, 1) }
func BenchmarkHotPathSetP16(b *testing.B) { benchHotPath(b, respSet, 16) }

// TestHotPathBudget holds the whole client path to at most one allocation
// per GET or SET, and to one write per pipelined batch.
func TestHotPathBudget(t *testing.T) {
	srv := NewServer()
	defer srv.Close()
	srv.Exec(connection.NewFake(), strArgs("SET", "key:000001", "value-of-some-length"))
	for _, tc := range []struct {
		name, cmd string
	}{{"GET", respGet}, {"SET", respSet}} {
		run, conn := hotPath(t, srv, tc.cmd, 16)
		run(64)
		if allocs := testing.AllocsPerRun(50, func() { run(16) }); allocs > 16 {
			t.Errorf("%s: %.1f allocations per 16 pipelined commands, budget 16", tc.name, allocs)
		}
		before := conn.writes
		run(16 * 10)
		if got := conn.writes - before; got > 10 {
			t.Errorf("%s: %d writes for 10 batches of 16 pipelined commands, want at most 10", tc.name, got)
		}
	}
}
