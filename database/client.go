package database

import (
	"bytes"
	"math"
	"net"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

func init() {
	registerContainer("client", -2)
	register("client|caching", execClientCaching, 3, "noscript loading stale", 0, 0, 0)
	register("client|getname", execClientGetname, 2, "noscript loading stale", 0, 0, 0)
	register("client|getredir", execClientGetredir, 2, "noscript loading stale", 0, 0, 0)
	register("client|help", execClientHelp, 2, "loading stale", 0, 0, 0)
	register("client|id", execClientID, 2, "noscript loading stale", 0, 0, 0)
	register("client|info", execClientInfo, 2, "noscript loading stale", 0, 0, 0)
	register("client|kill", execClientKill, -3, "admin noscript loading stale", 0, 0, 0)
	register("client|list", execClientList, -2, "admin noscript loading stale", 0, 0, 0)
	register("client|no-evict", execClientNoEvict, 3, "admin noscript loading stale", 0, 0, 0)
	register("client|pause", execClientPause, -3, "admin noscript loading stale", 0, 0, 0)
	register("client|reply", execClientReply, 3, "noscript loading stale", 0, 0, 0)
	register("client|setname", execClientSetname, 3, "noscript loading stale", 0, 0, 0)
	register("client|tracking", execClientTracking, -3, "noscript loading stale", 0, 0, 0)
	register("client|trackinginfo", execClientTrackinginfo, 2, "noscript loading stale", 0, 0, 0)
	register("client|unblock", execClientUnblock, -3, "admin noscript loading stale", 0, 0, 0)
	register("client|unpause", execClientUnpause, 2, "admin noscript loading stale", 0, 0, 0)
}

// subcommandSyntaxErr is Redis's reply to a known subcommand given the
// wrong arguments: the subcommand as typed, the container upper-cased.
func subcommandSyntaxErr(args [][]byte) resp.Reply {
	return reply.Err("unknown subcommand or wrong number of arguments for '" + trunc(string(args[1]), 128) +
		"'. Try " + strings.ToUpper(string(args[0])) + " HELP.")
}

// helpReply is Redis's addReplyHelp: a header naming the command, the
// lines, then HELP's own two lines, all as simple strings.
func helpReply(name string, lines ...string) resp.Reply {
	out := make(reply.Array, 0, len(lines)+3)
	out = append(out, reply.Status(strings.ToUpper(name)+" <subcommand> [<arg> [value] [opt] ...]. Subcommands are:"))
	for _, l := range lines {
		out = append(out, reply.Status(l))
	}
	return append(out, reply.Status("HELP"), reply.Status("    Prints this help."))
}

var clientHelpLines = []string{
	"CACHING (YES|NO)",
	"    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
	"GETREDIR",
	"    Return the client ID we are redirecting to when tracking is enabled.",
	"GETNAME",
	"    Return the name of the current connection.",
	"ID",
	"    Return the ID of the current connection.",
	"INFO",
	"    Return information about the current client connection.",
	"KILL <ip:port>",
	"    Kill connection made from <ip:port>.",
	"KILL <option> <value> [<option> <value> [...]]",
	"    Kill connections. Options are:",
	"    * ADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made from the specified address",
	"    * LADDR (<ip:port>|<unixsocket>:0)",
	"      Kill connections made to specified local address",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Kill connections by type.",
	"    * USER <username>",
	"      Kill connections authenticated by <username>.",
	"    * SKIPME (YES|NO)",
	"      Skip killing current connection (default: yes).",
	"LIST [options ...]",
	"    Return information about client connections. Options:",
	"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
	"      Return clients of specified type.",
	"UNPAUSE",
	"    Stop the current client pause, resuming traffic.",
	"PAUSE <timeout> [WRITE|ALL]",
	"    Suspend all, or just write, clients for <timeout> milliseconds.",
	"REPLY (ON|OFF|SKIP)",
	"    Control the replies sent to the current connection.",
	"SETNAME <name>",
	"    Assign the name <name> to the current connection.",
	"UNBLOCK <clientid> [TIMEOUT|ERROR]",
	"    Unblock the specified blocked client.",
	"TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
	"         [OPTIN] [OPTOUT] [NOLOOP]",
	"    Control server assisted client side caching.",
	"TRACKINGINFO",
	"    Report tracking status for the current connection.",
	"NO-EVICT (ON|OFF)",
	"    Protect current client connection from eviction.",
}

func execClientHelp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return helpReply("client", clientHelpLines...)
}

