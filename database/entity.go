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
	// Raw marks a string changed in place (APPEND, SETRANGE, SETBIT),
	// which Redis then reports with encoding "raw" whatever its length.
	Raw bool
	// HasTTL mirrors presence in the shard's TTL map, so reads of keys
	// without expiry never look there.
	HasTTL bool
	// LRU is the access clock (seconds) for OBJECT IDLETIME and eviction.
	LRU uint32
}
