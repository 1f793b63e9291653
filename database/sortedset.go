package database

import (
	"math"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"

	"goredis/config"
	"goredis/datastruct/sortedset"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/lib/wildcard"
	"goredis/resp/reply"
)

// The sorted set family (Redis's t_zset.c), blocking pops excepted.

func init() {
	register("zadd", execZAdd, -4, "write denyoom fast", 1, 1, 1)
	register("zincrby", execZIncrBy, 4, "write denyoom fast", 1, 1, 1)
	register("zrem", execZRem, -3, "write fast", 1, 1, 1)
	register("zcard", execZCard, 2, "readonly fast", 1, 1, 1)
	register("zscore", execZScore, 3, "readonly fast", 1, 1, 1)
	register("zmscore", execZMScore, -3, "readonly fast", 1, 1, 1)
	register("zrank", execZRank, 3, "readonly fast", 1, 1, 1)
	register("zrevrank", execZRank, 3, "readonly fast", 1, 1, 1)
	register("zcount", execZCount, 4, "readonly fast", 1, 1, 1)
	register("zlexcount", execZLexCount, 4, "readonly fast", 1, 1, 1)
	register("zrange", execZRange, -4, "readonly", 1, 1, 1)
	register("zrangestore", execZRangeStore, -5, "write denyoom", 1, 2, 1)
	register("zrevrange", execZRevRange, -4, "readonly", 1, 1, 1)
	register("zrangebyscore", execZRangeByScore, -4, "readonly", 1, 1, 1)
	register("zrevrangebyscore", execZRevRangeByScore, -4, "readonly", 1, 1, 1)
	register("zrangebylex", execZRangeByLex, -4, "readonly", 1, 1, 1)
	register("zrevrangebylex", execZRevRangeByLex, -4, "readonly", 1, 1, 1)
	register("zremrangebyrank", execZRemRangeByRank, 4, "write", 1, 1, 1)
	register("zremrangebyscore", execZRemRangeByScore, 4, "write", 1, 1, 1)
	register("zremrangebylex", execZRemRangeByLex, 4, "write", 1, 1, 1)
	register("zpopmin", execZPopMin, -2, "write fast", 1, 1, 1)
	register("zpopmax", execZPopMax, -2, "write fast", 1, 1, 1)
	register("zmpop", execZMPop, -4, "write movablekeys", 0, 0, 0).withKeys(zsetNumKeys(1, false))
	register("zrandmember", execZRandMember, -2, "readonly", 1, 1, 1)
	register("zunion", execZUnion, -3, "readonly movablekeys", 0, 0, 0).withKeys(zsetNumKeys(1, false))
	register("zinter", execZInter, -3, "readonly movablekeys", 0, 0, 0).withKeys(zsetNumKeys(1, false))
	register("zdiff", execZDiff, -3, "readonly movablekeys", 0, 0, 0).withKeys(zsetNumKeys(1, false))
	register("zintercard", execZInterCard, -3, "readonly movablekeys", 0, 0, 0).withKeys(zsetNumKeys(1, false))
	register("zunionstore", execZUnionStore, -4, "write denyoom movablekeys", 1, 1, 1).withKeys(zsetNumKeys(2, true))
	register("zinterstore", execZInterStore, -4, "write denyoom movablekeys", 1, 1, 1).withKeys(zsetNumKeys(2, true))
	register("zdiffstore", execZDiffStore, -4, "write denyoom movablekeys", 1, 1, 1).withKeys(zsetNumKeys(2, true))
	register("zscan", execZScan, -3, "readonly", 1, 1, 1)
	register("bzpopmin", execBZPopMin, -3, "write noscript blocking fast", 1, -2, 1).locksItself()
	register("bzpopmax", execBZPopMax, -3, "write noscript blocking fast", 1, -2, 1).locksItself()
	register("bzmpop", execBZMPop, -5, "write blocking movablekeys", 0, 0, 0).withKeys(zsetNumKeys(2, false)).locksItself()
}

// zsetNumKeys extracts the keys of a command whose numkeys argument is at
// index idx, followed by that many keys (and, with dst, args[1] first).
// An invalid numkeys yields the keys that are there; the command then
// refuses to run before touching any key.
func zsetNumKeys(idx int, dst bool) KeysFunc {
	return func(args [][]byte) [][]byte {
		var out [][]byte
		if dst && len(args) > 1 {
			out = append(out, args[1])
		}
		if idx >= len(args) {
			return out
		}
		n, ok := utils.ParseInt(args[idx])
		if !ok || n < 1 {
			return out
		}
		end := len(args)
		if n < int64(end-idx-1) {
			end = idx + 1 + int(n)
		}
		return append(out, args[idx+1:end]...)
	}
}

// ---- encoding thresholds ----

type zsetLimitCache struct {
	cfg            *config.Config
	entries, value int64
}

var zsetLimitsCached atomic.Pointer[zsetLimitCache]

// zsetLimits returns zset-max-listpack-entries and -value.
func zsetLimits() (int64, int64) {
	cfg := config.Get()
	if c := zsetLimitsCached.Load(); c != nil && c.cfg == cfg {
		return c.entries, c.value
	}
	c := &zsetLimitCache{cfg: cfg, entries: 128, value: 64}
	if cfg != nil {
		if s, ok := cfg.Param("zset-max-listpack-entries"); ok {
			c.entries, _ = strconv.ParseInt(s, 10, 64)
		}
		if s, ok := cfg.Param("zset-max-listpack-value"); ok {
			c.value, _ = strconv.ParseInt(s, 10, 64)
		}
	}
	zsetLimitsCached.Store(c)
	return c.entries, c.value
}

