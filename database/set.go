package database

import (
	"bytes"
	"math"
	"math/rand/v2"
	"strconv"
	"sync/atomic"

	"goredis/config"
	"goredis/datastruct/set"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/lib/wildcard"
	"goredis/resp/reply"
)

// The set family (t_set.c).
func init() {
	register("sadd", execSAdd, -3, "write denyoom fast", 1, 1, 1)
	register("srem", execSRem, -3, "write fast", 1, 1, 1)
	register("smembers", execSMembers, 2, "readonly", 1, 1, 1)
	register("sismember", execSIsMember, 3, "readonly fast", 1, 1, 1)
	register("smismember", execSMIsMember, -3, "readonly fast", 1, 1, 1)
	register("scard", execSCard, 2, "readonly fast", 1, 1, 1)
	register("smove", execSMove, 4, "write fast", 1, 2, 1)
	register("spop", execSPop, -2, "write fast", 1, 1, 1)
	register("srandmember", execSRandMember, -2, "readonly", 1, 1, 1)
	register("sinter", execSInter, -2, "readonly", 1, -1, 1)
	register("sintercard", execSInterCard, -3, "readonly movablekeys", 0, 0, 0).withKeys(setInterCardKeys)
	register("sinterstore", execSInterStore, -3, "write denyoom", 1, -1, 1)
	register("sunion", execSUnion, -2, "readonly", 1, -1, 1)
	register("sunionstore", execSUnionStore, -3, "write denyoom", 1, -1, 1)
	register("sdiff", execSDiff, -2, "readonly", 1, -1, 1)
	register("sdiffstore", execSDiffStore, -3, "write denyoom", 1, -1, 1)
	register("sscan", execSScan, -3, "readonly", 1, 1, 1)

	set.Malloc = mallocSize
	set.MemberSize = func(m string) int64 { return mallocSize(sdsHeader(len(m)) + int64(len(m)) + 1) }
}

// setMaxIntsetEntries is set-max-intset-entries, read once per config
// snapshot.
func setMaxIntsetEntries() int {
	cfg := config.Get()
	if c := setMaxCache.Load(); c != nil && c.cfg == cfg {
		return c.n
	}
	v, _ := cfg.Param("set-max-intset-entries")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		n = 512
	}
	if n > math.MaxInt32 {
		n = math.MaxInt32
	}
	setMaxCache.Store(&setMaxCached{cfg, int(n)})
	return int(n)
}

type setMaxCached struct {
	cfg *config.Config
	n   int
}

var setMaxCache atomic.Pointer[setMaxCached]

// setReply is an array of members: a RESP3 set when asSet.
type setReply struct {
	items []string
	asSet bool
}

// AppendTo implements resp.Reply.
func (r setReply) AppendTo(b []byte, resp3 bool) []byte {
	kind := byte('*')
	if resp3 && r.asSet {
		kind = '~'
	}
	b = reply.AppendHeader(b, kind, len(r.items))
	for _, s := range r.items {
		b = reply.AppendBulkString(b, s)
	}
	return b
}

var setEmpty resp.Reply = setReply{asSet: true}

// setGet returns the set at key (nil when missing) or WRONGTYPE. read
// selects lookupRead (hits, misses and the access clock).
func (db *DB) setGet(key []byte, read bool) (*set.Set, resp.Reply) {
	return lookupKind[*set.Set](db, key, KindSet, read)
}

// setStore puts s at key, replacing any value and TTL.
func (db *DB) setStore(key []byte, s *set.Set) {
	db.put(key, newObj(KindSet, s), false)
}

func execSAdd(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	s, errReply := db.setGet(args[1], false)
	if errReply != nil {
		return errReply
	}
	if s == nil {
		s = set.New()
		db.setStore(args[1], s)
	}
	max := setMaxIntsetEntries()
	added := 0
	for _, m := range args[2:] {
		if s.AddBytes(m, max) {
			added++
		}
	}
	if added > 0 {
		db.signalModified(args[1])
		db.notify(config.NotifySet, "sadd", args[1])
		db.propagate(args)
	}
	return reply.Int(added)
}

func execSRem(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	s, errReply := db.setGet(args[1], false)
	if errReply != nil {
		return errReply
	}
	if s == nil {
		return reply.Int(0)
	}
	removed := 0
	for _, m := range args[2:] {
		if s.Remove(string(m)) {
			removed++
			if s.Len() == 0 {
				break
			}
		}
	}
	if removed > 0 {
		db.notify(config.NotifySet, "srem", args[1])
		if s.Len() == 0 {
			db.del(args[1])
		}
		db.signalModified(args[1])
		db.propagate(args)
	}
	return reply.Int(removed)
}

