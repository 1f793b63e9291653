// Package database is the standalone executor: the command table, the
// numbered databases and every command family, one file per family.
package database

import (
	"bytes"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/lib/clock"
	"goredis/lib/logger"
	"goredis/lib/sync/brlock"
	"goredis/resp/reply"
)

// Server holds the databases and the state shared by all clients.
type Server struct {
	dbs []*DB

	// world is taken for reading around every command and every other
	// access to the keyspace, and for writing by an EXEC that cannot name
	// its keys up front (see multi.go).
	world brlock.Lock

	watches watchRegistry
	pubsub  pubsubHub
	persist persistState
	evict   evictState
	// accounted is set once this server's keys have been counted.
	accounted atomic.Bool

	startTime time.Time
	stats     serverStats
	clients   clientRegistry

	errMu     sync.Mutex
	errCounts map[string]int64 // errorstats by error code

	activeExpire atomic.Bool
	stop         chan struct{}
	stopped      sync.WaitGroup

	// shutdown is called by SHUTDOWN to stop the whole process.
	shutdown func()
}

type serverStats struct {
	totalCommands    atomic.Int64
	totalConnections atomic.Int64
	rejectedConns    atomic.Int64
	expiredKeys      atomic.Int64
	evictedKeys      atomic.Int64
	errorReplies     atomic.Int64
	// Time spent over maxmemory (Redis's eviction exceeded time): the
	// microseconds of the spells that ended, and the clock.Mono start of
	// the current one (0: under the limit).
	evictExceededUs    atomic.Int64
	evictExceededSince atomic.Int64
	dirty              atomic.Int64
}

// NewServer makes a server with the configured number of databases and
// starts its background cycles.
func NewServer() *Server {
	cfg := config.Get()
	s := &Server{
		startTime: time.Now(),
		errCounts: make(map[string]int64),
		stop:      make(chan struct{}),
	}
	s.dbs = make([]*DB, cfg.Databases)
	for i := range s.dbs {
		s.dbs[i] = newDB(s, i)
	}
	s.activeExpire.Store(true)
	s.clients.init()
	lruNow.Store(uint32(time.Now().Unix()))
	applyRenames(cfg)
	config.OnResetStat(s.resetStats)
	apply := func(old, new *config.Config) error { s.applyMaxmemory(new); return nil }
	config.OnApply("maxmemory", apply)
	config.OnApply("maxmemory-policy", apply)
	if cfg.MaxMemory > 0 || isLFU(cfg.MaxMemoryPolicy) {
		s.applyMaxmemory(cfg)
	}
	s.stopped.Add(1)
	go s.cron()
	return s
}

var renameOnce sync.Once

func applyRenames(cfg *config.Config) {
	renameOnce.Do(func() {
		for old, nw := range cfg.RenameCommands {
			if !renameCommand(strings.ToLower(old), nw) {
				logger.Warningf("rename-command: no such command %s", old)
			}
		}
	})
}

// SetShutdown installs what SHUTDOWN calls to stop the process.
func (s *Server) SetShutdown(fn func()) { s.shutdown = fn }

// cron runs the periodic work at hz: active expiry and the LRU clock.
func (s *Server) cron() {
	defer s.stopped.Done()
	for {
		hz := config.Get().Hz
		if hz <= 0 {
			hz = 10
		}
		period := time.Second / time.Duration(hz)
		select {
		case <-s.stop:
			return
		case <-time.After(period):
		}
		lruNow.Store(uint32(time.Now().Unix()))
		if s.activeExpire.Load() {
			budget := period / 4
			s.world.RLock(0)
			for _, db := range s.dbs {
				db.activeExpireCycle(budget / time.Duration(len(s.dbs)))
			}
			s.world.RUnlock(0)
		}
		s.autoRewrite()
	}
}

// Close stops background work.
func (s *Server) Close() {
	select {
	case <-s.stop:
	default:
		close(s.stop)
	}
	s.stopped.Wait()
	s.closePersistence()
}

// AfterClientClose forgets the client.
func (s *Server) AfterClientClose(c resp.Connection) {
	s.clientGone(c)
	s.unwatchAll(c)
	s.unsubscribeAll(c)
	s.blockingClientGone(c)
	s.clients.remove(c)
}

