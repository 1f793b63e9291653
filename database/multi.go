package database

import (
	"sync"

	"goredis/aof"
	"sync/atomic"

	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// MULTI, EXEC, DISCARD, WATCH and UNWATCH.
//
// Queueing happens in the dispatcher (Server.exec): after MULTI every
// command but EXEC, DISCARD, MULTI, WATCH, QUIT and RESET is checked and
// queued. EXEC then runs the queue atomically. When every queued command
// names its keys, EXEC takes the world lock for reading and the shards of
// all those keys (and of the watched keys) in one ordered pass, and runs
// the commands holding them; other clients go on with other keys. When a
// queued command cannot name its keys up front (KEYS, FLUSHALL, a blocking
// pop, SORT BY…), EXEC takes the world lock for writing: every other
// command waits, as in Redis's single thread.
//
// WATCH records (db, key) in a registry consulted by signalModified, which
// every write calls under the key's lock; a touched key marks its
// watchers' DirtyCAS and EXEC answers a null array. The registry copies
// Redis's rules for keys already expired when watched.

func init() {
	register("multi", execMulti, 1, "noscript loading stale fast allow_busy", 0, 0, 0)
	register("exec", execExec, 1, "noscript loading stale skip_slowlog", 0, 0, 0).ownsWorld = true
	register("discard", execDiscard, 1, "noscript loading stale fast allow_busy", 0, 0, 0)
	register("watch", execWatch, -2, "noscript loading stale fast allow_busy", 1, -1, 1)
	register("unwatch", execUnwatch, 1, "noscript loading stale fast allow_busy", 0, 0, 0)
}

var errExecAbort = reply.Error("EXECABORT Transaction discarded because of previous errors.")

func execMulti(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	st := c.State()
	if st.InMulti {
		return reply.Err("MULTI calls can not be nested")
	}
	st.InMulti = true
	return reply.OK
}

func execDiscard(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if !c.State().InMulti {
		return reply.Err("DISCARD without MULTI")
	}
	db.srv.discardTransaction(c)
	return reply.OK
}

// discardTransaction drops a queued transaction and its watches.
func (s *Server) discardTransaction(c resp.Connection) {
	st := c.State()
	st.InMulti = false
	st.TxDirty = false
	st.Queued = nil
	s.unwatchAll(c)
}

func execWatch(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	st := c.State()
	if st.InMulti {
		return reply.Err("WATCH inside MULTI is not allowed")
	}
	if st.DirtyCAS.Load() {
		return reply.OK // EXEC will fail anyway
	}
	for _, k := range args[1:] {
		db.srv.watches.watch(db, st, k)
	}
	return reply.OK
}

func execUnwatch(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	db.srv.unwatchAll(c)
	return reply.OK
}

// unwatchAll drops c's watches and its dirty mark.
func (s *Server) unwatchAll(c resp.Connection) {
	st := c.State()
	if st.Watching {
		s.watches.mu.Lock()
		s.watches.dropLocked(st)
		s.watches.mu.Unlock()
		st.Watching = false
	}
	st.DirtyCAS.Store(false)
}

// ---- EXEC ----

// keylessInExec lists the commands without keys that touch neither the
// keyspace nor anything a transaction must see unchanged, so they do not
// force an exclusive EXEC. SELECT only changes which db the keys of the
// commands after it are locked in.
var keylessInExec = map[string]bool{
	"ping": true, "echo": true, "select": true, "time": true, "publish": true,
	"lastsave": true, "unwatch": true,
}

func execExec(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	s := db.srv
	st := c.State()
	if !st.InMulti {
		return reply.Err("EXEC without MULTI")
	}
	if st.TxDirty {
		s.discardTransaction(c)
		return errExecAbort
	}
	queued := st.Queued
	cmds := make([]*Command, len(queued))
	exclusive := false
	var locks []dbShard
	dbi := c.DBIndex()
	var kb [8][]byte
	for i, q := range queued {
		cmd := lookupCommand(q)
		cmds[i] = cmd
		switch {
		case cmd.Name == "select":
			if n, ok := utils.ParseInt(q[1]); ok && n >= 0 && n < int64(len(s.dbs)) {
				dbi = int(n)
			}
		case cmd.NoLock:
			if !keylessInExec[cmd.Name] {
				exclusive = true
			}
		default:
			for _, k := range cmd.keys(q, kb[:0]) {
				locks = append(locks, dbShard{s.dbs[dbi], dict.ShardOf(dict.Hash(k))})
			}
		}
	}
	mode := lockHeld
	if exclusive {
		s.world.Lock()
		defer s.world.Unlock()
		mode = lockWorldHeld
	} else {
		locks = append(locks, s.watches.shardsOf(s, st)...)
		id := c.ID()
		s.world.RLock(id)
		defer s.world.RUnlock(id)
		locks = lockDBShards(locks)
		defer unlockDBShards(locks)
	}

	if st.DirtyCAS.Load() || s.watches.anyExpired(s, st) {
		s.discardTransaction(c)
		return reply.NullArray
	}
	s.unwatchAll(c)
	replies := make(reply.Array, len(queued))
	tx := &txLog{}
	for i, q := range queued {
		replies[i] = s.callLocked(c, cmds[i], q, mode, tx)
	}
	// Written while the transaction's locks are still held, so its place
	// in the file is its place in the execution order.
	if p := s.persist.aof.Load(); p != nil && len(tx.recs) > 0 {
		p.AppendTx(tx.recs, tx.gen, tx.tail)
		s.afterWrite(c)
	} else if run := s.persist.rewriting.Load(); p == nil && run != nil && run.detached != nil && len(tx.tail) > 0 {
		run.detached.AppendTail(tx.gen, tx.tail, true)
	}
	s.discardTransaction(c)
	return replies
}

// txLog collects what the commands run by one EXEC propagate, so the
// append-only file gets them together (MULTI … EXEC around several), and
// for a rewrite running meanwhile, what its tail needs (of the latest
// rewrite only: a tail for one that ended is of no use).
type txLog struct {
	views [4]*DB // by db index, the first few
	more  map[int]*DB
	recs  []aof.Record
	gen   uint64
	tail  []aof.Record
}

// view returns db as seen by the transaction's commands.
func (t *txLog) view(db *DB) *DB {
	if db.index < len(t.views) {
		if t.views[db.index] == nil {
			t.views[db.index] = &DB{dbCore: db.dbCore, tx: t}
		}
		return t.views[db.index]
	}
	if t.more == nil {
		t.more = make(map[int]*DB)
	}
	if t.more[db.index] == nil {
		t.more[db.index] = &DB{dbCore: db.dbCore, tx: t}
	}
	return t.more[db.index]
}

// add records one propagated write; args are copied (commands may build
// them in reused buffers).
func (t *txLog) add(db *DB, args [][]byte) {
	t.recs = append(t.recs, aof.Record{DB: db.index, Args: copyArgs(args)})
	run := db.srv.persist.rewriting.Load()
	if run == nil {
		return
	}
	if run.gen != t.gen {
		t.gen, t.tail = run.gen, nil
	}
	for _, r := range db.srv.rewriteTail(run, db, args) {
		t.tail = append(t.tail, aof.Record{DB: r.DB, Args: copyArgs(r.Args)})
	}
}

// ---- the WATCH registry ----

// watchRegistry maps watched keys to their watchers. Its own lock guards
// it; writers reach it through signalModified (under the key's shard
// lock) only while count is not zero.
type watchRegistry struct {
	count    atomic.Int64
	mu       sync.Mutex
	keys     map[resp.WatchedKey][]*watchEntry
	byClient map[*resp.ClientState][]*watchEntry
}

// watchEntry is one client watching one key. expired records that the key
// existed but had logically expired when WATCH ran (Redis's
// watchedKey.expired): deleting it then is no change.
type watchEntry struct {
	st      *resp.ClientState
	key     resp.WatchedKey
	expired bool
}

// watch adds key of db to st's watches; the caller holds the key's lock.
func (r *watchRegistry) watch(db *DB, st *resp.ClientState, key []byte) {
	wk := resp.WatchedKey{DB: db.index, Key: string(key)}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.byClient[st] {
		if e.key == wk {
			return
		}
	}
	if r.keys == nil {
		r.keys = make(map[resp.WatchedKey][]*watchEntry)
		r.byClient = make(map[*resp.ClientState][]*watchEntry)
	}
	e := &watchEntry{st: st, key: wk, expired: db.keyLogicallyExpired(key)}
	r.keys[wk] = append(r.keys[wk], e)
	r.byClient[st] = append(r.byClient[st], e)
	r.count.Add(1)
	st.Watching = true
}

// dropLocked removes every watch of st (Redis's unwatchAllKeys).
func (r *watchRegistry) dropLocked(st *resp.ClientState) {
	for _, e := range r.byClient[st] {
		list := r.keys[e.key]
		for i, o := range list {
			if o == e {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(r.keys, e.key)
		} else {
			r.keys[e.key] = list
		}
		r.count.Add(-1)
	}
	delete(r.byClient, st)
}

// shardsOf lists the shards of st's watched keys, which EXEC locks so the
// dirty and expiry checks see a settled state.
func (r *watchRegistry) shardsOf(s *Server, st *resp.ClientState) []dbShard {
	if !st.Watching {
		return nil
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []dbShard
	for _, e := range r.byClient[st] {
		out = append(out, dbShard{s.dbs[e.key.DB], dict.ShardOf(dict.HashString(e.key.Key))})
	}
	return out
}

// anyExpired is Redis's isWatchedKeyExpired: a watched key, alive when
// watched, has logically expired since. EXEC holds the keys' locks.
func (r *watchRegistry) anyExpired(s *Server, st *resp.ClientState) bool {
	if !st.Watching {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, e := range r.byClient[st] {
		if !e.expired && s.dbs[e.key.DB].keyLogicallyExpired([]byte(e.key.Key)) {
			return true
		}
	}
	return false
}

// keyLogicallyExpired reports whether key exists with an expiry time that
// has passed (Redis's keyIsExpired), without deleting it.
func (db *DB) keyLogicallyExpired(key []byte) bool {
	s := db.shard(key)
	at, ok := s.TTL[string(key)]
	return ok && at <= nowMs()
}

// touch is Redis's touchWatchedKey: every client watching key in db is
// marked dirty and loses its watches, except that a key already expired
// when watched counts as unchanged when it is deleted.
func (r *watchRegistry) touch(db *DB, key []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	list := r.keys[resp.WatchedKey{DB: db.index, Key: string(key)}]
	if len(list) == 0 {
		return
	}
	var dirty []*resp.ClientState
	for _, e := range list {
		if e.expired {
			if db.shard(key).Data[string(key)] == nil {
				e.expired = false
				continue
			}
			// Redis stops at the first such watcher of a live key.
			break
		}
		dirty = append(dirty, e.st)
	}
	for _, st := range dirty {
		st.DirtyCAS.Store(true)
		r.dropLocked(st)
	}
}

// touchAll is Redis's touchAllWatchedKeysInDb: emptied is about to be
// flushed, or swapped with replacedWith (nil for a flush). A watched key
// that exists in either marks its watchers dirty, with Redis's rules for
// keys that were already expired. Every lock of both databases is held.
func (r *watchRegistry) touchAll(emptied, replacedWith *DB) {
	if r.count.Load() == 0 {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	var dirty []*resp.ClientState
	for wk, list := range r.keys {
		if wk.DB != emptied.index {
			continue
		}
		key := []byte(wk.Key)
		inEmptied := emptied.shard(key).Data[wk.Key] != nil
		inReplaced := replacedWith != nil && replacedWith.shard(key).Data[wk.Key] != nil
		if !inEmptied && !inReplaced {
			continue
		}
		for _, e := range list {
			if e.expired {
				if !inReplaced {
					e.expired = false
					continue
				} else if replacedWith.keyLogicallyExpired(key) {
					continue
				}
			} else if !inEmptied && replacedWith.keyLogicallyExpired(key) {
				e.expired = true
				continue
			}
			dirty = append(dirty, e.st)
		}
	}
	for _, st := range dirty {
		st.DirtyCAS.Store(true)
		r.dropLocked(st)
	}
}
