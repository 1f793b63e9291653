package database

import (
	"bytes"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"

	"goredis/datastruct/hll"
	"goredis/interface/resp"
	"goredis/resp/client/redistest"
	"goredis/resp/reply"
)

// hllPair runs the same commands on our server (in process) and a real
// redis-server and compares the replies byte for byte.
type hllPair struct {
	t     *testing.T
	srv   *Server
	c     resp.Connection
	redis *redistest.Conn
}

func newHLLPair(t *testing.T) *hllPair {
	redistest.RequireVersion(t, "7.0.")
	rs := redistest.Start(t)
	srv, c := strServer(t)
	return &hllPair{t: t, srv: srv, c: c, redis: rs.Dial(t)}
}

func (p *hllPair) do(args ...string) string {
	p.t.Helper()
	want := p.redis.Do(args...).Raw
	got := reply.Encode(p.srv.Exec(p.c, strArgs(args...)), false)
	if !bytes.Equal(got, want) {
		p.t.Fatalf("%.60q:\n ours  %.200q\n redis %.200q", args, got, want)
	}
	return string(got)
}

// TestHLLAgainstRedis adds thousands of random elements, sparse and dense,
// merges and counts, and compares every reply and the sketches' bytes.
func TestHLLAgainstRedis(t *testing.T) {
	p := newHLLPair(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 1))
	keys := []string{"h0", "h1", "h2", "h3"}
	for step := 0; step < 120; step++ {
		key := keys[rnd.IntN(len(keys))]
		switch op := rnd.IntN(10); {
		case op < 6:
			n := []int{1, 5, 50, 200, 600}[rnd.IntN(5)]
			args := []string{"PFADD", key}
			for i := 0; i < n; i++ {
				if rnd.IntN(4) == 0 {
					b := make([]byte, rnd.IntN(24))
					for j := range b {
						b[j] = byte(rnd.UintN(256))
					}
					args = append(args, string(b))
				} else {
					args = append(args, "e:"+strconv.Itoa(rnd.IntN(50000)))
				}
			}
			p.do(args...)
		case op < 7:
			// Elements hashing to a few neighbouring registers, one at a
			// time: VAL runs are split and merged in place.
			p.do("DEL", "c")
			for w := 0; w < 3; w++ {
				base := rnd.IntN(hll.NumRegisters - 8)
				for i := 0; i < 15; i++ {
					p.do("PFADD", "c", hllNear(rnd, base, 8))
					p.do("GET", "c")
				}
			}
			p.do("PFCOUNT", "c")
			p.do("PFMERGE", key, "c")
		case op < 8:
			p.do("PFCOUNT", key, keys[rnd.IntN(len(keys))], "nosuch")
		default:
			args := []string{"PFMERGE", key}
			for i := rnd.IntN(3); i > 0; i-- {
				args = append(args, keys[rnd.IntN(len(keys))])
			}
			p.do(args...)
		}
		for _, k := range keys {
			p.do("GET", k)
		}
	}
	for _, k := range keys {
		p.do("PFCOUNT", k)
		p.do("GET", k)
	}
	p.do(append([]string{"PFCOUNT"}, keys...)...)
}

// hllNear returns a random element whose register is in [base, base+n).
func hllNear(rnd *rand.Rand, base, n int) string {
	for {
		e := "n:" + strconv.FormatUint(rnd.Uint64(), 36)
		if idx, _ := hll.PatLen([]byte(e)); idx >= base && idx < base+n {
			return e
		}
	}
}

