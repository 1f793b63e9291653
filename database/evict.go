package database

import (
	"math"
	"math/rand/v2"
	"runtime/debug"
	"sync"
	"sync/atomic"

	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/datastruct/hash"
	"goredis/datastruct/list"
	"goredis/datastruct/set"
	"goredis/datastruct/sortedset"
	"goredis/interface/resp"
	"goredis/lib/clock"
	"goredis/resp/reply"
)

// maxmemory: memory accounting, the access clocks LRU and LFU policies
// read, and eviction.
//
// Accounting: each entity carries the size it was last counted at
// (Entity.Size, an estimate of what the key costs this process: map
// entry, key, entity and value bytes), and each database the sum. Every
// write ends in signalModified, which recounts the key it changed;
// deletions subtract. It starts with the first maxmemory setting (a walk
// counts what exists) and costs nothing before.
//
// Eviction follows Redis's performEvictions: before a command runs, while
// the dataset is over maxmemory, a victim is chosen by the policy —
// random, or the best of a pool fed with maxmemory-samples sampled keys by
// idle time (LRU), low access frequency (LFU) or nearest expiry (TTL) —
// and deleted, reported as the `evicted` event, to WATCH, and to the
// append-only file as DEL. When nothing can be evicted, commands flagged
// denyoom are refused with OOM.

// accounting is set once some server has had a maxmemory.
var accounting atomic.Bool

// lfuMode tells Entity.LRU's meaning: seconds of the LRU clock, or under
// an LFU policy Redis's minutes<<8 | counter.
var lfuMode atomic.Bool

// keyOverhead is the fixed cost of a key: its map entry, string header
// and allocation, and the entity.
const keyOverhead = 96

// entitySize estimates what key and its value cost, in O(1): strings
// exactly, collections from their length and a sample of their elements.
func entitySize(key string, e *Entity) int64 {
	n := int64(keyOverhead + len(key))
	if e.Kind == KindString {
		if sb, ok := e.Obj().(*strBuf); ok {
			return n + int64(cap(sb.b))
		}
		return n + int64(e.strLen())
	}
	sample, count := 0, 0
	addLen := func(n int) bool { sample += n; count++; return count < 4 }
	add := func(s string) bool { return addLen(len(s)) }
	var length int
	var per int64
	switch o := e.Obj().(type) {
	case *list.List:
		length, per = o.Len(), 4 // packed: two length bytes, a share of its chunk
		o.Lens(addLen)
	case *set.Set:
		length, per = o.Len(), 40
		o.ForEach(add)
	case *hash.Hash:
		length, per = o.Len(), 64
		o.Lens(func(f, v int) bool { return addLen(f + v) })
	case *sortedset.SortedSet:
		length, per = o.Len(), 80
		o.Walk(0, false, func(el sortedset.Element) bool { return add(el.Member) })
	}
	avg := int64(0)
	if count > 0 {
		avg = int64(sample / count)
	}
	return n + 64 + int64(length)*(per+avg)
}

// account recounts key after a change (signalModified's caller holds its
// lock).
func (db *DB) account(key []byte) {
	if e := db.shard(key).Data[string(key)]; e != nil {
		db.accountEntity(string(key), e)
	}
}

// accountEntity recounts e, the value at key.
func (db *DB) accountEntity(key string, e *Entity) {
	size := entitySize(key, e)
	if size > math.MaxUint32 {
		size = math.MaxUint32
	}
	if d := size - int64(e.Size); d != 0 {
		e.Size = uint32(size)
		db.used.Add(d)
	}
}

// forget subtracts a deleted entity.
func (db *DB) forget(e *Entity) {
	if e != nil && e.Size != 0 {
		db.used.Add(-int64(e.Size))
		e.Size = 0
	}
}

// clientMemory is what a connected client adds to the figure maxmemory is
// compared with: its fixed structures and its reply buffer, as a Redis
// 7.0 client's struct and 16 KB reply buffer count in used_memory. (Its
// query and output buffers beyond those are not counted: summing them
// before every command would cost a walk of the clients.)
const clientMemory = clientOverhead + replyBufSize

