package database

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"

	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// evictServer returns a server with the policy set and maxmemory leaving
// room bytes for the dataset over an empty server's figure; the old
// settings come back when the test ends.
func evictServer(t *testing.T, room int64, policy string) (*Server, resp.Connection) {
	t.Helper()
	old := config.GetParams([]string{"maxmemory", "maxmemory-policy", "maxmemory-samples"})
	srv, c := strServer(t)
	t.Cleanup(func() {
		if err := config.SetParams(old); err != nil {
			t.Error(err)
		}
	})
	if err := config.SetParams([]string{"maxmemory", strconv.FormatInt(baseMemory+room, 10), "maxmemory-policy", policy, "maxmemory-samples", "10"}); err != nil {
		t.Fatal(err)
	}
	return srv, c
}

func run(srv *Server, c resp.Connection, args ...string) string {
	return string(reply.Encode(srv.Exec(c, strArgs(args...)), false))
}

// recount sums entitySize over every key, to check the running total.
func recount(srv *Server) int64 {
	var n int64
	for _, db := range srv.dbs {
		for i := 0; i < dict.NumShards; i++ {
			sh := db.data.Shard(i)
			sh.Mu.Lock()
			for k, e := range sh.Data {
				n += entitySize(k, e)
			}
			sh.Mu.Unlock()
		}
	}
	return n
}

// TestAccountingFollowsWrites runs random writes of every type and checks
// that the running total equals a fresh count of every key.
func TestAccountingFollowsWrites(t *testing.T) {
	srv, c := evictServer(t, 1<<30, "noeviction")
	seed := rand.Uint64()
	r := rand.New(rand.NewPCG(seed, 1))
	t.Logf("seed %d", seed)
	for i := 0; i < 20000; i++ {
		k := "k" + strconv.Itoa(r.IntN(50))
		v := strings.Repeat("v", r.IntN(40))
		switch r.IntN(16) {
		case 0:
			run(srv, c, "SET", k, v)
		case 1:
			run(srv, c, "APPEND", k, v)
		case 2:
			run(srv, c, "RPUSH", "l"+k, v, v+"x")
		case 3:
			run(srv, c, "LPOP", "l"+k)
		case 4:
			run(srv, c, "SADD", "s"+k, v)
		case 5:
			run(srv, c, "SPOP", "s"+k)
		case 6:
			run(srv, c, "HSET", "h"+k, v, v)
		case 7:
			run(srv, c, "HDEL", "h"+k, v)
		case 8:
			run(srv, c, "ZADD", "z"+k, strconv.Itoa(r.IntN(9)), v)
		case 9:
			run(srv, c, "DEL", k, "l"+k)
		case 10:
			run(srv, c, "RENAME", "s"+k, "s"+k+"r")
		case 11:
			run(srv, c, "SETRANGE", k, strconv.Itoa(r.IntN(100)), v)
		case 12:
			run(srv, c, "SET", k, v, "PX", "1")
		case 13:
			run(srv, c, "COPY", "h"+k, "hc"+k, "REPLACE")
		case 14:
			run(srv, c, "MOVE", "z"+k, "1")
		case 15:
			run(srv, c, "INCR", "n"+k)
		}
		if i%2000 == 0 {
			run(srv, c, "FLUSHDB")
		}
	}
	if got, want := srv.datasetUsed(), recount(srv); got != want {
		t.Fatalf("running total %d, recount %d", got, want)
	}
	run(srv, c, "FLUSHALL")
	if got := srv.datasetUsed(); got != 0 {
		t.Fatalf("after FLUSHALL: %d", got)
	}
}

// fill writes keys until n have been written or the server refuses.
func fill(t *testing.T, srv *Server, c resp.Connection, prefix string, n int, ttl bool) (written int, refusal string) {
	val := strings.Repeat("x", 100)
	for i := 0; i < n; i++ {
		args := []string{"SET", prefix + strconv.Itoa(i), val}
		if ttl {
			args = append(args, "EX", strconv.Itoa(1000+i))
		}
		if r := run(srv, c, args...); r != "+OK\r\n" {
			return i, r
		}
	}
	return n, ""
}

