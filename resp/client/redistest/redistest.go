// Package redistest starts a real redis-server for tests that compare
// against it. Without redis-server on PATH the test is skipped, unless the
// environment variable CI is set, when it fails.
package redistest

import (
	"bytes"
	"net"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"goredis/resp/client"
)

// Binary is the redis-server executable looked up on PATH.
const Binary = "redis-server"

// Server is a running redis-server.
type Server struct {
	Addr string
	cmd  *exec.Cmd
	log  *bytes.Buffer
}

// Available reports whether redis-server is installed.
func Available() bool {
	_, err := exec.LookPath(Binary)
	return err == nil
}

// Require skips t when redis-server is missing, or fails it if CI is set.
func Require(t testing.TB) string {
	t.Helper()
	path, err := exec.LookPath(Binary)
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not installed: %v", Binary, err)
		}
		t.Skipf("%s not installed", Binary)
	}
	return path
}

// FreePort returns a loopback TCP port nothing listens on at the moment.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Start runs redis-server on a free loopback port with persistence off,
// DEBUG enabled and extra config arguments (as "--name value" pairs), and
// stops it when the test ends.
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	path := Require(t)
	var lastLog string
	for attempt := 0; attempt < 5; attempt++ {
		port := FreePort(t)
		args := []string{
			"--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", t.TempDir(),
			"--enable-debug-command", "yes", "--daemonize", "no",
		}
		args = append(args, extra...)
		s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), log: new(bytes.Buffer)}
		s.cmd = exec.Command(path, args...)
		s.cmd.Stdout = s.log
		s.cmd.Stderr = s.log
		if err := s.cmd.Start(); err != nil {
			t.Fatalf("start %s: %v", path, err)
		}
		exited := make(chan struct{})
		go func() { s.cmd.Wait(); close(exited) }()
		if s.waitReady(exited) {
			t.Cleanup(func() {
				s.cmd.Process.Kill()
				<-exited
			})
			return s
		}
		s.cmd.Process.Kill()
		<-exited
		lastLog = s.log.String()
	}
	t.Fatalf("redis-server did not start:\n%s", lastLog)
	return nil
}

func (s *Server) waitReady(exited chan struct{}) bool {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return false
		default:
		}
		c, err := client.DialRaw(s.Addr)
		if err == nil {
			v, err := c.Do(2*time.Second, "PING")
			c.Close()
			if err == nil && v.Kind == client.KindStatus && string(v.Str) == "PONG" {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
