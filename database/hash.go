package database

import (
	"math"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"goredis/config"
	"goredis/datastruct/hash"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/lib/wildcard"
	"goredis/resp/reply"
)

// The HASH family (Redis's t_hash.c). A hash starts small (listpack: pairs
// in insertion order) and becomes a hash table for good once it has more
// than hash-max-listpack-entries fields or a field or value longer than
// hash-max-listpack-value bytes.

func init() {
	register("hset", execHSet, -4, "write denyoom fast", 1, 1, 1)
	register("hsetnx", execHSetNX, 4, "write denyoom fast", 1, 1, 1)
	register("hget", execHGet, 3, "readonly fast", 1, 1, 1)
	register("hmget", execHMGet, -3, "readonly fast", 1, 1, 1)
	register("hmset", execHSet, -4, "write denyoom fast", 1, 1, 1)
	register("hdel", execHDel, -3, "write fast", 1, 1, 1)
	register("hlen", execHLen, 2, "readonly fast", 1, 1, 1)
	register("hstrlen", execHStrlen, 3, "readonly fast", 1, 1, 1)
	register("hexists", execHExists, 3, "readonly fast", 1, 1, 1)
	register("hkeys", execHKeys, 2, "readonly", 1, 1, 1)
	register("hvals", execHVals, 2, "readonly", 1, 1, 1)
	register("hgetall", execHGetAll, 2, "readonly", 1, 1, 1)
	register("hincrby", execHIncrBy, 4, "write denyoom fast", 1, 1, 1)
	register("hincrbyfloat", execHIncrByFloat, 4, "write denyoom fast", 1, 1, 1)
	register("hrandfield", execHRandField, -2, "readonly", 1, 1, 1)
	register("hscan", execHScan, -3, "readonly", 1, 1, 1)
}

var (
	errHashNotInt      = reply.Err("hash value is not an integer")
	errHashNotFloat    = reply.Err("hash value is not a float")
	errHashIncrNaN     = reply.Err("value is NaN or Infinity")
	errHashRange       = reply.Err("value is out of range")
	errHashCountRange  = reply.Err("value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	errHashCursor      = reply.Err("invalid cursor")
	wordHSet           = []byte("HSET")
	hashEmptyScanReply = reply.Array{reply.BulkStr("0"), reply.Array{}}
)

// hashLimitsCache holds hash-max-listpack-entries and -value as read
// from one config snapshot (snapshots are immutable, so a pointer
// comparison tells whether they may have changed).
type hashLimitsCache struct {
	cfg            *config.Config
	entries, value int
}

var hashLimitsLast atomic.Pointer[hashLimitsCache]

// hashLimits are hash-max-listpack-entries and hash-max-listpack-value.
func hashLimits() (entries, value int) {
	cfg := config.Get()
	if c := hashLimitsLast.Load(); c != nil && c.cfg == cfg {
		return c.entries, c.value
	}
	entries, value = 512, 64
	if s, ok := cfg.Param("hash-max-listpack-entries"); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			entries = int(min(n, math.MaxInt32))
		}
	}
	if s, ok := cfg.Param("hash-max-listpack-value"); ok {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			value = int(min(n, math.MaxInt32))
		}
	}
	hashLimitsLast.Store(&hashLimitsCache{cfg, entries, value})
	return entries, value
}

// hashRead returns the hash at key for a read command (counting a hit or
// miss), nil when there is none, or reply.WrongType.
func (db *DB) hashRead(key []byte) (*hash.Hash, resp.Reply) {
	return lookupKind[*hash.Hash](db, key, KindHash, true)
}

// hashWrite is hashRead for a write: no statistics.
func (db *DB) hashWrite(key []byte) (*hash.Hash, resp.Reply) {
	return lookupKind[*hash.Hash](db, key, KindHash, false)
}