// zsetAdd stores a member z does not hold, converting a compact set to
// the skiplist first when the member would exceed its limits, as Redis's
// zsetAdd does.
func zsetAdd(z *sortedset.SortedSet, member string, score float64) {
	if z.IsListpack() {
		entries, value := zsetLimits()
		if int64(z.Len())+1 > entries || int64(len(member)) > value {
			z.ToSkiplist()
		}
	}
	z.Insert(member, score)
}

// zsetNew creates the set ZADD creates for its first member.
func zsetNew(firstMember []byte) *sortedset.SortedSet {
	entries, value := zsetLimits()
	if entries == 0 || value < int64(len(firstMember)) {
		return sortedset.NewSkiplist()
	}
	return sortedset.New()
}

// zsetShrink converts a freshly built result to the compact encoding when
// it fits (Redis's zsetConvertToListpackIfNeeded).
func zsetShrink(z *sortedset.SortedSet, maxLen int) {
	entries, value := zsetLimits()
	if int64(z.Len()) <= entries && int64(maxLen) <= value {
		z.ToListpack()
	}
}

// ---- lookups ----

// zsetRead returns the sorted set at key for a read command: nil, nil
// when missing; nil, WrongType for another kind.
func (db *DB) zsetRead(key []byte) (*sortedset.SortedSet, resp.Reply) {
	return lookupKind[*sortedset.SortedSet](db, key, KindZSet, true)
}

// zsetWrite is zsetRead for a write command (no hit/miss count).
func (db *DB) zsetWrite(key []byte) (*sortedset.SortedSet, resp.Reply) {
	return lookupKind[*sortedset.SortedSet](db, key, KindZSet, false)
}

// zsetWritten publishes a removal's event for key, then deletes the key
// (publishing del) when its set has no member left.
func (db *DB) zsetWritten(key []byte, z *sortedset.SortedSet, event string) {
	db.notify(config.NotifyZset, event, key)
	if z.Len() == 0 {
		db.del(key)
	}
}

// zsetStore replaces dst with z (a non-empty result), publishing event,
// or deletes dst when z is empty; it returns the reply (the result's
// size) and propagates.
func (db *DB) zsetStore(dst []byte, z *sortedset.SortedSet, args [][]byte, event string) resp.Reply {
	if z.Len() == 0 {
		if db.del(dst) {
			db.signalModified(dst)
			db.propagate(args)
		}
		return reply.Int(0)
	}
	db.put(dst, newObj(KindZSet, z), false)
	db.signalModified(dst)
	db.notify(config.NotifyZset, event, dst)
	db.signalKeyReady(dst)
	db.propagate(args)
	return reply.Int(z.Len())
}

// ---- argument parsing ----

var (
	errZsetNotFloat = reply.Err("min or max is not a float")
	errZsetLexRange = reply.Err("min or max not valid string range item")
	errZsetNaN      = reply.Err("resulting score is not a number (NaN)")
)

// zsetParseBound reads one end of a score range as Redis's zslParseRange
// does: strtod over the rest of the argument after an optional '(' (so
// leading spaces, overflow to inf and "" as 0 are accepted), NaN refused.
func zsetParseBound(b []byte) (float64, bool, bool) {
	ex := false
	if len(b) > 0 && b[0] == '(' {
		ex = true
		b = b[1:]
	}
	if f, ok := utils.ParseFloat(b); ok {
		return f, ex, true
	}
	s := string(b)
	t := strings.TrimLeft(s, " \t\n\v\f\r")
	if s == "" {
		return 0, ex, true
	}
	if t == "" || strings.ContainsAny(t, "_ \t\n\v\f\r") {
		return 0, false, false
	}
	f, err := strconv.ParseFloat(t, 64)
	if err != nil {
		ne, ok := err.(*strconv.NumError)
		if !ok || ne.Err != strconv.ErrRange {
			if f, ok := utils.ParseFloat([]byte(t)); ok {
				return f, ex, true
			}
			return 0, false, false
		}
	}
	if math.IsNaN(f) {
		return 0, false, false
	}
	return f, ex, true
}

func zsetParseScoreRange(min, max []byte) (sortedset.ScoreRange, bool) {
	var r sortedset.ScoreRange
	var ok bool
	if r.Min, r.MinEx, ok = zsetParseBound(min); !ok {
		return r, false
	}
	if r.Max, r.MaxEx, ok = zsetParseBound(max); !ok {
		return r, false
	}
	return r, true
}

func zsetParseLexBound(b []byte) (sortedset.LexBound, bool) {
	if len(b) == 0 {
		return sortedset.LexBound{}, false
	}
	switch b[0] {
	case '+', '-':
		// Redis tests the next C character, so a NUL ends the item.
		if len(b) > 1 && b[1] != 0 {
			return sortedset.LexBound{}, false
		}
		if b[0] == '+' {
			return sortedset.LexBound{Inf: 1}, true
		}
		return sortedset.LexBound{Inf: -1}, true
	case '(':
		return sortedset.LexBound{S: string(b[1:]), Ex: true}, true
	case '[':
		return sortedset.LexBound{S: string(b[1:])}, true
	}
	return sortedset.LexBound{}, false
}

