package database

import (
	"bytes"
	"math"
	"math/big"
	"strconv"
	"strings"
	"unsafe"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

func init() {
	register("get", execGet, 2, "readonly fast", 1, 1, 1)
	register("set", execSet, -3, "write denyoom", 1, 1, 1)
	register("setnx", execSetNX, 3, "write denyoom fast", 1, 1, 1)
	register("setex", execSetEX, 4, "write denyoom", 1, 1, 1)
	register("psetex", execPSetEX, 4, "write denyoom", 1, 1, 1)
	register("getset", execGetSet, 3, "write denyoom fast", 1, 1, 1)
	register("getdel", execGetDel, 2, "write fast", 1, 1, 1)
	register("getex", execGetEx, -2, "write fast", 1, 1, 1)
	register("mget", execMGet, -2, "readonly fast", 1, -1, 1)
	register("mset", execMSet, -3, "write denyoom", 1, -1, 2)
	register("msetnx", execMSetNX, -3, "write denyoom", 1, -1, 2)
	register("append", execAppend, 3, "write denyoom fast", 1, 1, 1)
	register("strlen", execStrlen, 2, "readonly fast", 1, 1, 1)
	register("getrange", execGetRange, 4, "readonly", 1, 1, 1)
	register("substr", execGetRange, 4, "readonly", 1, 1, 1)
	register("setrange", execSetRange, 4, "write denyoom", 1, 1, 1)
	register("incr", execIncr, 2, "write denyoom fast", 1, 1, 1)
	register("decr", execDecr, 2, "write denyoom fast", 1, 1, 1)
	register("incrby", execIncrBy, 3, "write denyoom fast", 1, 1, 1)
	register("decrby", execDecrBy, 3, "write denyoom fast", 1, 1, 1)
	register("incrbyfloat", execIncrByFloat, 3, "write denyoom fast", 1, 1, 1)
	register("lcs", execLCS, -3, "readonly", 1, 2, 1)
}

// Words of the commands strings are propagated as.
var (
	wordSet       = []byte("SET")
	wordPXAT      = []byte("PXAT")
	wordPExpireAt = []byte("PEXPIREAT")
	wordPersist   = []byte("PERSIST")
	wordDel       = []byte("DEL")
	wordKeepTTL   = []byte("KEEPTTL")
)

var (
	errOffsetRange   = reply.Err("offset is out of range")
	errDecrOverflow  = reply.Err("decrement would overflow")
	errIncrNaN       = reply.Err("increment would produce NaN or Infinity")
	errLCSType       = reply.Err("The specified keys must contain string values")
	errLCSLenIdx     = reply.Err("If you want both the length and indexes, please just use IDX.")
	errLCSTooLong    = reply.Err("String too long for LCS")
	errLCSMemory     = reply.Err("Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len")
	emptyBulk        = reply.BulkStr("")
	lcsMatchesHeader = reply.BulkStr("matches")
	lcsLenHeader     = reply.BulkStr("len")
)

// getString returns the string at key, reply.WrongType when the key holds
// another kind, or nil, nil when there is no key. It counts as a read.
func (db *DB) getString(key []byte) (*Entity, resp.Reply) {
	e := db.lookupRead(key)
	if e == nil {
		return nil, nil
	}
	if e.Kind != KindString {
		return nil, reply.WrongType
	}
	return e, nil
}

// writeString is getString for a write: no hit/miss statistics.
func (db *DB) writeString(key []byte) (*Entity, resp.Reply) {
	e := db.lookup(key)
	if e == nil {
		return nil, nil
	}
	if e.Kind != KindString {
		return nil, reply.WrongType
	}
	return e, nil
}

// optName is an option argument as Redis's C string comparisons see it:
// up to its first NUL byte.
func optName(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// isOpt reports whether the option argument b is name (ASCII, any case).
// name must be upper case.
func isOpt(b []byte, name string) bool {
	b = optName(b)
	if len(b) != len(name) {
		return false
	}
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != name[i] {
			return false
		}
	}
	return true
}

func maxBulkLen() int64 { return config.Get().ProtoMaxBulkLen }

// checkStringLength reports whether a string of size+add bytes is allowed.
func checkStringLength(size, add int64) bool {
	limit := maxBulkLen()
	return size <= limit && add <= limit-size
}

func execGet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		return reply.Null
	}
	return reply.BulkStr(e.readStr())
}

