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
					if err != nil || l.Int != n {
						// The transaction is logged as MULTI … EXEC: a replay
						// applies both of its writes or neither.
						t.Fatalf("cycle %d: list %d has %d elements, counter %d: half a transaction replayed (%v)", cycle, w, l.Int, n, err)
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
// whether it has a TTL, in a form that compares equal across servers. It
// pipelines its commands.
func snapshot(t *testing.T, addr string) []string {
	t.Helper()
	c := dialRaw(t, addr)
	pipe := func(cmds [][]string) []client.Value {
		var b []byte
		for _, cmd := range cmds {
			b = client.AppendCommandStrings(b, cmd...)
		}
		if err := c.Write(b); err != nil {
			t.Fatal(err)
		}
		out := make([]client.Value, len(cmds))
		for i := range cmds {
			v, err := c.ReadValue(10 * time.Second)
			if err != nil {
				t.Fatal(err)
			}
			out[i] = v
		}
		return out
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
		keys := strs(pipe([][]string{{"SELECT", strconv.Itoa(db)}, {"KEYS", "*"}})[1])
		var meta [][]string
		for _, k := range keys {
			meta = append(meta, []string{"TYPE", k}, []string{"PTTL", k})
		}
		mv := pipe(meta)
		var vals [][]string
		for i, k := range keys {
			switch mv[2*i].Text() {
			case "string":
				vals = append(vals, []string{"GET", k})
			case "list":
				vals = append(vals, []string{"LRANGE", k, "0", "-1"})
			case "set":
				vals = append(vals, []string{"SMEMBERS", k})
			case "hash":
				vals = append(vals, []string{"HGETALL", k})
			default:
				vals = append(vals, []string{"ZRANGE", k, "0", "-1", "WITHSCORES"})
			}
		}
		vv := pipe(vals)
		for i, k := range keys {
			typ := mv[2*i].Text()
			var val []string
			switch typ {
			case "string":
				val = []string{string(vv[i].Str)}
			case "set":
				val = strs(vv[i])
				sort.Strings(val)
			case "hash":
				kv := strs(vv[i])
				for j := 0; j+1 < len(kv); j += 2 {
					val = append(val, kv[j]+"="+kv[j+1])
				}
				sort.Strings(val)
			default:
				val = strs(vv[i])
			}
			out = append(out, fmt.Sprintf("db%d %s %s %q ttl=%v", db, k, typ, val, mv[2*i+1].Int > 0))
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

// TestAOFRewriteUnderLoad rewrites the file again and again while clients
// keep writing, with commands touching one key, several keys (RENAME,
// SMOVE, LMOVE, SUNIONSTORE), transactions and expiries; the live dataset
// and the dataset replayed from the rewritten file must be equal.
func TestAOFRewriteUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	p := startServer(t, bin, "--appendonly", "yes", "--dir", dir, "--auto-aof-rewrite-percentage", "0", "--enable-debug-command", "yes")
	c := dialRaw(t, p.addr)
	// A bulk of keys so a dump takes a while.
	if v, err := c.Do(30*time.Second, "DEBUG", "POPULATE", "300000", "bulk"); err != nil || v.Text() != "OK" {
		t.Fatalf("DEBUG POPULATE: %q %v", v.Raw, err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			wc, err := client.DialRaw(p.addr)
			if err != nil {
				t.Error(err)
				return
			}
			defer wc.Close()
			k := func(i int) string { return "k" + strconv.Itoa((i*7+w)%23) }
			for i := 0; i < 20000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				var cmd []string
				switch i % 12 {
				case 0:
					cmd = []string{"INCR", "n:" + k(i)}
				case 1:
					cmd = []string{"RPUSH", "l:" + k(i), strconv.Itoa(i)}
				case 2:
					cmd = []string{"LMOVE", "l:" + k(i), "l:" + k(i+1), "LEFT", "RIGHT"}
				case 3:
					cmd = []string{"SADD", "s:" + k(i), strconv.Itoa(i % 50)}
				case 4:
					cmd = []string{"SMOVE", "s:" + k(i), "s:" + k(i+3), strconv.Itoa(i % 50)}
				case 5:
					cmd = []string{"SUNIONSTORE", "s:" + k(i+5), "s:" + k(i), "s:" + k(i+1)}
				case 6:
					cmd = []string{"HINCRBY", "h:" + k(i), "f" + strconv.Itoa(i%5), "1"}
				case 7:
					cmd = []string{"ZINCRBY", "z:" + k(i), "1.5", "m" + strconv.Itoa(i%9)}
				case 8:
					cmd = []string{"RENAME", "n:" + k(i), "n:" + k(i+2)}
				case 9:
					cmd = []string{"SET", "bulk:" + strconv.Itoa((i*131+w)%300000), "x" + strconv.Itoa(i)}
				case 10:
					cmd = []string{"EXPIRE", "h:" + k(i), "1000"}
				case 11:
					_, err := txDoMain(wc, []string{"INCR", "n:" + k(i)}, []string{"DEL", "bulk:" + strconv.Itoa((i*37+w)%300000)}, []string{"LPOP", "l:" + k(i)})
					if err != nil {
						t.Error(err)
						return
					}
					continue
				}
				if _, err := wc.Do(5*time.Second, cmd...); err != nil {
					t.Error(err)
					return
				}
			}
		}(w)
	}
	rewrites := 0
	deadline := time.Now().Add(3 * time.Second)
	for time.Now().Before(deadline) && rewrites < 6 {
		v, err := c.Do(5*time.Second, "BGREWRITEAOF")
		if err != nil || !strings.Contains(v.Text(), "started") {
			t.Fatalf("BGREWRITEAOF: %q %v", v.Raw, err)
		}
		for {
			info, _ := c.Do(5*time.Second, "INFO", "persistence")
			if strings.Contains(string(info.Str), "aof_rewrite_in_progress:0") {
				if !strings.Contains(string(info.Str), "aof_last_bgrewrite_status:ok") {
					t.Fatalf("rewrite failed:\n%s", info.Str)
				}
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		rewrites++
	}
	close(stop)
	wg.Wait()
	want := snapshot(t, p.addr)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	if code := p.wait(t, 10*time.Second); code != 0 {
		t.Fatalf("exit %d", code)
	}
	p = startServer(t, bin, "--appendonly", "yes", "--dir", dir)
	got := snapshot(t, p.addr)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		diff := 0
		for i := range want {
			if i >= len(got) || got[i] != want[i] {
				t.Errorf("first difference at %d: got %q want %q", i, got[min(i, len(got)-1)], want[i])
				break
			}
			diff++
		}
		t.Fatalf("replayed dataset differs (%d keys live, %d replayed)", len(want), len(got))
	}
	t.Logf("%d rewrites under load; %d keys replayed identically", rewrites, len(want))
}

// txDoMain runs MULTI … EXEC on c.
func txDoMain(c *client.RawConn, cmds ...[]string) (client.Value, error) {
	if _, err := c.Do(5*time.Second, "MULTI"); err != nil {
		return client.Value{}, err
	}
	for _, cmd := range cmds {
		if _, err := c.Do(5*time.Second, cmd...); err != nil {
			return client.Value{}, err
		}
	}
	return c.Do(5*time.Second, "EXEC")
}

// TestAOFFromRedisMultiPart: a dataset redis-server 7 wrote in its
// multi-part layout (an empty RDB base and an incremental AOF) loads here,
// and is then written to this server's own single file; a base RDB that
// holds keys is refused with a message, never misread.
func TestAOFFromRedisMultiPart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	redistest.Require(t)
	bin := buildBinary(t)
	dir := t.TempDir()
	r := redistest.Start(t, "--appendonly", "yes", "--dir", dir)
	rc := dialRaw(t, r.Addr)
	for _, cmd := range [][]string{
		{"SET", "a", "1"}, {"SET", "t", "v", "EX", "1000"}, {"RPUSH", "l", "x", "y", "z"}, {"LPOP", "l"},
		{"HSET", "h", "f", "v"}, {"ZADD", "z", "1.5", "m"}, {"SADD", "s", "1", "2"}, {"SPOP", "s"},
		{"SELECT", "1"}, {"INCRBYFLOAT", "f", "2.5"}, {"MULTI"}, {"INCR", "n"}, {"INCR", "n"}, {"EXEC"},
	} {
		if _, err := rc.Do(5*time.Second, cmd...); err != nil {
			t.Fatal(err)
		}
	}
	want := snapshot(t, r.Addr)
	// Copy the layout while redis-server is still up (it fsyncs everysec;
	// wait for it).
	time.Sleep(1200 * time.Millisecond)
	ours := t.TempDir()
	copyDir(t, filepath.Join(dir, "appendonlydir"), filepath.Join(ours, "appendonlydir"))
	p := startServer(t, bin, "--appendonly", "yes", "--dir", ours)
	if got := snapshot(t, p.addr); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("loaded from redis's appendonlydir:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := os.Stat(filepath.Join(ours, "appendonly.aof")); err != nil {
		t.Fatalf("the dataset was not written to our own file: %v", err)
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t, 10*time.Second)
	// The next start reads our file (the directory no longer matters).
	os.RemoveAll(filepath.Join(ours, "appendonlydir"))
	p = startServer(t, bin, "--appendonly", "yes", "--dir", ours)
	if got := snapshot(t, p.addr); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("restart from our file:\n%s", strings.Join(got, "\n"))
	}

	// A rewrite by redis-server with the RDB preamble puts the keys in an
	// RDB base: refused.
	if v, err := rc.Do(5*time.Second, "BGREWRITEAOF"); err != nil || v.IsError() {
		t.Fatalf("BGREWRITEAOF: %q %v", v.Raw, err)
	}
	for i := 0; i < 100; i++ {
		info, _ := rc.Do(5*time.Second, "INFO", "persistence")
		if strings.Contains(string(info.Str), "aof_rewrite_in_progress:0") && strings.Contains(string(info.Str), "aof_rewrites:1") {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	refused := t.TempDir()
	copyDir(t, filepath.Join(dir, "appendonlydir"), filepath.Join(refused, "appendonlydir"))
	q := startProc(t, bin, "--port", strconv.Itoa(redistest.FreePort(t)), "--appendonly", "yes", "--dir", refused)
	if code := q.wait(t, 10*time.Second); code != 1 || !strings.Contains(q.log(), "RDB file that holds") {
		t.Fatalf("RDB base with keys: exit %d\n%s", code, q.log())
	}
}

func copyDir(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o755); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join(from, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, e.Name()), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// waitRewrite waits until INFO reports no rewrite in progress and returns
// the persistence section.
func waitRewrite(t *testing.T, c *client.RawConn) string {
	t.Helper()
	for i := 0; i < 500; i++ {
		info, err := c.Do(5*time.Second, "INFO", "persistence")
		if err != nil {
			t.Fatal(err)
		}
		if s := string(info.Str); strings.Contains(s, "aof_rewrite_in_progress:0") && !strings.Contains(s, "aof_rewrite_scheduled:1") {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("rewrite never finished")
	return ""
}

// TestAOFTurnedOnAtRunTime: CONFIG SET appendonly yes writes the dataset
// to a fresh file (while writes go on) and logs from then on; a restart
// with appendonly yes finds everything.
func TestAOFTurnedOnAtRunTime(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the binary")
	}
	bin := buildBinary(t)
	dir := t.TempDir()
	p := startServer(t, bin, "--appendonly", "no", "--dir", dir)
	c := dialRaw(t, p.addr)
	for i := 0; i < 2000; i++ {
		c.Do(5*time.Second, "RPUSH", "list", strconv.Itoa(i))
	}
	c.Do(5*time.Second, "SET", "ttl", "v", "EX", "5000")
	c.Do(5*time.Second, "HSET", "h", "a", "1", "b", "2")
	if v, _ := c.Do(5*time.Second, "CONFIG", "SET", "appendonly", "yes"); v.Text() != "OK" {
		t.Fatalf("CONFIG SET appendonly yes: %q", v.Raw)
	}
	c.Do(5*time.Second, "INCR", "after")
	info := waitRewrite(t, c)
	if !strings.Contains(info, "aof_enabled:1") || !strings.Contains(info, "aof_last_bgrewrite_status:ok") {
		t.Fatalf("INFO persistence:\n%s", info)
	}
	c.Do(5*time.Second, "INCR", "after")
	want := snapshot(t, p.addr)
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t, 10*time.Second)
	p = startServer(t, bin, "--appendonly", "yes", "--dir", dir)
	if got := snapshot(t, p.addr); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("after restart:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// Turned off: nothing more is logged.
	c = dialRaw(t, p.addr)
	c.Do(5*time.Second, "CONFIG", "SET", "appendonly", "no")
	size := func() int64 {
		st, err := os.Stat(filepath.Join(dir, "appendonly.aof"))
		if err != nil {
			t.Fatal(err)
		}
		return st.Size()
	}
	before := size()
	c.Do(5*time.Second, "SET", "unlogged", "1")
	time.Sleep(50 * time.Millisecond)
	if size() != before {
		t.Fatal("a write was logged after CONFIG SET appendonly no")
	}
}