func zsetParseLexRange(min, max []byte) (sortedset.LexRange, bool) {
	var r sortedset.LexRange
	var ok bool
	if r.Min, ok = zsetParseLexBound(min); !ok {
		return r, false
	}
	if r.Max, ok = zsetParseLexBound(max); !ok {
		return r, false
	}
	return r, true
}

// ---- ZADD ZINCRBY ----

const (
	zaddNX = 1 << iota
	zaddXX
	zaddGT
	zaddLT
	zaddCH
	zaddIncr
)

func execZAdd(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zaddGeneric(db, args, 0)
}

func execZIncrBy(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zaddGeneric(db, args, zaddIncr)
}

func zaddGeneric(db *DB, args [][]byte, flags int) resp.Reply {
	i := 2
	for ; i < len(args); i++ {
		switch {
		case isOpt(args[i], "NX"):
			flags |= zaddNX
		case isOpt(args[i], "XX"):
			flags |= zaddXX
		case isOpt(args[i], "GT"):
			flags |= zaddGT
		case isOpt(args[i], "LT"):
			flags |= zaddLT
		case isOpt(args[i], "CH"):
			flags |= zaddCH
		case isOpt(args[i], "INCR"):
			flags |= zaddIncr
		default:
			goto done
		}
	}
done:
	elems := len(args) - i
	if elems == 0 || elems%2 != 0 {
		return reply.SyntaxErr
	}
	elems /= 2
	has := func(f int) bool { return flags&f != 0 }
	if has(zaddNX) && has(zaddXX) {
		return reply.Err("XX and NX options at the same time are not compatible")
	}
	if (has(zaddGT) && has(zaddNX)) || (has(zaddLT) && has(zaddNX)) || (has(zaddGT) && has(zaddLT)) {
		return reply.Err("GT, LT, and/or NX options at the same time are not compatible")
	}
	if has(zaddIncr) && elems > 1 {
		return reply.Err("INCR option supports a single increment-element pair")
	}
	scores := make([]float64, elems)
	for j := range scores {
		f, ok := utils.ParseFloat(args[i+2*j])
		if !ok {
			return reply.NotFloat
		}
		scores[j] = f
	}
	key := args[1]
	z, errR := db.zsetWrite(key)
	if errR != nil {
		return errR
	}
	added, updated, processed := 0, 0, 0
	var last float64
	if z == nil {
		if has(zaddXX) {
			goto reply
		}
		z = zsetNew(args[i+1])
		db.put(key, newObj(KindZSet, z), false)
	}
	for j, score := range scores {
		member := args[i+2*j+1]
		ref, cur, exists := z.Find(string(member))
		if exists {
			if has(zaddNX) {
				continue
			}
			if has(zaddIncr) {
				score += cur
				if math.IsNaN(score) {
					if added+updated > 0 {
						db.signalModified(key)
						db.notify(config.NotifyZset, zaddEvent(flags), key)
						db.propagate(args)
					}
					return errZsetNaN
				}
			}
			if (has(zaddLT) && score >= cur) || (has(zaddGT) && score <= cur) {
				continue
			}
			last = score
			processed++
			if score != cur {
				z.Update(ref, score)
				updated++
			}
		} else if !has(zaddXX) {
			zsetAdd(z, string(member), score)
			last = score
			added++
			processed++
		}
	}
	if z.Len() == 0 {
		// Only possible for a key created here with nothing added (XX
		// handled above): drop it again.
		db.remove(key)
	}
	if added+updated > 0 {
		db.signalModified(key)
		db.notify(config.NotifyZset, zaddEvent(flags), key)
		db.propagate(args)
	}
	if added > 0 {
		db.signalKeyReady(key)
	}
reply:
	if has(zaddIncr) {
		if processed > 0 {
			return reply.Double(last)
		}
		return reply.Null
	}
	if has(zaddCH) {
		return reply.Int(added + updated)
	}
	return reply.Int(added)
}

// zaddEvent is the event of ZADD, or of ZADD INCR and ZINCRBY.
func zaddEvent(flags int) string {
	if flags&zaddIncr != 0 {
		return "zincr"
	}
	return "zadd"
}

// ---- ZREM ZCARD ZSCORE ZMSCORE ZRANK ZREVRANK ZCOUNT ZLEXCOUNT ----

func execZRem(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key := args[1]
	z, errR := db.zsetWrite(key)
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Int(0)
	}
	n := 0
	for _, m := range args[2:] {
		if z.Remove(string(m)) {
			n++
			if z.Len() == 0 {
				break
			}
		}
	}
	if n > 0 {
		db.zsetWritten(key, z, "zrem")
		db.signalModified(key)
		db.propagate(args)
	}
	return reply.Int(n)
}

func execZCard(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Int(0)
	}
	return reply.Int(z.Len())
}

func execZScore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Null
	}
	if s, ok := z.Score(string(args[2])); ok {
		return reply.Double(s)
	}
	return reply.Null
}

func execZMScore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	out := make(reply.Array, 0, len(args)-2)
	for _, m := range args[2:] {
		if z != nil {
			if s, ok := z.Score(string(m)); ok {
				out = append(out, reply.Double(s))
				continue
			}
		}
		out = append(out, reply.Null)
	}
	return out
}

func execZRank(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Null
	}
	r, ok := z.Rank(string(args[2]))
	if !ok {
		return reply.Null
	}
	if isOpt(args[0], "ZREVRANK") {
		r = z.Len() - 1 - r
	}
	return reply.Int(r)
}

