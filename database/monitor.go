package database

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// This file holds MONITOR, the per-server state of the server-management
// commands (MONITOR, CLIENT PAUSE, SLOWLOG, LATENCY, INFO) and the hooks
// the dispatcher calls around every command:
//
//	beforeCall  after the checks, before MULTI queueing: CLIENT PAUSE waits
//	            and the monitor clients' keyspace ban
//	afterCall   after the command ran: SLOWLOG, LATENCY, MONITOR feed
//	filterReply on the reply Exec returns: CLIENT REPLY OFF|SKIP
//	clientGone  from AfterClientClose: drops a monitor
//
// Each costs one or two atomic loads when no monitor is attached, no pause
// is armed and the command is faster than slowlog-log-slower-than.

func init() {
	register("monitor", execMonitor, 1, "admin noscript loading stale", 0, 0, 0)
}

// hooksArmed counts, over every Server of the process, the attached
// monitors and the armed client pauses: beforeCall does nothing while it is
// zero. monitorsAttached counts the monitors only (afterCall's feed).
var (
	hooksArmed       atomic.Int32
	monitorsAttached atomic.Int32
)

// adminState is the per-server state of this family of commands. It lives
// beside the Server (see admin) so the dispatcher's struct stays small.
type adminState struct {
	srv *Server

	runID  string // INFO run_id
	replID string // INFO master_replid

	monMu sync.Mutex
	// feedMu orders lines against a new monitor's OK: feeds hold it for
	// reading, MONITOR for writing while it registers and enqueues its OK.
	feedMu sync.RWMutex
	// monitors are the MONITOR clients by id; their lines go to each
	// client's own output buffer (Connection.Enqueue), in order with its
	// replies, and are written by the connection's writer, so a slow
	// monitor never blocks a command. As in Redis a monitor is a normal
	// client for client-output-buffer-limit.
	monitors map[int64]resp.Connection
	monList  atomic.Pointer[[]resp.Connection]

	pause clientPause

	slow    slowlog
	latency latencyMonitor

	lastSave    atomic.Int64 // unix seconds of the last successful save
	dirtyAtSave atomic.Int64 // stats.dirty when that save started

	// Memory figures shared by INFO memory and MEMORY STATS.
	memStartup uint64
	memPeak    atomic.Uint64

	ops opsSampler
}

var (
	adminsMu sync.Mutex // serializes creation
	admins   sync.Map   // *Server -> *adminState
)

// admin returns the server's admin state, creating it on first use. It is
// only called off the hot path, and without locking once the state exists.
func (s *Server) admin() *adminState {
	if a, ok := admins.Load(s); ok {
		return a.(*adminState)
	}
	adminsMu.Lock()
	defer adminsMu.Unlock()
	if a, ok := admins.Load(s); ok {
		return a.(*adminState)
	}
	a := &adminState{
		srv:      s,
		runID:    randomHex40(),
		replID:   randomHex40(),
		monitors: make(map[int64]resp.Connection),
	}
	a.lastSave.Store(s.startTime.Unix())
	a.memStartup = usedMemory()
	a.pause.wake = make(chan struct{})
	admins.Store(s, a)
	go a.run()
	return a
}

// run samples the instantaneous figures of INFO stats until the server
// stops, then forgets the state.
func (a *adminState) run() {
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-a.srv.stop:
			a.detachAll()
			admins.Delete(a.srv)
			return
		case now := <-t.C:
			a.ops.sample(now, a.srv.stats.totalCommands.Load())
		}
	}
}

// beforeCall runs after the dispatcher's checks and before MULTI queueing
// and the call. A non-nil reply rejects the command (pass it to reject). It
// blocks while a CLIENT PAUSE applies to the command.
func (s *Server) beforeCall(c resp.Connection, cmd *Command) resp.Reply {
	if hooksArmed.Load() == 0 {
		return nil
	}
	return s.beforeCallSlow(c, cmd)
}

func (s *Server) beforeCallSlow(c resp.Connection, cmd *Command) resp.Reply {
	a := s.admin()
	if monitorsAttached.Load() != 0 && a.isMonitor(c) {
		// Monitors are replicas to Redis: never paused, and barred from
		// the keyspace.
		if touchesKeyspace(c, cmd) {
			return reply.Err("Replica can't interact with the keyspace")
		}
		return nil
	}
	a.pause.wait(s, c, cmd)
	return nil
}