// baseMemory is the fixed part of the figure maxmemory is compared with:
// about what an empty server has allocated (this one's Go heap, stacks
// and runtime structures are 1.0-1.4 MB at startup, Redis 7.0's
// used_memory 0.85-0.9 MB). A constant, not a reading of the heap, so
// that the figure moves only with the data and the clients.
const baseMemory = 1 << 20

// memoryUsed is the figure maxmemory is compared with, and what INFO's
// used_memory shows while maxmemory is set: baseMemory, a share per
// connected client, and the dataset by this server's accounting. As
// Redis's used_memory, it is never 0, so a maxmemory under an empty
// server's figure refuses every denyoom command.
func (s *Server) memoryUsed() int64 {
	return baseMemory + int64(s.clients.count())*clientMemory + s.datasetUsed()
}

// datasetUsed is the dataset's size by this server's accounting.
func (s *Server) datasetUsed() int64 {
	var n int64
	for _, db := range s.dbs {
		n += db.used.Load()
	}
	return n
}

// startAccounting turns accounting on and counts what exists, shard by
// shard (a write meanwhile counts its own key the same way).
func (s *Server) startAccounting() {
	if accounting.Swap(true) && s.accounted.Load() {
		return
	}
	s.accounted.Store(true)
	for _, db := range s.dbs {
		for i := 0; i < dict.NumShards; i++ {
			s.inShard(db, i, func(sh *dict.Shard[*Entity]) {
				for k, e := range sh.Data {
					db.accountEntity(k, e)
				}
			})
		}
	}
}

// applyMaxmemory is the apply step of maxmemory and maxmemory-policy.
func (s *Server) applyMaxmemory(cfg *config.Config) {
	lfuMode.Store(isLFU(cfg.MaxMemoryPolicy))
	if cfg.MaxMemory > 0 {
		s.startAccounting()
		// Tell the runtime the budget, with room for the heap's own
		// overhead over live data, so the collector works harder before
		// the process grows far past it.
		debug.SetMemoryLimit(2*cfg.MaxMemory + 64<<20)
	} else {
		debug.SetMemoryLimit(math.MaxInt64)
	}
}

// ---- access clocks ----

// lfuMinutes is LFUGetTimeInMinutes.
func lfuMinutes() uint32 { return (lruClock() / 60) & 65535 }

// lfuDecr is LFUDecrAndReturn: the counter after one decrement per
// lfu-decay-time minutes since the last access.
func lfuDecr(v uint32) uint32 {
	ldt, counter := (v>>8)&65535, v&255
	decay := config.Get().LFUDecayTime
	if decay <= 0 {
		return counter
	}
	now := lfuMinutes()
	elapsed := now - ldt
	if now < ldt {
		elapsed = 65535 - ldt + now
	}
	periods := elapsed / uint32(decay)
	if periods >= counter {
		return 0
	}
	return counter - periods
}

// lfuLogIncr is LFULogIncr: a logarithmic, probabilistic increment.
func lfuLogIncr(counter uint32) uint32 {
	if counter == 255 {
		return 255
	}
	base := float64(counter) - lfuInitVal
	if base < 0 {
		base = 0
	}
	if rand.Float64() < 1.0/(base*float64(config.Get().LFULogFactor)+1) {
		counter++
	}
	return counter
}

// newAccessClock is the clock a new key starts with.
func newAccessClock() uint32 {
	if lfuMode.Load() {
		return lfuMinutes()<<8 | lfuInitVal
	}
	return lruClock()
}

// touch records an access to e, as Redis's lookupKey does.
func (e *Entity) touch() {
	if lfuMode.Load() {
		e.LRU = lfuMinutes()<<8 | lfuLogIncr(lfuDecr(e.LRU))
		return
	}
	e.LRU = lruClock()
}

// ---- eviction ----

const evictPoolSize = 16

