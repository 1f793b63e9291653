package database

import (
	"encoding/binary"
	"math"
	"math/rand/v2"
	"strconv"
	"unsafe"

	"goredis/config"
	"goredis/datastruct/hll"
	"goredis/interface/resp"
	"goredis/resp/reply"
)

// HyperLogLog commands. A sketch is an ordinary string value holding
// Redis's byte layout (datastruct/hll), so GET, SET, DUMP and friends see
// the same bytes as in Redis. Strings are immutable here: every change
// builds new bytes (copy on write) and stores them in the entity.

func init() {
	register("pfadd", execPFAdd, -2, "write denyoom fast", 1, 1, 1)
	register("pfcount", execPFCount, -2, "readonly", 1, -1, 1)
	register("pfmerge", execPFMerge, -2, "write denyoom", 1, -1, 1)
	register("pfdebug", execPFDebug, 3, "write denyoom admin", 2, 2, 1)
	register("pfselftest", execPFSelfTest, 1, "admin", 0, 0, 0)
}

var (
	errHLLWrongType = reply.Error("WRONGTYPE Key is not a valid HyperLogLog string value.")
	errHLLInvalid   = reply.Error("INVALIDOBJ Corrupted HLL object detected")
	errHLLNoKey     = reply.Err("The specified key does not exist")
	errHLLNotSparse = reply.Err("HLL encoding is not sparse")
	hllDenseStatus  = reply.Status("dense")
	hllSparseStatus = reply.Status("sparse")
)

// hllSparseMax is hll-sparse-max-bytes.
func hllSparseMax() int64 {
	v, _ := config.Get().Param("hll-sparse-max-bytes")
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 3000
	}
	return n
}

// hllCheck returns the error Redis gives when e is not a HyperLogLog:
// WRONGTYPE for another kind, its HLL variant for a string that is not a
// sketch.
func hllCheck(e *Entity) resp.Reply {
	if e.Kind != KindString {
		return reply.WrongType
	}
	if !hll.Valid(e.Str()) {
		return errHLLWrongType
	}
	return nil
}

// hllView is the bytes of a stored sketch, for reading only.
func hllView(s string) []byte {
	return unsafe.Slice(unsafe.StringData(s), len(s))
}

// hllCopy copies a stored sketch for changing, with room for a sparse one
// to grow a little.
func hllCopy(s string) []byte {
	extra := 0
	if s[4] == hll.Sparse {
		extra = 8
	}
	b := make([]byte, len(s), len(s)+extra)
	copy(b, s)
	return b
}

// hllStore stores new sketch bytes b at key: in e when the key exists
// (keeping its TTL), else as a new key. b must not be used afterwards.
func (db *DB) hllStore(key []byte, e *Entity, b []byte) {
	s := unsafe.String(unsafe.SliceData(b), len(b))
	if e == nil {
		db.put(key, newStr(s, EncRaw), false)
		return
	}
	e.SetStr(s)
	e.Enc = EncRaw
	e.touch()
}

// PFADD key [element ...]
func execPFAdd(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key := args[1]
	e := db.lookup(key)
	var b []byte
	updated := false
	if e == nil {
		b = hll.New()
		updated = true
	} else {
		if errReply := hllCheck(e); errReply != nil {
			return errReply
		}
		// Redis unshares the value (it becomes raw) even when nothing
		// changes.
		e.Enc = EncRaw
		if len(args) == 2 || e.Str()[4] == hll.Dense && !hll.DenseWouldChange(hllView(e.Str()), args[2:]) {
			// Nothing changes: no copy of the 12 KB.
			return reply.Int(0)
		}
		b = hllCopy(e.Str())
	}
	maxSparse := hllSparseMax()
	for _, ele := range args[2:] {
		var r int
		b, r = hll.Add(b, ele, maxSparse)
		switch r {
		case 1:
			updated = true
		case -1:
			// Redis changes the value in place: what was added before the
			// corrupt part stays, unpropagated.
			if e.Str() != string(b) {
				db.hllStore(key, e, b)
			}
			return errHLLInvalid
		}
	}
	if !updated {
		return reply.Int(0)
	}
	hll.InvalidateCache(b)
	db.hllStore(key, e, b)
	db.signalModified(key)
	db.notify(config.NotifyString, "pfadd", key)
	db.propagate(args)
	return reply.Int(1)
}

// PFCOUNT key [key ...]
func execPFCount(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) > 2 {
		// The union of several sketches, computed in a temporary.
		var max [hll.NumRegisters]uint8
		for _, key := range args[1:] {
			e := db.lookupRead(key)
			if e == nil {
				continue
			}
			if errReply := hllCheck(e); errReply != nil {
				return errReply
			}
			if !hll.Merge(&max, hllView(e.Str())) {
				return errHLLInvalid
			}
		}
		return reply.Int(int64(hll.CountRegisters(&max)))
	}
	key := args[1]
	e := db.lookupRead(key)
	if e == nil {
		return reply.Int(0)
	}
	if errReply := hllCheck(e); errReply != nil {
		return errReply
	}
	e.Enc = EncRaw
	if card, ok := hll.CachedCard(hllView(e.Str())); ok {
		return reply.Int(int64(card))
	}
	card, ok := hll.Count(hllView(e.Str()))
	if !ok {
		return errHLLInvalid
	}
	// Caching the result changes the string: Redis counts it as a write
	// and propagates the PFCOUNT.
	b := hllCopy(e.Str())
	hll.SetCachedCard(b, card)
	db.hllStore(key, e, b)
	db.signalModified(key)
	db.propagate(args)
	return reply.Int(int64(card))
}

