package database

import (
	"strconv"

	"goredis/config"
	"goredis/datastruct/list"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

func init() {
	register("lpush", execLPush, -3, "write denyoom fast", 1, 1, 1)
	register("rpush", execRPush, -3, "write denyoom fast", 1, 1, 1)
	register("lpushx", execLPushX, -3, "write denyoom fast", 1, 1, 1)
	register("rpushx", execRPushX, -3, "write denyoom fast", 1, 1, 1)
	register("lpop", execLPop, -2, "write fast", 1, 1, 1)
	register("rpop", execRPop, -2, "write fast", 1, 1, 1)
	register("llen", execLLen, 2, "readonly fast", 1, 1, 1)
	register("lrange", execLRange, 4, "readonly", 1, 1, 1)
	register("lindex", execLIndex, 3, "readonly", 1, 1, 1)
	register("lset", execLSet, 4, "write denyoom", 1, 1, 1)
	register("linsert", execLInsert, 5, "write denyoom", 1, 1, 1)
	register("lrem", execLRem, 4, "write", 1, 1, 1)
	register("ltrim", execLTrim, 4, "write", 1, 1, 1)
	register("lpos", execLPos, -3, "readonly", 1, 1, 1)
	register("lmove", execLMove, 5, "write denyoom", 1, 2, 1)
	register("rpoplpush", execRPopLPush, 3, "write denyoom", 1, 2, 1)
	register("lmpop", execLMPop, -4, "write movablekeys", 0, 0, 0).withKeys(listMPopKeys(1))
}

var (
	wordLPop      = []byte("LPOP")
	wordRPop      = []byte("RPOP")
	wordLMove     = []byte("LMOVE")
	wordRPopLPush = []byte("RPOPLPUSH")
	wordLeft      = []byte("LEFT")
	wordRight     = []byte("RIGHT")

	errListRankZero    = reply.Err("RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list")
	errListCountNeg    = reply.Err("COUNT can't be negative")
	errListMaxlenNeg   = reply.Err("MAXLEN can't be negative")
	errListNumkeys     = reply.Err("numkeys should be greater than 0")
	errListCountPos    = reply.Err("count should be greater than 0")
	errListTimeoutNeg  = reply.Err("timeout is negative")
	errListTimeoutBad  = reply.Err("timeout is not a float or out of range")
	emptyListReply     = reply.Array(nil)
	listCountForNoList = reply.NullArray
)

// listGet returns the list at key, nil when there is none, or
// reply.WrongType. read selects lookupRead (statistics and LRU).
func (db *DB) listGet(key []byte, read bool) (*list.List, resp.Reply) {
	return lookupKind[*list.List](db, key, KindList, read)
}

// listCreate stores a new empty list at key and returns it.
func (db *DB) listCreate(key []byte) *list.List {
	l := list.New()
	db.put(key, newObj(KindList, l), false)
	return l
}

// listWritten finishes a write to the list at key: the command's event
// is published, an emptied list is deleted (publishing del), watchers are
// told, and a non-empty list wakes blocked clients.
func (db *DB) listWritten(key []byte, l *list.List, event string) {
	db.notify(config.NotifyList, event, key)
	if l.Len() == 0 {
		db.del(key)
	} else {
		db.signalKeyReady(key)
	}
	db.signalModified(key)
}

// ---- LPUSH RPUSH LPUSHX RPUSHX ----

func execLPush(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return listPush(db, args, true, false)
}
func execRPush(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return listPush(db, args, false, false)
}
func execLPushX(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return listPush(db, args, true, true)
}
func execRPushX(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return listPush(db, args, false, true)
}

func listPush(db *DB, args [][]byte, left, onlyExisting bool) resp.Reply {
	l, errR := db.listGet(args[1], false)
	if errR != nil {
		return errR
	}
	if l == nil {
		if onlyExisting {
			return reply.Int(0)
		}
		l = db.listCreate(args[1])
	}
	for _, v := range args[2:] {
		l.PushBytes(left, v)
	}
	n := l.Len()
	db.listWritten(args[1], l, listPushEvent(left))
	db.propagate(args)
	return reply.Int(n)
}

// ---- LPOP RPOP ----

func execLPop(db *DB, c resp.Connection, args [][]byte) resp.Reply { return listPop(db, args, true) }
func execRPop(db *DB, c resp.Connection, args [][]byte) resp.Reply { return listPop(db, args, false) }

func listPop(db *DB, args [][]byte, left bool) resp.Reply {
	if len(args) > 3 {
		if left {
			return reply.ArityErr("lpop")
		}
		return reply.ArityErr("rpop")
	}
	count := int64(-1)
	if len(args) == 3 {
		n, ok := utils.ParseInt(args[2])
		if !ok || n < 0 {
			return reply.NotAllowedNeg
		}
		count = n
	}
	l, errR := db.listGet(args[1], false)
	if errR != nil {
		return errR
	}
	if l == nil {
		if count >= 0 {
			return listCountForNoList
		}
		return reply.Null
	}
	if count < 0 {
		v := listPopOne(l, left)
		db.listWritten(args[1], l, listPopEvent(left))
		db.propagate(args)
		return reply.BulkStr(v)
	}
	if count == 0 {
		return emptyListReply
	}
	out := listPopN(l, left, count)
	db.listWritten(args[1], l, listPopEvent(left))
	db.propagate(args)
	return out
}

// listPushEvent and listPopEvent name the events of pushes and pops at
// either end.
func listPushEvent(left bool) string {
	if left {
		return "lpush"
	}
	return "rpush"
}

func listPopEvent(left bool) string {
	if left {
		return "lpop"
	}
	return "rpop"
}

func listPopOne(l *list.List, left bool) string {
	if left {
		return l.PopFront()
	}
	return l.PopBack()
}

// listPopN pops up to count elements as a reply of bulk strings.
func listPopN(l *list.List, left bool, count int64) reply.Strings {
	n := int64(l.Len())
	if count > n {
		count = n
	}
	out := make(reply.Strings, count)
	for i := range out {
		out[i] = listPopOne(l, left)
	}
	return out
}

// ---- LLEN LRANGE LINDEX LSET ----

func execLLen(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	l, errR := db.listGet(args[1], true)
	if errR != nil {
		return errR
	}
	if l == nil {
		return reply.Int(0)
	}
	return reply.Int(l.Len())
}

// clampRange clamps start and stop as LRANGE and ZRANGE do (negative
// counts from the end, cut to the length); ok is false for an empty range.
func clampRange(start, stop int64, n int) (int, int, bool) {
	ln := int64(n)
	if start < 0 {
		start += ln
	}
	if stop < 0 {
		stop += ln
	}
	if start < 0 {
		start = 0
	}
	if start > stop || start >= ln {
		return 0, 0, false
	}
	if stop >= ln {
		stop = ln - 1
	}
	return int(start), int(stop), true
}

func execLRange(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	start, ok1 := utils.ParseInt(args[2])
	stop, ok2 := utils.ParseInt(args[3])
	if !ok1 || !ok2 {
		return reply.NotInteger
	}
	l, errR := db.listGet(args[1], true)
	if errR != nil {
		return errR
	}
	if l == nil {
		return emptyListReply
	}
	s, e, ok := clampRange(start, stop, l.Len())
	if !ok {
		return emptyListReply
	}
	out := make(reply.Strings, 0, e-s+1)
	l.Range(s, e, func(_ int, v string) bool {
		out = append(out, v)
		return true
	})
	return out
}

// listIndex turns a possibly negative index into a position, ok false
// when it is out of range.
func listIndex(idx int64, n int) (int, bool) {
	if idx < 0 {
		idx += int64(n)
	}
	if idx < 0 || idx >= int64(n) {
		return 0, false
	}
	return int(idx), true
}

func execLIndex(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	// As Redis: the key (nil, WRONGTYPE) before the index.
	l, errR := db.listGet(args[1], true)
	if errR != nil {
		return errR
	}
	if l == nil {
		return reply.Null
	}
	idx, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	i, ok := listIndex(idx, l.Len())
	if !ok {
		return reply.Null
	}
	return reply.BulkStr(l.Index(i))
}

func execLSet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	// As Redis: the key (no such key, WRONGTYPE) before the index.
	l, errR := db.listGet(args[1], false)
	if errR != nil {
		return errR
	}
	if l == nil {
		return reply.NoSuchKey
	}
	idx, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	i, ok := listIndex(idx, l.Len())
	if !ok {
		return reply.OutOfRange
	}
	l.Set(i, string(args[3]))
	db.signalModified(args[1])
	db.notify(config.NotifyList, "lset", args[1])
	db.propagate(args)
	return reply.OK
}