// hashWriteOrCreate returns the hash at key, adding an empty one when
// there is none.
func (db *DB) hashWriteOrCreate(key []byte) (*hash.Hash, resp.Reply) {
	h, errReply := db.hashWrite(key)
	if errReply != nil || h != nil {
		return h, errReply
	}
	h = hash.New()
	db.put(key, newObj(KindHash, h), false)
	return h, nil
}

// hashTryConvert converts a small hash when one of args is longer than
// hash-max-listpack-value, before they are added.
func hashTryConvert(h *hash.Hash, args [][]byte, maxValue int) {
	if !h.IsSmall() {
		return
	}
	for _, a := range args {
		if len(a) > maxValue {
			h.Convert()
			return
		}
	}
}

// hashSet sets one field as Redis's hashTypeSet does: a too long field or
// value converts first, too many entries convert after. It reports whether
// the field is new.
func hashSet(h *hash.Hash, field, value []byte, maxEntries, maxValue int) bool {
	if h.IsSmall() && (len(field) > maxValue || len(value) > maxValue) {
		h.Convert()
	}
	isNew := h.SetBytes(field, value)
	if h.IsSmall() && h.Len() > maxEntries {
		h.Convert()
	}
	return isNew
}

func execHSet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args)%2 == 1 {
		if args[0][1]|0x20 == 's' {
			return reply.ArityErr("hset")
		}
		return reply.ArityErr("hmset")
	}
	key := args[1]
	h, errReply := db.hashWriteOrCreate(key)
	if errReply != nil {
		return errReply
	}
	maxEntries, maxValue := hashLimits()
	hashTryConvert(h, args[2:], maxValue)
	created := 0
	for i := 2; i < len(args); i += 2 {
		if hashSet(h, args[i], args[i+1], maxEntries, maxValue) {
			created++
		}
	}
	db.signalModified(key)
	db.notify(config.NotifyHash, "hset", key)
	db.propagate(args)
	// Redis counts one change per pair (dirty += pairs).
	db.srv.stats.dirty.Add(int64(len(args)/2 - 2))
	if args[0][1]|0x20 == 's' {
		return reply.Int(created)
	}
	return reply.OK
}

func execHSetNX(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key := args[1]
	h, errReply := db.hashWriteOrCreate(key)
	if errReply != nil {
		return errReply
	}
	if _, ok := h.Get(args[2]); ok {
		return reply.Int(0)
	}
	maxEntries, maxValue := hashLimits()
	hashTryConvert(h, args[2:4], maxValue)
	hashSet(h, args[2], args[3], maxEntries, maxValue)
	db.signalModified(key)
	db.notify(config.NotifyHash, "hset", key)
	db.propagate(args)
	return reply.Int(1)
}

func execHGet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	if h == nil {
		return reply.Null
	}
	if v, ok := h.Get(args[2]); ok {
		return reply.BulkStr(v)
	}
	return reply.Null
}

func execHMGet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	out := make(reply.Array, len(args)-2)
	for i, f := range args[2:] {
		out[i] = reply.Null
		if h != nil {
			if v, ok := h.Get(f); ok {
				out[i] = reply.BulkStr(v)
			}
		}
	}
	return out
}

func execHDel(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key := args[1]
	h, errReply := db.hashWrite(key)
	if errReply != nil {
		return errReply
	}
	if h == nil {
		return reply.Int(0)
	}
	deleted := 0
	for _, f := range args[2:] {
		if h.Delete(f) {
			deleted++
			if h.Len() == 0 {
				break
			}
		}
	}
	if deleted > 0 {
		db.notify(config.NotifyHash, "hdel", key)
		if h.Len() == 0 {
			db.del(key)
		}
		db.signalModified(key)
		db.propagate(args)
		db.srv.stats.dirty.Add(int64(deleted - 1)) // Redis: dirty += deleted
	}
	return reply.Int(deleted)
}

func execHLen(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	if h == nil {
		return reply.Int(0)
	}
	return reply.Int(h.Len())
}