// Flags of SET and GETEX options.
const (
	optNX = 1 << iota
	optXX
	optGet
	optKeepTTL
	optPersist
	optEX
	optPX
	optEXAT
	optPXAT
)

const optExpire = optEX | optPX | optEXAT | optPXAT

// parseStringOptions reads the options of SET (forSet) or GETEX following
// the fixed arguments, with Redis's rules for which may be combined. It
// returns the flags and the expire argument, ok false on a syntax error.
func parseStringOptions(opts [][]byte, forSet bool) (flags int, expire []byte, ok bool) {
	for j := 0; j < len(opts); j++ {
		opt := opts[j]
		hasNext := j+1 < len(opts)
		var f int
		switch {
		case forSet && isOpt(opt, "NX") && flags&optXX == 0:
			f = optNX
		case forSet && isOpt(opt, "XX") && flags&optNX == 0:
			f = optXX
		case forSet && isOpt(opt, "GET"):
			f = optGet
		case forSet && isOpt(opt, "KEEPTTL") && flags&(optPersist|optExpire) == 0:
			f = optKeepTTL
		case !forSet && isOpt(opt, "PERSIST") && flags&(optKeepTTL|optExpire) == 0:
			f = optPersist
		case isOpt(opt, "EX") && hasNext && flags&(optKeepTTL|optPersist|optExpire&^optEX) == 0:
			f = optEX
		case isOpt(opt, "PX") && hasNext && flags&(optKeepTTL|optPersist|optExpire&^optPX) == 0:
			f = optPX
		case isOpt(opt, "EXAT") && hasNext && flags&(optKeepTTL|optPersist|optExpire&^optEXAT) == 0:
			f = optEXAT
		case isOpt(opt, "PXAT") && hasNext && flags&(optKeepTTL|optPersist|optExpire&^optPXAT) == 0:
			f = optPXAT
		default:
			return 0, nil, false
		}
		flags |= f
		if f&optExpire != 0 {
			j++
			expire = opts[j]
		}
	}
	return flags, expire, true
}

// expireMillis turns an expire argument into an absolute unix time in ms,
// or returns the error Redis gives (cmd names the command in the text).
// Relative times (EX, PX) are added to the current time.
func expireMillis(arg []byte, flags int, cmd string) (int64, resp.Reply) {
	ms, ok := utils.ParseInt(arg)
	if !ok {
		return 0, reply.NotInteger
	}
	seconds := flags&(optEX|optEXAT) != 0
	if ms <= 0 || (seconds && ms > math.MaxInt64/1000) {
		return 0, invalidExpire(cmd)
	}
	if seconds {
		ms *= 1000
	}
	if flags&(optEX|optPX) != 0 {
		ms += nowMs() // wraps to negative on overflow, caught below
	}
	if ms <= 0 {
		return 0, invalidExpire(cmd)
	}
	return ms, nil
}

func invalidExpire(cmd string) resp.Reply {
	return reply.Err("invalid expire time in '" + cmd + "' command")
}

func execSet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) != 3 {
		return execSetOptions(db, c, args)
	}
	db.putBytes(args[1], args[2], false)
	db.signalModified(args[1])
	db.notify(config.NotifyString, "set", args[1])
	db.propagate(args)
	return reply.OK
}

func execSetOptions(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	flags, expire, ok := parseStringOptions(args[3:], true)
	if !ok {
		return reply.SyntaxErr
	}
	return db.setGeneric(args, flags, expire, "set", reply.OK, reply.Null)
}

