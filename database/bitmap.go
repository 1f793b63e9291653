package database

import (
	"math"
	"unsafe"

	"goredis/config"
	"goredis/datastruct/bitmap"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// Bitmaps are strings: the commands here read Entity.Str as an array of
// bits (bit 0 is the top bit of byte 0). A stored string is never changed
// in place (a reply may still be reading it after the locks are released),
// so every change builds the new value in a fresh []byte and stores it as
// the string.

func init() {
	register("setbit", execSetBit, 4, "write denyoom", 1, 1, 1)
	register("getbit", execGetBit, 3, "readonly fast", 1, 1, 1)
	register("bitcount", execBitCount, -2, "readonly", 1, 1, 1)
	register("bitpos", execBitPos, -3, "readonly", 1, 1, 1)
	register("bitop", execBitOp, -4, "write denyoom", 2, -1, 1)
	register("bitfield", execBitField, -2, "write denyoom", 1, 1, 1)
	register("bitfield_ro", execBitFieldRO, -2, "readonly fast", 1, 1, 1)
}

var (
	errBitOffset     = reply.Err("bit offset is not an integer or out of range")
	errBitValue      = reply.Err("bit is not an integer or out of range")
	errBitPosArg     = reply.Err("The bit argument must be 1 or 0.")
	errBitOpNot      = reply.Err("BITOP NOT must be called with a single source key.")
	errBitFieldType  = reply.Err("Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but i64 is.")
	errBitFieldOver  = reply.Err("Invalid OVERFLOW type specified")
	errBitFieldROSet = reply.Err("BITFIELD_RO only supports the GET subcommand")
)

// bitOffsetArg parses a bit offset as Redis does: a non-negative integer
// whose byte (offset/8) is below proto-max-bulk-len. For BITFIELD
// (width > 0) "#n" means n*width, multiplied with int64 wrap-around as in
// Redis.
func bitOffsetArg(arg []byte, width int) (uint64, bool) {
	hash := width > 0 && len(arg) > 0 && arg[0] == '#'
	if hash {
		arg = arg[1:]
	}
	off, ok := utils.ParseInt(arg)
	if !ok {
		return 0, false
	}
	if hash {
		off *= int64(width)
	}
	if off < 0 || off>>3 >= maxBulkLen() {
		return 0, false
	}
	return uint64(off), true
}

// bitStrBytes is a read-only view of a stored string's bytes.
func bitStrBytes(b []byte) string {
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// SETBIT key offset value
func execSetBit(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key := args[1]
	off, ok := bitOffsetArg(args[2], 0)
	if !ok {
		return errBitOffset
	}
	on, ok := utils.ParseInt(args[3])
	if !ok || on&^1 != 0 {
		return errBitValue
	}
	e, errReply := db.writeString(key)
	if errReply != nil {
		return errReply
	}
	need := off>>3 + 1
	if e != nil {
		// Redis unshares the value (it becomes raw) even when the bit
		// is already as asked.
		e.Enc = EncRaw
		e.touch()
		if need <= uint64(len(e.Str())) && bitmap.Get(e.Str(), off) == int(on) {
			// Nothing changed: no signal, not propagated (Redis 7.0).
			return reply.Int(on)
		}
	}
	e = db.stringForUpdate(key, e)
	b := e.writableStr(max(int(need), len(e.Str())))
	old := bitmap.Set(b, off, int(on))
	db.signalModified(key)
	db.notify(config.NotifyString, "setbit", key)
	db.propagate(args)
	return reply.Int(old)
}

// GETBIT key offset
func execGetBit(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	off, ok := bitOffsetArg(args[2], 0)
	if !ok {
		return errBitOffset
	}
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		return reply.Int(0)
	}
	return reply.Int(bitmap.Get(e.Str(), off))
}

// bitUnitArg reads BITCOUNT's and BITPOS's BYTE|BIT option.
func bitUnitArg(arg []byte) (isBit, ok bool) {
	switch {
	case isOpt(arg, "BIT"):
		return true, true
	case isOpt(arg, "BYTE"):
		return false, true
	}
	return false, false
}

// BITCOUNT key [start end [BYTE|BIT]]
//
// As in Redis 7.0 the key is looked up before the range is parsed: a
// missing key answers 0 whatever the arguments.
func execBitCount(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		return reply.Int(0)
	}
	s := e.Str()
	total := int64(len(s))
	switch len(args) {
	case 2:
		return reply.Int(bitmap.PopCount(s))
	case 4, 5:
	default:
		return reply.SyntaxErr
	}
	start, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	end, ok := utils.ParseInt(args[3])
	if !ok {
		return reply.NotInteger
	}
	isBit := false
	if len(args) == 5 {
		if isBit, ok = bitUnitArg(args[4]); !ok {
			return reply.SyntaxErr
		}
	}
	if isBit {
		total <<= 3
	}
	if start < 0 && end < 0 && start > end {
		return reply.Int(0)
	}
	start, end = bitClampRange(start, end, total)
	if start > end {
		return reply.Int(0)
	}
	from, to := bitSpan(start, end, isBit)
	return reply.Int(bitmap.CountRange(s, from, to))
}

