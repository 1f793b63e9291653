package database

import (
	"strings"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/logger"
	"goredis/resp/reply"
)

func init() {
	register("shutdown", execShutdown, -1, "admin noscript loading stale no_multi allow_busy", 0, 0, 0)
}

// execShutdown is SHUTDOWN [NOSAVE|SAVE] [NOW] [FORCE] [ABORT]. There are
// no replicas to wait for, so a shutdown is never pending: it stops the
// process at once and the client's connection closes without a reply, as
// with Redis. SAVE asks for an RDB file, which this server cannot write:
// like Redis failing to save, it refuses unless FORCE is given or the AOF
// keeps the data.
func execShutdown(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var save, nosave, force, abort, flags bool
	for _, a := range args[1:] {
		switch strings.ToLower(string(a)) {
		case "nosave":
			nosave = true
		case "save":
			save = true
		case "now":
		case "force":
			force = true
		case "abort":
			abort = true
			continue
		default:
			return reply.SyntaxErr
		}
		flags = true
	}
	if (abort && flags) || (save && nosave) {
		return reply.SyntaxErr
	}
	if abort {
		return reply.Err("No shutdown in progress.")
	}
	if save && !force && !config.Get().AppendOnly {
		logger.Warningf("SHUTDOWN SAVE: this server does not write RDB files. Error trying to save the DB, can't exit.")
		logger.Warningf("Errors trying to shut down the server. Check the logs for more information.")
		return reply.Err("Errors trying to SHUTDOWN. Check logs.")
	}
	if db.srv.shutdown != nil {
		db.srv.shutdown()
	}
	c.State().Closing = true
	return nil
}