func execZCount(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	r, ok := zsetParseScoreRange(args[2], args[3])
	if !ok {
		return errZsetNotFloat
	}
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Int(0)
	}
	first, last := z.ScoreRanks(r)
	return reply.Int(max(0, last-first+1))
}

func execZLexCount(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	r, ok := zsetParseLexRange(args[2], args[3])
	if !ok {
		return errZsetLexRange
	}
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Int(0)
	}
	first, last := z.LexRanks(r)
	return reply.Int(max(0, last-first+1))
}

// ---- the ZRANGE family ----

type zrangeKind int

const (
	zrangeAuto zrangeKind = iota
	zrangeRank
	zrangeScore
	zrangeLex
)

type zrangeDir int

const (
	zdirAuto zrangeDir = iota
	zdirForward
	zdirReverse
)

func execZRange(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zrangeGeneric(db, c, args, 1, false, zrangeAuto, zdirAuto)
}

func execZRangeStore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zrangeGeneric(db, c, args, 2, true, zrangeAuto, zdirAuto)
}

func execZRevRange(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zrangeGeneric(db, c, args, 1, false, zrangeRank, zdirReverse)
}

func execZRangeByScore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zrangeGeneric(db, c, args, 1, false, zrangeScore, zdirForward)
}

func execZRevRangeByScore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zrangeGeneric(db, c, args, 1, false, zrangeScore, zdirReverse)
}

func execZRangeByLex(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zrangeGeneric(db, c, args, 1, false, zrangeLex, zdirForward)
}

func execZRevRangeByLex(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zrangeGeneric(db, c, args, 1, false, zrangeLex, zdirReverse)
}

// zsetElems builds the reply for elements: members only, or with scores
// (flat in RESP2, [member, score] pairs in RESP3).
func zsetElems(els []sortedset.Element, withScores bool, resp3 bool) resp.Reply {
	if !withScores {
		out := make(reply.Array, len(els))
		for i, e := range els {
			out[i] = reply.BulkStr(e.Member)
		}
		return out
	}
	if resp3 {
		out := make(reply.Array, len(els))
		for i, e := range els {
			out[i] = reply.Array{reply.BulkStr(e.Member), reply.Double(e.Score)}
		}
		return out
	}
	out := make(reply.Array, 0, 2*len(els))
	for _, e := range els {
		out = append(out, reply.BulkStr(e.Member), reply.Double(e.Score))
	}
	return out
}

func zrangeGeneric(db *DB, c resp.Connection, args [][]byte, start int, store bool, kind zrangeKind, dir zrangeDir) resp.Reply {
	key := args[start]
	minIdx, maxIdx := start+1, start+2
	withScores := false
	var offset, limit int64 = 0, -1
	for j := start + 3; j < len(args); j++ {
		left := len(args) - j - 1
		switch {
		case !store && isOpt(args[j], "WITHSCORES"):
			withScores = true
		case isOpt(args[j], "LIMIT") && left >= 2:
			var ok bool
			if offset, ok = utils.ParseInt(args[j+1]); !ok {
				return reply.NotInteger
			}
			if limit, ok = utils.ParseInt(args[j+2]); !ok {
				return reply.NotInteger
			}
			j += 2
		case dir == zdirAuto && isOpt(args[j], "REV"):
			dir = zdirReverse
		case kind == zrangeAuto && isOpt(args[j], "BYLEX"):
			kind = zrangeLex
		case kind == zrangeAuto && isOpt(args[j], "BYSCORE"):
			kind = zrangeScore
		default:
			return reply.SyntaxErr
		}
	}
	if dir == zdirAuto {
		dir = zdirForward
	}
	if kind == zrangeAuto {
		kind = zrangeRank
	}
	if limit != -1 && kind == zrangeRank {
		return reply.Err("syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX")
	}
	if withScores && kind == zrangeLex {
		return reply.Err("syntax error, WITHSCORES not supported in combination with BYLEX")
	}
	rev := dir == zdirReverse
	if rev && kind != zrangeRank {
		minIdx, maxIdx = maxIdx, minIdx
	}
	var rstart, rend int64
	var sr sortedset.ScoreRange
	var lr sortedset.LexRange
	switch kind {
	case zrangeRank:
		var ok bool
		if rstart, ok = utils.ParseInt(args[minIdx]); !ok {
			return reply.NotInteger
		}
		if rend, ok = utils.ParseInt(args[maxIdx]); !ok {
			return reply.NotInteger
		}
	case zrangeScore:
		var ok bool
		if sr, ok = zsetParseScoreRange(args[minIdx], args[maxIdx]); !ok {
			return errZsetNotFloat
		}
	case zrangeLex:
		var ok bool
		if lr, ok = zsetParseLexRange(args[minIdx], args[maxIdx]); !ok {
			return errZsetLexRange
		}
	}
	z, errR := db.zsetRead(key)
	if errR != nil {
		return errR
	}
	var els []sortedset.Element
	if z != nil {
		switch kind {
		case zrangeRank:
			els = zsetRankRange(z, rstart, rend, rev)
		case zrangeScore:
			first, last := z.ScoreRanks(sr)
			els = zsetSlice(z, first, last, offset, limit, rev)
		case zrangeLex:
			first, last := z.LexRanks(lr)
			if rev {
				first, last = z.LexRanksRev(lr)
			}
			els = zsetSlice(z, first, last, offset, limit, rev)
		}
	}
	if !store {
		return zsetElems(els, withScores, c.Protocol() == 3)
	}
	// Redis creates the destination from the length it knows (rank
	// ranges only), then converts as members are added.
	dst := sortedset.New()
	if entries, _ := zsetLimits(); kind == zrangeRank && int64(len(els)) > entries {
		dst = sortedset.NewSkiplist()
	}
	for _, e := range els {
		zsetAdd(dst, e.Member, e.Score)
	}
	return db.zsetStore(args[1], dst, args, "zrangestore")
}

