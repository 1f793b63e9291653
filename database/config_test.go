package database

import (
	"strconv"
	"strings"
	"testing"

	"goredis/config"
	"goredis/resp/connection"
)

func TestIsLocalClient(t *testing.T) {
	for _, tc := range []struct {
		addr  string
		local bool
	}{
		{"127.0.0.1:6379", true},
		{"127.1.2.3:1", true},
		{"[::1]:5000", true},
		{"[::ffff:127.0.0.1]:5000", true},
		{"10.0.0.1:6379", false},
		{"192.168.1.2:1", false},
		{"[2001:db8::1]:1", false},
		{"", false},
		{"@", true}, // a unix socket peer
	} {
		if got := isLocalClient(addrConn{connection.NewFake(), tc.addr}); got != tc.local {
			t.Errorf("%q: local %v", tc.addr, got)
		}
	}
}

func TestConfigWrappers(t *testing.T) {
	srv := sysServer(t)
	c := connection.NewFake()
	old := config.Get().Hz
	t.Cleanup(func() { config.SetParams([]string{"hz", strconv.Itoa(old)}) })

	if got := sysDo(srv, c, "CONFIG", "SET", "hz", "33"); got != "+OK\r\n" {
		t.Fatalf("SET: %q", got)
	}
	if config.Get().Hz != 33 {
		t.Errorf("hz is %d", config.Get().Hz)
	}
	if got := sysDo(srv, c, "CONFIG", "GET", "hz"); got != "*2\r\n$2\r\nhz\r\n$2\r\n33\r\n" {
		t.Errorf("GET RESP2: %q", got)
	}
	c3 := connection.NewFake()
	c3.SetProtocol(3)
	if got := sysDo(srv, c3, "CONFIG", "GET", "hz"); got != "%1\r\n$2\r\nhz\r\n$2\r\n33\r\n" {
		t.Errorf("GET RESP3: %q", got)
	}
	if got := sysDo(srv, c3, "CONFIG", "GET", "nosuch"); got != "%0\r\n" {
		t.Errorf("GET nothing: %q", got)
	}
	if got := sysDo(srv, c, "CONFIG", "SET", "nosuch", "1"); !strings.HasPrefix(got, "-ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'") {
		t.Errorf("SET unknown: %q", got)
	}
	if got := sysDo(srv, c, "CONFIG", "SET", "hz", "1", "timeout"); got != "-ERR syntax error\r\n" {
		t.Errorf("SET odd: %q", got)
	}
	if got := sysDo(srv, c, "CONFIG", "SET", "hz"); got != "-ERR wrong number of arguments for 'config|set' command\r\n" {
		t.Errorf("SET arity: %q", got)
	}
	if got := sysDo(srv, c, "CONFIG", "RESETSTAT"); got != "+OK\r\n" {
		t.Errorf("RESETSTAT: %q", got)
	}
	if config.Get().ConfigFile == "" {
		if got := sysDo(srv, c, "CONFIG", "REWRITE"); got != "-ERR The server is running without a config file\r\n" {
			t.Errorf("REWRITE: %q", got)
		}
	}
	if got := sysDo(srv, c, "CONFIG", "HELP"); !strings.HasPrefix(got, "*11\r\n+CONFIG <subcommand>") {
		t.Errorf("HELP: %q", got)
	}
}

// TestConfigResetStatClearsStats checks that CONFIG RESETSTAT reaches the
// server's counters.
func TestConfigResetStatClearsStats(t *testing.T) {
	srv := sysServer(t)
	c := connection.NewFake()
	sysDo(srv, c, "GET", "a")
	if srv.stats.totalCommands.Load() == 0 {
		t.Fatal("no command counted")
	}
	sysDo(srv, c, "CONFIG", "RESETSTAT")
	if n := srv.stats.totalCommands.Load(); n > 1 {
		t.Errorf("%d commands after RESETSTAT", n)
	}
}
