package handler_test

import (
	"bytes"
	"io"
	"net"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"goredis/config"
)

// remoteConn makes a loopback socket claim a non-loopback peer address, so
// protected mode can be tested without any traffic leaving the machine.
type remoteConn struct{ net.Conn }

func (remoteConn) RemoteAddr() net.Addr { return &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 40000} }

// firstReply connects a client through wrap and returns what the server
// sent after a PING, and whether it then closed the connection.
func firstReply(t *testing.T, wrap func(net.Conn) net.Conn) (got []byte, closed bool) {
	t.Helper()
	s := serveWrapped(t, wrap)
	if _, err := s.client.Write([]byte("PING\r\n")); err != nil {
		return nil, true
	}
	_ = s.client.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
	var buf bytes.Buffer
	_, err := io.Copy(&buf, s.client)
	// EOF or a reset (the PING was left unread): the server closed it.
	closed = err == nil || strings.Contains(err.Error(), "reset")
	return buf.Bytes(), closed
}

func setConfig(t *testing.T, args ...string) {
	t.Helper()
	old := config.GetParams([]string{args[0]})
	if err := config.SetParams(args); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = config.SetParams(old) })
}

func TestProtectedModeRefusesRemoteClients(t *testing.T) {
	setConfig(t, "protected-mode", "yes")
	got, closed := firstReply(t, func(c net.Conn) net.Conn { return remoteConn{c} })
	if !closed || !strings.HasPrefix(string(got), "-DENIED Redis is running in protected mode") || !strings.HasSuffix(string(got), "\r\n") {
		t.Fatalf("remote client got %q (closed %v), want the DENIED error and a close", got, closed)
	}
	// The text is Redis's own: the real server binary carries it verbatim.
	if path, err := exec.LookPath("redis-server"); err == nil {
		bin, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(bin, bytes.TrimSuffix(got, []byte("\r\n"))) {
			t.Errorf("the DENIED text differs from the one in %s", path)
		}
	}
	// A loopback client is served.
	if got, _ := firstReply(t, func(c net.Conn) net.Conn { return c }); !strings.HasPrefix(string(got), "+PONG") {
		t.Errorf("loopback client got %q, want +PONG", got)
	}
}

func TestProtectedModeOffOrPasswordServesRemoteClients(t *testing.T) {
	for _, tc := range [][]string{{"protected-mode", "no"}, {"requirepass", "secret"}} {
		t.Run(tc[0], func(t *testing.T) {
			setConfig(t, tc...)
			got, _ := firstReply(t, func(c net.Conn) net.Conn { return remoteConn{c} })
			if bytes.HasPrefix(got, []byte("-DENIED")) || len(got) == 0 {
				t.Errorf("with %s %s a remote client got %q, want it served", tc[0], tc[1], got)
			}
		})
	}
}