// bitClampRange maps start and end (negative counting from the end) onto
// 0..total-1 as Redis does; start > end afterwards means an empty range.
func bitClampRange(start, end, total int64) (int64, int64) {
	if start < 0 {
		start += total
	}
	if end < 0 {
		end += total
	}
	start = max(start, 0)
	end = max(end, 0)
	end = min(end, total-1)
	return start, end
}

// bitSpan turns a non-empty range of bytes or bits into a range of bits.
func bitSpan(start, end int64, isBit bool) (from, to uint64) {
	if isBit {
		return uint64(start), uint64(end)
	}
	return uint64(start) * 8, uint64(end)*8 + 7
}

// BITPOS key bit [start [end [BYTE|BIT]]]
func execBitPos(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	bit, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	if bit != 0 && bit != 1 {
		return errBitPosArg
	}
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		// A missing key is an endless run of clear bits.
		return reply.Int(-bit) // bit 0: 0, bit 1: -1
	}
	s := e.Str()
	total := int64(len(s))
	start, end := int64(0), total-1
	isBit, endGiven := false, false
	switch len(args) {
	case 3:
	case 4, 5, 6:
		if start, ok = utils.ParseInt(args[3]); !ok {
			return reply.NotInteger
		}
		if len(args) == 6 {
			if isBit, ok = bitUnitArg(args[5]); !ok {
				return reply.SyntaxErr
			}
		}
		if len(args) >= 5 {
			if end, ok = utils.ParseInt(args[4]); !ok {
				return reply.NotInteger
			}
			endGiven = true
		} else if isBit {
			end = total<<3 + 7
		}
		if isBit {
			total <<= 3
		}
		start, end = bitClampRange(start, end, total)
	default:
		return reply.SyntaxErr
	}
	if start > end {
		return reply.Int(-1)
	}
	from, to := bitSpan(start, end, isBit)
	pos := bitmap.Pos(s, int(bit), from, to)
	if pos < 0 && bit == 0 && !endGiven {
		// With no end given the string counts as followed by clear
		// bits: the first one is just past the range.
		pos = int64(to) + 1
	}
	return reply.Int(pos)
}

// BITOP op destkey key [key ...]
func execBitOp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var op bitmap.Op
	switch name := args[1]; {
	case isOpt(name, "AND"):
		op = bitmap.And
	case isOpt(name, "OR"):
		op = bitmap.Or
	case isOpt(name, "XOR"):
		op = bitmap.Xor
	case isOpt(name, "NOT"):
		op = bitmap.Not
	default:
		return reply.SyntaxErr
	}
	if op == bitmap.Not && len(args) != 4 {
		return errBitOpNot
	}
	dest := args[2]
	srcs := make([]string, len(args)-3)
	for i, key := range args[3:] {
		e := db.lookupRead(key)
		if e == nil {
			continue // a missing key is an empty string
		}
		if e.Kind != KindString {
			return reply.WrongType
		}
		srcs[i] = e.Str()
	}
	res := bitmap.Apply(op, srcs)
	if len(res) > 0 {
		db.put(dest, newStr(bitStrBytes(res), EncRaw), false)
		db.notify(config.NotifyString, "set", dest)
	} else if !db.del(dest) {
		return reply.Int(0)
	}
	db.signalModified(dest)
	db.propagate(args)
	return reply.Int(len(res))
}