func execSetNX(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.setGeneric(args, optNX, nil, "setnx", reply.Int(1), reply.Int(0))
}

func execSetEX(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.setGeneric([][]byte{args[0], args[1], args[3]}, optEX, args[2], "setex", reply.OK, nil)
}

func execPSetEX(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.setGeneric([][]byte{args[0], args[1], args[3]}, optPX, args[2], "psetex", reply.OK, nil)
}

// setGeneric is SET with its options decoded; args[1] is the key and
// args[2] the value. okReply answers a store, abortReply a store skipped
// for NX or XX (with GET both answer the old value).
func (db *DB) setGeneric(args [][]byte, flags int, expire []byte, cmd string, okReply, abortReply resp.Reply) resp.Reply {
	key, val := args[1], args[2]
	var at int64
	if expire != nil {
		var errReply resp.Reply
		if at, errReply = expireMillis(expire, flags, cmd); errReply != nil {
			return errReply
		}
	}
	var old resp.Reply
	if flags&optGet != 0 {
		e, errReply := db.getString(key)
		if errReply != nil {
			return errReply
		}
		if e == nil {
			old = reply.Null
		} else {
			old = reply.BulkStr(e.readStr())
		}
	}
	found := db.lookup(key) != nil
	if (flags&optNX != 0 && found) || (flags&optXX != 0 && !found) {
		if old != nil {
			return old
		}
		return abortReply
	}
	db.putBytes(key, val, flags&optKeepTTL != 0)
	db.signalModified(key)
	db.notify(config.NotifyString, "set", key)
	switch {
	case expire != nil:
		db.expireAt(key, at)
		db.notify(config.NotifyGeneric, "expire", key)
		db.propagate([][]byte{wordSet, key, val, wordPXAT, strconv.AppendInt(nil, at, 10)})
	case flags&optGet != 0:
		out := make([][]byte, 0, len(args))
		for j, a := range args {
			if j >= 3 && isOpt(a, "GET") {
				continue
			}
			out = append(out, a)
		}
		db.propagate(out)
	default:
		db.propagate(args)
	}
	if old != nil {
		return old
	}
	return okReply
}

func execGetSet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	old := reply.Null
	if e != nil {
		old = reply.BulkStr(e.readStr())
	}
	db.putBytes(args[1], args[2], false)
	db.signalModified(args[1])
	db.notify(config.NotifyString, "set", args[1])
	db.propagate([][]byte{wordSet, args[1], args[2]})
	return old
}

func execGetDel(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		return reply.Null
	}
	old := reply.BulkStr(e.readStr())
	db.del(args[1])
	db.signalModified(args[1])
	db.propagate([][]byte{wordDel, args[1]})
	return old
}

func execGetEx(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	flags, expire, ok := parseStringOptions(args[2:], false)
	if !ok {
		return reply.SyntaxErr
	}
	key := args[1]
	e, errReply := db.getString(key)
	if errReply != nil {
		return errReply
	}
	if e == nil {
		return reply.Null
	}
	var at int64
	if expire != nil {
		if at, errReply = expireMillis(expire, flags, "getex"); errReply != nil {
			return errReply
		}
	}
	val := reply.BulkStr(e.readStr())
	switch {
	case flags&(optEXAT|optPXAT) != 0 && at <= nowMs():
		// An absolute time already past deletes the key.
		db.del(key)
		db.signalModified(key)
		db.propagate([][]byte{wordDel, key})
	case expire != nil:
		db.expireAt(key, at)
		db.signalModified(key)
		db.notify(config.NotifyGeneric, "expire", key)
		db.propagate([][]byte{wordPExpireAt, key, strconv.AppendInt(nil, at, 10)})
	case flags&optPersist != 0:
		if db.persist(key) {
			db.signalModified(key)
			db.notify(config.NotifyGeneric, "persist", key)
			db.propagate([][]byte{wordPersist, key})
		}
	}
	return val
}

