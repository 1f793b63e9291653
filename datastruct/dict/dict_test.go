package dict

import (
	"fmt"
	"math"
	"math/rand"
	"slices"
	"sort"
	"strconv"
	"sync"
	"testing"
	"time"
)

// put stores key in its shard (no locking: single-goroutine tests).
func put(d *Dict[int], key string, v int, ttl int64) {
	s := d.Shard(d.ShardFor([]byte(key)))
	s.Data[key] = v
	if ttl != 0 {
		s.TTL[key] = ttl
	}
}

// withTimeout runs fn and fails the test if it does not return in time
// (a shard locked twice by the same goroutine would deadlock).
func withTimeout(t *testing.T, d time.Duration, what string, fn func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn()
	}()
	select {
	case <-done:
	case <-time.After(d):
		t.Fatalf("%s did not return within %v (deadlock?)", what, d)
	}
}

func TestLockShardsSortsDedupsAndLocksOnce(t *testing.T) {
	for _, tc := range []struct {
		in   []int
		want []int
	}{
		{nil, nil},
		{[]int{}, []int{}},
		{[]int{5}, []int{5}},
		{[]int{3, 1, 2}, []int{1, 2, 3}},
		{[]int{7, 7, 7}, []int{7}},
		{[]int{255, 0, 255, 0, 128}, []int{0, 128, 255}},
		{[]int{2, 1, 2, 1, 2}, []int{1, 2}},
		{[]int{9, 8, 7, 6, 5, 4, 3, 2, 1, 0}, []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9}},
	} {
		t.Run(fmt.Sprint(tc.in), func(t *testing.T) {
			d := New[int]()
			in := slices.Clone(tc.in)
			var got []int
			withTimeout(t, 5*time.Second, "LockShards", func() { got = d.LockShards(in) })
			if !slices.Equal(got, tc.want) {
				t.Fatalf("LockShards(%v) = %v, want %v", tc.in, got, tc.want)
			}
			if len(got) > 0 && &got[0] != &in[0] {
				t.Errorf("LockShards did not return a prefix of its argument")
			}
			// Exactly the returned shards are held.
			for i := 0; i < NumShards; i++ {
				held := slices.Contains(tc.want, i)
				if d.Shard(i).Mu.TryLock() {
					if held {
						t.Errorf("shard %d not locked by LockShards(%v)", i, tc.in)
					}
					d.Shard(i).Mu.Unlock()
				} else if !held {
					t.Errorf("shard %d locked by LockShards(%v)", i, tc.in)
				}
			}
			withTimeout(t, 5*time.Second, "UnlockShards", func() { d.UnlockShards(got) })
			// Every shard is free again (an unlock of a shard locked only
			// once too often would have panicked above).
			for i := 0; i < NumShards; i++ {
				if !d.Shard(i).Mu.TryLock() {
					t.Fatalf("shard %d still locked after UnlockShards", i)
				}
				d.Shard(i).Mu.Unlock()
			}
		})
	}
}

func TestLockAllUnlockAll(t *testing.T) {
	d := New[int]()
	withTimeout(t, 5*time.Second, "LockAll", d.LockAll)
	for i := 0; i < NumShards; i++ {
		if d.Shard(i).Mu.TryLock() {
			t.Fatalf("shard %d free after LockAll", i)
		}
	}
	d.UnlockAll()
	for i := 0; i < NumShards; i++ {
		if !d.Shard(i).Mu.TryLock() {
			t.Fatalf("shard %d locked after UnlockAll", i)
		}
		d.Shard(i).Mu.Unlock()
	}
}

