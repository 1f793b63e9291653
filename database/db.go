package database

import (
	"sync/atomic"
	"time"

	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// DB is one numbered database as a command sees it: the database itself
// and, for a command run by EXEC, the transaction its writes are
// propagated into (see multi.go). Every method that takes a key expects
// the caller to hold the lock of the key's shard (the dispatcher takes
// them from the command table). Compare databases by index, not by
// pointer: a transaction's view is another *DB of the same database.
type DB struct {
	*dbCore
	tx *txLog
}

// dbCore is one numbered database: a sharded dict of entities with expiry.
type dbCore struct {
	index int
	srv   *Server
	data  *dict.Dict[*Entity]
	// expiresScanned rotates the active expiry cycle over the shards.
	expireCursor int
	// avgTTL is kept for INFO keyspace (avg_ttl).
	avgTTL atomic.Int64
	// used is the sum of the entities' accounted sizes (evict.go).
	used atomic.Int64
}

func newDB(srv *Server, index int) *DB {
	return &DB{dbCore: &dbCore{index: index, srv: srv, data: dict.New[*Entity]()}}
}

// inShard runs fn on shard i of db holding the world lock for reading and
// the shard's lock: how walks over a database (rewrite, eviction sampling,
// accounting, slot listing) take one shard at a time while commands go on.
func (s *Server) inShard(db *DB, i int, fn func(sh *dict.Shard[*Entity])) {
	s.world.RLock(int64(i))
	defer s.world.RUnlock(int64(i))
	sh := db.data.Shard(i)
	sh.Mu.Lock()
	defer sh.Mu.Unlock()
	fn(sh)
}

// nowMs is the time used for expiry decisions.
func nowMs() int64 { return time.Now().UnixMilli() }

func (db *DB) shard(key []byte) *dict.Shard[*Entity] {
	return db.data.Shard(db.data.ShardFor(key))
}

// lookup returns the live entity at key, deleting it first if it has
// expired. It does not count hits or misses.
func (db *DB) lookup(key []byte) *Entity {
	s := db.shard(key)
	e := s.Data[string(key)]
	if e == nil {
		return nil
	}
	if e.HasTTL {
		if at, ok := s.TTL[string(key)]; ok && at <= nowMs() {
			db.expireKey(s, key)
			return nil
		}
	}
	return e
}

// lookupRead is lookup for a read command: it counts keyspace hits and
// misses, touches the access clock, and publishes keymiss for a missing
// key (Redis's lookupKeyRead).
func (db *DB) lookupRead(key []byte) *Entity {
	s := db.shard(key)
	e := db.lookup(key)
	if e == nil {
		s.Misses++
		db.notify(config.NotifyKeyMiss, "keymiss", key)
		return nil
	}
	s.Hits++
	e.touch()
	return e
}

// lookupKind returns the value at key as T when the key holds kind, a nil
// T and no reply when there is no key, and WRONGTYPE otherwise. read
// selects lookupRead (keyspace hits and misses, the access clock).
func lookupKind[T any](db *DB, key []byte, kind Kind, read bool) (T, resp.Reply) {
	var zero T
	var e *Entity
	if read {
		e = db.lookupRead(key)
	} else {
		e = db.lookup(key)
	}
	if e == nil {
		return zero, nil
	}
	if e.Kind != kind {
		return zero, reply.WrongType
	}
	return e.Obj().(T), nil
}

// expireKey removes an expired key and reports it as Redis does.
func (db *DB) expireKey(s *dict.Shard[*Entity], key []byte) {
	db.forget(s.Data[string(key)])
	delete(s.Data, string(key))
	delete(s.TTL, string(key))
	db.srv.stats.expiredKeys.Add(1)
	db.srv.keyExpired(db, key)
}

// put stores e at key, dropping any TTL unless keepTTL. A key that did
// not exist publishes new, as Redis's dbAdd: before the command's own
// event, which the caller publishes after put.
func (db *DB) put(key []byte, e *Entity, keepTTL bool) {
	s := db.shard(key)
	old := s.Data[string(key)]
	if old != nil {
		if old.HasTTL {
			if keepTTL {
				e.HasTTL = true
			} else {
				delete(s.TTL, string(key))
				e.HasTTL = false
			}
		}
		size, clock := old.Size, old.LRU
		e.disown() // old and e share e's array now
		*old = *e
		old.Size = size // recounted by signalModified
		if !lfuMode.Load() {
			clock = lruClock() // a new value; under LFU the key keeps its counter
		}
		old.LRU = clock
		return
	}
	e.HasTTL = false
	e.LRU = newAccessClock()
	e.Size = 0
	s.Data[string(key)] = e
	db.notify(config.NotifyNew, "new", key)
}

// putWithExpiry stores e at key with the absolute expiry at (unix ms), or
// none when at is -1: a value moving with its TTL (RENAME, MOVE, COPY).
func (db *DB) putWithExpiry(key []byte, e *Entity, at int64) {
	db.put(key, e, false)
	if at != -1 {
		db.expireAt(key, at)
	}
}

// putString stores a string value, reusing the existing entity so an
// overwrite costs only the value's bytes. A new key publishes new, as put.
func (db *DB) putString(key []byte, val string, keepTTL bool) *Entity {
	s := db.shard(key)
	if old := s.Data[string(key)]; old != nil {
		old.SetStr(val)
		db.overwritten(s, key, old, keepTTL)
		return old
	}
	e := newStr(val, EncAuto)
	e.LRU = newAccessClock()
	s.Data[string(key)] = e
	db.notify(config.NotifyNew, "new", key)
	return e
}

// putBytes is putString for a value in the request's bytes (SET, MSET,
// GETSET). The value is copied into an array of the entity's own, and a
// later value of the same length is written over it while no view of it
// was taken (a GET takes one): SET over a value of its size allocates
// nothing and leaves no garbage for the collector.
func (db *DB) putBytes(key, val []byte, keepTTL bool) {
	s := db.shard(key)
	if old := s.Data[string(key)]; old != nil {
		old.setBytes(val)
		db.overwritten(s, key, old, keepTTL)
		return
	}
	db.putString(key, utils.OwnedString(val), keepTTL).own()
}

// overwritten finishes giving the existing entity e at key a new string
// value: the TTL goes unless keepTTL, and the access clock restarts.
func (db *DB) overwritten(s *dict.Shard[*Entity], key []byte, e *Entity, keepTTL bool) {
	if e.HasTTL && !keepTTL {
		delete(s.TTL, string(key))
		e.HasTTL = false
	}
	e.Kind, e.Enc = KindString, EncAuto
	if !lfuMode.Load() {
		e.LRU = lruClock()
	}
}

// remove deletes key; it reports whether the key existed (live). It
// publishes nothing: the caller names the event (del, or none for a
// RENAME source).
func (db *DB) remove(key []byte) bool {
	if db.lookup(key) == nil {
		return false
	}
	s := db.shard(key)
	db.forget(s.Data[string(key)])
	delete(s.Data, string(key))
	delete(s.TTL, string(key))
	return true
}

// del deletes key as a command that deletes it does (DEL, a collection
// emptied by its last element's removal, an empty STORE result, an expire
// time already past): when the key existed it publishes del, after the
// command's own event. It reports whether the key existed.
func (db *DB) del(key []byte) bool {
	if !db.remove(key) {
		return false
	}
	db.notify(config.NotifyGeneric, "del", key)
	return true
}

// expireAt sets key's absolute expiry (unix ms); the key must exist.
func (db *DB) expireAt(key []byte, at int64) {
	s := db.shard(key)
	e := s.Data[string(key)]
	if e == nil {
		return
	}
	e.HasTTL = true
	s.TTL[string(key)] = at
}

// ttl returns key's expiry time in unix ms, or -1 when it has none. The
// key must exist.
func (db *DB) ttl(key []byte) int64 {
	s := db.shard(key)
	if at, ok := s.TTL[string(key)]; ok {
		return at
	}
	return -1
}

// persist removes key's expiry; it reports whether there was one.
func (db *DB) persist(key []byte) bool {
	s := db.shard(key)
	e := s.Data[string(key)]
	if e == nil || !e.HasTTL {
		return false
	}
	e.HasTTL = false
	delete(s.TTL, string(key))
	return true
}

var lruNow atomic.Uint32

// lruClock is the access clock in seconds, updated by the server's cron.
func lruClock() uint32 { return lruNow.Load() }

// activeExpireCycle samples keys with a TTL and deletes the expired ones,
// as Redis's activeExpireCycle does, spending at most budget.
func (db *DB) activeExpireCycle(budget time.Duration) {
	deadline := time.Now().Add(budget)
	for n := 0; n < dict.NumShards; n++ {
		i := db.expireCursor
		db.expireCursor = (db.expireCursor + 1) % dict.NumShards
		s := db.data.Shard(i)
		s.Mu.Lock()
		for {
			if len(s.TTL) == 0 {
				break
			}
			now := nowMs()
			sampled, expired := 0, 0
			for k, at := range s.TTL {
				if sampled == 20 {
					break
				}
				sampled++
				if at <= now {
					expired++
					db.expireKey(s, []byte(k))
				}
			}
			if expired*4 <= sampled {
				break
			}
		}
		s.Mu.Unlock()
		if n&15 == 15 && time.Now().After(deadline) {
			return
		}
	}
}
