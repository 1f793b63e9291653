package database

import (
	"bytes"
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"

	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/lib/wildcard"
	"goredis/resp/reply"
)

// The generic keyspace commands (Redis's db.c and object.c): deleting,
// renaming, copying and moving keys, iterating the keyspace, OBJECT and the
// whole-database commands. The expire family lives in expire.go.

func init() {
	register("del", execDel, -2, "write", 1, -1, 1)
	register("unlink", execDel, -2, "write fast", 1, -1, 1)
	register("exists", execExists, -2, "readonly fast", 1, -1, 1)
	register("type", execType, 2, "readonly fast", 1, 1, 1)
	register("rename", execRename, 3, "write", 1, 2, 1)
	register("renamenx", execRenameNX, 3, "write fast", 1, 2, 1)
	register("copy", execCopy, -3, "write denyoom", 1, 2, 1).locksItself()
	register("move", execMove, 3, "write fast", 1, 1, 1).locksItself()
	register("keys", execKeys, 2, "readonly", 0, 0, 0)
	register("scan", execScan, -2, "readonly", 0, 0, 0)
	register("randomkey", execRandomKey, 1, "readonly", 0, 0, 0)
	register("touch", execTouch, -2, "readonly fast", 1, -1, 1)
	register("dbsize", execDBSize, 1, "readonly fast", 0, 0, 0)
	register("flushdb", execFlushDB, -1, "write", 0, 0, 0)
	register("flushall", execFlushAll, -1, "write", 0, 0, 0)
	register("swapdb", execSwapDB, 3, "write fast", 0, 0, 0)

	registerContainer("object", -2)
	register("object|encoding", execObjectEncoding, 3, "readonly", 2, 2, 1)
	register("object|freq", execObjectFreq, 3, "readonly", 2, 2, 1)
	register("object|idletime", execObjectIdleTime, 3, "readonly", 2, 2, 1)
	register("object|refcount", execObjectRefCount, 3, "readonly", 2, 2, 1)
	register("object|help", execObjectHelp, 2, "loading stale", 0, 0, 0)
}

// copier is implemented by the Obj of every non-string kind: Copy returns
// a deep copy that shares nothing mutable with the original (COPY).
type copier interface{ Copy() any }

// encoder is implemented by the Obj of non-string kinds: Encoding returns
// the name OBJECT ENCODING reports ("listpack", "quicklist", "hashtable"…).
type encoder interface{ Encoding() string }

// lookupNoTouch is lookup for commands Redis runs with LOOKUP_NOTOUCH
// (EXISTS, TYPE, TTL): it counts keyspace hits and misses and publishes
// keymiss, but leaves the access clock alone.
func (db *DB) lookupNoTouch(key []byte) *Entity {
	e := db.lookupObject(key)
	if e == nil {
		db.notify(config.NotifyKeyMiss, "keymiss", key)
	}
	return e
}

// lookupObject is lookupNoTouch without the keymiss event (OBJECT, which
// Redis runs with LOOKUP_NOTOUCH|LOOKUP_NONOTIFY).
func (db *DB) lookupObject(key []byte) *Entity {
	e := db.lookup(key)
	s := db.shard(key)
	if e == nil {
		s.Misses++
	} else {
		s.Hits++
	}
	return e
}

// ---- DEL UNLINK EXISTS TYPE TOUCH ----

// execDel serves DEL and UNLINK: every value is freed by the garbage
// collector, so the two differ only in name.
func execDel(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	n := 0
	for _, k := range args[1:] {
		if db.del(k) {
			db.signalModified(k)
			n++
		}
	}
	if n > 0 {
		db.propagate(args)
	}
	return reply.Int(n)
}

func execExists(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	n := 0
	for _, k := range args[1:] {
		if db.lookupNoTouch(k) != nil {
			n++
		}
	}
	return reply.Int(n)
}

func execType(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e := db.lookupNoTouch(args[1])
	if e == nil {
		return reply.Status("none")
	}
	return reply.Status(e.Kind.String())
}

func execTouch(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	n := 0
	for _, k := range args[1:] {
		if db.lookupRead(k) != nil {
			n++
		}
	}
	return reply.Int(n)
}

// ---- RENAME RENAMENX ----

func execRename(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return rename(db, args, false)
}

func execRenameNX(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return rename(db, args, true)
}

