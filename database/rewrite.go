package database

import (
	"errors"
	"goredis/lib/utils"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"goredis/aof"
	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/datastruct/hash"
	"goredis/datastruct/list"
	"goredis/datastruct/set"
	"goredis/datastruct/sortedset"
	"goredis/interface/resp"
	"goredis/lib/logger"
	"goredis/resp/reply"
)

// AOF rewrite: BGREWRITEAOF, the automatic rewrite, and turning
// appendonly on at run time.
//
// The dump walks the databases shard by shard, each under its lock only,
// writing the commands that rebuild every key (as Redis's rewrite writes
// them: SET, RPUSH/SADD/ZADD/HMSET with up to 64 items, PEXPIREAT). Writes
// go on meanwhile; for each, propagate asks rewriteTail what the new
// file's tail needs, which depends on whether the shards of the keys it
// touched were dumped already (see aof/rewrite.go). A SWAPDB during a
// rewrite cancels it (it is scheduled again).

func init() {
	register("bgrewriteaof", execBgRewriteAOF, 1, "admin noscript no_async_loading", 0, 0, 0)
}

// rewriteItemsPerCmd is AOF_REWRITE_ITEMS_PER_CMD.
const rewriteItemsPerCmd = 64

// rewriteRun is a rewrite in progress.
type rewriteRun struct {
	rw      *aof.Rewrite
	gen     uint64
	dumped  [][dict.NumShards]bool // per db; each entry guarded by its shard's lock
	started time.Time
	cancel  atomic.Bool
	// detached: the Persister was made for this rewrite only (BGREWRITEAOF
	// with appendonly off) and is closed after it.
	detached *aof.Persister
}

// rewriteStats feed INFO persistence.
type rewriteStats struct {
	scheduled atomic.Bool
	lastSec   atomic.Int64 // -1: none yet
	count     atomic.Int64
	failures  atomic.Int64 // consecutive
	lastOK    atomic.Bool
	// startMu serializes starting: a second start must be refused before
	// it opens the temporary file the running rewrite writes.
	startMu sync.Mutex
}

var (
	wordRPush = []byte("RPUSH")
	wordSAdd  = []byte("SADD")
	wordZAdd  = []byte("ZADD")
	wordHMSet = []byte("HMSET")
)

// rewriteEntity emits the commands that rebuild e at key, with its expiry
// time at (unix ms, -1 for none).
func rewriteEntity(key []byte, e *Entity, at int64, emit func(args [][]byte)) {
	batch := func(word []byte, add func(flush func(items ...[]byte))) {
		args := [][]byte{word, key}
		flush := func(items ...[]byte) {
			args = append(args, items...)
			if len(args)-2 >= rewriteItemsPerCmd*len(items) {
				emit(args)
				args = [][]byte{word, key}
			}
		}
		add(flush)
		if len(args) > 2 {
			emit(args)
		}
	}
	switch e.Kind {
	case KindString:
		emit([][]byte{wordSet, key, []byte(e.Str())})
	case KindList:
		batch(wordRPush, func(flush func(items ...[]byte)) {
			l := e.Obj().(*list.List)
			l.Range(0, l.Len()-1, func(_ int, v string) bool { flush([]byte(v)); return true })
		})
	case KindSet:
		batch(wordSAdd, func(flush func(items ...[]byte)) {
			e.Obj().(*set.Set).ForEach(func(m string) bool { flush([]byte(m)); return true })
		})
	case KindZSet:
		batch(wordZAdd, func(flush func(items ...[]byte)) {
			e.Obj().(*sortedset.SortedSet).Walk(0, false, func(el sortedset.Element) bool {
				flush(reply.AppendFloat17(nil, el.Score), []byte(el.Member))
				return true
			})
		})
	case KindHash:
		batch(wordHMSet, func(flush func(items ...[]byte)) {
			e.Obj().(*hash.Hash).ForEach(func(f, v string) bool { flush([]byte(f), []byte(v)); return true })
		})
	}
	if at != -1 {
		emit([][]byte{wordPExpireAt, key, strconv.AppendInt(nil, at, 10)})
	}
}

// rewriteKey emits what rebuilds key of db as it is now: DEL, then its
// value if it lives. The caller holds the key's lock.
func rewriteKey(db *DB, key []byte, emit func(args [][]byte)) {
	emit([][]byte{wordDel, key})
	sh := db.shard(key)
	e := sh.Data[string(key)]
	if e == nil {
		return
	}
	at := int64(-1)
	if e.HasTTL {
		at = sh.TTL[string(key)]
		if at <= nowMs() {
			return
		}
	}
	rewriteEntity(key, e, at, emit)
}

// dbKey is a key of a database.
type dbKey struct {
	db  *DB
	key []byte
}