// AfterClientConnect registers a new client (CLIENT LIST, INFO).
func (s *Server) AfterClientConnect(c resp.Connection) {
	s.stats.totalConnections.Add(1)
	s.clients.add(c)
}

// ClientCount is the number of connected clients.
func (s *Server) ClientCount() int { return s.clients.count() }

// RejectedConnection counts a connection refused for maxclients.
func (s *Server) RejectedConnection() { s.stats.rejectedConns.Add(1) }

// keyExpired is called when a key is removed because its time passed,
// lazily or by the active cycle, under the key's lock.
func (s *Server) keyExpired(db *DB, key []byte) {
	db.signalModified(key)
	db.notify(config.NotifyExpired, "expired", key)
}

// Exec runs one command for c: lookup, the checks Redis makes before a
// command runs (existence, arity, auth, transaction state), then the call.
func (s *Server) Exec(c resp.Connection, args [][]byte) resp.Reply {
	r, cmd := s.exec(c, args)
	if cmd != nil {
		c.State().Publish(&cmd.Name)
	}
	if st := c.State(); st.Reply != resp.ReplyOn || st.Trailer != nil {
		r = s.finishReply(c, r)
	}
	return r
}

// finishReply applies CLIENT REPLY to a command's reply and adds the
// trailer after it (a monitor's line of its own command), which CLIENT
// REPLY drops with the reply, except that CLIENT REPLY SKIP's own line is
// sent (Redis adds it while only the next reply is to be skipped).
func (s *Server) finishReply(c resp.Connection, r resp.Reply) resp.Reply {
	st := c.State()
	t := st.Trailer
	st.Trailer = nil
	keep := st.Reply == resp.ReplyOn || st.Reply == replySkipNext
	if st.Reply != resp.ReplyOn {
		r = s.filterReply(c, r)
	}
	switch {
	case t == nil || !keep:
		return r
	case r == nil:
		return reply.Raw(t)
	}
	return reply.Seq{r, reply.Raw(t)}
}

func (s *Server) exec(c resp.Connection, args [][]byte) (resp.Reply, *Command) {
	cmd := lookupCommand(args)
	st := c.State()
	if cmd == nil {
		if base := lookupName(cmdTable, args[0]); base != nil && base.Container() {
			return s.reject(c, nil, unknownSubcommandError(args)), nil
		}
		return s.reject(c, nil, unknownCommandError(args)), nil
	}
	if !cmd.arityOK(len(args)) {
		return s.reject(c, cmd, reply.ArityErr(cmd.Name)), cmd
	}
	if !c.Authenticated() && !cmd.Has(FlagNoAuth) && config.Get().RequirePass != "" {
		return s.reject(c, cmd, reply.NoAuth), cmd
	}
	if st.InMulti && cmd.Has(FlagNoMulti) {
		return s.reject(c, cmd, reply.Err("Command not allowed inside a transaction")), cmd
	}
	if c.Protocol() == 2 && st.SubscriptionCount() > 0 && !allowedWhileSubscribed(cmd) {
		return s.reject(c, cmd, reply.Err("Can't execute '"+cmd.Name+
			"': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context")), cmd
	}
	if r := s.oomRefusal(c, cmd); r != nil {
		return s.reject(c, cmd, r), cmd
	}
	if r := s.persistRefusal(c, cmd); r != nil {
		return s.reject(c, cmd, r), cmd
	}
	if r := s.beforeCall(c, cmd); r != nil {
		return s.reject(c, cmd, r), cmd
	}
	if st.InMulti && !runsInMulti(cmd) {
		st.Queued = append(st.Queued, copyArgs(args))
		return reply.Queued, cmd
	}
	return s.call(c, cmd, args), cmd
}

// How invoke locks.
const (
	// lockNormal: the world for reading, then the shards of the keys.
	lockNormal = iota
	// lockHeld: EXEC holds the world and every shard the command needs.
	lockHeld
	// lockWorldHeld: EXEC holds the world for writing; the command takes
	// its shards (no other command runs, but its own helpers lock).
	lockWorldHeld
)

