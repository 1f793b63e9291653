package database

import (
	"crypto/sha256"
	"crypto/subtle"
	"strings"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// Version is the Redis version this server behaves as.
const Version = "7.0.15"

func init() {
	register("ping", execPing, -1, "fast", 0, 0, 0)
	register("echo", execEcho, 2, "loading stale fast", 0, 0, 0)
	register("select", execSelect, 2, "loading stale fast", 0, 0, 0)
	register("quit", execQuit, -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0)
	register("reset", execReset, 1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0)
	register("auth", execAuth, -2, "noscript loading stale fast no_auth allow_busy", 0, 0, 0)
	register("hello", execHello, -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0)
}

func execPing(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) > 2 {
		return reply.ArityErr("ping")
	}
	if c.Protocol() == 2 && c.State().SubscriptionCount() > 0 {
		msg := reply.Bulk(nil)
		if len(args) == 2 {
			msg = reply.Bulk(args[1])
		}
		return reply.Array{reply.BulkStr("pong"), msg}
	}
	if len(args) == 1 {
		return reply.Pong
	}
	return reply.Bulk(args[1])
}

func execEcho(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Bulk(args[1])
}

func execSelect(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	// Redis Cluster refuses SELECT; here a node relays commands in the
	// client's db, so every db works (a difference README states).
	if _, r := parseInt32(args[1]); r != nil {
		return r
	}
	target, r := parseDBIndex(db.srv, args[1])
	if r != nil {
		return r
	}
	c.SelectDB(target.index)
	return reply.OK
}

func execQuit(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	c.State().Closing = true
	return reply.OK
}

func execReset(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	st := c.State()
	db.srv.discardTransaction(c)
	db.srv.unsubscribeAll(c)
	c.SelectDB(0)
	c.SetProtocol(2)
	c.SetName("")
	st.Reply = resp.ReplyOn
	st.NoEvict = false
	c.SetAuthenticated(config.Get().RequirePass == "", "default")
	return reply.Status("RESET")
}

// checkPassword applies Redis's default-user rules: with no requirepass the
// default user accepts any password; other users do not exist.
func checkPassword(user, pass []byte) bool {
	if string(user) != "default" {
		return false
	}
	want := config.Get().RequirePass
	if want == "" {
		return true
	}
	// Compared in constant time, as Redis's time_independent_strcmp: the
	// digests have one length whatever the password, so neither a prefix
	// match nor the length shows in the time taken.
	w, p := sha256.Sum256([]byte(want)), sha256.Sum256(pass)
	return subtle.ConstantTimeCompare(w[:], p[:]) == 1
}

func execAuth(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) > 3 {
		return reply.SyntaxErr
	}
	user, pass := []byte("default"), args[1]
	if len(args) == 2 {
		if config.Get().RequirePass == "" {
			return reply.Err("AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?")
		}
	} else {
		user, pass = args[1], args[2]
	}
	if !checkPassword(user, pass) {
		return reply.InvalidPass
	}
	c.SetAuthenticated(true, string(user))
	return reply.OK
}

func execHello(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	ver := int64(0)
	next := 1
	if len(args) >= 2 {
		v, ok := utils.ParseInt(args[1])
		if !ok {
			return reply.Err("Protocol version is not an integer or out of range")
		}
		if v < 2 || v > 3 {
			return reply.Err("-NOPROTO unsupported protocol version")
		}
		ver = v
		next = 2
	}
	var user, pass, name []byte
	for j := next; j < len(args); j++ {
		more := len(args) - 1 - j
		opt := strings.ToLower(string(args[j]))
		switch {
		case opt == "auth" && more >= 2:
			user, pass = args[j+1], args[j+2]
			j += 2
		case opt == "setname" && more >= 1:
			name = args[j+1]
			j++
		default:
			return reply.Err("Syntax error in HELLO option '" + string(args[j]) + "'")
		}
	}
	if user != nil {
		if !checkPassword(user, pass) {
			return reply.InvalidPass
		}
		c.SetAuthenticated(true, string(user))
	}
	if !c.Authenticated() {
		return reply.Err("-NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time")
	}
	if name != nil {
		if r := validClientName(name); r != nil {
			return r
		}
		c.SetName(string(name))
	}
	if ver != 0 {
		c.SetProtocol(int(ver))
	}
	mode := "standalone"
	if config.Get().Self != "" {
		mode = "cluster"
	}
	return reply.Map{
		reply.BulkStr("server"), reply.BulkStr("redis"),
		reply.BulkStr("version"), reply.BulkStr(Version),
		reply.BulkStr("proto"), reply.Int(c.Protocol()),
		reply.BulkStr("id"), reply.Int(c.ID()),
		reply.BulkStr("mode"), reply.BulkStr(mode),
		reply.BulkStr("role"), reply.BulkStr("master"),
		reply.BulkStr("modules"), reply.EmptyArray,
	}
}

// validClientName applies Redis's rule for CLIENT SETNAME and HELLO
// SETNAME: no spaces, newlines or other special characters.
func validClientName(name []byte) resp.Reply {
	for _, ch := range name {
		if ch < '!' || ch > '~' {
			return reply.Err("Client names cannot contain spaces, newlines or special characters.")
		}
	}
	return nil
}