func execClientID(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Int(c.ID())
}

func execClientGetname(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if n := c.Name(); n != "" {
		return reply.BulkStr(n)
	}
	return reply.Null
}

func execClientSetname(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if r := validClientName(args[2]); r != nil {
		return r
	}
	c.SetName(string(args[2]))
	return reply.OK
}

func execClientNoEvict(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	switch {
	case utils.EqualFoldASCII(args[2], "on"):
		c.State().NoEvict = true
	case utils.EqualFoldASCII(args[2], "off"):
		c.State().NoEvict = false
	default:
		return reply.SyntaxErr
	}
	return reply.OK
}

// execClientReply sets the reply mode; OFF and SKIP answer nothing (the
// dispatcher's filterReply drops their reply and, for SKIP, the next one).
func execClientReply(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	st := c.State()
	switch {
	case utils.EqualFoldASCII(args[2], "on"):
		st.Reply = resp.ReplyOn
		return reply.OK
	case utils.EqualFoldASCII(args[2], "off"):
		st.Reply = resp.ReplyOff
	case utils.EqualFoldASCII(args[2], "skip"):
		if st.Reply != resp.ReplyOff {
			st.Reply = replySkipNext
		}
	default:
		return reply.SyntaxErr
	}
	return nil
}

func execClientGetredir(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Int(-1)
}

// execClientTracking checks the options in Redis's order; tracking itself
// (invalidation messages) is not provided, so ON is refused once the
// options pass and OFF, the state every client is in, is accepted.
func execClientTracking(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var bcast, optin, optout, redirected bool
	var prefixes [][]byte
	for j := 3; j < len(args); j++ {
		more := j+1 < len(args)
		switch {
		case utils.EqualFoldASCII(args[j], "redirect") && more:
			j++
			if redirected {
				return reply.Err("A client can only redirect to a single other client")
			}
			id, ok := utils.ParseInt(args[j])
			if !ok {
				return reply.NotInteger
			}
			if db.srv.clientByID(id) == nil {
				return reply.Err("The client ID you want redirect to does not exist")
			}
			redirected = id != 0
		case utils.EqualFoldASCII(args[j], "bcast"):
			bcast = true
		case utils.EqualFoldASCII(args[j], "optin"):
			optin = true
		case utils.EqualFoldASCII(args[j], "optout"):
			optout = true
		case utils.EqualFoldASCII(args[j], "noloop"):
		case utils.EqualFoldASCII(args[j], "prefix") && more:
			j++
			prefixes = append(prefixes, args[j])
		default:
			return reply.SyntaxErr
		}
	}
	switch {
	case utils.EqualFoldASCII(args[2], "off"):
		return reply.OK
	case !utils.EqualFoldASCII(args[2], "on"):
		return reply.SyntaxErr
	}
	if !bcast && len(prefixes) > 0 {
		return reply.Err("PREFIX option requires BCAST mode to be enabled")
	}
	if bcast && (optin || optout) {
		return reply.Err("OPTIN and OPTOUT are not compatible with BCAST")
	}
	if optin && optout {
		return reply.Err("You can't specify both OPTIN mode and OPTOUT mode")
	}
	for i, p := range prefixes {
		for _, q := range prefixes[i+1:] {
			if bytes.HasPrefix(p, q) || bytes.HasPrefix(q, p) {
				return reply.Err("Prefix '" + string(p) + "' overlaps with another provided prefix '" + string(q) +
					"'. Prefixes for a single client must not overlap.")
			}
		}
	}
	return reply.Err("CLIENT TRACKING ON is not supported by this server (client side caching is not implemented)")
}