func execHStrlen(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	if h == nil {
		return reply.Int(0)
	}
	v, _ := h.Get(args[2])
	return reply.Int(len(v))
}

func execHExists(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	if h == nil {
		return reply.Int(0)
	}
	if _, ok := h.Get(args[2]); ok {
		return reply.Int(1)
	}
	return reply.Int(0)
}

func execHKeys(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	out := make(reply.Strings, 0, hashLen(h))
	if h != nil {
		h.ForEach(func(f, _ string) bool {
			out = append(out, f)
			return true
		})
	}
	return out
}

func execHVals(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	out := make(reply.Strings, 0, hashLen(h))
	if h != nil {
		h.ForEach(func(_, v string) bool {
			out = append(out, v)
			return true
		})
	}
	return out
}

func execHGetAll(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	out := make(reply.Map, 0, 2*hashLen(h))
	if h != nil {
		h.ForEach(func(f, v string) bool {
			out = append(out, reply.BulkStr(f), reply.BulkStr(v))
			return true
		})
	}
	return out
}

func hashLen(h *hash.Hash) int {
	if h == nil {
		return 0
	}
	return h.Len()
}

func execHIncrBy(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key, field := args[1], args[2]
	incr, ok := utils.ParseInt(args[3])
	if !ok {
		return reply.NotInteger
	}
	h, errReply := db.hashWriteOrCreate(key)
	if errReply != nil {
		return errReply
	}
	var cur int64
	if s, ok := h.Get(field); ok {
		if cur, ok = utils.ParseIntString(s); !ok {
			return errHashNotInt
		}
	}
	if (incr < 0 && cur < 0 && incr < math.MinInt64-cur) ||
		(incr > 0 && cur > 0 && incr > math.MaxInt64-cur) {
		return reply.Overflow
	}
	cur += incr
	maxEntries, maxValue := hashLimits()
	var nb [20]byte
	hashSet(h, field, strconv.AppendInt(nb[:0], cur, 10), maxEntries, maxValue)
	db.signalModified(key)
	db.notify(config.NotifyHash, "hincrby", key)
	db.propagate(args)
	return reply.Int(cur)
}

func execHIncrByFloat(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key, field := args[1], args[2]
	incr, ok := utils.ParseLongDouble(string(args[3]))
	if !ok {
		return reply.NotFloat
	}
	if incr.IsInf() {
		return errHashIncrNaN
	}
	h, errReply := db.hashWriteOrCreate(key)
	if errReply != nil {
		return errReply
	}
	cur, exists := h.Get(field)
	if exists {
		if _, ok := utils.ParseLongDouble(cur); !ok {
			return errHashNotFloat
		}
	}
	s, errReply := incrLongDouble(cur, exists, args[3])
	if errReply != nil {
		return errReply
	}
	maxEntries, maxValue := hashLimits()
	hashSet(h, field, []byte(s), maxEntries, maxValue)
	db.signalModified(key)
	db.notify(config.NotifyHash, "hincrbyfloat", key)
	db.propagate([][]byte{wordHSet, key, field, []byte(s)})
	return reply.BulkStr(s)
}

// hashPairs is the reply of HRANDFIELD with a count: fields alone, or with
// WITHVALUES field/value pairs, flat in RESP2 and as two-element arrays in
// RESP3.
type hashPairs struct {
	fields, values []string // values nil without WITHVALUES
}

func (p hashPairs) AppendTo(b []byte, resp3 bool) []byte {
	if p.values == nil {
		b = reply.AppendHeader(b, '*', len(p.fields))
		for _, f := range p.fields {
			b = reply.AppendBulkString(b, f)
		}
		return b
	}
	if resp3 {
		b = reply.AppendHeader(b, '*', len(p.fields))
	} else {
		b = reply.AppendHeader(b, '*', 2*len(p.fields))
	}
	for i, f := range p.fields {
		if resp3 {
			b = reply.AppendHeader(b, '*', 2)
		}
		b = reply.AppendBulkString(b, f)
		b = reply.AppendBulkString(b, p.values[i])
	}
	return b
}

