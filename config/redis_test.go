package config

// Differential tests against a real redis-server 7.0: the same
// configuration, CONFIG GET/SET and CONFIG REWRITE must give the same
// texts. They skip when redis-server is not installed, unless CI is set.

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

func redisBinary(t *testing.T) string {
	t.Helper()
	return redistest.RequireVersion(t, "7.0.")
}

// startRedis runs redis-server with args (port chosen by the caller) and
// waits until it answers; it is killed when the test ends.
func startRedis(t *testing.T, port int, args ...string) redisConn {
	t.Helper()
	redisBinary(t)
	return redisConn{redistest.StartArgs(t, port, args...).Dial(t)}
}

type redisConn struct{ *redistest.Conn }

// do runs a command and returns the reply as text: "OK", an error's text
// with "ERR..." as it is, an integer in decimal, a bulk's content, or the
// elements of an array.
func (rc redisConn) do(t *testing.T, args ...string) (string, []string) {
	t.Helper()
	v := rc.Do(args...)
	switch v.Kind {
	case client.KindStatus, client.KindError, client.KindBulk:
		return v.Text(), nil
	case client.KindInt:
		return strconv.FormatInt(v.Int, 10), nil
	case client.KindArray:
		out := make([]string, len(v.Elems))
		for i, e := range v.Elems {
			out[i] = e.Text()
		}
		return "", out
	}
	t.Fatalf("unexpected reply %s", v)
	return "", nil
}

func pairs(flat []string) map[string]string {
	m := map[string]string{}
	for i := 0; i+1 < len(flat); i += 2 {
		m[flat[i]] = flat[i+1]
	}
	return m
}

// startBoth starts redis-server and loads the same arguments here.
func startBoth(t *testing.T, extra ...string) redisConn {
	t.Helper()
	redisBinary(t)
	port := redistest.FreePort(t)
	dir := t.TempDir()
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "",
		"--daemonize", "no", "--logfile", "", "--loglevel", "warning", "--dir", dir,
		"--enable-protected-configs", "yes"}, extra...)
	rc := startRedis(t, port, args...)
	mustLoad(t, args...)
	return rc
}

func TestRedisConfigGetAll(t *testing.T) {
	rc := startBoth(t, "--maxmemory", "1gb", "--hz", "1000", "--notify-keyspace-events", "KEx",
		"--client-output-buffer-limit", "pubsub 1mb 2mb 3", "--slave-read-only", "no",
		"--unixsocketperm", "700", "--shutdown-on-sigterm", "now force", "--oom-score-adj-values", "1 2 3",
		"--latency-tracking-info-percentiles", "1.5 99.99", "--maxmemory-clients", "5%")
	_, flat := rc.do(t, "config", "get", "*")
	want := pairs(flat)
	got := pairs(GetParams([]string{"*"}))
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("CONFIG GET %s: redis %q, here %q (present %v)", k, v, g, ok)
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("CONFIG GET * here lists %s, redis does not", k)
		}
	}
	for _, pats := range [][]string{
		{"PORT"}, {"port", "PORT"}, {"*slave*"}, {"use-exit-on-panic"}, {"*exit*"},
		{"loading-process-events-interval-bytes"}, {"watchdog-period", "rdb-key-save-delay", "key-load-delay"},
		{"save", "appendonly"}, {"[a-c]*"}, {"nosuch"}, {"lua-replicate-commands"}, {"list-max-ziplist-entries"},
	} {
		_, r := rc.do(t, append([]string{"config", "get"}, pats...)...)
		here := GetParams(pats)
		if !equalPairs(r, here) {
			t.Errorf("CONFIG GET %q: redis %q, here %q", pats, r, here)
		}
	}
}

