// Package dict is the keyspace's storage: a map split into shards, each
// with its own lock, holding values and (in a second map that costs
// nothing for keys without one) expiry times.
//
// Locking is the caller's: a command locks the shards of all its keys
// (LockShards sorts them, so multi-key commands cannot deadlock) and then
// uses the shard maps directly.
package dict

import (
	"hash/maphash"
	"sort"
	"sync"
)

// ShardBits sets the number of shards (1<<ShardBits).
const ShardBits = 8

// NumShards is the number of shards of every Dict.
const NumShards = 1 << ShardBits

var seed = maphash.MakeSeed()

// Hash is the 64-bit hash of a key. The shard of a key is its top
// ShardBits bits, so ordering keys by hash orders them by shard too (SCAN
// cursors rely on this).
func Hash(key []byte) uint64 { return maphash.Bytes(seed, key) }

// HashString is Hash for a string key.
func HashString(key string) uint64 { return maphash.String(seed, key) }

// ShardOf returns the shard index of a hash.
func ShardOf(h uint64) int { return int(h >> (64 - ShardBits)) }

// Shard is one part of a Dict. Mu guards both maps.
type Shard[V any] struct {
	Mu   sync.Mutex
	Data map[string]V
	// TTL holds the expiry time (unix milliseconds) of keys that have one.
	TTL map[string]int64
	// Hits and Misses count keyspace lookups (INFO keyspace_hits/misses),
	// guarded by Mu so they cost no atomic operation.
	Hits, Misses int64
	_            [32]byte // keep shards on separate cache lines
}

// Dict is a sharded map from string keys to V.
type Dict[V any] struct {
	shards [NumShards]Shard[V]
}

// New returns an empty Dict.
func New[V any]() *Dict[V] {
	d := &Dict[V]{}
	for i := range d.shards {
		d.shards[i].Data = make(map[string]V)
		d.shards[i].TTL = make(map[string]int64)
	}
	return d
}

// Shard returns shard i.
func (d *Dict[V]) Shard(i int) *Shard[V] { return &d.shards[i] }

// ShardFor returns the shard index of key.
func (d *Dict[V]) ShardFor(key []byte) int { return ShardOf(Hash(key)) }

// LockShards locks the given shard indices in ascending order, each once.
// It sorts idx in place and returns the deduplicated prefix, which
// UnlockShards takes.
func (d *Dict[V]) LockShards(idx []int) []int {
	if len(idx) > 1 {
		sort.Ints(idx)
		j := 1
		for i := 1; i < len(idx); i++ {
			if idx[i] != idx[j-1] {
				idx[j] = idx[i]
				j++
			}
		}
		idx = idx[:j]
	}
	for _, i := range idx {
		d.shards[i].Mu.Lock()
	}
	return idx
}

// UnlockShards unlocks shards locked by LockShards.
func (d *Dict[V]) UnlockShards(idx []int) {
	for j := len(idx) - 1; j >= 0; j-- {
		d.shards[idx[j]].Mu.Unlock()
	}
}

// LockAll locks every shard in order.
func (d *Dict[V]) LockAll() {
	for i := range d.shards {
		d.shards[i].Mu.Lock()
	}
}

// UnlockAll unlocks every shard.
func (d *Dict[V]) UnlockAll() {
	for i := len(d.shards) - 1; i >= 0; i-- {
		d.shards[i].Mu.Unlock()
	}
}

// Len returns the number of keys and of keys with an expiry time,
// counting shard by shard under each shard's lock. Callers holding all
// locks use LenLocked.
func (d *Dict[V]) Len() (keys, withTTL int) {
	for i := range d.shards {
		s := &d.shards[i]
		s.Mu.Lock()
		keys += len(s.Data)
		withTTL += len(s.TTL)
		s.Mu.Unlock()
	}
	return
}

// LenLocked is Len for a caller that holds every shard lock.
func (d *Dict[V]) LenLocked() (keys, withTTL int) {
	for i := range d.shards {
		keys += len(d.shards[i].Data)
		withTTL += len(d.shards[i].TTL)
	}
	return
}

// ClearLocked empties every shard; the caller holds all locks.
func (d *Dict[V]) ClearLocked() {
	for i := range d.shards {
		d.shards[i].Data = make(map[string]V)
		d.shards[i].TTL = make(map[string]int64)
	}
}

// SwapLocked exchanges the contents of d and o; the caller holds all locks
// of both.
func (d *Dict[V]) SwapLocked(o *Dict[V]) {
	for i := range d.shards {
		a, b := &d.shards[i], &o.shards[i]
		a.Data, b.Data = b.Data, a.Data
		a.TTL, b.TTL = b.TTL, a.TTL
	}
}

// ScanShard returns the keys of shard s (locked by the caller) whose hash
// is at least from, in hash order, at most count of them but never
// splitting keys of equal hash, and the hash to resume from (0 when the
// shard is done). Keys present for the whole of a scan are never missed,
// whatever is added or removed meanwhile.
func ScanShard[V any](s *Shard[V], from uint64, count int) (keys []string, next uint64) {
	type kh struct {
		k string
		h uint64
	}
	var all []kh
	for k := range s.Data {
		if h := HashString(k); h >= from {
			all = append(all, kh{k, h})
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].h < all[j].h })
	n := 0
	for n < len(all) && (n < count || (n > 0 && all[n].h == all[n-1].h)) {
		keys = append(keys, all[n].k)
		n++
	}
	if n < len(all) {
		return keys, all[n].h
	}
	return keys, 0
}

// ShardStart is the smallest hash in shard i.
func ShardStart(i int) uint64 { return uint64(i) << (64 - ShardBits) }
