package database

import (
	"strings"
	"unsafe"
)

// Kind is the type of a value as TYPE reports it.
type Kind uint8

const (
	KindString Kind = iota
	KindList
	KindHash
	KindSet
	KindZSet
	KindStream
)

var kindNames = [...]string{"string", "list", "hash", "set", "zset", "stream"}

func (k Kind) String() string { return kindNames[k] }

// Entity is one value in the keyspace. Strings keep their bytes in Str
// (one allocation, never boxed twice); other kinds hold their structure in
// Obj.
type Entity struct {
	Str  string
	Obj  any
	Kind Kind
	// Enc is the string encoding Redis would report when it is not the
	// one the value's text implies.
	Enc StrEnc
	// HasTTL mirrors presence in the shard's TTL map, so reads of keys
	// without expiry never look there.
	HasTTL bool
	// LRU is the access clock: seconds of the LRU clock, or under an LFU
	// maxmemory-policy Redis's minutes<<8 | counter (see evict.go).
	LRU uint32
	// Size is what the key was last counted at by the memory accounting
	// (evict.go); it fits the entity's padding.
	Size uint32
}

// StrEnc is how a string value came to be, which decides the encoding
// OBJECT ENCODING reports.
type StrEnc uint8

const (
	// EncAuto: "int" when the text is a canonical int64, else "embstr" up
	// to 44 bytes, else "raw" (values set whole).
	EncAuto StrEnc = iota
	// EncRaw: changed in place (APPEND, SETRANGE, SETBIT): always "raw".
	EncRaw
	// EncNoInt: made from a float (INCRBYFLOAT): never "int".
	EncNoInt
)

// strBuf is the byte array behind a string value that commands change in
// place (APPEND, SETRANGE, SETBIT, BITFIELD): the entity's Obj holds it
// and its Str is a view of it, so a change costs what it writes, not the
// length of the value, as in Redis. A value set whole has no strBuf and
// is immutable.
//
// The rule that keeps views safe: bytes of a strBuf change only under the
// key's lock, so anything that keeps the value past the lock (a reply, a
// copy into another key) takes it with readStr, which copies such values.
type strBuf struct{ b []byte }

// writableStr makes e's string changeable in place, at least n bytes long
// (new bytes zero), marks it raw and returns its bytes; e.Str views them.
// The first call on a value set whole copies it once; the array grows as
// Redis's sds does (doubling up to 1 MB, then by 1 MB).
func (e *Entity) writableStr(n int) []byte {
	sb, _ := e.Obj.(*strBuf)
	if sb == nil {
		b := make([]byte, len(e.Str), strCap(max(n, len(e.Str))))
		copy(b, e.Str)
		sb = &strBuf{b: b}
		e.Obj = sb
	}
	if n > len(sb.b) {
		if n > cap(sb.b) {
			nb := make([]byte, len(sb.b), strCap(n))
			copy(nb, sb.b)
			sb.b = nb
		}
		old := len(sb.b)
		sb.b = sb.b[:n]
		clear(sb.b[old:])
	}
	e.Str = unsafe.String(unsafe.SliceData(sb.b), len(sb.b))
	e.Enc = EncRaw
	return sb.b
}

// strCap is the capacity sdsMakeRoomFor gives a string growing to n.
func strCap(n int) int {
	if n < 1<<20 {
		return max(2*n, 8)
	}
	return n + 1<<20
}

// readStr is e's string value for use after the key's lock is released:
// a value changed in place is copied, since a later change would show
// through; a value set whole is returned as is.
func (e *Entity) readStr() string {
	if e.Obj != nil {
		return strings.Clone(e.Str)
	}
	return e.Str
}