func execClientCaching(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	// No client is ever in tracking mode.
	return reply.Err("CLIENT CACHING can be called only when the client is in tracking mode with OPTIN or OPTOUT mode enabled")
}

func execClientTrackinginfo(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Map{
		reply.BulkStr("flags"), reply.Set{reply.BulkStr("off")},
		reply.BulkStr("redirect"), reply.Int(-1),
		reply.BulkStr("prefixes"), reply.EmptyArray,
	}
}

// execClientUnblock wakes a client blocked on keys, as if its timeout had
// passed or, with ERROR, with the UNBLOCKED error.
func execClientUnblock(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) > 4 {
		return subcommandSyntaxErr(args)
	}
	if len(args) == 4 && !utils.EqualFoldASCII(args[3], "timeout") && !utils.EqualFoldASCII(args[3], "error") {
		return reply.Err("CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
	}
	id, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.NotInteger
	}
	if db.srv.unblockClient(id, len(args) == 4 && utils.EqualFoldASCII(args[3], "error")) {
		return reply.Int(1)
	}
	return reply.Int(0)
}

func execClientInfo(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	b := db.srv.appendClientInfo(nil, c, c, args, time.Now())
	return reply.Verbatim(append(b, '\n'))
}

// Client types of CLIENT LIST TYPE and CLIENT KILL TYPE.
const (
	clientNormal = iota
	clientReplica
	clientPubsub
	clientMaster
)

func parseClientType(b []byte) int {
	switch {
	case utils.EqualFoldASCII(b, "normal"):
		return clientNormal
	case utils.EqualFoldASCII(b, "replica"), utils.EqualFoldASCII(b, "slave"):
		return clientReplica
	case utils.EqualFoldASCII(b, "pubsub"):
		return clientPubsub
	case utils.EqualFoldASCII(b, "master"):
		return clientMaster
	}
	return -1
}

// clientType is Redis's getClientType: monitors count as normal clients.
// Other clients are read from their published state, self directly.
func clientType(self, o resp.Connection) int {
	n := o.State().ShownSubscriptionCount()
	if o == self {
		n = self.State().SubscriptionCount()
	}
	if n > 0 {
		return clientPubsub
	}
	return clientNormal
}

func execClientList(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	now := time.Now()
	var b []byte
	switch {
	case len(args) == 2:
		for _, o := range db.srv.clients.list() {
			b = db.srv.appendClientInfo(b, c, o, args, now)
			b = append(b, '\n')
		}
	case len(args) == 4 && utils.EqualFoldASCII(args[2], "type"):
		typ := parseClientType(args[3])
		if typ < 0 {
			return reply.Err("Unknown client type '" + string(args[3]) + "'")
		}
		for _, o := range db.srv.clients.list() {
			if clientType(c, o) == typ {
				b = db.srv.appendClientInfo(b, c, o, args, now)
				b = append(b, '\n')
			}
		}
	case len(args) > 3 && utils.EqualFoldASCII(args[2], "id"):
		ids := make([]int64, 0, len(args)-3)
		for _, a := range args[3:] {
			id, ok := utils.ParseInt(a)
			if !ok {
				return reply.Err("Invalid client ID")
			}
			ids = append(ids, id)
		}
		for _, id := range ids {
			if o := db.srv.clientByID(id); o != nil {
				b = db.srv.appendClientInfo(b, c, o, args, now)
				b = append(b, '\n')
			}
		}
	default:
		return reply.SyntaxErr
	}
	return reply.Verbatim(b)
}

// clientByID returns the connected client with that id, or nil.
func (s *Server) clientByID(id int64) resp.Connection {
	s.clients.mu.Lock()
	defer s.clients.mu.Unlock()
	return s.clients.m[id]
}

// netConner is implemented by connections backed by a socket.
type netConner interface{ Conn() net.Conn }

// socketFD returns the client's file descriptor, or -1.
func socketFD(c resp.Connection) int {
	nc, ok := c.(netConner)
	if !ok {
		return -1
	}
	conn := nc.Conn()
	if conn == nil {
		return -1
	}
	sc, ok := conn.(syscall.Conn)
	if !ok {
		return -1
	}
	raw, err := sc.SyscallConn()
	if err != nil {
		return -1
	}
	fd := -1
	if raw.Control(func(f uintptr) { fd = int(f) }) != nil {
		return -1
	}
	return fd
}