// afterCall runs after every command that was called (not rejected or
// queued), with its run time; args are still valid.
func (s *Server) afterCall(c resp.Connection, cmd *Command, args [][]byte, dur time.Duration) {
	cfg := config.Get()
	if t := cfg.SlowlogLogSlowerThan; t >= 0 && int64(dur/time.Microsecond) >= t && !cmd.Has(FlagSkipSlowlog) {
		s.admin().slow.push(c, args, dur, cfg.SlowlogMaxLen)
	}
	if t := cfg.LatencyMonitorThreshold; t > 0 && int64(dur/time.Millisecond) >= t {
		event := "command"
		if cmd.Has(FlagFast) {
			event = "fast-command"
		}
		s.admin().latency.add(event, int64(dur/time.Millisecond), time.Now().Unix())
	}
	// QUIT is answered before any command runs in Redis 7.0, so it is
	// never fed.
	if monitorsAttached.Load() != 0 && !cmd.Has(FlagSkipMonitor|FlagAdmin) && cmd.Name != "quit" {
		s.admin().feedMonitors(c, args)
	}
}

// replySkipNext is the reply mode CLIENT REPLY SKIP leaves: its own reply
// is dropped, then the mode becomes ReplySkip for the next command.
const replySkipNext resp.ReplyMode = 3

// filterReply applies CLIENT REPLY to the reply of a command Exec is about
// to return; it returns nil when nothing must be sent. It is a no-op unless
// c.State().Reply != resp.ReplyOn.
func (s *Server) filterReply(c resp.Connection, r resp.Reply) resp.Reply {
	st := c.State()
	switch st.Reply {
	case resp.ReplyOn:
		return r
	case replySkipNext:
		st.Reply = resp.ReplySkip
	case resp.ReplySkip:
		st.Reply = resp.ReplyOn
	}
	return nil
}

// clientGone forgets what this family keeps about a closed client.
func (s *Server) clientGone(c resp.Connection) {
	if monitorsAttached.Load() == 0 {
		return
	}
	s.admin().removeMonitor(c.ID())
}

// touchesKeyspace is Redis's test for commands a replica may not send:
// reads, writes and commands that may replicate (for EXEC: its queue's).
func touchesKeyspace(c resp.Connection, cmd *Command) bool {
	return commandMask(c, cmd)&(FlagWrite|FlagReadonly|flagMayReplicate) != 0
}

// flagMayReplicate stands for Redis's internal may_replicate flag, which
// COMMAND INFO does not show; see mayReplicate.
const flagMayReplicate Flag = 1 << 31

// mayReplicate lists the commands Redis 7.0 flags may_replicate.
var mayReplicate = map[string]bool{
	"eval": true, "evalsha": true, "fcall": true, "pfcount": true,
	"publish": true, "spublish": true, "script|load": true, "script|flush": true,
}

// commandMask returns cmd's flags plus flagMayReplicate; for EXEC, the
// union over the queued commands.
func commandMask(c resp.Connection, cmd *Command) Flag {
	f := cmd.Flags
	if mayReplicate[cmd.Name] {
		f |= flagMayReplicate
	}
	if cmd.Name == "exec" {
		for _, q := range c.State().Queued {
			if qc := lookupCommand(q); qc != nil && qc.arityOK(len(q)) {
				f |= qc.Flags
				if mayReplicate[qc.Name] {
					f |= flagMayReplicate
				}
			}
		}
	}
	return f
}

func execMonitor(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	st := c.State()
	if st.InMulti {
		return reply.Err("MONITOR isn't allowed for DENY BLOCKING client")
	}
	a := db.srv.admin()
	if a.isMonitor(c) {
		return nil // Redis ignores a repeated MONITOR without a reply
	}
	// Registered and its OK enqueued in one step for the feeds, so the
	// client sees the OK only once it is attached and no line overtakes
	// the OK.
	a.feedMu.Lock()
	defer a.feedMu.Unlock()
	a.monMu.Lock()
	a.monitors[c.ID()] = c
	a.publishMonitorsLocked()
	monitorsAttached.Add(1)
	hooksArmed.Add(1)
	a.monMu.Unlock()
	if st.Reply == resp.ReplyOn && !c.Enqueue(reply.OK) {
		a.removeMonitor(c.ID())
	}
	return nil
}

func (a *adminState) publishMonitorsLocked() {
	list := make([]resp.Connection, 0, len(a.monitors))
	for _, m := range a.monitors {
		list = append(list, m)
	}
	a.monList.Store(&list)
}

