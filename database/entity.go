package database

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
	// LRU is the access clock (seconds) for OBJECT IDLETIME and eviction.
	LRU uint32
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