func TestLenLockedClearLocked(t *testing.T) {
	for _, tc := range []struct {
		keys, withTTL int
	}{
		{0, 0},
		{1, 0},
		{1, 1},
		{1000, 0},
		{1000, 333},
	} {
		t.Run(fmt.Sprintf("%d_%d", tc.keys, tc.withTTL), func(t *testing.T) {
			d := New[int]()
			for i := 0; i < tc.keys; i++ {
				var ttl int64
				if i < tc.withTTL {
					ttl = int64(1000 + i)
				}
				put(d, "key:"+strconv.Itoa(i), i, ttl)
			}
			if k, w := d.Len(); k != tc.keys || w != tc.withTTL {
				t.Errorf("Len = %d, %d; want %d, %d", k, w, tc.keys, tc.withTTL)
			}
			d.LockAll()
			defer d.UnlockAll()
			if k, w := d.LenLocked(); k != tc.keys || w != tc.withTTL {
				t.Errorf("LenLocked = %d, %d; want %d, %d", k, w, tc.keys, tc.withTTL)
			}
			d.ClearLocked()
			if k, w := d.LenLocked(); k != 0 || w != 0 {
				t.Errorf("after ClearLocked LenLocked = %d, %d; want 0, 0", k, w)
			}
			// The cleared maps are usable.
			for i := 0; i < NumShards; i++ {
				s := d.Shard(i)
				if s.Data == nil || s.TTL == nil {
					t.Fatalf("shard %d has a nil map after ClearLocked", i)
				}
			}
			put(d, "again", 1, 5)
			if k, w := d.LenLocked(); k != 1 || w != 1 {
				t.Errorf("after ClearLocked and one put LenLocked = %d, %d; want 1, 1", k, w)
			}
		})
	}
}

func TestSwapLocked(t *testing.T) {
	a, b := New[int](), New[int]()
	for i := 0; i < 300; i++ {
		put(a, "a"+strconv.Itoa(i), i, int64(i%2))
	}
	for i := 0; i < 50; i++ {
		put(b, "b"+strconv.Itoa(i), -i, 7)
	}
	a.LockAll()
	b.LockAll()
	a.SwapLocked(b)
	ak, aw := a.LenLocked()
	bk, bw := b.LenLocked()
	b.UnlockAll()
	a.UnlockAll()
	if ak != 50 || aw != 50 || bk != 300 || bw != 150 {
		t.Fatalf("after swap a = %d/%d, b = %d/%d; want 50/50 and 300/150", ak, aw, bk, bw)
	}
	for i := 0; i < 50; i++ {
		k := "b" + strconv.Itoa(i)
		s := a.Shard(a.ShardFor([]byte(k)))
		if v, ok := s.Data[k]; !ok || v != -i || s.TTL[k] != 7 {
			t.Fatalf("a[%s] = %d, %v, ttl %d after swap", k, v, ok, s.TTL[k])
		}
	}
	for i := 0; i < 300; i++ {
		k := "a" + strconv.Itoa(i)
		s := b.Shard(b.ShardFor([]byte(k)))
		if v, ok := s.Data[k]; !ok || v != i {
			t.Fatalf("b[%s] = %d, %v after swap", k, v, ok)
		}
		if ttl, has := s.TTL[k]; has != (i%2 == 1) || (has && ttl != 1) {
			t.Fatalf("b TTL[%s] = %d, %v after swap", k, ttl, has)
		}
	}
}

func TestHashAndShardConsistency(t *testing.T) {
	d := New[int]()
	keys := []string{"", "a", "b", "foo", "{tag}x", "\x00\xff", "key:123456789"}
	for i := 0; i < 20000; i++ {
		keys = append(keys, "k"+strconv.Itoa(i))
	}
	seen := make(map[int]bool)
	for _, k := range keys {
		h := Hash([]byte(k))
		if hs := HashString(k); hs != h {
			t.Fatalf("Hash(%q) = %x, HashString = %x", k, h, hs)
		}
		if h2 := Hash([]byte(k)); h2 != h {
			t.Fatalf("Hash(%q) not stable: %x then %x", k, h, h2)
		}
		s := d.ShardFor([]byte(k))
		if s != ShardOf(h) {
			t.Fatalf("ShardFor(%q) = %d, ShardOf(Hash) = %d", k, s, ShardOf(h))
		}
		if s < 0 || s >= NumShards {
			t.Fatalf("ShardFor(%q) = %d out of range", k, s)
		}
		if h < ShardStart(s) || (s+1 < NumShards && h >= ShardStart(s+1)) {
			t.Fatalf("hash %x of %q outside shard %d's range", h, k, s)
		}
		seen[s] = true
	}
	// 20000 keys over 256 shards: every shard gets some (a constant shard
	// function would fail this; with a uniform hash one shard stays empty
	// with probability about 256*e^-78).
	if len(seen) != NumShards {
		t.Errorf("20000 keys fell into only %d of %d shards", len(seen), NumShards)
	}
	for _, tc := range []struct {
		h    uint64
		want int
	}{
		{0, 0},
		{1, 0},
		{ShardStart(1) - 1, 0},
		{ShardStart(1), 1},
		{ShardStart(128), 128},
		{ShardStart(NumShards - 1), NumShards - 1},
		{math.MaxUint64, NumShards - 1},
	} {
		if got := ShardOf(tc.h); got != tc.want {
			t.Errorf("ShardOf(%x) = %d, want %d", tc.h, got, tc.want)
		}
	}
	for i := 0; i < NumShards; i++ {
		if ShardOf(ShardStart(i)) != i {
			t.Fatalf("ShardOf(ShardStart(%d)) = %d", i, ShardOf(ShardStart(i)))
		}
	}
}

