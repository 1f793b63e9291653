package database

import (
	"math"
	"strings"
	"unsafe"

	"goredis/datastruct/hash"
	"goredis/datastruct/list"
	"goredis/datastruct/set"
	"goredis/datastruct/sortedset"
	"goredis/lib/utils"
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

// Entity is one value in the keyspace, 24 bytes: a million keys cost 24
// MB here, so the value is one pointer and a length rather than a string
// and an interface (48 bytes). Strings keep their bytes behind p (one
// allocation, never boxed twice); other kinds point p at their structure,
// and obj says which. Str, Obj, SetStr and SetObj read and write them.
type Entity struct {
	p unsafe.Pointer
	// n is the length of a string held in p (objNone).
	n uint32
	// LRU is the access clock: seconds of the LRU clock, or under an LFU
	// maxmemory-policy Redis's minutes<<8 | counter (see evict.go).
	LRU uint32
	// Size is what the key was last counted at by the memory accounting
	// (evict.go).
	Size uint32
	Kind Kind
	// Enc is the string encoding Redis would report when it is not the
	// one the value's text implies.
	Enc StrEnc
	// HasTTL mirrors presence in the shard's TTL map, so reads of keys
	// without expiry never look there.
	HasTTL bool
	obj    objTag
}

// objTag is what p points at.
type objTag uint8

const (
	objNone objTag = iota // string bytes (n of them), or nothing
	// objOwnStr: string bytes (n of them) in an array of the entity's own
	// that no view has been taken of: Str hands views out and makes it
	// objNone, so only an array no reply or other key can see is ever
	// written over (putBytes).
	objOwnStr
	objBigStr // a *string: a value of 4 GiB or more
	objStrBuf // a *strBuf: a string changed in place
	objList   // *list.List
	objHash   // *hash.Hash
	objSet    // *set.Set
	objZSet   // *sortedset.SortedSet
	objAny    // a *any holding any other value
)

// newStr returns a string entity holding s.
func newStr(s string, enc StrEnc) *Entity {
	e := &Entity{Kind: KindString, Enc: enc}
	e.SetStr(s)
	return e
}

// newObj returns an entity of kind k holding o.
func newObj(k Kind, o any) *Entity {
	e := &Entity{Kind: k}
	e.SetObj(o)
	return e
}

// Str is the entity's string value ("" for other kinds). The string may
// be kept past the key's lock (see readStr), so an array the entity owned
// is its own no more (objOwnStr).
func (e *Entity) Str() string {
	e.disown()
	return e.peekStr()
}

// peekStr is the string value for a look under the key's lock that keeps
// nothing of it (parsing it): unlike Str it leaves the array the entity's
// own.
func (e *Entity) peekStr() string {
	if e.obj <= objOwnStr {
		return unsafe.String((*byte)(e.p), int(e.n))
	}
	return e.strOther()
}

// strLen is len(e.Str()) without taking a view.
func (e *Entity) strLen() int { return len(e.peekStr()) }

// setBytes makes a copy of val the entity's string value: written over
// the old value when its array is the entity's own (objOwnStr) and of
// val's length, else in a new array of its own.
func (e *Entity) setBytes(val []byte) {
	if e.obj == objOwnStr && int(e.n) == len(val) {
		utils.OverwriteString(e.peekStr(), val)
		return
	}
	e.SetStr(utils.OwnedString(val))
	e.own()
}

// disown ends the entity's claim that no one else sees its array.
func (e *Entity) disown() {
	if e.obj == objOwnStr {
		e.obj = objNone
	}
}

// own marks the entity's string as in an array no one else sees, for a
// value just copied by utils.OwnedString.
func (e *Entity) own() {
	if e.obj == objNone && e.n > 0 {
		e.obj = objOwnStr
	}
}

func (e *Entity) strOther() string {
	switch e.obj {
	case objStrBuf:
		b := (*strBuf)(e.p).b
		return unsafe.String(unsafe.SliceData(b), len(b))
	case objBigStr:
		return *(*string)(e.p)
	}
	return ""
}

// SetStr makes s the entity's value, dropping any structure it held.
func (e *Entity) SetStr(s string) {
	switch {
	case len(s) == 0:
		e.p, e.n, e.obj = nil, 0, objNone
	case uint64(len(s)) <= math.MaxUint32:
		e.p, e.n, e.obj = unsafe.Pointer(unsafe.StringData(s)), uint32(len(s)), objNone
	default:
		e.p, e.n, e.obj = boxStr(s), 0, objBigStr
	}
}

// boxStr puts s in an allocation of its own (a function apart, so SetStr's
// argument does not escape on every call).
func boxStr(s string) unsafe.Pointer {
	b := new(string)
	*b = s
	return unsafe.Pointer(b)
}

// Obj is the structure the entity holds: a *list.List, *hash.Hash,
// *set.Set or *sortedset.SortedSet, a *strBuf behind a string changed in
// place, or nil for a string set whole.
func (e *Entity) Obj() any {
	switch e.obj {
	case objStrBuf:
		return (*strBuf)(e.p)
	case objList:
		return (*list.List)(e.p)
	case objHash:
		return (*hash.Hash)(e.p)
	case objSet:
		return (*set.Set)(e.p)
	case objZSet:
		return (*sortedset.SortedSet)(e.p)
	case objAny:
		return *(*any)(e.p)
	}
	return nil
}

// SetObj makes o the entity's structure (nil: an empty string).
func (e *Entity) SetObj(o any) {
	e.n = 0
	switch v := o.(type) {
	case nil:
		e.p, e.obj = nil, objNone
	case *strBuf:
		e.p, e.obj = unsafe.Pointer(v), objStrBuf
	case *list.List:
		e.p, e.obj = unsafe.Pointer(v), objList
	case *hash.Hash:
		e.p, e.obj = unsafe.Pointer(v), objHash
	case *set.Set:
		e.p, e.obj = unsafe.Pointer(v), objSet
	case *sortedset.SortedSet:
		e.p, e.obj = unsafe.Pointer(v), objZSet
	default:
		box := new(any)
		*box = o
		e.p, e.obj = unsafe.Pointer(box), objAny
	}
}

// inPlace reports whether the string value lives in a strBuf (changed in
// place, so views of it must be copied before the key's lock goes).
func (e *Entity) inPlace() bool { return e.obj == objStrBuf }

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
	var sb *strBuf
	if e.obj == objStrBuf {
		sb = (*strBuf)(e.p)
	} else {
		old := e.Str()
		b := make([]byte, len(old), strCap(max(n, len(old))))
		copy(b, old)
		sb = &strBuf{b: b}
		e.SetObj(sb)
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
	if e.inPlace() {
		return strings.Clone(e.Str())
	}
	return e.Str()
}
