package database

// signalModified is called by every command after it changes key: it is
// where WATCH and keyspace notifications hook in.
func (db *DB) signalModified(key []byte) {}

// signalDBChanged is signalModified for every key of the database at once
// (SWAPDB, FLUSHDB): WATCH hooks in here without a walk over the keys.
func (db *DB) signalDBChanged() {}

// propagate hands a write, in the form it must be replayed, to persistence.
// The caller still holds the key locks, so the log's order per key is the
// execution order.
func (db *DB) propagate(args [][]byte) {
	db.srv.stats.dirty.Add(1)
}