// ---- LINSERT LREM LTRIM LPOS ----

func execLInsert(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var after bool
	switch {
	case utils.EqualFoldASCII(args[2], "after"):
		after = true
	case utils.EqualFoldASCII(args[2], "before"):
	default:
		return reply.SyntaxErr
	}
	l, errR := db.listGet(args[1], false)
	if errR != nil {
		return errR
	}
	if l == nil {
		return reply.Int(0)
	}
	pivot := string(args[3])
	pos := -1
	l.Range(0, l.Len()-1, func(i int, v string) bool {
		if v == pivot {
			pos = i
			return false
		}
		return true
	})
	if pos < 0 {
		return reply.Int(-1)
	}
	if after {
		pos++
	}
	l.Insert(pos, string(args[4]))
	db.listWritten(args[1], l, "linsert")
	db.propagate(args)
	return reply.Int(l.Len())
}

func execLRem(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	count, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	l, errR := db.listGet(args[1], false)
	if errR != nil {
		return errR
	}
	if l == nil {
		return reply.Int(0)
	}
	elem := string(args[3])
	n := l.Len()
	drop := make([]bool, n)
	removed := int64(0)
	limit := count
	if limit < 0 {
		limit = -limit
		if limit < 0 { // -MinInt64
			limit = 0
		}
	}
	visit := func(i int, v string) bool {
		if v == elem {
			drop[i] = true
			removed++
			if limit > 0 && removed == limit {
				return false
			}
		}
		return true
	}
	if count < 0 {
		l.RangeBack(n-1, visit)
	} else {
		l.Range(0, n-1, visit)
	}
	if removed == 0 {
		return reply.Int(0)
	}
	l.Filter(func(i int, _ string) bool { return !drop[i] })
	db.listWritten(args[1], l, "lrem")
	db.propagate(args)
	return reply.Int(removed)
}