// TestHLLHandMadeAgainstRedis checks values no element produces in
// practice: registers of 51 (the estimator's tau term) and above, and a
// sketch whose estimate is infinite.
func TestHLLHandMadeAgainstRedis(t *testing.T) {
	p := newHLLPair(t)
	dense := make([]byte, hll.DenseSize)
	copy(dense, "HYLL")
	dense[15] = 0x80
	regs := dense[hll.HeaderSize:]
	rnd := rand.New(rand.NewPCG(3, 4))
	for i := 0; i < hll.NumRegisters; i++ {
		hll.SetRegister(regs, i, uint8(rnd.IntN(12)))
	}
	for i := 0; i < 40; i++ {
		hll.SetRegister(regs, rnd.IntN(hll.NumRegisters), 51)
	}
	p.do("SET", "d", string(dense))
	p.do("PFCOUNT", "d")
	p.do("GET", "d")
	p.do("PFCOUNT", "d", "nosuch")
	for i := 0; i < hll.NumRegisters; i++ {
		hll.SetRegister(regs, i, 51+uint8(i%13))
	}
	p.do("SET", "d", string(dense))
	p.do("PFCOUNT", "d")
	p.do("PFCOUNT", "d", "nosuch")
	p.do("PFMERGE", "m", "d")
	p.do("GET", "m")
	for i := 0; i < hll.NumRegisters; i++ {
		hll.SetRegister(regs, i, 63)
	}
	p.do("SET", "d", string(dense))
	p.do("PFCOUNT", "d")
	p.do("GET", "d")
	p.do("PFCOUNT", "d")
	p.do("PFCOUNT", "d", "m")
}

// TestHLLModel runs random PFADD and PFMERGE against plain register arrays
// built with the same hash: the replies say whether a register grew, and
// the stored sketches hold exactly the model's registers.
func TestHLLModel(t *testing.T) {
	srv, c := strServer(t)
	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	rnd := rand.New(rand.NewPCG(seed, 2))
	model := map[string]*[hll.NumRegisters]uint8{}
	keys := []string{"a", "b", "c"}
	for step := 0; step < 300; step++ {
		key := keys[rnd.IntN(len(keys))]
		if rnd.IntN(5) > 0 {
			args := []string{"PFADD", key}
			m := model[key]
			changed := m == nil
			if m == nil {
				m = new([hll.NumRegisters]uint8)
				model[key] = m
			}
			for i := rnd.IntN(100); i > 0; i-- {
				e := strconv.Itoa(rnd.IntN(100000))
				args = append(args, e)
				idx, cnt := hll.PatLen([]byte(e))
				if cnt > m[idx] {
					m[idx] = cnt
					changed = true
				}
			}
			want := ":0\r\n"
			if changed {
				want = ":1\r\n"
			}
			if got := strDo(srv, c, args...); got != want {
				t.Fatalf("step %d: PFADD = %q, want %q", step, got, want)
			}
		} else {
			src := keys[rnd.IntN(len(keys))]
			if got := strDo(srv, c, "PFMERGE", key, src); got != "+OK\r\n" {
				t.Fatalf("PFMERGE = %q", got)
			}
			if model[key] == nil {
				model[key] = new([hll.NumRegisters]uint8)
			}
			if ms := model[src]; ms != nil {
				for i, v := range ms {
					model[key][i] = max(model[key][i], v)
				}
			}
		}
		for k, m := range model {
			e := strEntity(srv, k)
			if e == nil || e.Kind != KindString || !hll.Valid(e.Str()) {
				t.Fatalf("step %d: key %s is not a sketch", step, k)
			}
			regs, ok := hll.Registers([]byte(e.Str()))
			if !ok {
				t.Fatalf("step %d: key %s corrupt", step, k)
			}
			if !bytes.Equal(regs, m[:]) {
				t.Fatalf("step %d: key %s registers differ from the model", step, k)
			}
			want := hll.CountRegisters(m)
			if got := strDo(srv, c, "PFCOUNT", k); got != ":"+strconv.FormatUint(want, 10)+"\r\n" {
				t.Fatalf("step %d: PFCOUNT %s = %q, want %d", step, k, got, want)
			}
		}
	}
}