// Redis's fixed reply buffer size, shown as rbs and rbp.
const replyBufSize = 16 * 1024

// appendClientInfo appends o's CLIENT LIST line (without the newline) as
// seen by self, which is running the command args. Figures Redis keeps and
// this server does not (reply buffer peak, tracking) get the values an
// idle Redis client shows.
//
// o's Name and Buffers take o's connection lock, which o's goroutine also
// takes after every command, so the state read afterwards is that of o's
// last completed command when o is idle.
func (s *Server) appendClientInfo(b []byte, self, o resp.Connection, args [][]byte, now time.Time) []byte {
	name := o.Name()
	qbuf, qbufFree, out := o.Buffers()
	st := o.State()
	isSelf := o == self || o.ID() == self.ID()

	b = append(b, "id="...)
	b = strconv.AppendInt(b, o.ID(), 10)
	b = append(b, " addr="...)
	b = append(b, o.RemoteAddr()...)
	b = append(b, " laddr="...)
	b = append(b, o.LocalAddr()...)
	b = append(b, " fd="...)
	b = strconv.AppendInt(b, int64(socketFD(o)), 10)
	b = append(b, " name="...)
	b = append(b, name...)
	b = append(b, " age="...)
	b = strconv.AppendInt(b, now.Unix()-o.CreatedAt().Unix(), 10)
	b = append(b, " idle="...)
	idle := now.Unix() - o.LastActive().Unix()
	if isSelf || idle < 0 {
		idle = 0
	}
	b = strconv.AppendInt(b, idle, 10)

	b = append(b, " flags="...)
	n := len(b)
	if s.isMonitorClient(o) {
		b = append(b, 'O')
	}
	// Another client's state is read from what it published after its
	// last command; the caller's own is read directly.
	sh := &st.Shown
	subs, psubs, ssubs := int(sh.Subs.Load()), int(sh.Patterns.Load()), int(sh.ShardSub.Load())
	flags := sh.Flags.Load()
	queued := int(sh.Queued.Load())
	if isSelf {
		subs, psubs, ssubs = len(st.Channels), len(st.Patterns), len(st.ShardChannels)
		flags = 0
		if st.InMulti {
			flags |= resp.ShownMulti
		}
		if st.Closing {
			flags |= resp.ShownClosing
		}
		if st.NoEvict {
			flags |= resp.ShownNoEvict
		}
		queued = len(st.Queued)
	}
	if subs+psubs+ssubs > 0 {
		b = append(b, 'P')
	}
	if flags&resp.ShownMulti != 0 {
		b = append(b, 'x')
	}
	if flags&resp.ShownClosing != 0 {
		b = append(b, 'c')
	}
	if flags&resp.ShownNoEvict != 0 {
		b = append(b, 'e')
	}
	if len(b) == n {
		b = append(b, 'N')
	}

	b = append(b, " db="...)
	b = strconv.AppendInt(b, int64(o.DBIndex()), 10)
	b = append(b, " sub="...)
	b = strconv.AppendInt(b, int64(subs), 10)
	b = append(b, " psub="...)
	b = strconv.AppendInt(b, int64(psubs), 10)
	b = append(b, " ssub="...)
	b = strconv.AppendInt(b, int64(ssubs), 10)
	b = append(b, " multi="...)
	multi, multiMem := -1, 0
	if flags&resp.ShownMulti != 0 {
		multi = queued
	}
	if isSelf && st.InMulti {
		for _, q := range st.Queued {
			multiMem += 16
			for _, a := range q {
				multiMem += len(a) + 8
			}
		}
	}
	b = strconv.AppendInt(b, int64(multi), 10)
	b = append(b, " qbuf="...)
	b = strconv.AppendInt(b, int64(qbuf), 10)
	b = append(b, " qbuf-free="...)
	b = strconv.AppendInt(b, int64(qbufFree), 10)
	argvMem := 0
	if isSelf {
		for _, a := range args {
			argvMem += len(a)
		}
	}
	b = append(b, " argv-mem="...)
	b = strconv.AppendInt(b, int64(argvMem), 10)
	b = append(b, " multi-mem="...)
	b = strconv.AppendInt(b, int64(multiMem), 10)
	b = append(b, " rbs="...)
	b = strconv.AppendInt(b, replyBufSize, 10)
	b = append(b, " rbp="...)
	b = strconv.AppendInt(b, replyBufSize, 10)
	obl, oll, omem := out, 0, 0
	if out > replyBufSize {
		obl, oll, omem = replyBufSize, 1, out-replyBufSize
	}
	b = append(b, " obl="...)
	b = strconv.AppendInt(b, int64(obl), 10)
	b = append(b, " oll="...)
	b = strconv.AppendInt(b, int64(oll), 10)
	b = append(b, " omem="...)
	b = strconv.AppendInt(b, int64(omem), 10)
	b = append(b, " tot-mem="...)
	b = strconv.AppendInt(b, int64(clientOverhead+qbuf+qbufFree+argvMem+multiMem+replyBufSize+omem), 10)
	b = append(b, " events="...)
	if out > 0 {
		b = append(b, "rw"...)
	} else {
		b = append(b, 'r')
	}
	b = append(b, " cmd="...)
	switch {
	case isSelf && st.InMulti:
		b = append(b, "exec"...)
	case isSelf:
		if cmd := lookupCommand(args); cmd != nil {
			b = append(b, cmd.Name...)
		} else {
			b = append(b, "NULL"...)
		}
	case sh.LastCmd.Load() != nil:
		b = append(b, *sh.LastCmd.Load()...)
	default:
		b = append(b, "NULL"...)
	}
	b = append(b, " user="...)
	b = append(b, o.User()...)
	b = append(b, " redir=-1 resp="...)
	b = strconv.AppendInt(b, int64(o.Protocol()), 10)
	return b
}