// shardWith returns a standalone shard holding n keys, and the keys in
// hash order.
func shardWith(n int) (*Shard[int], []string) {
	s := &Shard[int]{Data: map[string]int{}, TTL: map[string]int64{}}
	var keys []string
	for i := 0; i < n; i++ {
		k := "s" + strconv.Itoa(i)
		s.Data[k] = i
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return HashString(keys[i]) < HashString(keys[j]) })
	return s, keys
}

func TestScanShard(t *testing.T) {
	s, sorted := shardWith(20)
	hashes := make([]uint64, len(sorted))
	for i, k := range sorted {
		hashes[i] = HashString(k)
	}
	for _, tc := range []struct {
		name     string
		from     uint64
		count    int
		want     []string
		wantNext uint64
	}{
		{"all from zero", 0, 100, sorted, 0},
		{"exactly all", 0, 20, sorted, 0},
		{"first five", 0, 5, sorted[:5], hashes[5]},
		{"one", 0, 1, sorted[:1], hashes[1]},
		{"from a key's hash includes it", hashes[7], 3, sorted[7:10], hashes[10]},
		{"from just past a key skips it", hashes[7] + 1, 3, sorted[8:11], hashes[11]},
		{"tail", hashes[15], 10, sorted[15:], 0},
		{"last key", hashes[19], 1, sorted[19:], 0},
		{"past the end", hashes[19] + 1, 10, nil, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			keys, next := ScanShard(s, tc.from, tc.count)
			if !slices.Equal(keys, tc.want) {
				t.Errorf("keys = %v, want %v", keys, tc.want)
			}
			if next != tc.wantNext {
				t.Errorf("next = %x, want %x", next, tc.wantNext)
			}
			for i := 1; i < len(keys); i++ {
				if HashString(keys[i-1]) > HashString(keys[i]) {
					t.Errorf("keys not in hash order at %d", i)
				}
			}
		})
	}
	// Empty shard.
	empty := &Shard[int]{Data: map[string]int{}}
	if keys, next := ScanShard(empty, 0, 10); len(keys) != 0 || next != 0 {
		t.Errorf("ScanShard(empty) = %v, %x", keys, next)
	}
}

func TestScanShardResumes(t *testing.T) {
	s, sorted := shardWith(57)
	for _, count := range []int{1, 2, 5, 10, 56, 57, 100} {
		var got []string
		from, calls := uint64(0), 0
		for {
			keys, next := ScanShard(s, from, count)
			calls++
			if len(keys) > count {
				t.Fatalf("count %d: %d keys in one call (no equal hashes here)", count, len(keys))
			}
			got = append(got, keys...)
			if next == 0 {
				break
			}
			if next <= from {
				t.Fatalf("count %d: next %x does not advance past %x", count, next, from)
			}
			from = next
			if calls > 100 {
				t.Fatalf("count %d: scan does not end", count)
			}
		}
		if !slices.Equal(got, sorted) {
			t.Fatalf("count %d: resumed scan = %v, want %v", count, got, sorted)
		}
	}
}

// scanAll runs a full scan over d with the cursor progression the SCAN
// command uses: shard by shard from ShardStart(i), resuming at next.
func scanAll(t *testing.T, d *Dict[int], count int, between func()) []string {
	t.Helper()
	var out []string
	for i := 0; i < NumShards; i++ {
		from := ShardStart(i)
		for steps := 0; ; steps++ {
			if steps > 10000 {
				t.Fatalf("shard %d: scan does not end", i)
			}
			s := d.Shard(i)
			s.Mu.Lock()
			keys, next := ScanShard(s, from, count)
			s.Mu.Unlock()
			for _, k := range keys {
				if sh := d.ShardFor([]byte(k)); sh != i {
					t.Fatalf("key %q (shard %d) returned by shard %d", k, sh, i)
				}
				if HashString(k) < from {
					t.Fatalf("key %q has hash below cursor %x", k, from)
				}
			}
			out = append(out, keys...)
			if between != nil {
				between()
			}
			if next == 0 {
				break
			}
			if ShardOf(next) != i {
				t.Fatalf("shard %d: next %x lies in shard %d", i, next, ShardOf(next))
			}
			from = next
		}
	}
	return out
}

