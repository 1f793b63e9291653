package database

import (
	"unsafe"

	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/resp/reply"
)

// CLUSTER, READONLY, READWRITE and ASKING as a standalone Redis answers
// them: the rows give COMMAND its arity and flags, and every call answers
// that cluster support is disabled. In cluster mode the cluster package
// answers them before the database sees them.

func init() {
	registerContainer("cluster", -2)
	for _, sc := range []struct {
		name  string
		arity int
		flags string
	}{
		{"help", 2, "loading stale"},
		{"saveconfig", 2, "admin stale no_async_loading"},
		{"delslotsrange", -4, "admin stale no_async_loading"},
		{"keyslot", 3, "stale"},
		{"setslot", -4, "admin stale no_async_loading"},
		{"failover", -2, "admin stale no_async_loading"},
		{"info", 2, "stale"},
		{"delslots", -3, "admin stale no_async_loading"},
		{"shards", 2, "stale"},
		{"getkeysinslot", 4, "stale"},
		{"count-failure-reports", 3, "admin stale"},
		{"slots", 2, "stale"},
		{"reset", -2, "admin noscript stale"},
		{"nodes", 2, "stale"},
		{"forget", 3, "admin stale no_async_loading"},
		{"countkeysinslot", 3, "stale"},
		{"replicate", 3, "admin stale no_async_loading"},
		{"flushslots", 2, "admin stale no_async_loading"},
		{"bumpepoch", 2, "admin stale no_async_loading"},
		{"links", 2, "stale"},
		{"set-config-epoch", 3, "admin stale no_async_loading"},
		{"meet", -4, "admin stale no_async_loading"},
		{"slaves", 3, "admin stale"},
		{"myid", 2, "stale"},
		{"addslotsrange", -4, "admin stale no_async_loading"},
		{"replicas", 3, "admin stale"},
		{"addslots", -3, "admin stale no_async_loading"},
	} {
		register("cluster|"+sc.name, execClusterDisabled, sc.arity, sc.flags, 0, 0, 0)
	}
	register("readonly", execClusterDisabled, 1, "loading stale fast", 0, 0, 0)
	register("readwrite", execClusterDisabled, 1, "loading stale fast", 0, 0, 0)
	register("asking", execClusterDisabled, 1, "fast", 0, 0, 0)
}

var errClusterDisabled = reply.Err("This instance has cluster support disabled")

func execClusterDisabled(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return errClusterDisabled
}

// CommandInfo is what the cluster layer needs to route a command.
type CommandInfo struct {
	// Name is the full lowercase name ("get", "cluster|info").
	Name  string
	Flags Flag
	// Keys are the command's keys in args (aliasing them), and KeyPos
	// their positions in args.
	Keys   [][]byte
	KeyPos []int
}

// Describe looks args up in the command table. ok is false for an
// unknown command or a wrong number of arguments: Exec then answers with
// Redis's error.
func Describe(args [][]byte) (info CommandInfo, ok bool) {
	cmd := lookupCommand(args)
	if cmd == nil || cmd.Container() || !cmd.arityOK(len(args)) {
		return info, false
	}
	info = CommandInfo{Name: cmd.Name, Flags: cmd.Flags, Keys: cmd.keys(args, nil)}
	for _, k := range info.Keys {
		for i := 1; i < len(args); i++ {
			if unsafe.SliceData(args[i]) == unsafe.SliceData(k) && len(args[i]) == len(k) {
				info.KeyPos = append(info.KeyPos, i)
				break
			}
		}
	}
	return info, true
}

// ExportKey returns the commands that rebuild key of db as it is now, as
// the AOF rewrite writes them (DEL first, then the value and its expiry,
// nothing more when the key is missing), with the key named as.
func (s *Server) ExportKey(db int, key, as []byte) [][][]byte {
	if db < 0 || db >= len(s.dbs) {
		return nil
	}
	d := s.dbs[db]
	var out [][][]byte
	s.inShard(d, d.data.ShardFor(key), func(*dict.Shard[*Entity]) {
		rewriteKey(d, key, func(args [][]byte) {
			cp := copyArgs(args)
			cp[1] = append([]byte(nil), as...)
			out = append(out, cp)
		})
	})
	return out
}

// KeysInSlot calls fn with every live key of db whose slot (by slotOf)
// is slot, until fn returns false; it locks one shard at a time.
func (s *Server) KeysInSlot(db int, slot int, slotOf func([]byte) int, fn func(key string) bool) {
	if db < 0 || db >= len(s.dbs) {
		return
	}
	now := nowMs()
	stop := false
	for i := 0; i < dict.NumShards && !stop; i++ {
		s.inShard(s.dbs[db], i, func(sh *dict.Shard[*Entity]) {
			for k := range sh.Data {
				if at, ok := sh.TTL[k]; ok && at <= now {
					continue
				}
				if slotOf([]byte(k)) == slot && !fn(k) {
					stop = true
					return
				}
			}
		})
	}
}

// Reject answers r to a command refused before it ran, marking an open
// transaction as failed (the cluster refuses keys of other nodes inside
// MULTI this way).
func (s *Server) Reject(c resp.Connection, r resp.Reply) resp.Reply {
	return s.reject(c, nil, r)
}

// ClientAlive reports whether c's peer is still connected (for a command
// waiting on another node on c's behalf).
func ClientAlive(c resp.Connection) bool { return blockPeerAlive(c) }

// DropTransaction ends c's MULTI state and watches here without running
// anything (the cluster ran the transaction on another node).
func (s *Server) DropTransaction(c resp.Connection) { s.discardTransaction(c) }

// FilterReply applies CLIENT REPLY OFF|SKIP to a reply produced for c
// elsewhere (a relayed command), as Exec does to its own.
func (s *Server) FilterReply(c resp.Connection, r resp.Reply) resp.Reply {
	if c.State().Reply == resp.ReplyOn {
		return r
	}
	return s.filterReply(c, r)
}
