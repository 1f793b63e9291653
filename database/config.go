package database

import (
	"net"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/resp/reply"
)

// CONFIG GET / SET / RESETSTAT / REWRITE / HELP: thin wrappers over the
// config package, which owns the parameter table and Redis's texts.

func init() {
	registerContainer("config", -2)
	register("config|get", execConfigGet, -3, "admin noscript loading stale", 0, 0, 0)
	register("config|set", execConfigSet, -4, "admin noscript loading stale", 0, 0, 0)
	register("config|resetstat", execConfigResetStat, 2, "admin noscript loading stale", 0, 0, 0)
	register("config|rewrite", execConfigRewrite, 2, "admin noscript loading stale", 0, 0, 0)
	register("config|help", execConfigHelp, 2, "loading stale", 0, 0, 0)
}

func execConfigGet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	patterns := make([]string, len(args)-2)
	for i, a := range args[2:] {
		patterns[i] = string(a)
	}
	pairs := config.GetParams(patterns)
	out := make(reply.Map, len(pairs))
	for i, s := range pairs {
		out[i] = reply.BulkStr(s)
	}
	return out
}

func execConfigSet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	params := make([]string, len(args)-2)
	for i, a := range args[2:] {
		params[i] = string(a)
	}
	if err := config.SetParamsLocal(params, isLocalClient(c)); err != nil {
		return reply.Error(err.Error())
	}
	return reply.OK
}

func execConfigResetStat(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	config.ResetStat()
	return reply.OK
}

func execConfigRewrite(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if err := config.Rewrite(); err != nil {
		return reply.Error(err.Error())
	}
	return reply.OK
}

var configHelp = []string{
	"GET <pattern>",
	"    Return parameters matching the glob-like <pattern> and their values.",
	"SET <directive> <value>",
	"    Set the configuration <directive> to <value>.",
	"RESETSTAT",
	"    Reset statistics reported by the INFO command.",
	"REWRITE",
	"    Rewrite the configuration file.",
}

func execConfigHelp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return helpReply("config", configHelp...)
}

// isLocalClient reports whether c connects over loopback (127.0.0.0/8 or
// ::1) or a unix socket, which the "local" setting of
// enable-debug-command and enable-protected-configs allows.
func isLocalClient(c resp.Connection) bool {
	addr := c.RemoteAddr()
	if addr == "" {
		return false
	}
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		// A unix socket peer has no host:port form.
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