// equalPairs compares flat name/value lists as sets of pairs.
func equalPairs(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	ma, mb := pairs(a), pairs(b)
	if len(ma) != len(mb) {
		return false
	}
	for k, v := range ma {
		if w, ok := mb[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// setValues are tried on every parameter.
var setValues = []string{
	"", "yes", "no", "YES", "abc", "-1", "0", "1", "5", "100", "511", "65535", "65536",
	"2147483647", "2147483648", "-2147483649", "4294967296", "9223372036854775807",
	"9223372036854775808", "18446744073709551615", "99999999999999999999", "1k", "1kb",
	"2mb", "1MB", "2gb", "1.5", "+1", " 1", "1 ", "05", "0x10", "5%", "100%", "101%", "0777",
	"everysec", "always", "no one", "a b", "a  b", "1 2", "1 2 3", "1 2 3 4", "1 0 2 3",
	"allkeys-lru", "local", "save now", "save nosave", "default", "KEA", "Q", "Kx",
	"debug", "warning", "pubsub 1mb 2mb 60", "replica 1 2 3", "master 1 2 3", "normal 1 2 x",
	"0 200 800", "-2001 0 0", "50 99", "101", "x", "dump2.rdb", "a/b", "{title} {listen-addr}",
	"{foo}", "{title}", "host-name.x", "bad_host", "/nonexistent", "swapdb", "clients",
	"ip", "hostname", "panic", "allchannels", "absolute",
}

// errorsOnly names parameters whose accepted values would disturb the test
// connection or the host (client limits, timeouts, TLS, listening): only
// values this package refuses are compared for them.
var errorsOnly = map[string]bool{
	"client-output-buffer-limit": true, "maxmemory-clients": true, "maxclients": true,
	"timeout": true, "port": true, "bind": true, "requirepass": true, "watchdog-period": true,
	"activedefrag": true, "oom-score-adj": true, "oom-score-adj-values": true,
	"maxmemory": true, "key-load-delay": true, "rdb-key-save-delay": true, "appendonly": true,
	"save": true, "repl-diskless-load": true,
}

func TestRedisConfigSet(t *testing.T) {
	rc := startBoth(t)
	var names []string
	for _, p := range table {
		if p.name == "self" || p.name == "peers" || p.name == "peer-timeout" {
			continue
		}
		names = append(names, p.name)
		if p.alias != "" {
			names = append(names, p.alias)
		}
	}
	names = append(names, "nosuch", "DAEMONIZE", "Dir")
	compared := 0
	for _, name := range names {
		if strings.HasPrefix(name, "tls-") {
			continue // applying TLS settings needs certificates
		}
		_, orig := rc.do(t, "config", "get", name)
		for _, v := range setValues {
			p := lookup(name)
			before := Get()
			err := SetParams([]string{name, v})
			here := "OK"
			if err != nil {
				here = err.Error()
			}
			if p != nil && errorsOnly[p.name] && err == nil {
				install(before) // keep both sides equal without asking redis
				continue
			}
			there, _ := rc.do(t, "config", "set", name, v)
			compared++
			if there != here {
				t.Errorf("CONFIG SET %s %q: redis %q, here %q", name, v, there, here)
				continue
			}
			if err == nil {
				_, r := rc.do(t, "config", "get", name)
				if h := GetParams([]string{name}); !slices.Equal(r, h) {
					t.Errorf("after CONFIG SET %s %q: redis %q, here %q", name, v, r, h)
				}
			}
		}
		if len(orig) == 2 {
			rc.do(t, "config", "set", name, orig[1])
			SetParams([]string{name, orig[1]})
		}
	}
	// Several parameters at once, and their error priorities.
	for _, args := range [][]string{
		{"hz", "5", "hz", "6"}, {"hz", "5", "HZ", "6"}, {"slave-read-only", "yes", "replica-read-only", "no"},
		{"foo", "1", "daemonize", "yes"}, {"daemonize", "yes", "foo", "1"}, {"hz", "x", "foo", "1"},
		{"hz", "7", "maxmemory-policy", "bad"}, {"hz", "7", "timeout", "1", "hz", "8"},
		{"hz"}, {"hz", "1", "timeout"}, {"dir", "/nonexistent", "hz", "1"},
	} {
		there, _ := rc.do(t, append([]string{"config", "set"}, args...)...)
		here := "OK"
		if err := SetParams(args); err != nil {
			here = err.Error()
		}
		compared++
		if there != here {
			t.Errorf("CONFIG SET %q: redis %q, here %q", args, there, here)
		}
	}
	t.Logf("%d CONFIG SET replies compared", compared)
}

func TestRedisLoadErrors(t *testing.T) {
	bin := redisBinary(t)
	cases := []struct {
		file string
		args []string
	}{
		{"foo bar\n", nil},
		{"port abc\n", nil},
		{"\n# c\nappendfsync sometimes\n", nil},
		{"port 1 2\n", nil},
		{"save 1\n", nil},
		{"save 0 1\n", nil},
		{"dir /nonexistent\n", nil},
		{"dir /etc/passwd\n", nil},
		{"maxmemory 1x\n", nil},
		{"maxmemory -1\n", nil},
		{"port \"abc\n", nil},
		{"port 'a'b\n", nil},
		{"port \"a\"b\n", nil},
		{"bind 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17\n", nil},
		{"loglevel nothing\n", nil},
		{"notify-keyspace-events Q\n", nil},
		{"client-output-buffer-limit normal 1\n", nil},
		{"client-output-buffer-limit master 1 2 3\n", nil},
		{"oom-score-adj-values 1 2\n", nil},
		{"latency-tracking-info-percentiles 200\n", nil},
		{"shutdown-on-sigint save nosave\n", nil},
		{"replicaof localhost\n", nil},
		{"replicaof localhost 70000\n", nil},
		{"   HZ   abc   \n", nil},
		{"hz abc\r\n", nil},
		{"requirepass a b\n", nil},
		{"rename-command get\n", nil},
		{"include\n", nil},
		{"user\n", nil},
		{"sentinel foo\n", nil},
		{"enable-debug-command maybe\n", nil},
		{"appendfilename a/b\n", nil},
		{"appenddirname \"\"\n", nil},
		{"dbfilename a/b\n", nil},
		{"unixsocketperm 800\n", nil},
		{"maxmemory-clients 200%\n", nil},
		{"list-max-ziplist-entries 1 2\n", nil},
		{"lua-replicate-commands\n", nil},
		{"logfile /nonexistent/x.log\n", nil},
		{"cluster-enabled yes\nreplicaof 127.0.0.1 1\n", nil},
		{"foo.bar\n", nil},
		{"foo.bar 1\n", nil},
		{"include nonexistent.conf\n", nil},
		{"hz 1\n", []string{"--hz", "abc"}},
		{"hz 1\n\n\n", []string{"--port", "0", "--hz", "abc"}},
		{"hz 1", []string{"--port", "0", "1"}},
		{"hz 1\n", []string{"foo", "--port", "0"}},
		{"", []string{"--port"}},
		{"", []string{"--port", "--hz", "abc"}},
		{"", []string{"--foo", "bar"}},
		{"", []string{"--save", "1", "--port"}},
		{"", []string{"--requirepass", "a\"b\x01", "x"}},
	}
	for _, tc := range cases {
		var args []string
		if tc.file != "" || tc.args == nil {
			// Without a file redis-server would run; give it one.
			args = append(args, writeFile(t, "bad.conf", "port "+strconv.Itoa(redistest.FreePort(t))+"\n"+tc.file))
		} else {
			args = append(args, "--port", "0")
		}
		args = append(args, tc.args...)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Dir = t.TempDir()
		var stderr, stdout strings.Builder
		cmd.Stderr, cmd.Stdout = &stderr, &stdout
		runErr := cmd.Run()
		timedOut := ctx.Err() != nil
		cancel()
		if timedOut {
			t.Errorf("redis-server accepted %q %q", tc.file, tc.args)
			continue
		}
		_, err := Load(args)
		if err == nil {
			t.Errorf("Load accepted %q %q; redis said %q %v", tc.file, tc.args, stderr.String(), runErr)
			continue
		}
		if _, fatal := err.(*FatalError); fatal {
			msg := strings.TrimSuffix(err.Error(), "\n")
			if !strings.Contains(stdout.String(), "# "+msg+"\n") {
				t.Errorf("%q %q: redis logged %q, here %q", tc.file, tc.args, stdout.String(), msg)
			}
			continue
		}
		if stderr.String() != err.Error() {
			t.Errorf("%q %q:\nredis %q\n here %q", tc.file, tc.args, stderr.String(), err.Error())
		}
	}
}

func TestRedisRewrite(t *testing.T) {
	redisBinary(t)
	port := redistest.FreePort(t)
	dir := t.TempDir()
	content := strings.Join([]string{
		"# top comment",
		"port " + strconv.Itoa(port),
		"bind 127.0.0.1",
		"",
		"",
		"# another",
		"hz 20",
		"save 100 1",
		"save 200 2",
		"slave-read-only no",
		"maxmemory 1mb",
		"rename-command KEYS \"\"",
		"appendfsync always",
		"hz 30",
		"list-max-ziplist-entries 5",
		"unknown-directive-kept-as-comment",
		"requirepass \"old\"",
		"timeout 0",
		"client-output-buffer-limit normal 0 0 0",
		"client-output-buffer-limit pubsub 1mb 1mb 0",
		"dir " + dir,
		"enable-protected-configs yes",
		"logfile \"\"",
		"daemonize no",
		"",
	}, "\n")
	theirs := filepath.Join(t.TempDir(), "redis.conf")
	ours := filepath.Join(t.TempDir(), "redis.conf")
	// Redis refuses the unknown directive at start; add it after.
	start := strings.Replace(content, "unknown-directive-kept-as-comment\n", "", 1)
	os.WriteFile(theirs, []byte(start), 0o644)
	os.WriteFile(ours, []byte(start), 0o644)
	rc := startRedis(t, port, theirs)
	mustLoad(t, ours)
	if r, _ := rc.do(t, "auth", "old"); r != "OK" {
		t.Fatalf("auth: %s", r)
	}
	os.WriteFile(theirs, []byte(content), 0o644)
	os.WriteFile(ours, []byte(content), 0o644)
	sets := [][]string{
		{"maxmemory", "3000000"}, {"appendfsync", "everysec"}, {"notify-keyspace-events", "KEA"},
		{"requirepass", "a b\"c\n"}, {"save", "10 1"}, {"maxmemory-policy", "allkeys-lru"},
		{"proto-max-bulk-len", "1gb"}, {"repl-backlog-size", "5kb"}, {"maxmemory-clients", "5%"},
		{"hz", "30"}, {"dbfilename", ""}, {"masteruser", "u"}, {"latency-tracking-info-percentiles", ""},
		{"client-output-buffer-limit", "replica 1mb 2mb 3"}, {"shutdown-on-sigint", "nosave now"},
		{"oom-score-adj-values", "0 200 800"}, {"lua-time-limit", "6000"},
	}
	for round := 0; round < 2; round++ {
		for _, kv := range sets {
			there, _ := rc.do(t, append([]string{"config", "set"}, kv...)...)
			if err := SetParams(kv); err != nil || there != "OK" {
				t.Fatalf("CONFIG SET %q: redis %q, here %v", kv, there, err)
			}
		}
		if r, _ := rc.do(t, "auth", "a b\"c\n"); r != "OK" {
			t.Fatalf("auth: %s", r)
		}
		if r, _ := rc.do(t, "config", "rewrite"); r != "OK" {
			t.Fatalf("redis CONFIG REWRITE: %s", r)
		}
		if err := Rewrite(); err != nil {
			t.Fatal(err)
		}
		a, _ := os.ReadFile(theirs)
		b, _ := os.ReadFile(ours)
		if ka, kb := splitRewritten(string(a)), splitRewritten(string(b)); !slices.Equal(ka, kb) {
			t.Errorf("round %d: rewritten files differ.\nredis:\n%s\nhere:\n%s", round, a, b)
		}
		sets = [][]string{{"requirepass", "a b\"c\n"}, {"maxmemory", "0"}, {"notify-keyspace-events", ""}, {"save", ""}}
	}
}

// splitRewritten normalizes a rewritten file for comparison: the lines up
// to the signature in order, then the appended lines sorted (Redis appends
// in its hash table's order), without the ACL user line this server does
// not write.
func splitRewritten(s string) []string {
	lines := strings.Split(s, "\n")
	i := slices.Index(lines, signature)
	if i < 0 {
		i = len(lines)
	}
	var tail []string
	for _, l := range lines[i:] {
		if !strings.HasPrefix(l, "user ") {
			tail = append(tail, l)
		}
	}
	slices.Sort(tail)
	return append(slices.Clone(lines[:i]), tail...)
}

func TestRedisStartupValues(t *testing.T) {
	for _, extra := range [][]string{
		{"--save", "900 1", "--save", "300 10"},
		{"--save", "900", "1", "--hz", "0", "--repl-backlog-size", "1"},
		{"--bind", "127.0.0.1 ::1", "--oom-score-adj-values", "-5 0 2000", "--unixsocketperm", "0755"},
		{"--maxmemory", "18446744073709551615gb", "--maxmemory-clients", "100%", "--list-max-ziplist-size", "-5"},
		{"--slaveof", "127.0.0.1", "1", "--masterauth", "x y", "--notify-keyspace-events", "gKEm"},
		{"--client-output-buffer-limit", "slave 1 2 3", "--client-output-buffer-limit", "normal 1kb 2kb 0",
			"--shutdown-on-sigint", "save", "now", "--latency-tracking-info-percentiles", "0.001 100"},
		{"--latency-tracking-info-percentiles", "", "--proc-title-template", "{title}{port}", "--lua-time-limit", "3"},
	} {
		t.Run(strings.Join(extra, " "), func(t *testing.T) {
			rc := startBoth(t, extra...)
			sameConfigGetAll(t, rc)
		})
	}
}

// TestRedisStockConfig loads the distribution's redis.conf in both.
func TestRedisStockConfig(t *testing.T) {
	const stock = "/etc/redis/redis.conf"
	if _, err := os.Stat(stock); err != nil {
		t.Skip("no " + stock)
	}
	redisBinary(t)
	port := redistest.FreePort(t)
	args := []string{stock, "--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--daemonize", "no",
		"--logfile", "", "--pidfile", "", "--dir", t.TempDir(), "--save", ""}
	rc := startRedis(t, port, args...)
	mustLoad(t, args...)
	sameConfigGetAll(t, rc)
}

// sameConfigGetAll compares CONFIG GET * of redis and of this package.
func sameConfigGetAll(t *testing.T, rc redisConn) {
	t.Helper()
	_, flat := rc.do(t, "config", "get", "*")
	want, got := pairs(flat), pairs(GetParams([]string{"*"}))
	for k, v := range want {
		if got[k] != v {
			t.Errorf("CONFIG GET %s: redis %q, here %q", k, v, got[k])
		}
	}
	if len(got) != len(want) {
		t.Errorf("CONFIG GET * gives %d names here, %d in redis", len(got), len(want))
	}
}