func execSMembers(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	s, errReply := db.setGet(args[1], true)
	if errReply != nil {
		return errReply
	}
	if s == nil {
		return setEmpty
	}
	return setReply{items: s.Members(), asSet: true}
}

func execSIsMember(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	s, errReply := db.setGet(args[1], true)
	if errReply != nil {
		return errReply
	}
	if s != nil && s.Contains(string(args[2])) {
		return reply.Int(1)
	}
	return reply.Int(0)
}

func execSMIsMember(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	s, errReply := db.setGet(args[1], true)
	if errReply != nil {
		return errReply
	}
	out := make(reply.Array, len(args)-2)
	for i, m := range args[2:] {
		if s != nil && s.Contains(string(m)) {
			out[i] = reply.Int(1)
		} else {
			out[i] = reply.Int(0)
		}
	}
	return out
}

func execSCard(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	s, errReply := db.setGet(args[1], true)
	if errReply != nil {
		return errReply
	}
	if s == nil {
		return reply.Int(0)
	}
	return reply.Int(s.Len())
}

func execSMove(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	srcKey, dstKey, member := args[1], args[2], string(args[3])
	src, errReply := db.setGet(srcKey, false)
	if errReply != nil {
		return errReply
	}
	if src == nil {
		return reply.Int(0)
	}
	dst, errReply := db.setGet(dstKey, false)
	if errReply != nil {
		return errReply
	}
	if bytes.Equal(srcKey, dstKey) {
		if src.Contains(member) {
			return reply.Int(1)
		}
		return reply.Int(0)
	}
	if !src.Remove(member) {
		return reply.Int(0)
	}
	db.notify(config.NotifySet, "srem", srcKey)
	if src.Len() == 0 {
		db.del(srcKey)
	}
	db.signalModified(srcKey)
	if dst == nil {
		dst = set.New()
		db.setStore(dstKey, dst)
	}
	if dst.Add(member, setMaxIntsetEntries()) {
		db.notify(config.NotifySet, "sadd", dstKey)
	}
	db.signalModified(dstKey)
	db.propagate(args)
	return reply.Int(1)
}

// setPropagateBatch is how many members one propagated SREM of SPOP
// carries at most, as in Redis.
const setPropagateBatch = 1024

// setPopMoveMul: SPOP with a count pops members one by one while more
// than count/setPopMoveMul remain, else keeps the survivors in a new set.
const setPopMoveMul = 5

func execSPop(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) > 3 {
		return reply.SyntaxErr
	}
	key := args[1]
	if len(args) == 2 {
		s, errReply := db.setGet(key, false)
		if errReply != nil {
			return errReply
		}
		if s == nil {
			return reply.Null
		}
		m := s.RemoveAt(rand.IntN(s.Len()))
		db.notify(config.NotifySet, "spop", key)
		if s.Len() == 0 {
			db.del(key)
		}
		db.signalModified(key)
		db.propagate([][]byte{[]byte("SREM"), key, []byte(m)})
		return reply.BulkStr(m)
	}
	count, ok := utils.ParseInt(args[2])
	if !ok || count < 0 {
		return reply.NotAllowedNeg
	}
	s, errReply := db.setGet(key, false)
	if errReply != nil {
		return errReply
	}
	if s == nil || count == 0 {
		return setEmpty
	}
	db.notify(config.NotifySet, "spop", key)
	if count >= int64(s.Len()) {
		all := s.Members()
		db.del(key)
		db.signalModified(key)
		del := "DEL"
		if v, _ := config.Get().Param("lazyfree-lazy-server-del"); v == "yes" {
			del = "UNLINK"
		}
		db.propagate([][]byte{[]byte(del), key})
		return setReply{items: all, asSet: true}
	}
	var out []string
	if remaining := int64(s.Len()) - count; remaining*setPopMoveMul > count {
		out = make([]string, 0, count)
		for int64(len(out)) < count {
			out = append(out, s.RemoveAt(rand.IntN(s.Len())))
		}
	} else {
		// Few remain: like Redis, move the survivors to a new set (which
		// may be an intset again) and return the rest.
		keep := set.New()
		max := setMaxIntsetEntries()
		for _, m := range setRandomDistinct(s, remaining) {
			keep.Add(m, max)
		}
		out = make([]string, 0, count)
		s.ForEach(func(m string) bool {
			if !keep.Contains(m) {
				out = append(out, m)
			}
			return true
		})
		*s = *keep
	}
	db.signalModified(key)
	for _, cmd := range setPopPropagation(key, out) {
		db.propagate(cmd)
	}
	return setReply{items: out, asSet: true}
}