// rename moves the value at args[1] to args[2] with its TTL; with nx it
// does nothing when args[2] exists.
func rename(db *DB, args [][]byte, nx bool) resp.Reply {
	src, dst := args[1], args[2]
	e := db.lookup(src)
	if e == nil {
		return reply.NoSuchKey
	}
	if bytes.Equal(src, dst) {
		if nx {
			return reply.Int(0)
		}
		return reply.OK
	}
	at := db.ttl(src)
	if db.lookup(dst) != nil {
		if nx {
			return reply.Int(0)
		}
		db.remove(dst)
	}
	db.remove(src)
	db.putWithExpiry(dst, e, at)
	db.signalModified(src)
	db.signalModified(dst)
	db.signalKeyReady(dst)
	db.notify(config.NotifyGeneric, "rename_from", src)
	db.notify(config.NotifyGeneric, "rename_to", dst)
	db.propagate(args)
	if nx {
		return reply.Int(1)
	}
	return reply.OK
}

// ---- cross-database locking (MOVE, COPY … DB, SWAPDB, FLUSHALL) ----

// dbShard names one shard of one database.
type dbShard struct {
	db    *DB
	shard int
}

// lockDBShards locks the given shards in (db index, shard index) order,
// each once, and returns the deduplicated list for unlockDBShards.
func lockDBShards(l []dbShard) []dbShard {
	sort.Slice(l, func(i, j int) bool {
		if l[i].db.index != l[j].db.index {
			return l[i].db.index < l[j].db.index
		}
		return l[i].shard < l[j].shard
	})
	out := l[:0]
	for i, x := range l {
		if i > 0 && x.db.index == l[i-1].db.index && x.shard == l[i-1].shard {
			continue
		}
		out = append(out, x)
	}
	for _, x := range out {
		x.db.data.Shard(x.shard).Mu.Lock()
	}
	return out
}

func unlockDBShards(l []dbShard) {
	for i := len(l) - 1; i >= 0; i-- {
		l[i].db.data.Shard(l[i].shard).Mu.Unlock()
	}
}

// lockAllDBs locks every shard of the given databases, in db index order.
func lockAllDBs(dbs []*DB) []*DB {
	sort.Slice(dbs, func(i, j int) bool { return dbs[i].index < dbs[j].index })
	out := dbs[:0]
	for i, d := range dbs {
		if i > 0 && d.index == dbs[i-1].index {
			continue
		}
		out = append(out, d)
	}
	for _, d := range out {
		d.data.LockAll()
	}
	return out
}

func unlockAllDBs(dbs []*DB) {
	for i := len(dbs) - 1; i >= 0; i-- {
		dbs[i].data.UnlockAll()
	}
}

// parseInt32 reads an int argument as Redis's getIntFromObjectOrReply.
func parseInt32(b []byte) (int64, resp.Reply) {
	v, ok := utils.ParseInt(b)
	if !ok {
		return 0, reply.NotInteger
	}
	if v < math.MinInt32 || v > math.MaxInt32 {
		return 0, reply.Err("value is out of range, value must between -2147483648 and 2147483647")
	}
	return v, nil
}

// parseDBIndex reads a DB index as Redis's getIntFromObjectOrReply does,
// then checks it names a database.
func parseDBIndex(srv *Server, b []byte) (*DB, resp.Reply) {
	v, r := parseInt32(b)
	if r != nil {
		return nil, r
	}
	if v < 0 || v >= int64(len(srv.dbs)) {
		return nil, reply.DBOutOfRange
	}
	return srv.dbs[v], nil
}

func clusterMode() bool { return config.Get().Self != "" }

// ---- MOVE ----

func execMove(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if clusterMode() {
		return reply.Err("MOVE is not allowed in cluster mode")
	}
	dst, errReply := parseDBIndex(db.srv, args[2])
	if errReply != nil {
		return errReply
	}
	if dst.index == db.index {
		return reply.SameObject
	}
	key := args[1]
	sh := db.data.ShardFor(key)
	locks := lockDBShards([]dbShard{{db, sh}, {dst, sh}})
	defer unlockDBShards(locks)

	e := db.lookup(key)
	if e == nil {
		return reply.Int(0)
	}
	if dst.lookup(key) != nil {
		return reply.Int(0)
	}
	at := db.ttl(key)
	db.remove(key)
	dst.putWithExpiry(key, e, at)
	db.signalModified(key)
	dst.signalModified(key)
	dst.signalKeyReady(key)
	db.notify(config.NotifyGeneric, "move_from", key)
	dst.notify(config.NotifyGeneric, "move_to", key)
	db.propagate(args)
	return reply.Int(1)
}

// ---- COPY ----

