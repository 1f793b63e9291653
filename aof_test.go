package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// TestAOFCrash kills a server under write load with SIGKILL, again and
// again, and checks after each restart that every acknowledged write is
// there (and at most the one write in flight per client more), under
// appendfsync always and everysec: a reply is only sent once its record
// is in the file.
func TestAOFCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin := buildBinary(t)
	for _, policy := range []string{"always", "everysec"} {
		t.Run(policy, func(t *testing.T) {
			dir := t.TempDir()
			const writers, cycles = 4, 6
			acked := make([]int64, writers)
			verified := 0
			for cycle := 0; cycle < cycles; cycle++ {
				p := startServer(t, bin, "--appendonly", "yes", "--appendfsync", policy, "--dir", dir)
				// Everything acknowledged before the last kill is there.
				c := dialRaw(t, p.addr)
				for w := 0; w < writers; w++ {
					v, err := c.Do(5*time.Second, "GET", "crash:"+strconv.Itoa(w))
					if err != nil {
						t.Fatal(err)
					}
					n, _ := strconv.ParseInt(string(v.Str), 10, 64)
					if n < acked[w] || n > acked[w]+1 {
						t.Fatalf("cycle %d: counter %d = %d after restart, acknowledged %d", cycle, w, n, acked[w])
					}
					l, err := c.Do(5*time.Second, "LLEN", "crashl:"+strconv.Itoa(w))
					if err != nil || l.Int < acked[w] || l.Int > acked[w]+1 {
						t.Fatalf("cycle %d: list %d has %d elements, acknowledged %d (%v)", cycle, w, l.Int, acked[w], err)
					}
					acked[w] = n // the unacknowledged one, if it landed, counts from now
					verified += int(n)
				}
				c.Close()
				var wg sync.WaitGroup
				stop := make(chan struct{})
				for w := 0; w < writers; w++ {
					wg.Add(1)
					go func(w int) {
						defer wg.Done()
						wc, err := client.DialRaw(p.addr)
						if err != nil {
							return
						}
						defer wc.Close()
						key := strconv.Itoa(w)
						for i := 0; i < 100000; i++ {
							select {
							case <-stop:
								return
							default:
							}
							// Both writes of one step in a transaction, so the
							// counter and the list move together.
							if err := wc.Write(client.AppendCommandStrings(client.AppendCommandStrings(client.AppendCommandStrings(
								client.AppendCommandStrings(nil, "MULTI"), "INCR", "crash:"+key), "RPUSH", "crashl:"+key, "v"), "EXEC")); err != nil {
								return
							}
							var last client.Value
							for r := 0; r < 4; r++ {
								if last, err = wc.ReadValue(5 * time.Second); err != nil {
									return
								}
							}
							if len(last.Elems) != 2 {
								return
							}
							acked[w] = last.Elems[0].Int
						}
					}(w)
				}
				time.Sleep(time.Duration(150+cycle*40) * time.Millisecond)
				_ = p.cmd.Process.Signal(syscall.SIGKILL)
				<-p.exited
				close(stop)
				wg.Wait()
			}
			total := int64(0)
			for _, n := range acked {
				total += n
			}
			t.Logf("appendfsync %s: %d kill/restart cycles, %d acknowledged transactions, all present after each restart (%d counter values checked)",
				policy, cycles, total, verified)
		})
	}
}