// mgetReply is MGET's answer: bulk strings, null where ok is false. It
// holds the strings themselves so building it costs one allocation.
type mgetReply []mgetItem

type mgetItem struct {
	s  string
	ok bool
}

// AppendTo implements resp.Reply.
func (m mgetReply) AppendTo(b []byte, resp3 bool) []byte {
	b = reply.AppendHeader(b, '*', len(m))
	for _, it := range m {
		if it.ok {
			b = reply.AppendBulkString(b, it.s)
		} else {
			b = reply.AppendNull(b, resp3)
		}
	}
	return b
}

func execMGet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	out := make(mgetReply, len(args)-1)
	for i, key := range args[1:] {
		if e := db.lookupRead(key); e != nil && e.Kind == KindString {
			out[i] = mgetItem{e.readStr(), true}
		}
	}
	return out
}

func execMSet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args)%2 == 0 {
		return reply.ArityErr("mset")
	}
	db.msetAll(args)
	return reply.OK
}

func execMSetNX(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args)%2 == 0 {
		return reply.ArityErr("msetnx")
	}
	for j := 1; j < len(args); j += 2 {
		if db.lookup(args[j]) != nil {
			return reply.Int(0)
		}
	}
	db.msetAll(args)
	return reply.Int(1)
}

func (db *DB) msetAll(args [][]byte) {
	for j := 1; j < len(args); j += 2 {
		db.putBytes(args[j], args[j+1], false)
		db.signalModified(args[j])
		db.notify(config.NotifyString, "set", args[j])
	}
	db.propagate(args)
}

// stringForUpdate returns the string entity at key to be changed in place
// (e, from writeString), creating an empty one when the key is missing.
func (db *DB) stringForUpdate(key []byte, e *Entity) *Entity {
	if e == nil {
		e = &Entity{Kind: KindString, Enc: EncRaw}
		db.put(key, e, false)
		return e
	}
	e.touch()
	return e
}

func execAppend(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key, add := args[1], args[2]
	e, errReply := db.writeString(key)
	if errReply != nil {
		return errReply
	}
	var n int
	if e == nil {
		db.putString(key, string(add), false)
		n = len(add)
	} else {
		if !checkStringLength(int64(len(e.Str())), int64(len(add))) {
			return reply.StringTooLarge
		}
		old := len(e.Str())
		copy(e.writableStr(old + len(add))[old:], add)
		e.touch()
		n = len(e.Str())
	}
	db.signalModified(key)
	db.notify(config.NotifyString, "append", key)
	db.propagate(args)
	return reply.Int(n)
}

func execStrlen(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		return reply.Int(0)
	}
	return reply.Int(len(e.Str()))
}

func execGetRange(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	start, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	end, ok := utils.ParseInt(args[3])
	if !ok {
		return reply.NotInteger
	}
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		return emptyBulk
	}
	from, to, ok := rangeOf(start, end, int64(len(e.Str())))
	if !ok {
		return emptyBulk
	}
	v := e.Str()[from:to]
	if e.inPlace() {
		v = strings.Clone(v) // changed in place later: copy
	}
	return reply.BulkStr(v)
}

// rangeOf maps GETRANGE's inclusive start and end, negative counting from
// the end, onto a string of n bytes, giving the slice bounds [from, to).
func rangeOf(start, end, n int64) (from, to int64, ok bool) {
	if start < 0 && end < 0 && start > end {
		return 0, 0, false
	}
	if start < 0 {
		start += n
	}
	if end < 0 {
		end += n
	}
	if start < 0 {
		start = 0
	}
	if end < 0 {
		end = 0
	}
	if end >= n {
		end = n - 1
	}
	if start > end || n == 0 {
		return 0, 0, false
	}
	return start, end + 1, true
}

