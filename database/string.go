package database

import (
	"goredis/interface/resp"
	"goredis/resp/reply"
)

func init() {
	register("get", execGet, 2, "readonly fast", 1, 1, 1)
	register("set", execSet, -3, "write denyoom", 1, 1, 1)
}

// getString returns the string at key, reply.WrongType when the key holds
// another kind, or nil, nil when there is no key.
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

func execGet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	e, errReply := db.getString(args[1])
	if errReply != nil {
		return errReply
	}
	if e == nil {
		return reply.Null
	}
	return reply.BulkStr(e.Str)
}

func execSet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) != 3 {
		return execSetOptions(db, c, args)
	}
	db.putString(args[1], string(args[2]), false)
	db.signalModified(args[1])
	db.propagate(args)
	return reply.OK
}

func execSetOptions(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.SyntaxErr
}