// setPopPropagation is how SPOP with a count that leaves members is
// replayed: SREMs of the popped members, setPropagateBatch at a time.
func setPopPropagation(key []byte, popped []string) [][][]byte {
	var cmds [][][]byte
	for i := 0; i < len(popped); i += setPropagateBatch {
		batch := popped[i:min(i+setPropagateBatch, len(popped))]
		cmd := make([][]byte, 0, len(batch)+2)
		cmd = append(cmd, []byte("SREM"), bytes.Clone(key))
		for _, m := range batch {
			cmd = append(cmd, []byte(m))
		}
		cmds = append(cmds, cmd)
	}
	return cmds
}

// randMaxRepeats bounds the negative count of SRANDMEMBER, ZRANDMEMBER and
// HRANDFIELD (that many picks, repeats allowed): Redis 7.0 builds any reply
// asked for and runs out of memory on huge ones; we refuse them.
const randMaxRepeats = 1 << 24

func execSRandMember(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) > 3 {
		return reply.SyntaxErr
	}
	key := args[1]
	if len(args) == 2 {
		s, errReply := db.setGet(key, true)
		if errReply != nil {
			return errReply
		}
		if s == nil {
			return reply.Null
		}
		return reply.BulkStr(s.Random())
	}
	l, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	if l == math.MinInt64 {
		return reply.Err("value is out of range, value must between -9223372036854775807 and 9223372036854775807")
	}
	s, errReply := db.setGet(key, true)
	if errReply != nil {
		return errReply
	}
	if s == nil || l == 0 {
		return reply.EmptyArray
	}
	if l < 0 {
		if -l > randMaxRepeats {
			return reply.Err("value is out of range")
		}
		out := make([]string, -l)
		for i := range out {
			out[i] = s.Random()
		}
		return setReply{items: out}
	}
	return setReply{items: setRandomDistinct(s, l)}
}

// setRandomDistinct returns count distinct random members of s: the whole
// set in its order when count covers it, else a uniform sample.
func setRandomDistinct(s *set.Set, count int64) []string {
	n := s.Len()
	if count >= int64(n) {
		return s.Members()
	}
	k := int(count)
	if k*3 > n {
		// Shuffle the first k of all indexes.
		idx := make([]int, n)
		for i := range idx {
			idx[i] = i
		}
		out := make([]string, k)
		for i := 0; i < k; i++ {
			j := i + rand.IntN(n-i)
			idx[i], idx[j] = idx[j], idx[i]
			out[i] = s.At(idx[i])
		}
		return out
	}
	seen := make(map[int]struct{}, k)
	out := make([]string, 0, k)
	for len(out) < k {
		i := rand.IntN(n)
		if _, dup := seen[i]; dup {
			continue
		}
		seen[i] = struct{}{}
		out = append(out, s.At(i))
	}
	return out
}

// setInterCardKeys finds SINTERCARD's keys: numkeys of them after it, none
// when numkeys is invalid (the command then fails).
func setInterCardKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	n, ok := utils.ParseInt(args[1])
	if !ok || n < 1 || n > int64(len(args)-2) {
		return nil
	}
	return args[2 : 2+n]
}

// setCollect looks up the sets of keys, failing with WRONGTYPE if any
// holds another kind; a missing key is a nil set, and for an intersection
// (inter) makes ok false (the result is empty).
func (db *DB) setCollect(keys [][]byte, read, inter bool) (sets []*set.Set, ok bool, errReply resp.Reply) {
	sets = make([]*set.Set, len(keys))
	ok = true
	for i, k := range keys {
		s, errReply := db.setGet(k, read)
		if errReply != nil {
			return nil, false, errReply
		}
		if s == nil && inter {
			ok = false
		}
		sets[i] = s
	}
	return sets, ok, nil
}

// setInter calls fn for each member of the intersection of sets (none
// nil), in the order of the smallest set, until fn returns false.
func setInter(sets []*set.Set, fn func(m string) bool) {
	small := 0
	for i, s := range sets {
		if s.Len() < sets[small].Len() {
			small = i
		}
	}
	sets[small].ForEach(func(m string) bool {
		for i, s := range sets {
			if i != small && s != sets[small] && !s.Contains(m) {
				return true
			}
		}
		return fn(m)
	})
}

func execSInter(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	sets, ok, errReply := db.setCollect(args[1:], true, true)
	if errReply != nil {
		return errReply
	}
	if !ok {
		return setEmpty
	}
	var out []string
	setInter(sets, func(m string) bool {
		out = append(out, m)
		return true
	})
	return setReply{items: out, asSet: true}
}