// TestHLLWrites checks which commands count as writes (Redis propagates
// them): PFADD only when it changes the sketch, PFCOUNT when it refreshes
// the cached cardinality, PFMERGE always, PFDEBUG when it converts.
func TestHLLWrites(t *testing.T) {
	srv, c := strServer(t)
	steps := []struct {
		args  []string
		reply string
		dirty int64
	}{
		{[]string{"PFADD", "h", "a", "b"}, ":1\r\n", 1},
		{[]string{"PFADD", "h", "a"}, ":0\r\n", 0},
		{[]string{"PFADD", "h"}, ":0\r\n", 0},
		{[]string{"PFCOUNT", "h"}, ":2\r\n", 1},
		{[]string{"PFCOUNT", "h"}, ":2\r\n", 0},
		{[]string{"PFCOUNT", "h", "nosuch"}, ":2\r\n", 0},
		{[]string{"PFCOUNT", "nosuch"}, ":0\r\n", 0},
		{[]string{"PFADD", "new"}, ":1\r\n", 1},
		{[]string{"PFMERGE", "h"}, "+OK\r\n", 1},
		{[]string{"PFMERGE", "m", "nosuch"}, "+OK\r\n", 1},
		{[]string{"PFDEBUG", "ENCODING", "h"}, "+sparse\r\n", 0},
		{[]string{"PFDEBUG", "TODENSE", "h"}, ":1\r\n", 1},
		{[]string{"PFDEBUG", "TODENSE", "h"}, ":0\r\n", 0},
		{[]string{"PFADD", "h", "a", "b"}, ":0\r\n", 0},
		{[]string{"PFADD", "h", "a", "c"}, ":1\r\n", 1},
		{[]string{"SET", "s", "x"}, "+OK\r\n", 1},
		{[]string{"PFADD", "s", "a"}, "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n", 0},
		{[]string{"PFMERGE", "m", "s"}, "-WRONGTYPE Key is not a valid HyperLogLog string value.\r\n", 0},
		{[]string{"SET", "x", "HYLL\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"}, "+OK\r\n", 1},
		{[]string{"PFCOUNT", "x"}, "-INVALIDOBJ Corrupted HLL object detected\r\n", 0},
		{[]string{"PFADD", "x", "a"}, "-INVALIDOBJ Corrupted HLL object detected\r\n", 0},
	}
	for _, s := range steps {
		before := srv.stats.dirty.Load()
		if got := strDo(srv, c, s.args...); got != s.reply {
			t.Errorf("%q = %q, want %q", s.args, got, s.reply)
		}
		if d := srv.stats.dirty.Load() - before; d != s.dirty {
			t.Errorf("%q: %d writes, want %d", s.args, d, s.dirty)
		}
	}
	// The stored value is a raw string; a TTL survives updates.
	strDo(srv, c, "EXPIRE", "h", "100")
	strDo(srv, c, "PFADD", "h", "zz")
	strDo(srv, c, "PFMERGE", "h", "new")
	if e := strEntity(srv, "h"); e == nil || e.Enc != EncRaw || strExpireAt(srv, "h") < 0 {
		t.Errorf("after updates: entity %+v, expire %d", e, strExpireAt(srv, "h"))
	}
}

// TestHLLCopyOnWrite checks that an update never changes bytes a reader
// already holds.
func TestHLLCopyOnWrite(t *testing.T) {
	srv, c := strServer(t)
	strDo(srv, c, "PFADD", "h", "a")
	old := strEntity(srv, "h").Str()
	keep := string([]byte(old))
	strDo(srv, c, "PFADD", "h", "b", "c", "d")
	strDo(srv, c, "PFCOUNT", "h")
	strDo(srv, c, "PFMERGE", "h", "h")
	strDo(srv, c, "PFDEBUG", "TODENSE", "h")
	if old != keep {
		t.Fatal("a stored sketch was changed in place")
	}
	if strEntity(srv, "h").Str() == old {
		t.Fatal("sketch not updated")
	}
}

func TestHLLSelfTest(t *testing.T) {
	if testing.Short() {
		t.Skip("10 million additions")
	}
	srv, c := strServer(t)
	if got := strDo(srv, c, "PFSELFTEST"); got != "+OK\r\n" {
		t.Fatalf("PFSELFTEST = %q", got)
	}
}