func TestEvictionNoeviction(t *testing.T) {
	srv, c := evictServer(t, 100<<10, "noeviction")
	n, refusal := fill(t, srv, c, "k", 10000, false)
	if refusal != "-OOM command not allowed when used memory > 'maxmemory'.\r\n" {
		t.Fatalf("after %d keys: %q", n, refusal)
	}
	if n < 100 || srv.datasetUsed() > 110*1000 {
		t.Fatalf("refused after %d keys with %d bytes accounted", n, srv.datasetUsed())
	}
	// Reads and deletions go on; a transaction with a write is refused.
	if got := run(srv, c, "GET", "k0"); !strings.HasPrefix(got, "$100") {
		t.Errorf("GET: %q", got)
	}
	run(srv, c, "MULTI")
	if got := run(srv, c, "INCR", "x"); !strings.HasPrefix(got, "-OOM") {
		t.Errorf("INCR queued over maxmemory: %q", got)
	}
	run(srv, c, "DISCARD")
	if got := run(srv, c, "DEL", "k0", "k1", "k2"); got != ":3\r\n" {
		t.Errorf("DEL: %q", got)
	}
	if got := run(srv, c, "INFO", "stats"); !strings.Contains(got, "evicted_keys:0") {
		t.Error("noeviction evicted keys")
	}
}

func TestEvictionAllkeysRandom(t *testing.T) {
	srv, c := evictServer(t, 100<<10, "allkeys-random")
	if n, refusal := fill(t, srv, c, "k", 5000, false); refusal != "" {
		t.Fatalf("refused after %d keys: %q", n, refusal)
	}
	// Evictions run before a command, which may then add its own key.
	if used := srv.datasetUsed(); used > 100*1024+300 {
		t.Fatalf("%d bytes accounted, over maxmemory by more than a key", used)
	}
	info := run(srv, c, "INFO", "stats")
	if !strings.Contains(info, "evicted_keys:") || strings.Contains(info, "evicted_keys:0\r\n") {
		t.Fatal("no key evicted")
	}
	// Random: both early and late keys survive.
	early, late := 0, 0
	for i := 0; i < 2500; i++ {
		if run(srv, c, "EXISTS", "k"+strconv.Itoa(i)) == ":1\r\n" {
			early++
		}
		if run(srv, c, "EXISTS", "k"+strconv.Itoa(2500+i)) == ":1\r\n" {
			late++
		}
	}
	if early == 0 || late == 0 {
		t.Errorf("survivors: %d of the first half, %d of the second", early, late)
	}
}

// TestEvictionVolatile: volatile policies only take keys with an expiry,
// and refuse writes once none is left; volatile-ttl takes the nearest
// expiry first.
func TestEvictionVolatile(t *testing.T) {
	for _, policy := range []string{"volatile-random", "volatile-lru", "volatile-lfu", "volatile-ttl"} {
		t.Run(policy, func(t *testing.T) {
			srv, c := evictServer(t, 200<<10, policy)
			if n, refusal := fill(t, srv, c, "keep", 500, false); refusal != "" {
				t.Fatalf("after %d keys: %q", n, refusal)
			}
			n, refusal := fill(t, srv, c, "ttl", 5000, true)
			if refusal != "" {
				t.Fatalf("after %d keys with a TTL: %q", n, refusal)
			}
			for i := 0; i < 500; i++ {
				if run(srv, c, "EXISTS", "keep"+strconv.Itoa(i)) != ":1\r\n" {
					t.Fatalf("key keep%d without a TTL was evicted", i)
				}
			}
			if policy == "volatile-ttl" {
				// The survivors are mostly the last written: the farthest expiries.
				near, far := 0, 0
				for i := 0; i < 1000; i++ {
					if run(srv, c, "EXISTS", "ttl"+strconv.Itoa(i)) == ":1\r\n" {
						near++
					}
					if run(srv, c, "EXISTS", "ttl"+strconv.Itoa(4000+i)) == ":1\r\n" {
						far++
					}
				}
				if near*4 > far {
					t.Errorf("volatile-ttl kept %d of the 1000 nearest expiries and %d of the 1000 farthest", near, far)
				}
			}
			// Without keys having an expiry left, writes are refused.
			if n, refusal := fill(t, srv, c, "more", 5000, false); !strings.HasPrefix(refusal, "-OOM") {
				t.Fatalf("wrote %d keys without a TTL over maxmemory: %q", n, refusal)
			}
		})
	}
}