// zsetRankRange is the elements at ranks start..end (Redis's index rules,
// counted from the top when rev).
func zsetRankRange(z *sortedset.SortedSet, rstart, rend int64, rev bool) []sortedset.Element {
	lo, hi, ok := clampRange(rstart, rend, z.Len())
	if !ok {
		return nil
	}
	n, start, end := int64(z.Len()), int64(lo), int64(hi)
	out := make([]sortedset.Element, 0, end-start+1)
	from := int(start)
	if rev {
		from = int(n - 1 - start)
	}
	z.Walk(from, rev, func(e sortedset.Element) bool {
		out = append(out, e)
		return int64(len(out)) < end-start+1
	})
	return out
}

// zsetSlice is the elements at ranks first..last, walked from last down
// when rev, after skipping offset and at most limit of them (a negative
// limit: all; a negative offset: none, as Redis's loops behave).
func zsetSlice(z *sortedset.SortedSet, first, last int, offset, limit int64, rev bool) []sortedset.Element {
	if last < first || offset < 0 || offset >= int64(last-first+1) || limit == 0 {
		return nil
	}
	count := int64(last-first+1) - offset
	if limit > 0 && limit < count {
		count = limit
	}
	from := first + int(offset)
	if rev {
		from = last - int(offset)
	}
	out := make([]sortedset.Element, 0, min(count, 1024))
	z.Walk(from, rev, func(e sortedset.Element) bool {
		out = append(out, e)
		return int64(len(out)) < count
	})
	return out
}

// ---- ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREMRANGEBYLEX ----

func zremRange(db *DB, args [][]byte, event string, ranks func(z *sortedset.SortedSet) (int, int)) resp.Reply {
	key := args[1]
	z, errR := db.zsetWrite(key)
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Int(0)
	}
	first, last := ranks(z)
	if last < first {
		return reply.Int(0)
	}
	n := z.RemoveRanks(first, last)
	if n > 0 {
		db.zsetWritten(key, z, event)
		db.signalModified(key)
		db.propagate(args)
	}
	return reply.Int(n)
}

func execZRemRangeByRank(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	start, ok1 := utils.ParseInt(args[2])
	end, ok2 := utils.ParseInt(args[3])
	if !ok1 || !ok2 {
		return reply.NotInteger
	}
	return zremRange(db, args, "zremrangebyrank", func(z *sortedset.SortedSet) (int, int) {
		n := int64(z.Len())
		s, e := start, end
		if s < 0 {
			s += n
		}
		if e < 0 {
			e += n
		}
		if s < 0 {
			s = 0
		}
		if s > e || s >= n {
			return 0, -1
		}
		if e >= n {
			e = n - 1
		}
		return int(s), int(e)
	})
}

func execZRemRangeByScore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	r, ok := zsetParseScoreRange(args[2], args[3])
	if !ok {
		return errZsetNotFloat
	}
	return zremRange(db, args, "zremrangebyscore", func(z *sortedset.SortedSet) (int, int) { return z.ScoreRanks(r) })
}

func execZRemRangeByLex(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	r, ok := zsetParseLexRange(args[2], args[3])
	if !ok {
		return errZsetLexRange
	}
	return zremRange(db, args, "zremrangebylex", func(z *sortedset.SortedSet) (int, int) { return z.LexRanks(r) })
}

// ---- ZPOPMIN ZPOPMAX ZMPOP ----

// zsetPop removes up to count elements from the low (or high, max) end.
func zsetPop(z *sortedset.SortedSet, count int64, max bool) []sortedset.Element {
	n := int64(z.Len())
	if count > n {
		count = n
	}
	out := make([]sortedset.Element, 0, count)
	from := 0
	if max {
		from = int(n - 1)
	}
	z.Walk(from, max, func(e sortedset.Element) bool {
		out = append(out, e)
		return int64(len(out)) < count
	})
	if max {
		z.RemoveRanks(int(n-count), int(n-1))
	} else {
		z.RemoveRanks(0, int(count-1))
	}
	return out
}

func execZPopMin(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zpopMinMax(db, c, args, false)
}

func execZPopMax(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zpopMinMax(db, c, args, true)
}

func zpopMinMax(db *DB, c resp.Connection, args [][]byte, max bool) resp.Reply {
	if len(args) > 3 {
		return reply.SyntaxErr
	}
	count := int64(-1)
	if len(args) == 3 {
		n, ok := utils.ParseInt(args[2])
		if !ok || n < 0 {
			return reply.NotAllowedNeg
		}
		count = n
	}
	key := args[1]
	z, errR := db.zsetWrite(key)
	if errR != nil {
		return errR
	}
	if z == nil || count == 0 {
		return reply.Array{}
	}
	nested := c.Protocol() == 3 && count != -1
	if count == -1 {
		count = 1
	}
	els := zsetPop(z, count, max)
	db.zsetWritten(key, z, zsetPopEvent(max))
	db.signalModified(key)
	db.propagate(args)
	if nested {
		return zsetElems(els, true, true)
	}
	return zsetElems(els, true, false)
}