func TestFullScanStatic(t *testing.T) {
	d := New[int]()
	const n = 3000
	for i := 0; i < n; i++ {
		put(d, "key:"+strconv.Itoa(i), i, 0)
	}
	for _, count := range []int{1, 3, 10, 1000} {
		got := scanAll(t, d, count, nil)
		seen := make(map[string]int)
		for _, k := range got {
			seen[k]++
		}
		for i := 0; i < n; i++ {
			k := "key:" + strconv.Itoa(i)
			if seen[k] != 1 {
				t.Fatalf("count %d: key %q returned %d times", count, k, seen[k])
			}
		}
		if len(got) != n {
			t.Fatalf("count %d: %d keys returned, want %d", count, len(got), n)
		}
	}
}

// TestFullScanWhileMutating checks that keys present for the whole scan
// are returned however other keys come and go between calls.
func TestFullScanWhileMutating(t *testing.T) {
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewSource(seed))
	d := New[int]()
	const stable = 1000
	for i := 0; i < stable; i++ {
		put(d, "stable:"+strconv.Itoa(i), i, 0)
	}
	churn := 0
	between := func() {
		for j := 0; j < 5; j++ {
			k := "churn:" + strconv.Itoa(rng.Intn(2000))
			s := d.Shard(d.ShardFor([]byte(k)))
			if rng.Intn(2) == 0 {
				s.Data[k] = churn
			} else {
				delete(s.Data, k)
			}
			churn++
		}
	}
	got := scanAll(t, d, 4, between)
	seen := make(map[string]bool)
	for _, k := range got {
		seen[k] = true
	}
	for i := 0; i < stable; i++ {
		if k := "stable:" + strconv.Itoa(i); !seen[k] {
			t.Fatalf("seed %d: stable key %q missed by a scan during churn", seed, k)
		}
	}
}

// TestConcurrentLockShards has goroutines lock random key sets with
// LockShards and update the shard maps. Under -race a missing lock shows,
// and an ordering mistake deadlocks, which the timeout turns into a
// failure.
func TestConcurrentLockShards(t *testing.T) {
	const (
		workers = 4
		ops     = 2000
		nkeys   = 64
	)
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	d := New[int]()
	keys := make([]string, nkeys)
	for i := range keys {
		keys[i] = "ck" + strconv.Itoa(i)
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			rng := rand.New(rand.NewSource(seed + int64(w)))
			idx := make([]int, 0, 8)
			picked := make([]string, 0, 8)
			for op := 0; op < ops; op++ {
				if op%500 == 499 {
					d.LockAll()
					d.LenLocked()
					d.UnlockAll()
					continue
				}
				idx, picked = idx[:0], picked[:0]
				for n := 1 + rng.Intn(6); n > 0; n-- {
					k := keys[rng.Intn(nkeys)]
					picked = append(picked, k)
					// Same key twice gives the same shard twice: dedup matters.
					idx = append(idx, d.ShardFor([]byte(k)))
				}
				locked := d.LockShards(idx)
				for _, k := range picked {
					d.Shard(d.ShardFor([]byte(k))).Data[k]++
				}
				d.UnlockShards(locked)
			}
		}(w)
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(60 * time.Second):
		t.Fatalf("seed %d: workers did not finish within 60s (deadlock?)", seed)
	}
	// Replay the same random choices to know the expected totals.
	want := 0
	for w := 0; w < workers; w++ {
		rng := rand.New(rand.NewSource(seed + int64(w)))
		for op := 0; op < ops; op++ {
			if op%500 == 499 {
				continue
			}
			for n := 1 + rng.Intn(6); n > 0; n-- {
				rng.Intn(nkeys)
				want++
			}
		}
	}
	total := 0
	for _, k := range keys {
		total += d.Shard(d.ShardFor([]byte(k))).Data[k]
	}
	if total != want {
		t.Fatalf("seed %d: %d increments recorded, want %d (lost updates)", seed, total, want)
	}
}