// TestEvictionLRU: keys read recently survive, over many trials.
func TestEvictionLRU(t *testing.T) {
	srv, c := evictServer(t, 300<<10, "allkeys-lru")
	fill(t, srv, c, "old", 1500, false)
	// Age every key, then read a tenth of them.
	for _, db := range srv.dbs[:1] {
		for i := 0; i < dict.NumShards; i++ {
			for _, e := range db.data.Shard(i).Data {
				e.LRU = lruClock() - 1000
			}
		}
	}
	for i := 0; i < 1500; i += 10 {
		run(srv, c, "GET", "old"+strconv.Itoa(i))
	}
	// Fewer new keys than idle ones: evictions should find idle keys.
	fill(t, srv, c, "new", 900, false)
	kept, oldKept := 0, 0
	for i := 0; i < 1500; i++ {
		if run(srv, c, "EXISTS", "old"+strconv.Itoa(i)) == ":1\r\n" {
			if i%10 == 0 {
				kept++
			} else {
				oldKept++
			}
		}
	}
	t.Logf("kept %d of 150 recently read keys, %d of 1350 idle ones", kept, oldKept)
	if kept < 140 || oldKept > 1350/2 {
		t.Errorf("kept %d of 150 recently read keys and %d of 1350 idle ones", kept, oldKept)
	}
}

// TestEvictionLFU: frequently read keys survive; OBJECT FREQ counts.
func TestEvictionLFU(t *testing.T) {
	srv, c := evictServer(t, 300<<10, "allkeys-lfu")
	fill(t, srv, c, "k", 1500, false)
	for round := 0; round < 50; round++ {
		for i := 0; i < 1500; i += 10 {
			run(srv, c, "GET", "k"+strconv.Itoa(i))
		}
	}
	freq := run(srv, c, "OBJECT", "FREQ", "k0")
	if n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(freq, ":"))); n <= lfuInitVal {
		t.Fatalf("OBJECT FREQ after 50 reads: %q", freq)
	}
	if got := run(srv, c, "OBJECT", "FREQ", "k1"); got != ":5\r\n" {
		t.Fatalf("OBJECT FREQ of an unread key: %q", got)
	}
	fill(t, srv, c, "new", 1500, false)
	hot := 0
	for i := 0; i < 1500; i += 10 {
		if run(srv, c, "EXISTS", "k"+strconv.Itoa(i)) == ":1\r\n" {
			hot++
		}
	}
	t.Logf("kept %d of 150 frequently read keys", hot)
	if hot < 140 {
		t.Errorf("kept %d of 150 frequently read keys", hot)
	}
}

// TestEvictionSignals: an eviction aborts a WATCH on the key, publishes
// evicted, and counts in INFO.
func TestEvictionSignals(t *testing.T) {
	old := config.GetParams([]string{"maxmemory", "maxmemory-policy", "notify-keyspace-events"})
	t.Cleanup(func() { config.SetParams(old) })
	_, addr := adminServer(t)
	c, w, sub := adminDial(t, addr), adminDial(t, addr), adminDial(t, addr)
	adminDo(t, c, "CONFIG", "SET", "maxmemory-policy", "allkeys-random", "notify-keyspace-events", "Ee", "maxmemory", "1gb")
	adminDo(t, c, "SET", "watched", "v")
	adminDo(t, w, "WATCH", "watched")
	adminDo(t, sub, "SUBSCRIBE", "__keyevent@0__:evicted")
	adminDo(t, c, "CONFIG", "SET", "maxmemory", "1")
	// Over the limit: the next command evicts every key first.
	adminDo(t, c, "PING")
	adminDo(t, c, "CONFIG", "SET", "maxmemory", "1gb")
	if v, err := sub.ReadValue(5 * time.Second); err != nil || len(v.Elems) != 3 || string(v.Elems[2].Str) != "watched" {
		t.Fatalf("evicted event: %q %v", v.Raw, err)
	}
	adminDo(t, w, "MULTI")
	adminDo(t, w, "GET", "watched")
	if got := adminRaw(t, w, "EXEC"); got != "*-1\r\n" {
		t.Errorf("EXEC after the watched key was evicted: %q", got)
	}
	if got := adminRaw(t, c, "INFO", "stats"); !strings.Contains(got, "evicted_keys:1\r\n") {
		t.Errorf("evicted_keys: %q", got)
	}
}