func execHRandField(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) == 2 {
		h, errReply := db.hashRead(args[1])
		if errReply != nil {
			return errReply
		}
		if h == nil {
			return reply.Null
		}
		f, _ := h.Random()
		return reply.BulkStr(f)
	}
	l, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	if l == math.MinInt64 {
		return errHashCountRange
	}
	withValues := false
	if len(args) > 4 || (len(args) == 4 && !isOpt(args[3], "WITHVALUES")) {
		return reply.SyntaxErr
	}
	if len(args) == 4 {
		withValues = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			return errHashRange
		}
	}
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	if h == nil || l == 0 {
		return reply.Array{}
	}
	if l < 0 && -l > randMaxRepeats {
		return errHashRange
	}
	fields, values := hashRandom(h, l, withValues)
	return hashPairs{fields, values}
}

// hashRandom picks the fields (and values when withValues) HRANDFIELD
// returns for count l: -l fields with repetition when l < 0, else
// min(l, size) distinct fields.
func hashRandom(h *hash.Hash, l int64, withValues bool) (fields, values []string) {
	size := int64(h.Len())
	add := func(f, v string) {
		fields = append(fields, f)
		if withValues {
			values = append(values, v)
		}
	}
	if withValues {
		values = []string{}
	}
	switch {
	case l < 0 || l == 1:
		n := l
		if n < 0 {
			n = -n
		}
		fields = make([]string, 0, min(n, 1<<20))
		for ; n > 0; n-- {
			add(h.Random())
		}
	case l >= size:
		h.ForEach(func(f, v string) bool {
			add(f, v)
			return true
		})
	case h.IsSmall():
		// Redis samples a listpack in its order: a random subset of
		// l fields, in insertion order (selection sampling).
		need, left := l, size
		h.ForEach(func(f, v string) bool {
			if rand.Int64N(left) < need {
				add(f, v)
				need--
			}
			left--
			return need > 0
		})
	case l*3 > size:
		// Few to leave out: shuffle all and keep the first l.
		var fs, vs []string
		h.ForEach(func(f, v string) bool {
			fs, vs = append(fs, f), append(vs, v)
			return true
		})
		rand.Shuffle(len(fs), func(i, j int) {
			fs[i], fs[j] = fs[j], fs[i]
			vs[i], vs[j] = vs[j], vs[i]
		})
		for i := int64(0); i < l; i++ {
			add(fs[i], vs[i])
		}
	default:
		seen := make(map[string]struct{}, l)
		for int64(len(fields)) < l {
			f, v := h.Random()
			if _, dup := seen[f]; dup {
				continue
			}
			seen[f] = struct{}{}
			add(f, v)
		}
	}
	return fields, values
}

func execHScan(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	cursor, ok := parseScanCursor(args[2])
	if !ok {
		return errHashCursor
	}
	h, errReply := db.hashRead(args[1])
	if errReply != nil {
		return errReply
	}
	if h == nil {
		return hashEmptyScanReply
	}
	count := int64(10)
	var pattern []byte
	for i := 3; i < len(args); i += 2 {
		more := len(args) - i
		switch {
		case isOpt(args[i], "COUNT") && more >= 2:
			n, ok := utils.ParseInt(args[i+1])
			if !ok {
				return reply.NotInteger
			}
			if n < 1 {
				return reply.SyntaxErr
			}
			count = n
		case isOpt(args[i], "MATCH") && more >= 2:
			pattern = args[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			return reply.SyntaxErr
		}
	}
	out := reply.Strings{}
	next := h.Scan(cursor, int(min(count, math.MaxInt32/10)), func(f, v string) {
		if pattern == nil || wildcard.Match(pattern, []byte(f)) {
			out = append(out, f, v)
		}
	})
	return reply.Array{reply.BulkStr(strconv.FormatUint(next, 10)), out}
}
