package database

import (
	"bytes"
	"math"
	"strconv"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// The expire family (Redis's expire.c): setting, reading and removing a
// key's time to live.

func init() {
	register("expire", execExpire, -3, "write fast", 1, 1, 1)
	register("pexpire", execPExpire, -3, "write fast", 1, 1, 1)
	register("expireat", execExpireAt, -3, "write fast", 1, 1, 1)
	register("pexpireat", execPExpireAt, -3, "write fast", 1, 1, 1)
	register("ttl", execTTL, 2, "readonly fast", 1, 1, 1)
	register("pttl", execPTTL, 2, "readonly fast", 1, 1, 1)
	register("expiretime", execExpireTime, 2, "readonly fast", 1, 1, 1)
	register("pexpiretime", execPExpireTime, 2, "readonly fast", 1, 1, 1)
	register("persist", execPersist, 2, "write fast", 1, 1, 1)
}

// Conditions of the EXPIRE family.
const (
	expireNX = 1 << iota
	expireXX
	expireGT
	expireLT
)

// parseExpireFlags reads NX, XX, GT and LT and rejects the combinations
// Redis rejects.
func parseExpireFlags(args [][]byte) (int, resp.Reply) {
	flags := 0
	for _, a := range args {
		switch {
		case bytes.EqualFold(a, []byte("nx")):
			flags |= expireNX
		case bytes.EqualFold(a, []byte("xx")):
			flags |= expireXX
		case bytes.EqualFold(a, []byte("gt")):
			flags |= expireGT
		case bytes.EqualFold(a, []byte("lt")):
			flags |= expireLT
		default:
			return 0, reply.Err("Unsupported option " + string(a))
		}
	}
	if flags&expireNX != 0 && flags&(expireXX|expireGT|expireLT) != 0 {
		return 0, reply.Err("NX and XX, GT or LT options at the same time are not compatible")
	}
	if flags&expireGT != 0 && flags&expireLT != 0 {
		return 0, reply.Err("GT and LT options at the same time are not compatible")
	}
	return flags, nil
}

// expireWhen turns the argument of an EXPIRE-family command into an
// absolute unix time in ms: relative commands add now, second-based ones
// scale by 1000. ok is false on overflow.
func expireWhen(v int64, seconds bool, base int64) (int64, bool) {
	if seconds {
		if v > math.MaxInt64/1000 || v < math.MinInt64/1000 {
			return 0, false
		}
		v *= 1000
	}
	if v > math.MaxInt64-base {
		return 0, false
	}
	return v + base, true
}

func execExpire(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return expireGeneric(db, args, "expire", true, true)
}

func execPExpire(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return expireGeneric(db, args, "pexpire", true, false)
}

func execExpireAt(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return expireGeneric(db, args, "expireat", false, true)
}

func execPExpireAt(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return expireGeneric(db, args, "pexpireat", false, false)
}

// expireGeneric runs EXPIRE, PEXPIRE, EXPIREAT and PEXPIREAT. A time that
// has already passed deletes the key (propagated as DEL); any other is
// propagated as PEXPIREAT with the absolute time.
func expireGeneric(db *DB, args [][]byte, name string, relative, seconds bool) resp.Reply {
	key := args[1]
	flags, errReply := parseExpireFlags(args[3:])
	if errReply != nil {
		return errReply
	}
	v, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	now := nowMs()
	base := int64(0)
	if relative {
		base = now
	}
	when, ok := expireWhen(v, seconds, base)
	if !ok {
		return reply.Err("invalid expire time in '" + name + "' command")
	}
	e := db.lookup(key)
	if e == nil {
		return reply.Int(0)
	}
	if flags != 0 {
		cur := int64(-1)
		if e.HasTTL {
			cur = db.ttl(key)
		}
		switch {
		case flags&expireNX != 0 && cur != -1,
			flags&expireXX != 0 && cur == -1,
			// No TTL counts as infinite: nothing is greater.
			flags&expireGT != 0 && (cur == -1 || when <= cur),
			flags&expireLT != 0 && cur != -1 && when >= cur:
			return reply.Int(0)
		}
	}
	if when <= now {
		db.del(key)
		db.signalModified(key)
		db.propagate([][]byte{[]byte("DEL"), key})
		return reply.Int(1)
	}
	db.expireAt(key, when)
	db.signalModified(key)
	db.notify(config.NotifyGeneric, "expire", key)
	db.propagate(pexpireatArgs(args, when))
	return reply.Int(1)
}

// pexpireatArgs is the AOF form of an EXPIRE-family command that set a
// TTL: PEXPIREAT with the absolute time, keeping the condition flags.
func pexpireatArgs(args [][]byte, when int64) [][]byte {
	prop := make([][]byte, len(args))
	copy(prop, args)
	prop[0] = []byte("PEXPIREAT")
	prop[2] = strconv.AppendInt(nil, when, 10)
	return prop
}

func execTTL(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return ttlGeneric(db, args[1], false, false)
}

func execPTTL(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return ttlGeneric(db, args[1], true, false)
}

func execExpireTime(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return ttlGeneric(db, args[1], false, true)
}

func execPExpireTime(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return ttlGeneric(db, args[1], true, true)
}

// ttlGeneric answers TTL (remaining time) or EXPIRETIME (absolute time), in
// ms or rounded to seconds: -2 without key, -1 without expiry.
func ttlGeneric(db *DB, key []byte, ms, absolute bool) resp.Reply {
	e := db.lookupNoTouch(key)
	if e == nil {
		return reply.Int(-2)
	}
	if !e.HasTTL {
		return reply.Int(-1)
	}
	t := db.ttl(key)
	if t == -1 {
		return reply.Int(-1)
	}
	if !absolute {
		t -= nowMs()
	}
	if t < 0 {
		t = 0
	}
	if !ms {
		// Rounded to the nearest second; t+500 could overflow.
		t = t/1000 + (t%1000+500)/1000
	}
	return reply.Int(t)
}

func execPersist(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if db.lookup(args[1]) == nil {
		return reply.Int(0)
	}
	if !db.persist(args[1]) {
		return reply.Int(0)
	}
	db.signalModified(args[1])
	db.notify(config.NotifyGeneric, "persist", args[1])
	db.propagate(args)
	return reply.Int(1)
}
