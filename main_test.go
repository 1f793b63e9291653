package main

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// syncBuffer collects a process's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running server binary.
type proc struct {
	cmd      *exec.Cmd
	stdout   *syncBuffer
	stderr   *syncBuffer
	addr     string
	exited   chan struct{}
	exitCode int
}

// startProc runs bin with args in a fresh directory (so no redis.conf is
// picked up) and kills it when the test ends.
func startProc(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{stdout: new(syncBuffer), stderr: new(syncBuffer), exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout = p.stdout
	p.cmd.Stderr = p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		err := p.cmd.Wait()
		p.exitCode = 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			p.exitCode = ee.ExitCode()
		} else if err != nil {
			p.exitCode = -1
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
		// A server built with -race reports races on stderr and goes on.
		if log := p.log(); strings.Contains(log, "WARNING: DATA RACE") {
			t.Errorf("%s reported a data race:\n%s", p.cmd, log)
		}
	})
	return p
}

// startServer starts bin listening on a free loopback port and waits until
// it answers PING (with PONG, or NOAUTH under requirepass).
func startServer(t *testing.T, bin string, extra ...string) *proc {
	t.Helper()
	return startOnFreePort(t, "server", func(port string) (string, []string) {
		return bin, append([]string{"--port", port, "--bind", "127.0.0.1"}, extra...)
	})
}

// startOnFreePort runs the program and arguments command gives for a free
// loopback port, retrying on another port when the first was taken in the
// meantime, and waits until the server answers; what names it in the
// failure.
func startOnFreePort(t *testing.T, what string, command func(port string) (string, []string)) *proc {
	t.Helper()
	var last *proc
	for attempt := 0; attempt < 3; attempt++ {
		port := strconv.Itoa(redistest.FreePort(t))
		prog, args := command(port)
		p := startProc(t, prog, args...)
		p.addr = "127.0.0.1:" + port
		if p.waitReady() {
			return p
		}
		last = p
		_ = p.cmd.Process.Kill()
		<-p.exited
		if !strings.Contains(p.log(), "in use") {
			break // not a port race: no use retrying
		}
	}
	t.Fatalf("%s did not start; output:\n%s", what, last.log())
	return nil
}

func (p *proc) log() string { return p.stdout.String() + p.stderr.String() }

func (p *proc) waitReady() bool {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-p.exited:
			return false
		default:
		}
		if c, err := client.DialRaw(p.addr); err == nil {
			v, err := c.Do(2*time.Second, "PING")
			c.Close()
			if err == nil && (v.Kind == client.KindStatus && v.Text() == "PONG" ||
				v.Kind == client.KindError && strings.HasPrefix(v.Text(), "NOAUTH ")) {
				return true
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	return false
}

// wait returns the exit code, failing the test if the process is still
// running after d.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.exitCode
	case <-time.After(d):
		t.Fatalf("process still running after %v; output:\n%s", d, p.log())
		return 0
	}
}

func dialRaw(t *testing.T, addr string) *client.RawConn { return redistest.DialRaw(t, addr) }