func execLTrim(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	start, ok1 := utils.ParseInt(args[2])
	stop, ok2 := utils.ParseInt(args[3])
	if !ok1 || !ok2 {
		return reply.NotInteger
	}
	l, errR := db.listGet(args[1], false)
	if errR != nil {
		return errR
	}
	if l == nil {
		return reply.OK
	}
	s, e, ok := clampRange(start, stop, l.Len())
	if ok {
		l.Trim(s, e)
	} else {
		l.Trim(1, 0)
	}
	db.listWritten(args[1], l, "ltrim")
	db.propagate(args)
	return reply.OK
}

func execLPos(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	rank, count, maxlen := int64(1), int64(-1), int64(0)
	for i := 3; i < len(args); i += 2 {
		if i+1 >= len(args) {
			return reply.SyntaxErr
		}
		v, ok := utils.ParseInt(args[i+1])
		switch {
		case utils.EqualFoldASCII(args[i], "rank"):
			if !ok {
				return reply.NotInteger
			}
			if v == 0 {
				return errListRankZero
			}
			rank = v
		case utils.EqualFoldASCII(args[i], "count"):
			if !ok || v < 0 {
				return errListCountNeg
			}
			count = v
		case utils.EqualFoldASCII(args[i], "maxlen"):
			if !ok || v < 0 {
				return errListMaxlenNeg
			}
			maxlen = v
		default:
			return reply.SyntaxErr
		}
	}
	l, errR := db.listGet(args[1], true)
	if errR != nil {
		return errR
	}
	if l == nil {
		if count >= 0 {
			return emptyListReply
		}
		return reply.Null
	}
	want := count
	if want < 0 {
		want = 1
	}
	back := rank < 0
	if back {
		rank = -rank // -MinInt64 stays negative: the first match counts, as in Redis
	}
	elem := string(args[2])
	n := l.Len()
	var found []int64
	matches := int64(0)
	visit := func(i int, v string) bool {
		k := i // elements compared before this one
		if back {
			k = n - 1 - i
		}
		if maxlen != 0 && int64(k) >= maxlen {
			return false
		}
		if v != elem {
			return true
		}
		matches++
		if matches >= rank {
			found = append(found, int64(i))
			if want != 0 && int64(len(found)) >= want {
				return false
			}
		}
		return true
	}
	if back {
		l.RangeBack(n-1, visit)
	} else {
		l.Range(0, n-1, visit)
	}
	if count < 0 {
		if len(found) == 0 {
			return reply.Null
		}
		return reply.Int(found[0])
	}
	out := make(reply.Array, len(found))
	for i, p := range found {
		out[i] = reply.Int(p)
	}
	return out
}

// ---- LMOVE RPOPLPUSH ----

// listWhere parses LEFT or RIGHT.
func listWhere(b []byte) (left, ok bool) {
	switch {
	case utils.EqualFoldASCII(b, "left"):
		return true, true
	case utils.EqualFoldASCII(b, "right"):
		return false, true
	}
	return false, false
}

func execLMove(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	from, ok1 := listWhere(args[3])
	to, ok2 := listWhere(args[4])
	if !ok1 || !ok2 {
		return reply.SyntaxErr
	}
	r, _ := listMove(db, args[1], args[2], from, to, true, args)
	if r == nil {
		return reply.Null
	}
	return r
}