func execCopy(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	dst := db
	replace := false
	for j := 3; j < len(args); j++ {
		opt := args[j]
		switch {
		case bytes.EqualFold(opt, []byte("replace")):
			replace = true
		case bytes.EqualFold(opt, []byte("db")) && j+1 < len(args):
			d, errReply := parseDBIndex(db.srv, args[j+1])
			if errReply != nil {
				return errReply
			}
			dst = d
			j++
		default:
			return reply.SyntaxErr
		}
	}
	if clusterMode() && (db.index != 0 || dst.index != 0) {
		return reply.Err("Copying to another database is not allowed in cluster mode")
	}
	src, newKey := args[1], args[2]
	if dst.index == db.index && bytes.Equal(src, newKey) {
		return reply.SameObject
	}
	locks := lockDBShards([]dbShard{{db, db.data.ShardFor(src)}, {dst, dst.data.ShardFor(newKey)}})
	defer unlockDBShards(locks)

	e := db.lookupRead(src)
	if e == nil {
		return reply.Int(0)
	}
	if dst.lookup(newKey) != nil {
		if !replace {
			return reply.Int(0)
		}
	}
	ne := &Entity{Kind: e.Kind, Enc: e.Enc}
	if e.Kind == KindString {
		ne.SetStr(e.readStr())
	} else {
		cp, ok := e.Obj().(copier)
		if !ok {
			return reply.Err("COPY is not supported for keys of type " + e.Kind.String())
		}
		ne.SetObj(cp.Copy())
	}
	at := db.ttl(src)
	dst.remove(newKey)
	dst.putWithExpiry(newKey, ne, at)
	dst.signalModified(newKey)
	dst.signalKeyReady(newKey)
	dst.notify(config.NotifyGeneric, "copy_to", newKey)
	db.propagate(args)
	return reply.Int(1)
}

// ---- KEYS SCAN RANDOMKEY DBSIZE ----

func execKeys(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	pattern := args[1]
	all := len(pattern) == 1 && pattern[0] == '*'
	db.data.LockAll()
	defer db.data.UnlockAll()
	now := nowMs()
	out := make(reply.Strings, 0)
	for i := 0; i < dict.NumShards; i++ {
		s := db.data.Shard(i)
		for k, e := range s.Data {
			if e.HasTTL {
				if at, ok := s.TTL[k]; ok && at <= now {
					continue
				}
			}
			if all || wildcard.Match(pattern, []byte(k)) {
				out = append(out, k)
			}
		}
	}
	return out
}