type evictCandidate struct {
	idle uint64
	db   int
	key  string
}

// evictState is a server's eviction pool (Redis's EvictionPoolLRU) and
// the database the random policies start from.
type evictState struct {
	mu     sync.Mutex
	pool   []evictCandidate // ascending idle; the best victim last
	nextDB int
}

var errOOM = reply.Error("OOM command not allowed when used memory > 'maxmemory'.")

// evictIfNeeded frees memory before a command runs, as Redis's
// performEvictions; it reports false when memory stays over maxmemory
// (nothing left to evict, or noeviction). It keeps the time spent over
// the limit as Redis does: a spell starts when a check ends over it and
// ends at the first check that ends under it.
func (s *Server) evictIfNeeded() bool {
	cfg := config.Get()
	if cfg.MaxMemory <= 0 {
		return true
	}
	ok := s.memoryUsed() <= cfg.MaxMemory
	if !ok && cfg.MaxMemoryPolicy != "noeviction" {
		ok = s.evictUnder(cfg)
	}
	since := s.stats.evictExceededSince.Load()
	switch {
	case !ok && since == 0:
		s.stats.evictExceededSince.CompareAndSwap(0, clock.Mono())
	case ok && since != 0:
		if s.stats.evictExceededSince.CompareAndSwap(since, 0) {
			s.stats.evictExceededUs.Add((clock.Mono() - since) / 1000)
		}
	}
	return ok
}

// evictUnder evicts keys by the policy until memory is under maxmemory;
// false when nothing is left to evict first.
func (s *Server) evictUnder(cfg *config.Config) bool {
	st := &s.evict
	st.mu.Lock()
	defer st.mu.Unlock()
	for s.memoryUsed() > cfg.MaxMemory {
		if !s.evictOne(cfg) {
			return false
		}
	}
	return true
}

// evictExceeded is INFO's total_eviction_exceeded_time and
// current_eviction_exceeded_time, in milliseconds.
func (s *Server) evictExceeded() (total, current int64) {
	if since := s.stats.evictExceededSince.Load(); since != 0 {
		current = (clock.Mono() - since) / 1000
	}
	return (s.stats.evictExceededUs.Load() + current) / 1000, current / 1000
}

// evictOne deletes one key chosen by the policy; false when none can be.
func (s *Server) evictOne(cfg *config.Config) bool {
	policy := cfg.MaxMemoryPolicy
	volatile := len(policy) > 9 && policy[:9] == "volatile-"
	st := &s.evict
	if policy == "allkeys-random" || policy == "volatile-random" {
		for i := 0; i < len(s.dbs); i++ {
			st.nextDB = (st.nextDB + 1) % len(s.dbs)
			if key, ok := s.sampleRandom(s.dbs[st.nextDB], volatile); ok {
				if s.evictKey(s.dbs[st.nextDB], key, volatile) {
					return true
				}
			}
		}
		return false
	}
	for attempt := 0; attempt < 16; attempt++ {
		sampled := false
		for _, db := range s.dbs {
			if s.poolPopulate(db, policy, volatile, cfg.MaxMemorySamples) {
				sampled = true
			}
		}
		if !sampled && len(st.pool) == 0 {
			return false
		}
		for len(st.pool) > 0 {
			c := st.pool[len(st.pool)-1]
			st.pool = st.pool[:len(st.pool)-1]
			if s.evictKey(s.dbs[c.db], c.key, volatile) {
				return true
			}
		}
	}
	return false
}

// sampleRandom returns a random key of db (with an expiry for volatile).
func (s *Server) sampleRandom(db *DB, volatile bool) (string, bool) {
	if db.used.Load() == 0 {
		return "", false // no key counted: skip the walk
	}
	start := rand.IntN(dict.NumShards)
	var key string
	found := false
	for i := 0; i < dict.NumShards && !found; i++ {
		s.inShard(db, (start+i)%dict.NumShards, func(sh *dict.Shard[*Entity]) {
			if volatile {
				for k := range sh.TTL {
					key, found = k, true
					break
				}
				return
			}
			for k := range sh.Data {
				key, found = k, true
				break
			}
		})
	}
	return key, found
}