// expectClosed checks that the server closed c (after any bytes in want).
func expectClosed(t *testing.T, c net.Conn, within time.Duration, want string) {
	t.Helper()
	_ = c.SetReadDeadline(time.Now().Add(within))
	b, err := io.ReadAll(c)
	if err != nil && !strings.Contains(err.Error(), "connection reset") {
		t.Fatalf("connection not closed within %v: %v (read %q)", within, err, b)
	}
	if string(b) != want {
		t.Fatalf("read %q before the close, want %q", b, want)
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
	buildDir  string
)

// raceBuild is set when this test binary was built with -race
// (race_test.go): the server binary is then built with -race too, so the
// tests that run it (TestAOFCrash's kill and restart loop among them)
// check the server for data races.
var raceBuild bool

// buildBinary builds the server once for every test of the package, with
// -race when the tests run with it.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "goredis-bin")
		if buildErr != nil {
			return
		}
		builtBin = filepath.Join(buildDir, "goredis")
		goTool, err := exec.LookPath("go")
		if err != nil {
			goTool = filepath.Join(runtime.GOROOT(), "bin", "go")
		}
		args := []string{"build", "-o", builtBin}
		if raceBuild {
			args = append(args, "-race")
		}
		out, err := exec.Command(goTool, append(args, ".")...).CombinedOutput()
		if err != nil {
			buildErr = errors.New("go build: " + err.Error() + "\n" + string(out))
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// TestBinary builds the server once and checks how it starts, serves and
// stops as a process.
func TestBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	bin := buildBinary(t)

	t.Run("ping", func(t *testing.T) {
		t.Parallel()
		p := startServer(t, bin)
		c := dialRaw(t, p.addr)
		// What redis-cli sends: a multibulk PING; and an inline one.
		if v, err := c.Do(5*time.Second, "PING"); err != nil || string(v.Raw) != "+PONG\r\n" {
			t.Fatalf("PING = %q, %v", v.Raw, err)
		}
		if err := c.Write([]byte("PING\r\n")); err != nil {
			t.Fatal(err)
		}
		if v, err := c.ReadValue(5 * time.Second); err != nil || string(v.Raw) != "+PONG\r\n" {
			t.Fatalf("inline PING = %q, %v", v.Raw, err)
		}
		if cli, err := exec.LookPath("redis-cli"); err == nil {
			_, port, _ := net.SplitHostPort(p.addr)
			out, err := exec.Command(cli, "-h", "127.0.0.1", "-p", port, "PING").CombinedOutput()
			if err != nil || string(out) != "PONG\n" {
				t.Errorf("redis-cli PING: %q, %v", out, err)
			}
		}
	})

	for _, sig := range []struct {
		name string
		sig  os.Signal
	}{{"SIGTERM", syscall.SIGTERM}, {"SIGINT", syscall.SIGINT}} {
		t.Run(sig.name, func(t *testing.T) {
			t.Parallel()
			p := startServer(t, bin)
			c := dialRaw(t, p.addr) // an open client does not hold up the exit
			if _, err := c.Do(5*time.Second, "PING"); err != nil {
				t.Fatal(err)
			}
			if err := p.cmd.Process.Signal(sig.sig); err != nil {
				t.Fatal(err)
			}
			if code := p.wait(t, 10*time.Second); code != 0 {
				t.Errorf("exit code %d after %s, want 0; output:\n%s", code, sig.name, p.log())
			}
			log := p.log()
			for _, want := range []string{"Ready to accept connections", "Received " + sig.name + " scheduling shutdown", "bye bye"} {
				if !strings.Contains(log, want) {
					t.Errorf("log lacks %q:\n%s", want, log)
				}
			}
			expectClosed(t, c.Conn(), 5*time.Second, "")
		})
	}

	t.Run("bad-config-file", func(t *testing.T) {
		t.Parallel()
		conf := filepath.Join(t.TempDir(), "bad.conf")
		if err := os.WriteFile(conf, []byte("port 7000\nfoo bar\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		p := startProc(t, bin, conf)
		if code := p.wait(t, 10*time.Second); code != 1 {
			t.Errorf("exit code %d, want 1", code)
		}
		stderr := p.stderr.String()
		for _, want := range []string{"*** FATAL CONFIG FILE ERROR", "Bad directive or wrong number of arguments", ">>> 'foo bar'"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
		}
		if path, err := exec.LookPath("redis-server"); err == nil {
			r := startProc(t, path, conf)
			if code := r.wait(t, 10*time.Second); code != 1 {
				t.Errorf("redis-server exit code %d, want 1", code)
			}
			if want := r.stderr.String(); stderr != want {
				t.Errorf("stderr differs from redis-server's:\nours:  %q\nredis: %q", stderr, want)
			}
		}
	})

	t.Run("maxclients", func(t *testing.T) {
		t.Parallel()
		p := startServer(t, bin, "--maxclients", "2")
		// The probe connection of startServer may take a moment to be
		// forgotten: retry until two clients are admitted.
		admit := func() *client.RawConn {
			deadline := time.Now().Add(5 * time.Second)
			for {
				c := dialRaw(t, p.addr)
				v, err := c.Do(5*time.Second, "PING")
				if err == nil && v.Text() == "PONG" {
					return c
				}
				c.Close()
				if time.Now().After(deadline) {
					t.Fatalf("PING = %v, %v", v, err)
				}
				time.Sleep(20 * time.Millisecond)
			}
		}
		a, b := admit(), admit()
		third := dialRaw(t, p.addr)
		expectClosed(t, third.Conn(), 5*time.Second, "-ERR max number of clients reached\r\n")
		// The two admitted clients still work, and a freed slot is
		// usable again.
		if v, err := a.Do(5*time.Second, "PING"); err != nil || v.Text() != "PONG" {
			t.Fatalf("PING after the rejection = %v, %v", v, err)
		}
		b.Close()
		admit()
	})

	t.Run("timeout", func(t *testing.T) {
		t.Parallel()
		p := startServer(t, bin, "--timeout", "1")
		idle, active := dialRaw(t, p.addr), dialRaw(t, p.addr)
		for _, c := range []*client.RawConn{idle, active} {
			if v, err := c.Do(5*time.Second, "PING"); err != nil || v.Text() != "PONG" {
				t.Fatalf("PING = %v, %v", v, err)
			}
		}
		start := time.Now()
		closed := make(chan time.Duration, 1)
		go func() {
			_ = idle.Conn().SetReadDeadline(time.Now().Add(10 * time.Second))
			_, _ = io.Copy(io.Discard, idle.Conn())
			closed <- time.Since(start)
		}()
		// The active client sends a command every 200ms for 2.6s.
		for time.Since(start) < 2600*time.Millisecond {
			if v, err := active.Do(5*time.Second, "PING"); err != nil || v.Text() != "PONG" {
				t.Fatalf("active client after %v: %v, %v", time.Since(start), v, err)
			}
			time.Sleep(200 * time.Millisecond)
		}
		select {
		case d := <-closed:
			if d < 900*time.Millisecond || d > 2600*time.Millisecond {
				t.Errorf("idle client closed after %v, want about 1-2s", d)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("idle client never closed")
		}
	})

	t.Run("shutdown", func(t *testing.T) {
		t.Parallel()
		p := startServer(t, bin)
		c := dialRaw(t, p.addr)
		if err := c.WriteCommand("SHUTDOWN"); err != nil {
			t.Fatal(err)
		}
		v, err := c.ReadValue(10 * time.Second)
		if err == nil && v.IsError() && strings.HasPrefix(v.Text(), "ERR unknown command") {
			t.Skip("SHUTDOWN is not implemented yet")
		}
		if err == nil {
			t.Errorf("SHUTDOWN replied %v; Redis closes the connection without a reply", v)
		}
		if code := p.wait(t, 10*time.Second); code != 0 {
			t.Errorf("exit code %d after SHUTDOWN, want 0; output:\n%s", code, p.log())
		}
		if log := p.log(); !strings.Contains(log, "bye bye") {
			t.Errorf("log lacks \"bye bye\":\n%s", log)
		}
	})
}