// snapshot lists every key of every used db with its type, value and
// whether it has a TTL, in a form that compares equal across servers.
func snapshot(t *testing.T, addr string) []string {
	t.Helper()
	c := dialRaw(t, addr)
	do := func(args ...string) client.Value {
		v, err := c.Do(5*time.Second, args...)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	strs := func(v client.Value) []string {
		var out []string
		for _, e := range v.Elems {
			out = append(out, string(e.Str))
		}
		return out
	}
	var out []string
	for db := 0; db < 4; db++ {
		do("SELECT", strconv.Itoa(db))
		for _, k := range strs(do("KEYS", "*")) {
			typ := do("TYPE", k).Text()
			var val []string
			switch typ {
			case "string":
				val = []string{string(do("GET", k).Str)}
			case "list":
				val = strs(do("LRANGE", k, "0", "-1"))
			case "set":
				val = strs(do("SMEMBERS", k))
				sort.Strings(val)
			case "hash":
				kv := strs(do("HGETALL", k))
				for i := 0; i+1 < len(kv); i += 2 {
					val = append(val, kv[i]+"="+kv[i+1])
				}
				sort.Strings(val)
			case "zset":
				val = strs(do("ZRANGE", k, "0", "-1", "WITHSCORES"))
			}
			ttl := do("PTTL", k).Int
			out = append(out, fmt.Sprintf("db%d %s %s %q ttl=%v", db, k, typ, val, ttl > 0))
		}
	}
	sort.Strings(out)
	return out
}

// TestAOFInterop: the file this server writes is valid for redis-check-aof
// and loads in redis-server 7.0 to the same dataset, TTLs included; and
// it replays here to the same dataset too.
func TestAOFInterop(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	redistest.Require(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	p := startServer(t, bin, "--appendonly", "yes", "--dir", dir)
	c := dialRaw(t, p.addr)
	for _, cmd := range [][]string{
		{"SET", "s", "v"}, {"SET", "ex", "v", "EX", "1000"}, {"SETEX", "setex", "500", "x"},
		{"PSETEX", "psetex", "500000", "y"}, {"SET", "gone", "v", "PX", "1"},
		{"INCRBYFLOAT", "f", "1.5"}, {"INCRBYFLOAT", "f", "0.25"}, {"APPEND", "s", "w"},
		{"EXPIRE", "s", "900"}, {"PERSIST", "s"}, {"GETEX", "ex", "EX", "700"},
		{"RPUSH", "l", "a", "b", "c"}, {"LPOP", "l"}, {"LMOVE", "l", "l2", "LEFT", "RIGHT"},
		{"SADD", "set", "a", "b", "c", "d"}, {"SPOP", "set"}, {"SREM", "set", "zz"},
		{"HSET", "h", "f1", "1", "f2", "2"}, {"HINCRBYFLOAT", "h", "f1", "0.5"},
		{"ZADD", "z", "1", "a", "2", "b", "3.5", "c"}, {"ZINCRBY", "z", "1", "a"}, {"ZPOPMIN", "z"},
		{"SELECT", "2"}, {"SET", "db2", "x"}, {"RPUSH", "bl", "1"}, {"BLPOP", "bl", "nosuch", "1"},
		{"MULTI"}, {"INCR", "n"}, {"INCR", "n"}, {"EXEC"},
		{"SELECT", "0"}, {"EXPIRE", "l2", "-1"}, {"PFADD", "hll", "a", "b"},
		{"SETBIT", "bits", "100", "1"}, {"RENAME", "psetex", "renamed"},
	} {
		if _, err := c.Do(5*time.Second, cmd...); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(20 * time.Millisecond) // "gone" expires
	want := snapshot(t, p.addr)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d\n%s", code, p.log())
	}
	path := filepath.Join(dir, "appendonly.aof")
	if check, err := exec.LookPath("redis-check-aof"); err == nil {
		out, err := exec.Command(check, path).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "is valid") {
			t.Fatalf("redis-check-aof: %v\n%s", err, out)
		}
	}
	// Replayed by this server.
	p = startServer(t, bin, "--appendonly", "yes", "--dir", dir)
	if got := snapshot(t, p.addr); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after replay here:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t, 10*time.Second)
	// Loaded by redis-server from a copy.
	rdir := t.TempDir()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(rdir, "appendonly.aof"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	r := redistest.Start(t, "--appendonly", "yes", "--dir", rdir)
	if got := snapshot(t, r.Addr); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("redis-server loaded:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestAOFTruncatedStart: a torn last record is dropped at start-up with
// aof-load-truncated yes; with no, the server exits with the offset.
func TestAOFTruncatedStart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	good := "*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n*3\r\n$3\r\nSET\r\n$1\r\na\r\n$1\r\n1\r\n"
	torn := "*3\r\n$3\r\nSET\r\n$1\r\nb\r\n$5\r\nhel"
	path := filepath.Join(dir, "appendonly.aof")
	if err := os.WriteFile(path, []byte(good+torn), 0o644); err != nil {
		t.Fatal(err)
	}
	p := startProc(t, bin, "--port", strconv.Itoa(redistest.FreePort(t)), "--appendonly", "yes", "--dir", dir, "--aof-load-truncated", "no")
	if code := p.wait(t, 10*time.Second); code != 1 || !strings.Contains(p.log(), "Unexpected end of file") ||
		!strings.Contains(p.log(), "offset "+strconv.Itoa(len(good))) {
		t.Fatalf("aof-load-truncated no: exit %d\n%s", code, p.log())
	}
	p = startServer(t, bin, "--appendonly", "yes", "--dir", dir)
	c := dialRaw(t, p.addr)
	if v, _ := c.Do(5*time.Second, "GET", "a"); string(v.Str) != "1" {
		t.Fatalf("GET a = %q", v.Raw)
	}
	if v, _ := c.Do(5*time.Second, "EXISTS", "b"); v.Int != 0 {
		t.Fatal("the torn record was applied")
	}
	if !strings.Contains(p.log(), "loaded anyway because aof-load-truncated is enabled") {
		t.Errorf("no truncation warning in the log:\n%s", p.log())
	}
	// The file was cut back, so new writes follow whole records.
	if _, err := c.Do(5*time.Second, "SET", "c", "3"); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(path)
	if !strings.HasPrefix(string(data), good) || strings.Contains(string(data), "hel") {
		t.Fatalf("file after restart: %q", data)
	}
}