// BITFIELD operations and overflow behaviours.
const (
	bfGet = iota
	bfSet
	bfIncrBy
)

const (
	bfWrap = iota
	bfSat
	bfFail
)

type bitFieldOp struct {
	code     int
	overflow int
	signed   bool
	width    int
	offset   uint64
	value    int64
}

// bitFieldTypeArg parses i1..i64 or u1..u63. Like Redis it reads the width
// up to the first NUL byte.
func bitFieldTypeArg(arg []byte) (signed bool, width int, ok bool) {
	if len(arg) == 0 || (arg[0] != 'i' && arg[0] != 'u') {
		return false, 0, false
	}
	signed = arg[0] == 'i'
	n, ok := utils.ParseInt(optName(arg[1:]))
	if !ok || n < 1 || (signed && n > 64) || (!signed && n > 63) {
		return false, 0, false
	}
	return signed, int(n), true
}

// bitFieldParse reads BITFIELD's operations; readOnly reports that all are
// GETs.
func bitFieldParse(args [][]byte) (ops []bitFieldOp, highest uint64, readOnly bool, errReply resp.Reply) {
	overflow := bfWrap
	readOnly = true
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		var op bitFieldOp
		switch sub := args[j]; {
		case isOpt(sub, "GET") && left >= 2:
			op.code = bfGet
		case isOpt(sub, "SET") && left >= 3:
			op.code = bfSet
		case isOpt(sub, "INCRBY") && left >= 3:
			op.code = bfIncrBy
		case isOpt(sub, "OVERFLOW") && left >= 1:
			j++
			switch w := args[j]; {
			case isOpt(w, "WRAP"):
				overflow = bfWrap
			case isOpt(w, "SAT"):
				overflow = bfSat
			case isOpt(w, "FAIL"):
				overflow = bfFail
			default:
				return nil, 0, false, errBitFieldOver
			}
			continue
		default:
			return nil, 0, false, reply.SyntaxErr
		}
		var ok bool
		if op.signed, op.width, ok = bitFieldTypeArg(args[j+1]); !ok {
			return nil, 0, false, errBitFieldType
		}
		if op.offset, ok = bitOffsetArg(args[j+2], op.width); !ok {
			return nil, 0, false, errBitOffset
		}
		op.overflow = overflow
		if op.code != bfGet {
			readOnly = false
			highest = max(highest, op.offset+uint64(op.width)-1)
			if op.value, ok = utils.ParseInt(args[j+3]); !ok {
				return nil, 0, false, reply.NotInteger
			}
			j++
		}
		j += 2
		ops = append(ops, op)
	}
	return ops, highest, readOnly, nil
}

// BITFIELD key [GET type offset | SET type offset value |
// INCRBY type offset increment | OVERFLOW WRAP|SAT|FAIL ...]
func execBitField(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.bitField(args, false)
}

// BITFIELD_RO key [GET type offset ...]
func execBitFieldRO(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return db.bitField(args, true)
}

func (db *DB) bitField(args [][]byte, roCommand bool) resp.Reply {
	key := args[1]
	ops, highest, readOnly, errReply := bitFieldParse(args)
	if errReply != nil {
		return errReply
	}
	if readOnly {
		e, errReply := db.getString(key)
		if errReply != nil {
			return errReply
		}
		var s string
		if e != nil {
			s = e.Str()
		}
		out := make([]resp.Reply, len(ops))
		for i, op := range ops {
			out[i] = bitFieldGet(s, op)
		}
		return reply.Array(out)
	}
	if roCommand {
		return errBitFieldROSet
	}
	e, errReply := db.writeString(key)
	if errReply != nil {
		return errReply
	}
	e = db.stringForUpdate(key, e)
	b := e.writableStr(max(int(highest>>3+1), len(e.Str())))
	s := e.Str() // a view of b: reads see the writes before them
	out := make([]resp.Reply, len(ops))
	changes := 0
	for i, op := range ops {
		if op.code == bfGet {
			out[i] = bitFieldGet(s, op)
			continue
		}
		var wrote bool
		out[i], wrote = bitFieldWrite(b, op)
		if wrote {
			changes++
		}
	}
	db.signalModified(key)
	if changes > 0 {
		// As Redis: a write refused by OVERFLOW FAIL changes nothing.
		db.notify(config.NotifyString, "setbit", key)
	}
	db.propagate(args)
	return reply.Array(out)
}