func execZMPop(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	keys, max, count, errR := zsetMPopArgs(args, 1)
	if errR != nil {
		return errR
	}
	if r := zsetMPopFrom(db, keys, max, count, true, nil); r != nil {
		return r
	}
	return reply.NullArray
}

// zsetPopEvent is the event of a pop from the low or high (max) end.
func zsetPopEvent(max bool) string {
	if max {
		return "zpopmax"
	}
	return "zpopmin"
}

// zsetPopWord is the command a pop is propagated as.
func zsetPopWord(max bool) []byte {
	if max {
		return []byte("ZPOPMAX")
	}
	return []byte("ZPOPMIN")
}

// zsetMPopArgs parses ZMPOP's arguments from numkeys at args[idx].
func zsetMPopArgs(args [][]byte, idx int) (keys [][]byte, max bool, count int64, errR resp.Reply) {
	numkeys, ok := utils.ParseInt(args[idx])
	if !ok || numkeys < 1 {
		return nil, false, 0, reply.Err("numkeys should be greater than 0")
	}
	if numkeys >= int64(len(args)) {
		return nil, false, 0, reply.SyntaxErr
	}
	whereIdx := int64(idx) + numkeys + 1
	if whereIdx >= int64(len(args)) {
		return nil, false, 0, reply.SyntaxErr
	}
	switch {
	case isOpt(args[whereIdx], "MIN"):
	case isOpt(args[whereIdx], "MAX"):
		max = true
	default:
		return nil, false, 0, reply.SyntaxErr
	}
	count = -1
	for j := whereIdx + 1; j < int64(len(args)); j++ {
		more := int64(len(args)) - 1 - j
		if count == -1 && isOpt(args[j], "COUNT") && more > 0 {
			j++
			n, ok := utils.ParseInt(args[j])
			if !ok || n < 1 {
				return nil, false, 0, reply.Err("count should be greater than 0")
			}
			count = n
		} else {
			return nil, false, 0, reply.SyntaxErr
		}
	}
	if count == -1 {
		count = 1
	}
	return args[idx+1 : whereIdx], max, count, nil
}

// zsetMPopFrom pops from the first non-empty key (for which eligible
// holds, when set), answering ZMPOP's reply; nil when none can serve.
func zsetMPopFrom(db *DB, keys [][]byte, max bool, count int64, first bool, eligible func([]byte) bool) resp.Reply {
	for _, key := range keys {
		if eligible != nil && !eligible(key) {
			continue
		}
		z, errR := db.zsetWrite(key)
		if errR != nil {
			if first {
				return errR
			}
			continue
		}
		if z == nil {
			continue
		}
		els := zsetPop(z, count, max)
		db.zsetWritten(key, z, zsetPopEvent(max))
		db.signalModified(key)
		db.propagate([][]byte{zsetPopWord(max), []byte(string(key)), strconv.AppendInt(nil, count, 10)})
		return reply.Array{reply.BulkStr(string(key)), zsetElems(els, true, true)}
	}
	return nil
}

// ---- ZRANDMEMBER ----