// rewriteTail decides what the running rewrite's tail needs for the write
// args just made in db, whose keys' locks the caller holds.
func (s *Server) rewriteTail(run *rewriteRun, db *DB, args [][]byte) []aof.Record {
	asIs := []aof.Record{{DB: db.index, Args: args}}
	cmd := lookupCommand(args)
	if cmd == nil {
		return asIs
	}
	var keys []dbKey
	switch cmd.Name {
	case "flushall", "flushdb":
		// Absolute: replayed after a partial dump it still empties what
		// it emptied, and the shards dumped later are empty already.
		return asIs
	case "swapdb":
		run.cancel.Store(true)
		return nil
	case "move":
		keys = append(keys, dbKey{db, args[1]})
		if to, r := parseDBIndex(s, args[2]); r == nil {
			keys = append(keys, dbKey{to, args[1]})
		}
	case "copy":
		dst := db
		for i := 3; i+1 < len(args); i++ {
			if utils.EqualFoldASCII(args[i], "db") {
				if to, r := parseDBIndex(s, args[i+1]); r == nil {
					dst = to
				}
			}
		}
		keys = append(keys, dbKey{db, args[1]}, dbKey{dst, args[2]})
	default:
		for _, k := range cmd.keys(args, nil) {
			keys = append(keys, dbKey{db, k})
		}
	}
	dumped, fresh := 0, 0
	for _, k := range keys {
		if run.dumped[k.db.index][k.db.data.ShardFor(k.key)] {
			dumped++
		} else {
			fresh++
		}
	}
	switch {
	case fresh == 0:
		return asIs
	case dumped == 0:
		return nil
	}
	var out []aof.Record
	for _, k := range keys {
		if run.dumped[k.db.index][k.db.data.ShardFor(k.key)] {
			rewriteKey(k.db, k.key, func(a [][]byte) { out = append(out, aof.Record{DB: k.db.index, Args: a}) })
		}
	}
	return out
}

// startRewrite begins a background rewrite. With appendonly off it writes
// the file once from the dataset, as BGREWRITEAOF does in Redis.
func (s *Server) startRewrite() error {
	s.persist.rw.startMu.Lock()
	defer s.persist.rw.startMu.Unlock()
	if s.persist.rewriting.Load() != nil {
		return aof.ErrRewriteRunning
	}
	p := s.persist.aof.Load()
	var detached *aof.Persister
	if p == nil {
		detached = aof.OpenDetached(aofPath(config.Get()), aof.FsyncNo)
		p = detached
	}
	rw, err := p.BeginRewrite()
	if err != nil {
		if detached != nil {
			detached.Close()
		}
		return err
	}
	run := &rewriteRun{rw: rw, gen: rw.Gen(), dumped: make([][dict.NumShards]bool, len(s.dbs)),
		started: time.Now(), detached: detached}
	if !s.persist.rewriting.CompareAndSwap(nil, run) {
		rw.Abort()
		if detached != nil {
			detached.Close()
		}
		return aof.ErrRewriteRunning
	}
	s.persist.rw.scheduled.Store(false)
	logger.Noticef("Background append only file rewriting started")
	go s.runRewrite(run)
	return nil
}

// testHookRewriteDumped, when set by a test, runs between the dump and the
// new file's swap.
var testHookRewriteDumped func()

// runRewrite dumps every shard and swaps the new file in.
func (s *Server) runRewrite(run *rewriteRun) {
	err := s.dumpForRewrite(run)
	if err == nil {
		if testHookRewriteDumped != nil {
			testHookRewriteDumped()
		}
		_, err = run.rw.Finish()
	} else {
		run.rw.Abort()
	}
	s.persist.rewriting.Store(nil)
	if run.detached != nil {
		run.detached.Close()
	}
	st := &s.persist.rw
	if err != nil {
		st.failures.Add(1)
		st.lastOK.Store(false)
		if run.cancel.Load() {
			st.scheduled.Store(true)
		}
		logger.Warningf("Background AOF rewrite terminated with error: %v", err)
		return
	}
	st.failures.Store(0)
	st.lastOK.Store(true)
	st.count.Add(1)
	st.lastSec.Store(int64(time.Since(run.started).Seconds()))
	logger.Noticef("Background AOF rewrite terminated with success")
	logger.Noticef("Background AOF rewrite finished successfully")
}

var errRewriteCancelled = errors.New("rewrite cancelled by SWAPDB; scheduled again")

func (s *Server) dumpForRewrite(run *rewriteRun) error {
	now := nowMs()
	for di, db := range s.dbs {
		for i := 0; i < dict.NumShards; i++ {
			if run.cancel.Load() {
				return errRewriteCancelled
			}
			s.inShard(db, i, func(sh *dict.Shard[*Entity]) {
				for k, e := range sh.Data {
					at := int64(-1)
					if e.HasTTL {
						at = sh.TTL[k]
						if at <= now {
							continue
						}
					}
					rewriteEntity([]byte(k), e, at, func(args [][]byte) { run.rw.Base(di, args) })
				}
				run.dumped[di][i] = true
			})
			if err := run.rw.FlushBase(false); err != nil {
				return err
			}
		}
	}
	if run.cancel.Load() {
		return errRewriteCancelled
	}
	return nil
}

func execBgRewriteAOF(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if err := db.srv.startRewrite(); err != nil {
		if errors.Is(err, aof.ErrRewriteRunning) {
			return reply.Err("Background append only file rewriting already in progress")
		}
		return reply.Err("Can't execute an AOF background rewriting. Please check the server logs for more information.")
	}
	return reply.Status("Background append only file rewriting started")
}

// autoRewrite starts a rewrite when the file grew by
// auto-aof-rewrite-percentage over its size after the last rewrite and
// passed auto-aof-rewrite-min-size, or when one was scheduled.
func (s *Server) autoRewrite() {
	p := s.persist.aof.Load()
	if p == nil || s.persist.rewriting.Load() != nil || s.persist.loading.Load() {
		return
	}
	if s.persist.rw.scheduled.Load() {
		_ = s.startRewrite()
		return
	}
	cfg := config.Get()
	cur, base, _, running := p.Sizes()
	if running || cfg.AutoAofRewritePercentage == 0 || cur <= cfg.AutoAofRewriteMinSize {
		return
	}
	if base == 0 {
		base = 1
	}
	growth := cur*100/base - 100
	if growth >= int64(cfg.AutoAofRewritePercentage) {
		logger.Noticef("Starting automatic rewriting of AOF on %d%% growth", growth)
		_ = s.startRewrite()
	}
}