// clientOverhead approximates the memory of a client's own structures
// (Redis's sizeof(client) and friends), part of tot-mem.
const clientOverhead = 4096

func (s *Server) isMonitorClient(c resp.Connection) bool {
	if monitorsAttached.Load() == 0 {
		return false
	}
	return s.admin().isMonitor(c)
}

// execClientKill implements both forms: CLIENT KILL addr:port (replies OK
// or an error) and CLIENT KILL <filter> <value> ... (replies the count).
func execClientKill(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var (
		addr, laddr, user string
		hasAddr, hasLaddr bool
		hasUser           bool
		typ               = -1
		id                int64
		skipme            = true
	)
	oldForm := len(args) == 3
	if oldForm {
		addr, hasAddr, skipme = string(args[2]), true, false
	} else {
		for i := 2; i < len(args); i += 2 {
			more := i+1 < len(args)
			opt := args[i]
			switch {
			case more && utils.EqualFoldASCII(opt, "id"):
				v, ok := utils.ParseInt(args[i+1])
				if !ok || v < 1 {
					return reply.Err("client-id should be greater than 0")
				}
				id = v
			case more && utils.EqualFoldASCII(opt, "type"):
				typ = parseClientType(args[i+1])
				if typ < 0 {
					return reply.Err("Unknown client type '" + string(args[i+1]) + "'")
				}
			case more && utils.EqualFoldASCII(opt, "addr"):
				addr, hasAddr = string(args[i+1]), true
			case more && utils.EqualFoldASCII(opt, "laddr"):
				laddr, hasLaddr = string(args[i+1]), true
			case more && utils.EqualFoldASCII(opt, "user"):
				user, hasUser = string(args[i+1]), true
				if user != "default" {
					return reply.Err("No such user '" + user + "'")
				}
			case more && utils.EqualFoldASCII(opt, "skipme"):
				switch {
				case utils.EqualFoldASCII(args[i+1], "yes"):
					skipme = true
				case utils.EqualFoldASCII(args[i+1], "no"):
					skipme = false
				default:
					return reply.SyntaxErr
				}
			default:
				return reply.SyntaxErr
			}
		}
	}
	killed := 0
	for _, o := range db.srv.clients.list() {
		switch {
		case hasAddr && o.RemoteAddr() != addr,
			hasLaddr && o.LocalAddr() != laddr,
			typ >= 0 && clientType(c, o) != typ,
			id != 0 && o.ID() != id,
			hasUser && o.User() != user:
			continue
		}
		if o.ID() == c.ID() {
			if skipme {
				continue
			}
			// Closed once this command's reply is written.
			c.State().Closing = true
		} else {
			db.srv.blockingClientGone(o)
			_ = o.Close()
		}
		killed++
	}
	if oldForm {
		if killed == 0 {
			return reply.Err("No such client")
		}
		return reply.OK
	}
	return reply.Int(killed)
}