// PFMERGE destkey [sourcekey ...]
func execPFMerge(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var max [hll.NumRegisters]uint8
	useDense := false
	// The destination is one of the sources.
	for _, key := range args[1:] {
		e := db.lookupRead(key)
		if e == nil {
			continue
		}
		if errReply := hllCheck(e); errReply != nil {
			return errReply
		}
		if e.Str()[4] == hll.Dense {
			useDense = true
		}
		if !hll.Merge(&max, hllView(e.Str())) {
			return errHLLInvalid
		}
	}
	key := args[1]
	e := db.lookup(key)
	var b []byte
	if e == nil {
		b = hll.New()
	} else {
		b = hllCopy(e.Str())
	}
	if useDense {
		// Cannot fail: the destination was merged above.
		b, _ = hll.ToDense(b)
	}
	maxSparse := hllSparseMax()
	for i, v := range max {
		if v != 0 {
			b, _ = hll.Set(b, i, v, maxSparse)
		}
	}
	hll.InvalidateCache(b)
	db.hllStore(key, e, b)
	db.signalModified(key)
	// Redis publishes pfadd for the destination whatever changed.
	db.notify(config.NotifyString, "pfadd", key)
	db.propagate(args)
	return reply.OK
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
func execPFDebug(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	key := args[2]
	e := db.lookup(key)
	if e == nil {
		return errHLLNoKey
	}
	if errReply := hllCheck(e); errReply != nil {
		return errReply
	}
	e.Enc = EncRaw
	sparse := e.Str()[4] == hll.Sparse
	switch sub := args[1]; {
	case isOpt(sub, "GETREG"):
		if sparse {
			if errReply := db.hllToDense(key, e, args); errReply != nil {
				return errReply
			}
		}
		regs, _ := hll.Registers(hllView(e.Str()))
		out := make([]resp.Reply, len(regs))
		for i, v := range regs {
			out[i] = reply.Int(v)
		}
		return reply.Array(out)
	case isOpt(sub, "DECODE"):
		if !sparse {
			return errHLLNotSparse
		}
		return reply.BulkStr(hll.Decode(hllView(e.Str())))
	case isOpt(sub, "ENCODING"):
		if sparse {
			return hllSparseStatus
		}
		return hllDenseStatus
	case isOpt(sub, "TODENSE"):
		if !sparse {
			return reply.Int(0)
		}
		if errReply := db.hllToDense(key, e, args); errReply != nil {
			return errReply
		}
		return reply.Int(1)
	default:
		return reply.Err("Unknown PFDEBUG subcommand '" + string(optName(sub)) + "'")
	}
}

// hllToDense converts the sparse sketch in e to dense for PFDEBUG, which
// Redis propagates (without signalling the key as modified).
func (db *DB) hllToDense(key []byte, e *Entity, args [][]byte) resp.Reply {
	b, ok := hll.ToDense(hllView(e.Str()))
	if !ok {
		return errHLLInvalid
	}
	db.hllStore(key, e, b)
	db.propagate(args)
	return nil
}

// PFSELFTEST checks the register packing and the estimator's error, as
// Redis's does.
func execPFSelfTest(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if errText := hllSelfTest(hllSparseMax()); errText != "" {
		return reply.Err(errText)
	}
	return reply.OK
}

// hllSelfTest returns "" or the TESTFAILED text of the first failure.
func hllSelfTest(maxSparse int64) string {
	// Registers read back what was written, neighbours untouched.
	regs := make([]byte, hll.DenseSize-hll.HeaderSize)
	var want [hll.NumRegisters]uint8
	for cycle := 0; cycle < 1000; cycle++ {
		for i := range want {
			want[i] = uint8(rand.IntN(hll.RegisterMax + 1))
			hll.SetRegister(regs, i, want[i])
		}
		for i, w := range want {
			if v := hll.GetRegister(regs, i); v != w {
				return "TESTFAILED Register " + strconv.Itoa(i) + " should be " +
					strconv.Itoa(int(w)) + " but is " + strconv.Itoa(int(v))
			}
		}
	}
	// A dense and a sparse sketch fed the same elements agree, the sparse
	// one stays sparse while small, and the error stays within bounds.
	dense := make([]byte, hll.DenseSize)
	copy(dense, "HYLL")
	sparse := hll.New()
	relErr := 1.04 / math.Sqrt(hll.NumRegisters)
	seed := rand.Uint64()
	var ele [8]byte
	checkpoint := uint64(1)
	for j := uint64(1); j <= 10000000; j++ {
		binary.LittleEndian.PutUint64(ele[:], j^seed)
		dense, _ = hll.Add(dense, ele[:], maxSparse)
		sparse, _ = hll.Add(sparse, ele[:], maxSparse)
		if j != checkpoint {
			continue
		}
		if j < uint64(maxSparse/2) && hll.Encoding(sparse) != hll.Sparse {
			return "TESTFAILED sparse encoding not used"
		}
		card, _ := hll.Count(dense)
		if c2, _ := hll.Count(sparse); c2 != card {
			return "TESTFAILED dense/sparse disagree"
		}
		absErr := int64(checkpoint) - int64(card)
		maxErr := uint64(math.Ceil(relErr * 6 * float64(checkpoint)))
		if j == 10 {
			maxErr = 1
		}
		if absErr < 0 {
			absErr = -absErr
		}
		if absErr > int64(maxErr) {
			return "TESTFAILED Too big error. card:" + strconv.FormatUint(checkpoint, 10) +
				" abserr:" + strconv.FormatInt(absErr, 10)
		}
		checkpoint *= 10
	}
	return ""
}