func (a *adminState) isMonitor(c resp.Connection) bool {
	list := a.monList.Load()
	if list == nil {
		return false
	}
	id := c.ID()
	for _, m := range *list {
		if m.ID() == id {
			return true
		}
	}
	return false
}

func (a *adminState) removeMonitor(id int64) {
	a.monMu.Lock()
	if _, ok := a.monitors[id]; ok {
		delete(a.monitors, id)
		a.publishMonitorsLocked()
		monitorsAttached.Add(-1)
		hooksArmed.Add(-1)
	}
	a.monMu.Unlock()
}

func (a *adminState) detachAll() {
	a.monMu.Lock()
	ids := make([]int64, 0, len(a.monitors))
	for id := range a.monitors {
		ids = append(ids, id)
	}
	a.monMu.Unlock()
	for _, id := range ids {
		a.removeMonitor(id)
	}
}

// feedMonitors sends the command line to every monitor, in Redis's form:
// +<unix>.<micro> [<db> <addr>] "arg" ...
// A monitor's own command gets its line after its reply, as in Redis; a
// monitor with CLIENT REPLY OFF gets none.
func (a *adminState) feedMonitors(c resp.Connection, args [][]byte) {
	list := a.monList.Load()
	if list == nil || len(*list) == 0 {
		return
	}
	line := monitorLine(nil, time.Now(), c.DBIndex(), peerID(c), args)
	a.feedMu.RLock()
	defer a.feedMu.RUnlock()
	for _, m := range *a.monList.Load() {
		switch {
		case m == c:
			st := c.State()
			st.Trailer = append(st.Trailer, line...)
		case m.State().Shown.Flags.Load()&resp.ShownReplyOff != 0:
		default:
			// Enqueue closes a monitor past its output limit.
			m.Enqueue(reply.Raw(line))
		}
	}
}

// monitorLine appends one MONITOR line, arguments redacted as Redis does
// for passwords.
func monitorLine(b []byte, now time.Time, db int, addr string, args [][]byte) []byte {
	b = append(b, '+')
	b = strconv.AppendInt(b, now.Unix(), 10)
	b = append(b, '.')
	us := now.Nanosecond() / 1000
	for d := 100000; d > 1 && us < d; d /= 10 {
		b = append(b, '0')
	}
	b = strconv.AppendInt(b, int64(us), 10)
	b = append(b, " ["...)
	b = strconv.AppendInt(b, int64(db), 10)
	b = append(b, ' ')
	b = append(b, addr...)
	b = append(b, ']')
	red := redacted(args)
	for i, arg := range args {
		b = append(b, ' ')
		if red != 0 && red&(1<<uint(i)) != 0 {
			b = append(b, `"(redacted)"`...)
			continue
		}
		b = utils.AppendRepr(b, arg)
	}
	return append(b, '\r', '\n')
}

// peerID is the client's address as Redis names it in MONITOR, SLOWLOG and
// CLIENT LIST: ip:port, or "lua" for an internal client without a socket.
func peerID(c resp.Connection) string {
	if a := c.RemoteAddr(); a != "" {
		return a
	}
	return "lua"
}

// redacted returns a bit mask of the arguments Redis hides from MONITOR and
// SLOWLOG: AUTH's arguments, HELLO's AUTH user and password, MIGRATE's
// AUTH password and AUTH2 user and password. Only the first 64 arguments
// can be marked, which covers every case.
func redacted(args [][]byte) uint64 {
	if len(args) == 0 {
		return 0
	}
	var m uint64
	switch {
	case utils.EqualFoldASCII(args[0], "auth"):
		for i := 1; i < len(args) && i < 64; i++ {
			m |= 1 << uint(i)
		}
	case utils.EqualFoldASCII(args[0], "hello"):
		for i := 1; i+2 < len(args) && i+2 < 64; i++ {
			if utils.EqualFoldASCII(args[i], "auth") {
				m |= 1<<uint(i+1) | 1<<uint(i+2)
				i += 2
			}
		}
	case utils.EqualFoldASCII(args[0], "migrate"):
		for i := 6; i < len(args) && i < 64; i++ {
			if utils.EqualFoldASCII(args[i], "auth") && i+1 < len(args) && i+1 < 64 {
				m |= 1 << uint(i+1)
				i++
			} else if utils.EqualFoldASCII(args[i], "auth2") && i+2 < len(args) && i+2 < 64 {
				m |= 1<<uint(i+1) | 1<<uint(i+2)
				i += 2
			} else if utils.EqualFoldASCII(args[i], "keys") {
				break
			}
		}
	}
	return m
}