func execSetRange(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key, val := args[1], args[3]
	offset, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	if offset < 0 {
		return errOffsetRange
	}
	e, errReply := db.writeString(key)
	if errReply != nil {
		return errReply
	}
	if len(val) == 0 {
		if e == nil {
			return reply.Int(0)
		}
		return reply.Int(len(e.Str()))
	}
	if !checkStringLength(offset, int64(len(val))) {
		return reply.StringTooLarge
	}
	end := int(offset) + len(val)
	e = db.stringForUpdate(key, e)
	copy(e.writableStr(max(end, len(e.Str())))[offset:], val)
	db.signalModified(key)
	db.notify(config.NotifyString, "setrange", key)
	db.propagate(args)
	return reply.Int(len(e.Str()))
}

func execIncr(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.incrBy(args, 1)
}

func execDecr(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.incrBy(args, -1)
}

func execIncrBy(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	n, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	return db.incrBy(args, n)
}

func execDecrBy(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	n, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	if n == math.MinInt64 {
		return errDecrOverflow
	}
	return db.incrBy(args, -n)
}

// incrBy adds delta to the integer at args[1], keeping its TTL.
func (db *DB) incrBy(args [][]byte, delta int64) resp.Reply {
	key := args[1]
	e, errReply := db.writeString(key)
	if errReply != nil {
		return errReply
	}
	var v int64
	if e != nil {
		var ok bool
		if v, ok = utils.ParseIntString(e.peekStr()); !ok {
			return reply.NotInteger
		}
	}
	if (delta < 0 && v < 0 && delta < math.MinInt64-v) ||
		(delta > 0 && v > 0 && delta > math.MaxInt64-v) {
		return reply.Overflow
	}
	v += delta
	var nb [20]byte
	text := strconv.AppendInt(nb[:0], v, 10)
	if e == nil {
		db.putBytes(key, text, false)
	} else {
		// A counter's text mostly keeps its length: written in place.
		e.setBytes(text)
		e.Enc = EncAuto
		e.touch()
	}
	db.signalModified(key)
	db.notify(config.NotifyString, "incrby", key)
	db.propagate(args)
	return reply.Int(v)
}

func execIncrByFloat(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key := args[1]
	e, errReply := db.writeString(key)
	if errReply != nil {
		return errReply
	}
	var cur string
	if e != nil {
		cur = e.Str()
	}
	s, errReply := incrLongDouble(cur, e != nil, args[2])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		db.put(key, newStr(s, EncNoInt), false)
	} else {
		e.SetStr(s)
		e.Enc = EncNoInt
		e.touch()
	}
	db.signalModified(key)
	db.notify(config.NotifyString, "incrbyfloat", key)
	db.propagate([][]byte{wordSet, key, []byte(s), wordKeepTTL})
	return reply.BulkStr(s)
}

// incrLongDouble is the arithmetic of INCRBYFLOAT and HINCRBYFLOAT: cur
// (0 when !exists) plus incr, both read as C's strtold reads them, added
// in x87 80-bit precision and formatted as Redis does ("%.17Lf" with
// trailing zeros cut). It returns Redis's error reply for a bad value or
// a result that is not finite.
func incrLongDouble(cur string, exists bool, incr []byte) (string, resp.Reply) {
	v := new(big.Float).SetPrec(64)
	if exists {
		var ok bool
		if v, ok = utils.ParseLongDouble(cur); !ok {
			return "", reply.NotFloat
		}
	}
	d, ok := utils.ParseLongDouble(string(incr))
	if !ok {
		return "", reply.NotFloat
	}
	sum, ok := utils.AddLongDouble(v, d)
	if !ok {
		return "", errIncrNaN
	}
	return string(utils.AppendLongDoubleText(nil, sum)), nil
}

// lcsMatch is one IDX range pair of LCS.
type lcsMatch struct {
	aStart, aEnd, bStart, bEnd int
}

