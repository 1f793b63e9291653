package database

import (
	"math"
	"math/rand"
	"strconv"
	"testing"
	"time"

	"goredis/resp/reply"
)

func TestBitFieldOverflow(t *testing.T) {
	const minI64 = math.MinInt64
	signed := []struct {
		value, incr int64
		width       int
		over        bool
		wrap, sat   int64
	}{
		{7, 1, 4, true, -8, 7},
		{-8, -1, 4, true, 7, -8},
		{3, 4, 4, false, 0, 0},
		{100, 0, 8, false, 0, 0},
		{200, 0, 8, true, -56, 127},
		{-200, 0, 8, true, 56, -128},
		{0, 1, 1, true, -1, 0},
		{-1, -1, 1, true, 0, -1},
		{math.MaxInt64, 1, 64, true, minI64, math.MaxInt64},
		{minI64, -1, 64, true, math.MaxInt64, minI64},
		{-1, minI64, 64, true, math.MaxInt64, minI64},
		{math.MaxInt64, minI64, 64, false, 0, 0},
		// Redis's int64 wrap-around in the range check: a value just
		// above INT64_MIN looks too big for an i8 (checked against
		// redis-server 7.0.15).
		{minI64, 0, 8, true, 0, 127},
		{minI64 + 127, 0, 8, true, 127, 127},
		{minI64 + 128, 0, 8, true, -128, -128},
	}
	for _, c := range signed {
		over, wrap := bitFieldSignedOverflow(c.value, c.incr, c.width, bfWrap)
		_, sat := bitFieldSignedOverflow(c.value, c.incr, c.width, bfSat)
		if over != c.over || (over && (wrap != c.wrap || sat != c.sat)) {
			t.Errorf("signed %d+%d i%d: over %v wrap %d sat %d, want %v %d %d",
				c.value, c.incr, c.width, over, wrap, sat, c.over, c.wrap, c.sat)
		}
	}
	unsigned := []struct {
		value     uint64
		incr      int64
		width     int
		over      bool
		wrap, sat uint64
	}{
		{3, 1, 2, true, 0, 3},
		{0, -1, 2, true, 3, 0},
		{1, 2, 2, false, 0, 0},
		{256, 0, 8, true, 0, 255},
		{math.MaxUint64, 0, 8, true, 255, 255}, // SET u8 -1
		{1 << 63, 0, 8, true, 0, 255},
		{math.MaxInt64, 1, 63, true, 0, math.MaxInt64},
		{0, minI64, 63, true, 0, 0},
		{5, -5, 63, false, 0, 0},
	}
	for _, c := range unsigned {
		over, wrap := bitFieldUnsignedOverflow(c.value, c.incr, c.width, bfWrap)
		_, sat := bitFieldUnsignedOverflow(c.value, c.incr, c.width, bfSat)
		if over != c.over || (over && (wrap != c.wrap || sat != c.sat)) {
			t.Errorf("unsigned %d+%d u%d: over %v wrap %d sat %d, want %v %d %d",
				c.value, c.incr, c.width, over, wrap, sat, c.over, c.wrap, c.sat)
		}
	}
}

func TestBitOffsetArg(t *testing.T) {
	cases := []struct {
		arg   string
		width int
		want  uint64
		ok    bool
	}{
		{"0", 0, 0, true},
		{"4294967295", 0, 4294967295, true},
		{"4294967296", 0, 0, false},
		{"-1", 0, 0, false},
		{"#1", 0, 0, false},
		{"#1", 8, 8, true},
		{"#-1", 8, 0, false},
		{"#", 8, 0, false},
		{"#536870911", 8, 4294967288, true},
		{"#536870912", 8, 0, false},
		{"#2305843009213693953", 8, 8, true}, // wraps as in Redis
		{"1 ", 8, 0, false},
	}
	for _, c := range cases {
		got, ok := bitOffsetArg([]byte(c.arg), c.width)
		if ok != c.ok || got != c.want {
			t.Errorf("bitOffsetArg(%q, %d) = %d, %v; want %d, %v", c.arg, c.width, got, ok, c.want, c.ok)
		}
	}
}