// call runs a command that passed the checks, holding its keys' locks.
func (s *Server) call(c resp.Connection, cmd *Command, args [][]byte) resp.Reply {
	return s.callLocked(c, cmd, args, lockNormal, nil)
}

// callLocked is call with the locking mode of invoke, inside the
// transaction tx when EXEC runs it.
func (s *Server) callLocked(c resp.Connection, cmd *Command, args [][]byte, mode int, tx *txLog) resp.Reply {
	db := s.dbs[c.DBIndex()]
	if tx != nil {
		db = tx.view(db)
	}
	start := clock.Mono()
	r := s.invoke(db, c, cmd, args, mode)
	dur := time.Duration(clock.Mono() - start)
	cmd.calls.Add(1)
	cmd.usec.Add(int64(dur / time.Microsecond))
	s.afterCall(c, cmd, args, dur)
	if cmd.Flags&FlagWrite != 0 {
		s.afterWrite(c)
	}
	s.stats.totalCommands.Add(1)
	if er, ok := r.(resp.ErrorReply); ok {
		cmd.failed.Add(1)
		s.countError(er.Error())
	}
	return r
}

// invoke runs cmd's function holding the locks of its keys. A panic (a bug
// in a command) is recovered: the locks are released, the stack is logged
// and the client gets an error, while the server goes on.
func (s *Server) invoke(db *DB, c resp.Connection, cmd *Command, args [][]byte, mode int) (r resp.Reply) {
	defer func() {
		if p := recover(); p != nil {
			logger.Warningf("Panic while running '%s' for client id=%d: %v\n%s", cmd.Name, c.ID(), p, debug.Stack())
			if panicked != nil {
				panicked(cmd.Name, p)
			}
			r = errInternal
		}
	}()
	// Each step is a function of its own with one defer and one return,
	// so the compiler open-codes the defers (the hot path pays no defer
	// records) and a panic still unwinds every lock.
	switch {
	case mode == lockHeld || cmd.ownsWorld:
		r = cmd.Fn(db, c, args)
	case mode == lockNormal:
		r = s.invokeWorld(db, c, cmd, args)
	default:
		r = invokeKeys(db, c, cmd, args)
	}
	return r
}

// invokeWorld runs cmd holding the world lock for reading, then its keys'.
func (s *Server) invokeWorld(db *DB, c resp.Connection, cmd *Command, args [][]byte) resp.Reply {
	id := c.ID()
	s.world.RLock(id)
	defer s.world.RUnlock(id)
	return invokeKeys(db, c, cmd, args)
}

// invokeKeys runs cmd holding the locks of its keys' shards.
func invokeKeys(db *DB, c resp.Connection, cmd *Command, args [][]byte) resp.Reply {
	if cmd.NoLock {
		return cmd.Fn(db, c, args)
	}
	if cmd.Keys == nil && cmd.FirstKey == cmd.LastKey {
		return invokeShard(db, c, cmd, args, db.data.Shard(db.data.ShardFor(args[cmd.FirstKey])))
	}
	var kb [16][]byte
	keys := cmd.keys(args, kb[:0])
	var ib [16]int
	idx := ib[:0]
	for _, k := range keys {
		idx = append(idx, db.data.ShardFor(k))
	}
	return invokeShards(db, c, cmd, args, db.data.LockShards(idx))
}

func invokeShard(db *DB, c resp.Connection, cmd *Command, args [][]byte, sh *dict.Shard[*Entity]) resp.Reply {
	sh.Mu.Lock()
	defer sh.Mu.Unlock()
	return cmd.Fn(db, c, args)
}

// invokeShards runs cmd holding the shards idx (already locked).
func invokeShards(db *DB, c resp.Connection, cmd *Command, args [][]byte, idx []int) resp.Reply {
	defer db.data.UnlockShards(idx)
	return cmd.Fn(db, c, args)
}

// panicked, when set (by tests, before any server runs), is told of every
// panic invoke recovers, so a fuzzer sees bugs the reply alone would hide.
// Nil in production.
var panicked func(name string, p any)