// Pause modes, in increasing strength.
const (
	pauseOff = iota
	pauseWrite
	pauseAll
)

// clientPause is the CLIENT PAUSE state of one server.
type clientPause struct {
	mu    sync.Mutex
	mode  int
	end   time.Time
	armed bool          // counted in hooksArmed
	wake  chan struct{} // closed (and replaced) when the pause is lifted
}

// start pauses until end in mode; a pause already running keeps the later
// end and the stronger mode, as Redis's pauseClients does.
func (p *clientPause) start(mode int, end time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.armed {
		p.mode, p.end = mode, end
		p.armed = true
		hooksArmed.Add(1)
		return
	}
	if mode > p.mode {
		p.mode = mode
	}
	if end.After(p.end) {
		p.end = end
	}
}

// stop lifts the pause and wakes every waiting client.
func (p *clientPause) stop() {
	p.mu.Lock()
	p.stopLocked()
	p.mu.Unlock()
}

func (p *clientPause) stopLocked() {
	if !p.armed {
		return
	}
	p.armed = false
	p.mode = pauseOff
	hooksArmed.Add(-1)
	close(p.wake)
	p.wake = make(chan struct{})
}

// wait blocks while the pause applies to cmd run by c: every command in
// ALL mode; in WRITE mode the commands that write or may replicate (EXEC
// when its queue has one).
func (p *clientPause) wait(s *Server, c resp.Connection, cmd *Command) {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		p.mu.Lock()
		if !p.armed {
			p.mu.Unlock()
			return
		}
		now := time.Now()
		if !now.Before(p.end) {
			p.stopLocked()
			p.mu.Unlock()
			return
		}
		if p.mode == pauseWrite && commandMask(c, cmd)&(FlagWrite|flagMayReplicate) == 0 {
			p.mu.Unlock()
			return
		}
		wake, left := p.wake, p.end.Sub(now)
		p.mu.Unlock()
		if timer == nil {
			waiting(c)
			timer = time.NewTimer(left)
		} else {
			timer.Reset(left)
		}
		select {
		case <-wake:
		case <-timer.C:
		case <-s.stop:
			return
		}
	}
}

func execClientPause(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) > 4 {
		return subcommandSyntaxErr(args)
	}
	mode := pauseAll
	if len(args) == 4 {
		switch {
		case utils.EqualFoldASCII(args[3], "write"):
			mode = pauseWrite
		case utils.EqualFoldASCII(args[3], "all"):
		default:
			return reply.Err("CLIENT PAUSE mode must be WRITE or ALL")
		}
	}
	ms, ok := utils.ParseInt(args[2])
	if !ok {
		return reply.Err("timeout is not an integer or out of range")
	}
	if ms < 0 {
		return reply.Err("timeout is negative")
	}
	now := time.Now()
	var end time.Time
	if maxMs := (math.MaxInt64 - now.UnixNano()) / int64(time.Millisecond); ms >= maxMs {
		end = time.Unix(0, math.MaxInt64)
	} else {
		end = now.Add(time.Duration(ms) * time.Millisecond)
	}
	db.srv.admin().pause.start(mode, end)
	return reply.OK
}

func execClientUnpause(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	db.srv.admin().pause.stop()
	return reply.OK
}