// TestBitmapWrongType checks every command against a key of another
// kind; the list family may not exist yet, so the entity is planted.
func TestBitmapWrongType(t *testing.T) {
	srv, c := strServer(t)
	db := srv.dbs[0]
	s := db.shard([]byte("l"))
	s.Mu.Lock()
	db.put([]byte("l"), &Entity{Kind: KindList}, false)
	s.Mu.Unlock()
	wrong := string(reply.Encode(reply.WrongType, false))
	strRun(t, srv, c, [][]string{
		{wrong, "SETBIT", "l", "0", "1"},
		{"-ERR bit offset is not an integer or out of range\r\n", "SETBIT", "l", "x", "1"},
		{"-ERR bit is not an integer or out of range\r\n", "SETBIT", "l", "0", "2"},
		{wrong, "GETBIT", "l", "0"},
		{wrong, "BITCOUNT", "l"},
		{wrong, "BITCOUNT", "l", "x"},
		{wrong, "BITPOS", "l", "0", "x"},
		{"-ERR The bit argument must be 1 or 0.\r\n", "BITPOS", "l", "2"},
		{wrong, "BITOP", "AND", "d", "x", "l"},
		{":0\r\n", "EXISTS", "d"},
		{wrong, "BITOP", "NOT", "d", "l"},
		{":0\r\n", "BITOP", "NOT", "l", "nokey"},
		{":0\r\n", "EXISTS", "l"},
	})
	s.Mu.Lock()
	db.put([]byte("l"), &Entity{Kind: KindList}, false)
	s.Mu.Unlock()
	strRun(t, srv, c, [][]string{
		{wrong, "BITFIELD", "l", "GET", "u8", "0"},
		{wrong, "BITFIELD", "l", "SET", "u8", "0", "1"},
		{"-ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.\r\n", "BITFIELD", "l", "GET", "u64", "0"},
		{wrong, "BITFIELD_RO", "l", "GET", "u8", "0"},
		{"-ERR BITFIELD_RO only supports the GET subcommand\r\n", "BITFIELD_RO", "l", "SET", "u8", "0", "1"},
		{"+OK\r\n", "SET", "x", "a"},
		{":1\r\n", "BITOP", "OR", "l", "x"},
		{"+string\r\n", "TYPE", "l"},
	})
}

// TestBitmapPropagation checks which calls count as changes (and so are
// propagated) as in Redis 7.0: SETBIT that changes nothing, BITFIELD with
// only GETs and BITOP that neither stores nor deletes are not.
func TestBitmapPropagation(t *testing.T) {
	srv, c := strServer(t)
	cases := []struct {
		args  []string
		dirty int64
	}{
		{[]string{"SETBIT", "k", "3", "1"}, 1},
		{[]string{"SETBIT", "k", "3", "1"}, 0},
		{[]string{"SETBIT", "k", "4", "0"}, 0},
		{[]string{"SETBIT", "k", "100", "0"}, 1}, // grows the string
		{[]string{"SETBIT", "k", "3", "0"}, 1},
		{[]string{"BITFIELD", "k", "GET", "u8", "0"}, 0},
		{[]string{"BITFIELD", "k"}, 0},
		{[]string{"BITFIELD_RO", "k", "GET", "u8", "0"}, 0},
		{[]string{"BITFIELD", "k", "SET", "u8", "0", "0"}, 1},
		{[]string{"BITFIELD", "k", "OVERFLOW", "FAIL", "INCRBY", "u8", "0", "-1"}, 1},
		{[]string{"BITOP", "OR", "d", "nokey"}, 0},
		{[]string{"BITOP", "OR", "d", "k"}, 1},
		{[]string{"BITOP", "OR", "d", "nokey"}, 1}, // deletes d
		{[]string{"SETBIT", "k", "x", "1"}, 0},
		{[]string{"GETBIT", "k", "1"}, 0},
	}
	for _, cs := range cases {
		before := srv.stats.dirty.Load()
		strDo(srv, c, cs.args...)
		if got := srv.stats.dirty.Load() - before; got != cs.dirty {
			t.Errorf("%q: %d changes, want %d", cs.args, got, cs.dirty)
		}
	}
}

func TestBitmapKeepsTTLAndEncoding(t *testing.T) {
	srv, c := strServer(t)
	strRun(t, srv, c, [][]string{
		{"+OK\r\n", "SET", "k", "abc", "EX", "100"},
		{":0\r\n", "SETBIT", "k", "0", "1"},
		{":1\r\n", "SETBIT", "k", "0", "1"},
		{"*1\r\n:225\r\n", "BITFIELD", "k", "GET", "u8", "0"},
		{"*1\r\n:225\r\n", "BITFIELD", "k", "SET", "u8", "0", "0"},
		{"$3\r\nraw\r\n", "OBJECT", "ENCODING", "k"},
	})
	if at := strExpireAt(srv, "k"); at < nowMs()+90_000 {
		t.Errorf("TTL lost: expires at %d", at)
	}
	strRun(t, srv, c, [][]string{
		{"+OK\r\n", "SET", "n", "1"},
		{"$3\r\nint\r\n", "OBJECT", "ENCODING", "n"},
		{":0\r\n", "SETBIT", "n", "0", "0"},
		{"$3\r\nraw\r\n", "OBJECT", "ENCODING", "n"},
	})
}