func execZRandMember(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) == 2 {
		z, errR := db.zsetRead(args[1])
		if errR != nil {
			return errR
		}
		if z == nil {
			return reply.Null
		}
		return reply.BulkStr(z.At(rand.IntN(z.Len())).Member)
	}
	l, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	if l == math.MinInt64 {
		return reply.Err("value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	}
	withScores := false
	if len(args) > 4 || (len(args) == 4 && !isOpt(args[3], "WITHSCORES")) {
		return reply.SyntaxErr
	} else if len(args) == 4 {
		withScores = true
		if l < -math.MaxInt64/2 || l > math.MaxInt64/2 {
			return reply.Err("value is out of range")
		}
	}
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	if z == nil || l == 0 {
		return reply.Array{}
	}
	if l < 0 && -l > randMaxRepeats {
		return reply.Err("value is out of range")
	}
	resp3 := c.Protocol() == 3
	size := z.Len()
	if l < 0 || l == 1 {
		// Repetitions allowed.
		count := l
		if count < 0 {
			count = -count
		}
		els := make([]sortedset.Element, 0, min(count, 1<<16))
		for i := int64(0); i < count; i++ {
			els = append(els, z.At(rand.IntN(size)))
		}
		return zsetElems(els, withScores, resp3)
	}
	if l >= int64(size) {
		// The whole set, highest first, as Redis's iterator yields it.
		els := make([]sortedset.Element, 0, size)
		z.Walk(size-1, true, func(e sortedset.Element) bool {
			els = append(els, e)
			return true
		})
		return zsetElems(els, withScores, resp3)
	}
	// Distinct members: pick distinct ranks.
	picked := make(map[int]struct{}, l)
	els := make([]sortedset.Element, 0, l)
	for int64(len(els)) < l {
		r := rand.IntN(size)
		if _, dup := picked[r]; dup {
			continue
		}
		picked[r] = struct{}{}
		els = append(els, z.At(r))
	}
	return zsetElems(els, withScores, resp3)
}

// ---- ZUNION ZINTER ZDIFF (STORE) ZINTERCARD ----

const (
	zsetOpUnion = iota
	zsetOpInter
	zsetOpDiff
)

// zsetStoreEvents are the events of ZUNIONSTORE, ZINTERSTORE and
// ZDIFFSTORE, by operation.
var zsetStoreEvents = [...]string{
	zsetOpUnion: "zunionstore",
	zsetOpInter: "zinterstore",
	zsetOpDiff:  "zdiffstore",
}

const (
	zaggSum = iota
	zaggMin
	zaggMax
)

// zsetSource is one input of a set operation: a sorted set, a plain set
// (every member scoring 1) or a missing key (empty).
type zsetSource struct {
	z       *sortedset.SortedSet
	members []string // a plain set's members
	isSet   bool
	// contains tests a plain set's membership when its structure can.
	contains func(string) bool
	weight   float64
	id       any // the input object, to spot a key given twice
}

func (s *zsetSource) len() int {
	if s.z != nil {
		return s.z.Len()
	}
	return len(s.members)
}

func (s *zsetSource) each(fn func(member string, score float64)) {
	if s.z != nil {
		s.z.Walk(0, false, func(e sortedset.Element) bool {
			fn(e.Member, e.Score)
			return true
		})
		return
	}
	for _, m := range s.members {
		fn(m, 1)
	}
}

func (s *zsetSource) find(member string) (float64, bool) {
	if s.z != nil {
		return s.z.Score(member)
	}
	if s.contains != nil {
		return 1, s.contains(member)
	}
	if s.isSet {
		if i := sort.SearchStrings(s.members, member); i < len(s.members) && s.members[i] == member {
			return 1, true
		}
	}
	return 0, false
}

// zsetSetMembers reads a plain set's members through the interfaces a
// set structure may offer, sorted.
func zsetSetMembers(obj any) ([]string, bool) {
	var out []string
	switch s := obj.(type) {
	case interface{ Members() []string }:
		out = s.Members()
	case interface{ ForEach(func(string) bool) }:
		s.ForEach(func(m string) bool {
			out = append(out, m)
			return true
		})
	default:
		return nil, false
	}
	out = append([]string(nil), out...)
	sort.Strings(out)
	return out, true
}

func zsetAggregate(target *float64, val float64, agg int) {
	switch agg {
	case zaggSum:
		*target += val
		if math.IsNaN(*target) {
			*target = 0
		}
	case zaggMin:
		if val < *target {
			*target = val
		}
	case zaggMax:
		if val > *target {
			*target = val
		}
	}
}

func execZUnion(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetOpGeneric(db, c, args, nil, 1, zsetOpUnion, false)
}

func execZInter(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetOpGeneric(db, c, args, nil, 1, zsetOpInter, false)
}

func execZDiff(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetOpGeneric(db, c, args, nil, 1, zsetOpDiff, false)
}

func execZInterCard(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetOpGeneric(db, c, args, nil, 1, zsetOpInter, true)
}

func execZUnionStore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetOpGeneric(db, c, args, args[1], 2, zsetOpUnion, false)
}

func execZInterStore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetOpGeneric(db, c, args, args[1], 2, zsetOpInter, false)
}

func execZDiffStore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetOpGeneric(db, c, args, args[1], 2, zsetOpDiff, false)
}