func bitFieldGet(s string, op bitFieldOp) resp.Reply {
	if op.signed {
		return reply.Int(bitmap.GetSigned(s, op.offset, op.width))
	}
	return reply.Int(int64(bitmap.GetUnsigned(s, op.offset, op.width)))
}

// bitFieldWrite runs a SET or INCRBY on b and returns its reply: the old
// value for SET, the new one for INCRBY, null when OVERFLOW FAIL refused
// it.
func bitFieldWrite(b []byte, op bitFieldOp) (resp.Reply, bool) {
	s := bitStrBytes(b)
	var old, next int64
	var over bool
	if op.signed {
		old = bitmap.GetSigned(s, op.offset, op.width)
		value, incr := op.value, int64(0)
		if op.code == bfIncrBy {
			value, incr = old, op.value
		}
		var limit int64
		over, limit = bitFieldSignedOverflow(value, incr, op.width, op.overflow)
		next = value + incr
		if over {
			next = limit
		}
	} else {
		u := bitmap.GetUnsigned(s, op.offset, op.width)
		old = int64(u)
		value, incr := uint64(op.value), int64(0)
		if op.code == bfIncrBy {
			value, incr = u, op.value
		}
		var limit uint64
		over, limit = bitFieldUnsignedOverflow(value, incr, op.width, op.overflow)
		n := value + uint64(incr)
		if over {
			n = limit
		}
		next = int64(n)
	}
	if over && op.overflow == bfFail {
		return reply.Null, false
	}
	bitmap.SetUnsigned(b, op.offset, op.width, uint64(next))
	if op.code == bfSet {
		return reply.Int(old), true
	}
	return reply.Int(next), true
}

// bitFieldSignedOverflow reports whether value+incr leaves a signed
// width-bit field and, if so, what WRAP or SAT stores instead. The
// comparisons are Redis's, with its int64 wrap-around: a SET of a value
// far below the type's minimum saturates to the maximum as in Redis.
func bitFieldSignedOverflow(value, incr int64, width, overflow int) (bool, int64) {
	hi := int64(math.MaxInt64)
	if width < 64 {
		hi = 1<<(width-1) - 1
	}
	lo := -hi - 1
	maxIncr := int64(uint64(hi) - uint64(value))
	minIncr := lo - value
	var limit int64
	switch {
	case value > hi || (width != 64 && incr > maxIncr) || (value >= 0 && incr > 0 && incr > maxIncr):
		limit = hi
	case value < lo || (width != 64 && incr < minIncr) || (value < 0 && incr < 0 && incr < minIncr):
		limit = lo
	default:
		return false, 0
	}
	if overflow == bfWrap {
		sum := uint64(value) + uint64(incr)
		if width < 64 {
			high := ^uint64(0) << width
			if sum>>(width-1)&1 == 1 {
				sum |= high
			} else {
				sum &^= high
			}
		}
		limit = int64(sum)
	}
	return true, limit
}

// bitFieldUnsignedOverflow is bitFieldSignedOverflow for an unsigned
// width-bit field (width < 64); a SET of a negative value is a huge value
// and overflows upwards.
func bitFieldUnsignedOverflow(value uint64, incr int64, width, overflow int) (bool, uint64) {
	hi := uint64(1)<<width - 1
	maxIncr := int64(hi - value)
	minIncr := -int64(value)
	var limit uint64
	switch {
	case value > hi || (incr > 0 && incr > maxIncr):
		limit = hi
	case incr < 0 && incr < minIncr:
		limit = 0
	default:
		return false, 0
	}
	if overflow == bfWrap {
		limit = (value + uint64(incr)) & hi
	}
	return true, limit
}