// bitModel is the specification: a bitmap is a slice of bools, one a bit,
// its length a multiple of 8.
type bitModel map[string][]bool

func (m bitModel) bytes(key string) string {
	bits := m[key]
	b := make([]byte, len(bits)/8)
	for i, on := range bits {
		if on {
			b[i/8] |= 0x80 >> (i % 8)
		}
	}
	return string(b)
}

func (m bitModel) grow(key string, nbits int) {
	for len(m[key]) < nbits {
		m[key] = append(m[key], make([]bool, 8)...)
	}
}

func (m bitModel) get(key string, i int) int {
	if i < len(m[key]) && m[key][i] {
		return 1
	}
	return 0
}

// modelRange resolves start/end as BITCOUNT and BITPOS do (n units long).
func modelRange(start, end, n int) (int, int) {
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	start = max(start, 0)
	end = min(max(end, 0), n-1)
	return start, end
}

// TestBitmapModel runs random bitmap commands against the server and the
// bit-array model and compares every reply.
func TestBitmapModel(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewSource(seed))
	srv, c := strServer(t)
	m := bitModel{}
	keys := []string{"a", "b", "c"}
	intReply := func(n int) string { return ":" + strconv.Itoa(n) + "\r\n" }
	for step := 0; step < 5000; step++ {
		key := keys[r.Intn(len(keys))]
		nbits := len(m[key])
		// Offsets mostly near the current size, sometimes beyond it.
		off := r.Intn(nbits + 40)
		var args []string
		var want string
		switch op := r.Intn(7); op {
		case 0: // SETBIT
			v := r.Intn(2)
			args = []string{"SETBIT", key, strconv.Itoa(off), strconv.Itoa(v)}
			want = intReply(m.get(key, off))
			m.grow(key, off+1)
			m[key][off] = v == 1
		case 1: // GETBIT
			args = []string{"GETBIT", key, strconv.Itoa(off)}
			want = intReply(m.get(key, off))
		case 2, 3: // BITCOUNT / BITPOS over a random range and unit
			isBit := r.Intn(2) == 0
			units := nbits / 8
			if isBit {
				units = nbits
			}
			start, end := r.Intn(2*units+20)-units-10, r.Intn(2*units+20)-units-10
			unit := "BYTE"
			if isBit {
				unit = "BIT"
			}
			s, e := modelRange(start, end, units)
			from, to := s, e
			if !isBit {
				from, to = s*8, e*8+7
			}
			if op == 2 {
				args = []string{"BITCOUNT", key, strconv.Itoa(start), strconv.Itoa(end), unit}
				n := 0
				if !(start < 0 && end < 0 && start > end) {
					for i := from; i <= to; i++ {
						n += m.get(key, i)
					}
				}
				want = intReply(n)
				break
			}
			bit := r.Intn(2)
			endGiven := r.Intn(2) == 0
			if endGiven {
				args = []string{"BITPOS", key, strconv.Itoa(bit), strconv.Itoa(start), strconv.Itoa(end), unit}
			} else if isBit {
				args = []string{"BITPOS", key, strconv.Itoa(bit), strconv.Itoa(start), strconv.Itoa(end), unit}
				endGiven = true
			} else {
				args = []string{"BITPOS", key, strconv.Itoa(bit), strconv.Itoa(start)}
				s, e = modelRange(start, units-1, units)
				from, to = s*8, e*8+7
			}
			pos := -1
			if _, ok := m[key]; !ok {
				pos = -bit
			} else if s <= e {
				for i := from; i <= to; i++ {
					if m.get(key, i) == bit {
						pos = i
						break
					}
				}
				if pos < 0 && bit == 0 && !endGiven {
					pos = to + 1
				}
			}
			want = intReply(pos)
		case 4: // BITFIELD SET / INCRBY / GET with WRAP
			width := r.Intn(63) + 1
			signed := r.Intn(2) == 0
			typ := "u" + strconv.Itoa(width)
			if signed {
				typ = "i" + strconv.Itoa(width)
			}
			// Any int64: WRAP keeps its low width bits.
			v := r.Int63() >> r.Intn(64)
			if r.Intn(2) == 0 {
				v = -v
			}
			field := func() uint64 {
				var u uint64
				for j := 0; j < width; j++ {
					u = u<<1 | uint64(m.get(key, off+j))
				}
				return u
			}
			asInt := func(u uint64) int64 {
				if signed && u>>(width-1)&1 == 1 {
					return int64(u | ^uint64(0)<<width)
				}
				return int64(u)
			}
			mask := uint64(1)<<width - 1
			oldv := asInt(field())
			var stored uint64
			sub := []string{"SET", "INCRBY"}[r.Intn(2)]
			if sub == "SET" {
				stored = uint64(v) & mask
				want = "*2\r\n" + intReply(int(oldv))
			} else {
				stored = (uint64(oldv) + uint64(v)) & mask
				want = "*2\r\n" + intReply(int(asInt(stored)))
			}
			want += intReply(int(asInt(stored)))
			args = []string{"BITFIELD", key, sub, typ, strconv.Itoa(off), strconv.FormatInt(v, 10), "GET", typ, strconv.Itoa(off)}
			m.grow(key, off+width)
			for j := 0; j < width; j++ {
				m[key][off+j] = stored>>(width-1-j)&1 == 1
			}
		case 5: // BITOP
			ops := []string{"AND", "OR", "XOR", "NOT"}
			opName := ops[r.Intn(4)]
			srcs := []string{keys[r.Intn(3)]}
			if opName != "NOT" {
				srcs = append(srcs, keys[r.Intn(3)], "missing"[:r.Intn(2)*6+1])
			}
			n := 0
			for _, s := range srcs {
				n = max(n, len(m[s]))
			}
			res := make([]bool, n)
			for i := range res {
				var acc int
				for j, s := range srcs {
					b := m.get(s, i)
					switch {
					case j == 0 && opName == "NOT":
						acc = 1 - b
					case j == 0:
						acc = b
					case opName == "AND":
						acc &= b
					case opName == "OR":
						acc |= b
					case opName == "XOR":
						acc ^= b
					}
				}
				res[i] = acc == 1
			}
			args = append([]string{"BITOP", opName, key}, srcs...)
			want = intReply(n / 8)
			if n == 0 {
				delete(m, key)
			} else {
				m[key] = res
			}
		case 6: // the whole value
			args = []string{"GET", key}
			if _, ok := m[key]; !ok {
				want = "$-1\r\n"
			} else {
				b := m.bytes(key)
				want = "$" + strconv.Itoa(len(b)) + "\r\n" + b + "\r\n"
			}
		}
		if got := strDo(srv, c, args...); got != want {
			t.Fatalf("seed %d step %d: %q: got %q, want %q", seed, step, args, got, want)
		}
	}
	// Every key's bytes equal the model's.
	for _, k := range keys {
		e := strEntity(srv, k)
		_, inModel := m[k]
		if (e != nil) != inModel || (e != nil && e.Str() != m.bytes(k)) {
			t.Fatalf("seed %d: key %s differs from the model", seed, k)
		}
	}
}