// parseScanCursor reads a cursor as Redis does: strtoul in base 10 with
// no leading space and nothing after the number ("" is 0, "-1" wraps).
func parseScanCursor(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, true
	}
	switch b[0] {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return 0, false
	}
	neg := false
	digits := b
	if b[0] == '+' || b[0] == '-' {
		neg = b[0] == '-'
		digits = b[1:]
	}
	if len(digits) == 0 {
		return 0, false
	}
	var v uint64
	for _, ch := range digits {
		if ch < '0' || ch > '9' {
			return 0, false
		}
		d := uint64(ch - '0')
		if v > (math.MaxUint64-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	if neg {
		v = -v
	}
	return v, true
}

// scanOptions are SCAN's MATCH, COUNT and TYPE.
type scanOptions struct {
	count   int64
	pattern []byte // nil: every key
	hasType bool
	typ     string // lowercase kind name when hasType
}

func parseScanOptions(args [][]byte) (scanOptions, resp.Reply) {
	o := scanOptions{count: 10}
	for i := 0; i < len(args); {
		more := len(args) - i
		opt := args[i]
		switch {
		case bytes.EqualFold(opt, []byte("count")) && more >= 2:
			n, ok := utils.ParseInt(args[i+1])
			if !ok {
				return o, reply.NotInteger
			}
			if n < 1 {
				return o, reply.SyntaxErr
			}
			o.count = n
		case bytes.EqualFold(opt, []byte("match")) && more >= 2:
			p := args[i+1]
			if len(p) == 1 && p[0] == '*' {
				o.pattern = nil
			} else {
				o.pattern = p
			}
		case bytes.EqualFold(opt, []byte("type")) && more >= 2:
			// Redis matches the name case-insensitively; an unknown
			// name matches nothing.
			o.hasType, o.typ = true, strings.ToLower(string(args[i+1]))
		default:
			return o, reply.SyntaxErr
		}
		i += 2
	}
	return o, nil
}

func execScan(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	cursor, ok := parseScanCursor(args[1])
	if !ok {
		return reply.Err("invalid cursor")
	}
	opts, errReply := parseScanOptions(args[2:])
	if errReply != nil {
		return errReply
	}
	keys, next := db.scan(cursor, opts)
	return reply.Array{
		reply.BulkStr(strconv.FormatUint(next, 10)),
		keys,
	}
}

// scan returns the keys of one SCAN call from cursor and the cursor to
// continue from (0 when the scan is over). A cursor is the hash to resume
// from: shards are visited in order, and each shard in hash order, so a
// key present for the whole scan is returned at least once.
func (db *DB) scan(cursor uint64, o scanOptions) (reply.Strings, uint64) {
	out := make(reply.Strings, 0)
	shard := dict.ShardOf(cursor)
	from := cursor
	var visited int64
	for {
		s := db.data.Shard(shard)
		s.Mu.Lock()
		var keys []string
		var next uint64
		if len(s.Data) > 0 {
			want := o.count - visited
			if want > math.MaxInt32 {
				want = math.MaxInt32
			}
			keys, next = dict.ScanShard(s, from, int(want))
		}
		now := int64(0)
		for _, k := range keys {
			if o.pattern != nil && !wildcard.Match(o.pattern, []byte(k)) {
				continue
			}
			e := s.Data[k]
			if o.hasType {
				s.Hits++
				if o.typ != e.Kind.String() {
					continue
				}
			}
			if e.HasTTL {
				if now == 0 {
					now = nowMs()
				}
				if at, ok := s.TTL[k]; ok && at <= now {
					db.expireKey(s, []byte(k))
					continue
				}
			}
			out = append(out, k)
		}
		s.Mu.Unlock()
		visited += int64(len(keys))
		if next != 0 {
			return out, next
		}
		shard++
		if shard == dict.NumShards {
			return out, 0
		}
		from = dict.ShardStart(shard)
		if visited >= o.count {
			return out, from
		}
	}
}

func execRandomKey(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var sizes [dict.NumShards]int
	for {
		total := 0
		for i := range sizes {
			s := db.data.Shard(i)
			s.Mu.Lock()
			sizes[i] = len(s.Data)
			s.Mu.Unlock()
			total += sizes[i]
		}
		if total == 0 {
			return reply.Null
		}
		r := rand.IntN(total)
		i := 0
		for r >= sizes[i] {
			r -= sizes[i]
			i++
		}
		s := db.data.Shard(i)
		s.Mu.Lock()
		if len(s.Data) == 0 {
			s.Mu.Unlock()
			continue
		}
		r %= len(s.Data)
		var key string
		for k := range s.Data {
			if r == 0 {
				key = k
				break
			}
			r--
		}
		live := db.lookup([]byte(key)) != nil
		s.Mu.Unlock()
		if live {
			return reply.BulkStr(key)
		}
	}
}

func execDBSize(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	db.data.LockAll()
	n, _ := db.data.LenLocked()
	db.data.UnlockAll()
	return reply.Int(n)
}

// ---- FLUSHDB FLUSHALL SWAPDB ----

// checkFlushArgs accepts the optional ASYNC or SYNC of FLUSHDB/FLUSHALL.
func checkFlushArgs(args [][]byte) resp.Reply {
	if len(args) == 1 {
		return nil
	}
	if len(args) == 2 && (bytes.EqualFold(args[1], []byte("sync")) || bytes.EqualFold(args[1], []byte("async"))) {
		return nil
	}
	return reply.SyntaxErr
}

// clearLocked empties db, whose shards the caller holds, signalling that
// every key in it changed.
func (db *DB) clearLocked() {
	db.signalDBChanged(nil)
	db.data.ClearLocked()
	db.used.Store(0)
	db.avgTTL.Store(0)
}

func execFlushDB(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if r := checkFlushArgs(args); r != nil {
		return r
	}
	db.data.LockAll()
	defer db.data.UnlockAll()
	db.clearLocked()
	db.propagate(args)
	return reply.OK
}

func execFlushAll(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if r := checkFlushArgs(args); r != nil {
		return r
	}
	dbs := lockAllDBs(append([]*DB(nil), db.srv.dbs...))
	defer unlockAllDBs(dbs)
	for _, d := range dbs {
		d.clearLocked()
	}
	db.propagate(args)
	return reply.OK
}

// parseSwapIndex reads one SWAPDB index; any integer error becomes msg.
func parseSwapIndex(b []byte, msg string) (int64, resp.Reply) {
	v, ok := utils.ParseInt(b)
	if !ok || v < math.MinInt32 || v > math.MaxInt32 {
		return 0, reply.Err(msg)
	}
	return v, nil
}

func execSwapDB(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if clusterMode() {
		return reply.Err("SWAPDB is not allowed in cluster mode")
	}
	id1, errReply := parseSwapIndex(args[1], "invalid first DB index")
	if errReply != nil {
		return errReply
	}
	id2, errReply := parseSwapIndex(args[2], "invalid second DB index")
	if errReply != nil {
		return errReply
	}
	n := int64(len(db.srv.dbs))
	if id1 < 0 || id1 >= n || id2 < 0 || id2 >= n {
		return reply.DBOutOfRange
	}
	if id1 != id2 {
		a, b := db.srv.dbs[id1], db.srv.dbs[id2]
		dbs := lockAllDBs([]*DB{a, b})
		// Every key of both databases changes, for watchers and for
		// clients blocked on keys the other database has.
		a.signalDBChanged(b)
		b.signalDBChanged(a)
		a.data.SwapLocked(b.data)
		usedA := a.used.Load()
		a.used.Store(b.used.Load())
		b.used.Store(usedA)
		a.signalAllReady()
		b.signalAllReady()
		ttlA := a.avgTTL.Load()
		a.avgTTL.Store(b.avgTTL.Load())
		b.avgTTL.Store(ttlA)
		db.propagate(args)
		unlockAllDBs(dbs)
		return reply.OK
	}
	db.propagate(args)
	return reply.OK
}

// ---- OBJECT ----

// sharedIntegers is Redis's OBJ_SHARED_INTEGERS: string values 0..9999
// are shared objects whose REFCOUNT reads as OBJ_SHARED_REFCOUNT.
const sharedIntegers = 10000

// stringEncoding is the encoding Redis gives a string value set whole:
// int for a canonical integer, embstr up to 44 bytes, raw beyond, and raw
// for any value changed in place.
func stringEncoding(e *Entity) string {
	if e.Enc == EncRaw {
		return "raw"
	}
	if len(e.Str()) <= 20 && e.Enc == EncAuto {
		if _, ok := utils.ParseIntString(e.Str()); ok {
			return "int"
		}
	}
	if len(e.Str()) <= 44 {
		return "embstr"
	}
	return "raw"
}

func objectEncoding(e *Entity) string {
	if e.Kind == KindString {
		return stringEncoding(e)
	}
	if enc, ok := e.Obj().(encoder); ok {
		return enc.Encoding()
	}
	return "unknown"
}

// isLFU reports whether a maxmemory-policy tracks access frequency.
func isLFU(policy string) bool { return strings.Contains(policy, "lfu") }

func execObjectEncoding(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e := db.lookupObject(args[2])
	if e == nil {
		return reply.Null
	}
	return reply.BulkStr(objectEncoding(e))
}

func execObjectRefCount(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e := db.lookupObject(args[2])
	if e == nil {
		return reply.Null
	}
	return reply.Int(refCount(e))
}

// idleSeconds is the time since e was last accessed on the LRU clock.
func idleSeconds(e *Entity) int64 {
	now := lruClock()
	if now < e.LRU {
		return 0
	}
	return int64(now - e.LRU)
}

func execObjectIdleTime(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e := db.lookupObject(args[2])
	if e == nil {
		return reply.Null
	}
	if isLFU(config.Get().MaxMemoryPolicy) {
		return reply.Err("An LFU maxmemory policy is selected, idle time not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	}
	return reply.Int(idleSeconds(e))
}

// lfuInitVal is Redis's LFU_INIT_VAL, the counter of a new key.
const lfuInitVal = 5

func execObjectFreq(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e := db.lookupObject(args[2])
	if e == nil {
		return reply.Null
	}
	cfg := config.Get()
	if !isLFU(cfg.MaxMemoryPolicy) {
		return reply.Err("An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.")
	}
	return reply.Int(int64(lfuDecr(e.LRU)))
}

var objectHelp = []string{
	"ENCODING <key>",
	"    Return the kind of internal representation used in order to store the value",
	"    associated with a <key>.",
	"FREQ <key>",
	"    Return the access frequency index of the <key>. The returned integer is",
	"    proportional to the logarithm of the recent access frequency of the key.",
	"IDLETIME <key>",
	"    Return the idle time of the <key>, that is the approximated number of",
	"    seconds elapsed since the last access to the key.",
	"REFCOUNT <key>",
	"    Return the number of references of the value associated with the specified",
	"    <key>.",
}

func execObjectHelp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return helpReply("object", objectHelp...)
}