func execSInterCard(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	numkeys, ok := utils.ParseInt(args[1])
	if !ok || numkeys < 1 {
		return reply.Err("numkeys should be greater than 0")
	}
	if numkeys > int64(len(args)-2) {
		return reply.Err("Number of keys can't be greater than number of args")
	}
	keys := args[2 : 2+numkeys]
	limit := int64(0)
	for i := 2 + int(numkeys); i < len(args); i++ {
		if bytes.EqualFold(args[i], []byte("limit")) && i+1 < len(args) {
			n, ok := utils.ParseInt(args[i+1])
			if !ok || n < 0 {
				return reply.Err("LIMIT can't be negative")
			}
			limit = n
			i++
			continue
		}
		return reply.SyntaxErr
	}
	sets, ok, errReply := db.setCollect(keys, true, true)
	if errReply != nil {
		return errReply
	}
	if !ok {
		return reply.Int(0)
	}
	var n int64
	setInter(sets, func(string) bool {
		n++
		return limit == 0 || n < limit
	})
	return reply.Int(n)
}

func execSInterStore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	dst := args[1]
	sets, ok, errReply := db.setCollect(args[2:], true, true)
	if errReply != nil {
		return errReply
	}
	res := set.New()
	if ok {
		max := setMaxIntsetEntries()
		setInter(sets, func(m string) bool {
			res.Add(m, max)
			return true
		})
	}
	return db.setStoreResult(dst, res, args, "sinterstore")
}

// setStoreResult ends a STORE command: res replaces dst, publishing
// event, or an empty result deletes it.
func (db *DB) setStoreResult(dst []byte, res *set.Set, args [][]byte, event string) resp.Reply {
	if res.Len() == 0 {
		if db.del(dst) {
			db.signalModified(dst)
			db.propagate(args)
		}
		return reply.Int(0)
	}
	db.setStore(dst, res)
	db.signalModified(dst)
	db.notify(config.NotifySet, event, dst)
	db.propagate(args)
	return reply.Int(res.Len())
}

// setUnionDiff computes SUNION (diff false) or SDIFF of sets; nil sets are
// empty.
func setUnionDiff(sets []*set.Set, diff bool) *set.Set {
	res := set.New()
	max := setMaxIntsetEntries()
	if !diff {
		for _, s := range sets {
			if s == nil {
				continue
			}
			s.ForEach(func(m string) bool {
				res.Add(m, max)
				return true
			})
		}
		return res
	}
	if sets[0] == nil {
		return res
	}
	sets[0].ForEach(func(m string) bool {
		for _, s := range sets[1:] {
			if s != nil && s.Contains(m) {
				return true
			}
		}
		res.Add(m, max)
		return true
	})
	return res
}

func execSUnion(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.setUnionDiffReply(args, false)
}

func execSDiff(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.setUnionDiffReply(args, true)
}

func (db *DB) setUnionDiffReply(args [][]byte, diff bool) resp.Reply {
	sets, _, errReply := db.setCollect(args[1:], true, false)
	if errReply != nil {
		return errReply
	}
	return setReply{items: setUnionDiff(sets, diff).Members(), asSet: true}
}

func execSUnionStore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.setUnionDiffStore(args, false)
}

func execSDiffStore(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.setUnionDiffStore(args, true)
}

func (db *DB) setUnionDiffStore(args [][]byte, diff bool) resp.Reply {
	sets, _, errReply := db.setCollect(args[2:], true, false)
	if errReply != nil {
		return errReply
	}
	event := "sunionstore"
	if diff {
		event = "sdiffstore"
	}
	return db.setStoreResult(args[1], setUnionDiff(sets, diff), args, event)
}

func execSScan(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	cursor, ok := parseScanCursor(args[2])
	if !ok {
		return reply.Err("invalid cursor")
	}
	s, errReply := db.setGet(args[1], true)
	if errReply != nil {
		return errReply
	}
	if s == nil {
		return reply.Array{reply.BulkStr("0"), reply.EmptyArray}
	}
	count := int64(10)
	var pattern []byte
	for i := 3; i < len(args); i += 2 {
		more := len(args) - i
		switch {
		case bytes.EqualFold(args[i], []byte("count")) && more >= 2:
			n, ok := utils.ParseInt(args[i+1])
			if !ok {
				return reply.NotInteger
			}
			if n < 1 {
				return reply.SyntaxErr
			}
			count = n
		case bytes.EqualFold(args[i], []byte("match")) && more >= 2:
			pattern = args[i+1]
			if len(pattern) == 1 && pattern[0] == '*' {
				pattern = nil
			}
		default:
			return reply.SyntaxErr
		}
	}
	var items []string
	next := uint64(0)
	if s.IsIntset() {
		items = s.Members()
	} else {
		if count > math.MaxInt32 {
			count = math.MaxInt32
		}
		items, next = s.Scan(cursor, int(count))
	}
	if pattern != nil {
		kept := items[:0]
		for _, m := range items {
			if wildcard.Match(pattern, []byte(m)) {
				kept = append(kept, m)
			}
		}
		items = kept
	}
	return reply.Array{reply.BulkStr(strconv.FormatUint(next, 10)), setReply{items: items}}
}