// TestSetBitLargeCost records what SETBIT costs on a 1 MB bitmap: each
// change copies the whole value (the stored string is immutable). It
// fails only if a call is not linear at all (a guard against accidental
// quadratic behaviour), never on speed.
func TestSetBitLargeCost(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	srv, c := strServer(t)
	strDo(srv, c, "SETBIT", "big", strconv.Itoa(8<<20-1), "1")
	const n = 200
	start := time.Now()
	for i := 0; i < n; i++ {
		strDo(srv, c, "SETBIT", "big", strconv.Itoa(i*997), "1")
	}
	per := time.Since(start) / n
	t.Logf("SETBIT on a 1 MB bitmap: %v per call (copy-on-write of the value)", per)
	if got := strDo(srv, c, "BITCOUNT", "big"); got != ":201\r\n" {
		t.Fatalf("BITCOUNT after %d SETBITs: %q", n, got)
	}
}

// BenchmarkSetBit measures a SETBIT that changes a bit, by bitmap size:
// each call copies the value, so the cost grows with it (Redis's is
// constant).
func BenchmarkSetBit(b *testing.B) {
	for _, size := range []int{1 << 10, 100 << 10, 1 << 20} {
		b.Run(strconv.Itoa(size>>10)+"KB", func(b *testing.B) {
			srv, c := strServer(b)
			strDo(srv, c, "SETBIT", "big", strconv.Itoa(size*8-1), "1")
			args := strArgs("SETBIT", "big", "0", "1")
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				args[3][0] = '0' + byte(i&1)
				srv.Exec(c, args)
			}
		})
	}
}