func execLCS(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	ea := db.lookupRead(args[1])
	eb := db.lookupRead(args[2])
	if (ea != nil && ea.Kind != KindString) || (eb != nil && eb.Kind != KindString) {
		return errLCSType
	}
	var a, b string
	if ea != nil {
		a = ea.Str()
	}
	if eb != nil {
		b = eb.Str()
	}
	var getLen, getIdx, withLen bool
	var minLen int64
	for j := 3; j < len(args); j++ {
		opt := args[j]
		switch {
		case isOpt(opt, "IDX"):
			getIdx = true
		case isOpt(opt, "LEN"):
			getLen = true
		case isOpt(opt, "WITHMATCHLEN"):
			withLen = true
		case isOpt(opt, "MINMATCHLEN") && j+1 < len(args):
			n, ok := utils.ParseInt(args[j+1])
			if !ok {
				return reply.NotInteger
			}
			minLen = max(n, 0)
			j++
		default:
			return reply.SyntaxErr
		}
	}
	if getIdx && getLen {
		return errLCSLenIdx
	}
	if uint64(len(a)) >= math.MaxUint32-1 || uint64(len(b)) >= math.MaxUint32-1 {
		return errLCSTooLong
	}
	cells := uint64(len(a)+1) * uint64(len(b)+1)
	if cells*4 > uint64(maxBulkLen()) {
		return errLCSMemory
	}
	table := lcsTable(a, b)
	total := int(table[len(table)-1])
	if getLen {
		return reply.Int(total)
	}
	str, matches := lcsWalk(a, b, table, total, getIdx, int(minLen))
	if !getIdx {
		return reply.BulkStr(str)
	}
	arr := make(reply.Array, len(matches))
	for i, m := range matches {
		item := reply.Array{
			reply.Array{reply.Int(m.aStart), reply.Int(m.aEnd)},
			reply.Array{reply.Int(m.bStart), reply.Int(m.bEnd)},
		}
		if withLen {
			item = append(item, reply.Int(m.aEnd-m.aStart+1))
		}
		arr[i] = item
	}
	return reply.Map{lcsMatchesHeader, arr, lcsLenHeader, reply.Int(total)}
}

// lcsTable fills the dynamic-programming table: cell (i, j), at
// i*(len(b)+1)+j, is the length of the LCS of a[:i] and b[:j].
func lcsTable(a, b string) []uint32 {
	w := len(b) + 1
	t := make([]uint32, (len(a)+1)*w)
	for i := 1; i <= len(a); i++ {
		row, prev := t[i*w:(i+1)*w], t[(i-1)*w:i*w]
		ca := a[i-1]
		for j := 1; j <= len(b); j++ {
			switch {
			case ca == b[j-1]:
				row[j] = prev[j-1] + 1
			case prev[j] > row[j-1]:
				row[j] = prev[j]
			default:
				row[j] = row[j-1]
			}
		}
	}
	return t
}

// lcsWalk walks the table back from its end as Redis does, building the
// LCS string and (when ranges) the matching ranges at least minLen long,
// last ones first.
func lcsWalk(a, b string, t []uint32, total int, ranges bool, minLen int) (string, []lcsMatch) {
	w := len(b) + 1
	out := make([]byte, total)
	var matches []lcsMatch
	k := total
	open := false
	var cur lcsMatch
	emit := func() {
		if n := cur.aEnd - cur.aStart + 1; ranges && (minLen == 0 || n >= minLen) {
			matches = append(matches, cur)
		}
		open = false
	}
	i, j := len(a), len(b)
	for i > 0 && j > 0 {
		if a[i-1] == b[j-1] {
			k--
			out[k] = a[i-1]
			if open {
				cur.aStart, cur.bStart = i-1, j-1
			} else {
				cur = lcsMatch{i - 1, i - 1, j - 1, j - 1}
				open = true
			}
			i--
			j--
			if cur.aStart == 0 || cur.bStart == 0 {
				emit()
			}
			continue
		}
		if t[(i-1)*w+j] > t[i*w+j-1] {
			i--
		} else {
			j--
		}
		if open {
			emit()
		}
	}
	return unsafe.String(unsafe.SliceData(out), len(out)), matches
}