func execRPopLPush(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	r, _ := listMove(db, args[1], args[2], false, true, true, args)
	if r == nil {
		return reply.Null
	}
	return r
}

// listMove pops from src and pushes onto dst, holding both keys' locks.
// It returns nil when src has no list; served reports whether an element
// moved. prop is the command to propagate (LMOVE or RPOPLPUSH form).
// With first false (a blocked client re-checking), a destination of the
// wrong type still answers WRONGTYPE.
func listMove(db *DB, src, dst []byte, from, to, first bool, prop [][]byte) (resp.Reply, bool) {
	sl, errR := db.listGet(src, false)
	if errR != nil {
		if !first {
			return nil, false
		}
		return errR, false
	}
	if sl == nil {
		return nil, false
	}
	dl, errR := db.listGet(dst, false)
	if errR != nil {
		return errR, false
	}
	v := listPopOne(sl, from)
	if dl == nil {
		if string(src) == string(dst) {
			dl = sl // a one-element list rotating onto itself
		} else {
			dl = db.listCreate(dst)
		}
	}
	if to {
		dl.PushFront(v)
	} else {
		dl.PushBack(v)
	}
	// Redis publishes the push onto dst before the pop from src.
	if string(src) != string(dst) {
		db.listWritten(dst, dl, listPushEvent(to))
	} else {
		db.notify(config.NotifyList, listPushEvent(to), dst)
	}
	db.listWritten(src, sl, listPopEvent(from))
	db.propagate(prop)
	return reply.BulkStr(v), true
}

// ---- LMPOP ----

// listMPopKeys extracts the keys of LMPOP (numkeys at index at) and
// BLMPOP; an invalid numkeys gives none (the command then fails).
func listMPopKeys(at int) KeysFunc {
	return func(args [][]byte) [][]byte {
		if len(args) <= at {
			return nil
		}
		n, ok := utils.ParseInt(args[at])
		if !ok || n <= 0 || n > int64(len(args)-at-1) {
			return nil
		}
		return args[at+1 : at+1+int(n)]
	}
}

// listMPopArgs parses "numkeys key... LEFT|RIGHT [COUNT n]" starting at
// args[at].
func listMPopArgs(args [][]byte, at int) (keys [][]byte, left bool, count int64, errR resp.Reply) {
	n, ok := utils.ParseInt(args[at])
	if !ok || n <= 0 {
		return nil, false, 0, errListNumkeys
	}
	if n > int64(len(args)-at-2) {
		return nil, false, 0, reply.SyntaxErr
	}
	keys = args[at+1 : at+1+int(n)]
	i := at + 1 + int(n)
	left, ok = listWhere(args[i])
	if !ok {
		return nil, false, 0, reply.SyntaxErr
	}
	count = 1
	seen := false
	for i++; i < len(args); i++ {
		if utils.EqualFoldASCII(args[i], "count") && i+1 < len(args) && !seen {
			v, ok := utils.ParseInt(args[i+1])
			if !ok || v <= 0 {
				return nil, false, 0, errListCountPos
			}
			count, seen = v, true
			i++
			continue
		}
		return nil, false, 0, reply.SyntaxErr
	}
	return keys, left, count, nil
}

func execLMPop(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	keys, left, count, errR := listMPopArgs(args, 1)
	if errR != nil {
		return errR
	}
	r := listMPopFrom(db, keys, left, count, true, nil)
	if r == nil {
		return reply.NullArray
	}
	return r
}

// listMPopFrom pops up to count elements from the first non-empty list of
// keys (those eligible allows, when set), answering [key, [elements]] and
// propagating LPOP/RPOP key count. It returns nil when every list is
// empty; a key of another type answers WRONGTYPE on the first try and is
// passed over by a blocked client's re-check.
func listMPopFrom(db *DB, keys [][]byte, left bool, count int64, first bool, eligible func([]byte) bool) resp.Reply {
	for _, k := range keys {
		if eligible != nil && !eligible(k) {
			continue
		}
		l, errR := db.listGet(k, false)
		if errR != nil {
			if first {
				return errR
			}
			continue
		}
		if l == nil {
			continue
		}
		elems := listPopN(l, left, count)
		db.listWritten(k, l, listPopEvent(left))
		word := wordRPop
		if left {
			word = wordLPop
		}
		db.propagate([][]byte{word, k, strconv.AppendInt(nil, int64(len(elems)), 10)})
		return reply.Array{reply.BulkStr(string(k)), elems}
	}
	return nil
}