func zsetOpGeneric(db *DB, c resp.Connection, args [][]byte, dst []byte, numIdx int, op int, cardOnly bool) resp.Reply {
	setnum, ok := utils.ParseInt(args[numIdx])
	if !ok {
		return reply.NotInteger
	}
	if setnum < 1 {
		return reply.Err("at least 1 input key is needed for '" + strings.ToLower(string(args[0])) + "' command")
	}
	if setnum > int64(len(args)-(numIdx+1)) {
		return reply.SyntaxErr
	}
	src := make([]zsetSource, setnum)
	j := numIdx + 1
	for i := range src {
		src[i].weight = 1
		e := db.lookupRead(args[j])
		j++
		if e == nil {
			continue
		}
		switch e.Kind {
		case KindZSet:
			src[i].z = e.Obj().(*sortedset.SortedSet)
			src[i].id = e.Obj()
		case KindSet:
			m, ok := zsetSetMembers(e.Obj())
			if !ok {
				return reply.WrongType
			}
			src[i].members, src[i].isSet, src[i].id = m, true, e
			if cs, ok := e.Obj().(interface{ Contains(string) bool }); ok {
				src[i].contains = cs.Contains
			}
		default:
			return reply.WrongType
		}
	}
	agg := zaggSum
	withScores := false
	var limit int64
	for j < len(args) {
		remaining := len(args) - j
		switch {
		case op != zsetOpDiff && !cardOnly && remaining >= int(setnum)+1 && isOpt(args[j], "WEIGHTS"):
			j++
			for i := range src {
				w, ok := utils.ParseFloat(args[j])
				if !ok {
					return reply.Err("weight value is not a float")
				}
				src[i].weight = w
				j++
			}
		case op != zsetOpDiff && !cardOnly && remaining >= 2 && isOpt(args[j], "AGGREGATE"):
			switch {
			case isOpt(args[j+1], "SUM"):
				agg = zaggSum
			case isOpt(args[j+1], "MIN"):
				agg = zaggMin
			case isOpt(args[j+1], "MAX"):
				agg = zaggMax
			default:
				return reply.SyntaxErr
			}
			j += 2
		case dst == nil && !cardOnly && isOpt(args[j], "WITHSCORES"):
			withScores = true
			j++
		case cardOnly && remaining >= 2 && isOpt(args[j], "LIMIT"):
			n, ok := utils.ParseInt(args[j+1])
			if !ok || n < 0 {
				return reply.Err("LIMIT can't be negative")
			}
			limit = n
			j += 2
		default:
			return reply.SyntaxErr
		}
	}
	if op != zsetOpDiff {
		sort.SliceStable(src, func(a, b int) bool { return src[a].len() < src[b].len() })
	}
	result := sortedset.NewSkiplist()
	maxLen := 0
	add := func(m string, s float64) {
		result.Set(m, s)
		maxLen = max(maxLen, len(m))
	}
	switch op {
	case zsetOpInter:
		card := int64(0)
		if src[0].len() > 0 {
			stop := false
			src[0].each(func(m string, s float64) {
				if stop {
					return
				}
				score := src[0].weight * s
				if math.IsNaN(score) {
					score = 0
				}
				k := 1
				for ; k < len(src); k++ {
					var v float64
					if src[k].id == src[0].id {
						v = s * src[k].weight
					} else if fs, ok := src[k].find(m); ok {
						v = fs * src[k].weight
					} else {
						break
					}
					zsetAggregate(&score, v, agg)
				}
				if k < len(src) {
					return
				}
				if cardOnly {
					card++
					if limit > 0 && card >= limit {
						stop = true
					}
					return
				}
				add(m, score)
			})
		}
		if cardOnly {
			return reply.Int(card)
		}
	case zsetOpUnion:
		acc := make(map[string]float64)
		var order []string
		for i := range src {
			w := src[i].weight
			src[i].each(func(m string, s float64) {
				score := w * s
				if math.IsNaN(score) {
					score = 0
				}
				if cur, ok := acc[m]; ok {
					zsetAggregate(&cur, score, agg)
					acc[m] = cur
				} else {
					acc[m] = score
					order = append(order, m)
				}
			})
		}
		for _, m := range order {
			add(m, acc[m])
		}
	case zsetOpDiff:
		src[0].each(func(m string, s float64) {
			for k := 1; k < len(src); k++ {
				if src[k].id != nil && src[k].id == src[0].id {
					return
				}
				if _, ok := src[k].find(m); ok {
					return
				}
			}
			add(m, s)
		})
	}
	if dst != nil {
		if result.Len() > 0 {
			zsetShrink(result, maxLen)
		}
		return db.zsetStore(dst, result, args, zsetStoreEvents[op])
	}
	els := make([]sortedset.Element, 0, result.Len())
	result.Walk(0, false, func(e sortedset.Element) bool {
		els = append(els, e)
		return true
	})
	return zsetElems(els, withScores, c.Protocol() == 3)
}

// ---- ZSCAN ----

func execZScan(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	cursor, ok := parseScanCursor(args[2])
	if !ok {
		return reply.Err("invalid cursor")
	}
	z, errR := db.zsetRead(args[1])
	if errR != nil {
		return errR
	}
	if z == nil {
		return reply.Array{reply.BulkStr("0"), reply.Array{}}
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
	var out reply.Array
	var buf []byte
	next := z.Scan(cursor, int(min(count, math.MaxInt32)), func(e sortedset.Element) {
		if pattern != nil && !wildcard.Match(pattern, []byte(e.Member)) {
			return
		}
		buf = reply.AppendFloat17(buf[:0], e.Score)
		out = append(out, reply.BulkStr(e.Member), reply.BulkStr(string(buf)))
	})
	if out == nil {
		out = reply.Array{}
	}
	return reply.Array{reply.BulkStr(strconv.FormatUint(next, 10)), out}
}

// ---- BZPOPMIN BZPOPMAX BZMPOP (waiting in blocking.go's queues) ----

func execBZPopMin(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetBPop(db, c, args, false)
}

func execBZPopMax(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return zsetBPop(db, c, args, true)
}

func zsetBPop(db *DB, c resp.Connection, args [][]byte, max bool) resp.Reply {
	timeout, errR := blockTimeout(args[len(args)-1])
	if errR != nil {
		return errR
	}
	keys := copyArgs(args[1 : len(args)-1])
	return db.srv.block(db, c, keys, keys, timeout, reply.NullArray, func(first bool, eligible func([]byte) bool) resp.Reply {
		for _, k := range keys {
			if eligible != nil && !eligible(k) {
				continue
			}
			z, errR := db.zsetWrite(k)
			if errR != nil {
				if first {
					return errR
				}
				continue
			}
			if z == nil {
				continue
			}
			e := zsetPop(z, 1, max)[0]
			db.zsetWritten(k, z, zsetPopEvent(max))
			db.signalModified(k)
			db.propagate([][]byte{zsetPopWord(max), k})
			return reply.Array{reply.BulkStr(string(k)), reply.BulkStr(e.Member), reply.Double(e.Score)}
		}
		return nil
	})
}

func execBZMPop(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	keys, max, count, errR := zsetMPopArgs(args, 2)
	if errR != nil {
		return errR
	}
	timeout, errR := blockTimeout(args[1])
	if errR != nil {
		return errR
	}
	keys = copyArgs(keys)
	return db.srv.block(db, c, keys, keys, timeout, reply.NullArray, func(first bool, eligible func([]byte) bool) resp.Reply {
		return zsetMPopFrom(db, keys, max, count, first, eligible)
	})
}