// infoInt reads an integer field of INFO from srv.
func infoInt(t *testing.T, srv *Server, c resp.Connection, field string) int64 {
	t.Helper()
	text := run(srv, c, "INFO", "everything")
	i := strings.Index(text, "\r\n"+field+":")
	if i < 0 {
		t.Fatalf("INFO has no %s", field)
	}
	v := text[i+len(field)+3:]
	v = v[:strings.Index(v, "\r\n")]
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("%s:%s", field, v)
	}
	return n
}

// TestEvictionFigure: maxmemory is compared with used_memory as INFO
// shows it, which counts an empty server's memory, so a maxmemory under
// it refuses every denyoom write (a test idiom of Redis's own suite);
// eviction keeps used_memory under the limit; and the time spent over it
// is kept as Redis keeps it.
func TestEvictionFigure(t *testing.T) {
	srv, c := evictServer(t, 50<<10, "allkeys-random")
	limit := infoInt(t, srv, c, "maxmemory")
	if got := infoInt(t, srv, c, "used_memory_startup"); got != baseMemory {
		t.Errorf("used_memory_startup %d, want %d", got, baseMemory)
	}
	fill(t, srv, c, "k", 2000, false)
	used := infoInt(t, srv, c, "used_memory")
	if used > limit+300 || used < limit-50<<10 {
		t.Errorf("used_memory %d after filling past maxmemory %d", used, limit)
	}
	if used != srv.memoryUsed() {
		t.Errorf("used_memory %d, eviction's figure %d", used, srv.memoryUsed())
	}
	if infoInt(t, srv, c, "current_eviction_exceeded_time") != 0 {
		t.Error("over the limit after evicting under it")
	}

	run(srv, c, "CONFIG", "SET", "maxmemory", "1")
	if got := run(srv, c, "SET", "new", "v"); got != "-OOM command not allowed when used memory > 'maxmemory'.\r\n" {
		t.Fatalf("SET with maxmemory 1: %q", got)
	}
	if got := run(srv, c, "DBSIZE"); got != ":0\r\n" {
		t.Errorf("DBSIZE after evicting everything: %q", got)
	}
	time.Sleep(30 * time.Millisecond)
	over := infoInt(t, srv, c, "current_eviction_exceeded_time")
	if over < 20 || infoInt(t, srv, c, "total_eviction_exceeded_time") < over {
		t.Errorf("current_eviction_exceeded_time %d ms after 30 ms over the limit", over)
	}
	run(srv, c, "CONFIG", "SET", "maxmemory", "1gb")
	if got := run(srv, c, "SET", "new", "v"); got != "+OK\r\n" {
		t.Fatalf("SET back under the limit: %q", got)
	}
	if got := infoInt(t, srv, c, "current_eviction_exceeded_time"); got != 0 {
		t.Errorf("current_eviction_exceeded_time %d back under the limit", got)
	}
	if got := infoInt(t, srv, c, "total_eviction_exceeded_time"); got < over {
		t.Errorf("total_eviction_exceeded_time %d after a spell of %d", got, over)
	}
	run(srv, c, "CONFIG", "RESETSTAT")
	if got := infoInt(t, srv, c, "total_eviction_exceeded_time"); got != 0 {
		t.Errorf("total_eviction_exceeded_time %d after RESETSTAT", got)
	}

	// A connected client counts in the figure.
	before := srv.memoryUsed()
	fc := connection.NewFake()
	srv.AfterClientConnect(fc)
	if d := srv.memoryUsed() - before; d != clientMemory {
		t.Errorf("a client added %d bytes, want %d", d, clientMemory)
	}
	srv.AfterClientClose(fc)
	if srv.memoryUsed() != before {
		t.Error("a closed client still counts")
	}
}
