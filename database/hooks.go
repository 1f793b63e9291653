package database

// signalModified is called by every command after it changes key, under
// the key's lock: WATCH hooks in here (keyspace notifications are sent by
// the commands themselves through notify, which carry the event's name).
func (db *DB) signalModified(key []byte) {
	if db.srv.watches.count.Load() != 0 {
		db.srv.watches.touch(db, key)
	}
	if accounting.Load() {
		db.account(key)
	}
}

// signalDBChanged is signalModified for every key of the database at once,
// called before a FLUSHDB/FLUSHALL empties it (replacedWith nil) or a
// SWAPDB replaces its contents with replacedWith's; the caller holds every
// lock of both. WATCH hooks in here without a walk over the keys.
func (db *DB) signalDBChanged(replacedWith *DB) {
	db.srv.watches.touchAll(db, replacedWith)
}

// propagate hands a write, in the form it must be replayed, to persistence.
// The caller still holds the key locks, so the log's order per key is the
// execution order.
func (db *DB) propagate(args [][]byte) {
	db.srv.stats.dirty.Add(1)
	p := db.srv.persist.aof.Load()
	if p == nil {
		// No live file; a BGREWRITEAOF may still be writing one, whose
		// tail must get what changes meanwhile.
		if run := db.srv.persist.rewriting.Load(); run != nil && run.detached != nil {
			if db.tx != nil {
				db.tx.add(db, args)
				return
			}
			run.detached.AppendTail(run.gen, db.srv.rewriteTail(run, db, args), false)
		}
		return
	}
	if db.tx != nil {
		db.tx.add(db, args)
		return
	}
	if run := db.srv.persist.rewriting.Load(); run != nil {
		p.AppendRewriting(db.index, args, run.gen, db.srv.rewriteTail(run, db, args))
		return
	}
	p.Append(db.index, args)
}
