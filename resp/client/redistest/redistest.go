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

// RequireVersion is Require for a test that needs a redis-server whose
// version starts with prefix ("7.0." say): another version skips the test,
// or fails it if CI is set.
func RequireVersion(t testing.TB, prefix string) string {
	t.Helper()
	path := Require(t)
	out, err := exec.Command(path, "--version").Output()
	if err != nil || !bytes.Contains(out, []byte("v="+prefix)) {
		if os.Getenv("CI") != "" {
			t.Fatalf("CI is set but %s is not %s: %s %v", Binary, prefix, out, err)
		}
		t.Skipf("%s is not %s: %s", Binary, prefix, out)
	}
	return path
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
		s, ok := launch(t, path, "", port, args)
		if ok {
			return s
		}
		lastLog = s.log.String()
	}
	t.Fatalf("redis-server did not start:\n%s", lastLog)
	return nil
}

// StartArgs runs redis-server with exactly args, in a fresh temporary
// working directory, for tests that must know every argument (a config
// file first, say, or the same arguments given to this server's own
// loader). The caller picks the port, in args or in the file they name,
// and passes it as port. It fails the test if the server exits before it
// answers, and stops the server when the test ends.
func StartArgs(t testing.TB, port int, args ...string) *Server {
	t.Helper()
	path := Require(t)
	s, ok := launch(t, path, t.TempDir(), port, args)
	if !ok {
		t.Fatalf("%s %q did not start:\n%s", path, args, s.log)
	}
	return s
}

// launch starts path with args in dir ("": the test's own) and waits until
// it answers on port. If it does not, launch stops it and reports false;
// s.log then holds its output.
func launch(t testing.TB, path, dir string, port int, args []string) (*Server, bool) {
	t.Helper()
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), log: new(bytes.Buffer)}
	s.cmd = exec.Command(path, args...)
	s.cmd.Dir = dir
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
		return s, true
	}
	s.cmd.Process.Kill()
	<-exited
	return s, false
}

// waitReady waits until the server answers PING: PONG, or NOAUTH when it
// was started with a password.
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
			if err == nil && (v.Kind == client.KindStatus && string(v.Str) == "PONG" ||
				v.Kind == client.KindError && bytes.HasPrefix(v.Str, []byte("NOAUTH "))) {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}