// poolPopulate samples keys of db into the pool (Redis's
// evictionPoolPopulate); it reports whether db had any key to sample.
func (s *Server) poolPopulate(db *DB, policy string, volatile bool, samples int) bool {
	if samples <= 0 {
		samples = 5
	}
	if db.used.Load() == 0 {
		return false // no key counted: skip the walk
	}
	st := &s.evict
	start := rand.IntN(dict.NumShards)
	got := 0
	take := func(k string, e *Entity, at int64) {
		var idle uint64
		switch {
		case policy == "volatile-ttl":
			idle = math.MaxUint64 - uint64(at)
		case lfuMode.Load():
			idle = 255 - uint64(lfuDecr(e.LRU))
		default:
			idle = uint64(idleSeconds(e))
		}
		st.insert(evictCandidate{idle: idle, db: db.index, key: k})
		got++
	}
	for i := 0; i < dict.NumShards && got < samples; i++ {
		s.inShard(db, (start+i)%dict.NumShards, func(sh *dict.Shard[*Entity]) {
			if volatile {
				for k, at := range sh.TTL {
					if got >= samples {
						break
					}
					if e := sh.Data[k]; e != nil {
						take(k, e, at)
					}
				}
				return
			}
			for k, e := range sh.Data {
				if got >= samples {
					break
				}
				take(k, e, sh.TTL[k])
			}
		})
	}
	return got > 0
}

// insert keeps the pool's evictPoolSize best candidates, sorted by idle.
func (st *evictState) insert(c evictCandidate) {
	for _, o := range st.pool {
		if o.db == c.db && o.key == c.key {
			return
		}
	}
	i := 0
	for i < len(st.pool) && st.pool[i].idle < c.idle {
		i++
	}
	if len(st.pool) == evictPoolSize {
		if i == 0 {
			return // worse than every candidate kept
		}
		copy(st.pool[:i-1], st.pool[1:i])
		st.pool[i-1] = c
		return
	}
	st.pool = append(st.pool, evictCandidate{})
	copy(st.pool[i+1:], st.pool[i:])
	st.pool[i] = c
}

// evictKey deletes key from db if it still qualifies, reporting it as
// Redis does.
func (s *Server) evictKey(db *DB, key string, volatile bool) bool {
	kb := []byte(key)
	idx := db.data.ShardFor(kb)
	s.world.RLock(int64(idx))
	defer s.world.RUnlock(int64(idx))
	sh := db.data.Shard(idx)
	sh.Mu.Lock()
	defer sh.Mu.Unlock()
	e := sh.Data[key]
	if e == nil {
		return false
	}
	if _, ok := sh.TTL[key]; volatile && !ok {
		return false
	}
	delete(sh.Data, key)
	delete(sh.TTL, key)
	db.forget(e)
	s.stats.evictedKeys.Add(1)
	db.signalModified(kb)
	db.notify(config.NotifyEvicted, "evicted", kb)
	db.propagate([][]byte{wordDel, kb})
	return true
}

// oomRefusal is the reply refusing cmd when memory is over maxmemory and
// nothing could be evicted, or nil. As in Redis: denyoom commands, EXEC
// of a transaction that queued one, and, since queueing takes memory,
// every command inside MULTI but EXEC, DISCARD, QUIT and RESET.
func (s *Server) oomRefusal(c resp.Connection, cmd *Command) resp.Reply {
	if config.Get().MaxMemory <= 0 || c.ID() == s.persist.loader.Load() {
		return nil
	}
	if s.evictIfNeeded() {
		return nil
	}
	if commandMask(c, cmd)&FlagDenyOOM != 0 {
		return errOOM
	}
	if c.State().InMulti {
		switch cmd.Name {
		case "exec", "discard", "quit", "reset":
		default:
			return errOOM
		}
	}
	return nil
}