// errInternal answers a command that panicked. Redis has no such reply (it
// would crash); this text is this server's own.
var errInternal = reply.Err("internal error while running the command; the server logged it")

// reject answers a command refused before it ran, marking an open
// transaction as failed, as Redis's rejectCommand does.
func (s *Server) reject(c resp.Connection, cmd *Command, r resp.Reply) resp.Reply {
	st := c.State()
	if st.InMulti {
		st.TxDirty = true
	}
	if cmd != nil {
		cmd.rejected.Add(1)
		if cmd.ownsWorld { // EXEC: the transaction ends with the reason
			if er, ok := r.(resp.ErrorReply); ok {
				s.discardTransaction(c)
				// Redis formats its own rejections (arity) without the
				// ERR code and passes shared ones (NOAUTH, OOM) with theirs.
				r = reply.Error("EXECABORT Transaction discarded because of: " + strings.TrimPrefix(er.Error(), "ERR "))
			}
		}
	}
	if er, ok := r.(resp.ErrorReply); ok {
		s.countError(er.Error())
	}
	return r
}

// countError updates errorstats with the error's code (its first word).
func (s *Server) countError(text string) {
	s.stats.errorReplies.Add(1)
	code, _, _ := strings.Cut(text, " ")
	s.errMu.Lock()
	if _, ok := s.errCounts[code]; !ok && len(s.errCounts) >= 128 {
		code = "ERRORSTATS_OVERFLOW"
	}
	s.errCounts[code]++
	s.errMu.Unlock()
}

func (s *Server) resetStats() {
	s.stats.totalCommands.Store(0)
	s.stats.totalConnections.Store(0)
	s.stats.rejectedConns.Store(0)
	s.stats.expiredKeys.Store(0)
	s.stats.evictedKeys.Store(0)
	s.stats.evictExceededUs.Store(0)
	s.stats.evictExceededSince.Store(0)
	s.stats.errorReplies.Store(0)
	s.errMu.Lock()
	s.errCounts = make(map[string]int64)
	s.errMu.Unlock()
	forEachCommand(func(c *Command) {
		c.calls.Store(0)
		c.usec.Store(0)
		c.rejected.Store(0)
		c.failed.Store(0)
	})
	for _, db := range s.dbs {
		for i := 0; i < dict.NumShards; i++ {
			sh := db.data.Shard(i)
			sh.Mu.Lock()
			sh.Hits, sh.Misses = 0, 0
			sh.Mu.Unlock()
		}
	}
}

func forEachCommand(fn func(c *Command)) {
	for _, c := range cmdTable {
		fn(c)
		for _, sc := range c.Subs {
			fn(sc)
		}
	}
}

func allowedWhileSubscribed(cmd *Command) bool {
	switch cmd.Name {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
		"psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

func runsInMulti(cmd *Command) bool {
	switch cmd.Name {
	case "exec", "discard", "multi", "watch", "quit", "reset":
		return true
	}
	return false
}

func copyArgs(args [][]byte) [][]byte {
	n := 0
	for _, a := range args {
		n += len(a)
	}
	buf := make([]byte, 0, n)
	out := make([][]byte, len(args))
	for i, a := range args {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

// unknownCommandError is Redis's text, quoting up to 128 bytes of args.
func unknownCommandError(args [][]byte) resp.Reply {
	var b strings.Builder
	for _, a := range args[1:] {
		if b.Len() >= 128 {
			break
		}
		room := 128 - b.Len()
		s := cString(a)
		if len(s) > room {
			s = s[:room]
		}
		b.WriteString("'" + s + "' ")
	}
	return reply.Err("unknown command '" + trunc(cString(args[0]), 128) + "', with args beginning with: " + b.String())
}

func unknownSubcommandError(args [][]byte) resp.Reply {
	return reply.Err("unknown subcommand '" + trunc(cString(args[1]), 128) + "'. Try " + strings.ToUpper(cString(args[0])) + " HELP.")
}

// cString is b as C's %s prints it: up to the first NUL byte.
func cString(b []byte) string {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		b = b[:i]
	}
	return string(b)
}

func trunc(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// hostname for INFO and logs.
var hostname, _ = os.Hostname()
