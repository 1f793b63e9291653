package database

import (
	"strconv"
	"sync"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/wildcard"
	"goredis/resp/reply"
)

// Pub/sub: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and their UN- forms, PUBLISH,
// SPUBLISH, PUBSUB, and the keyspace notifications (notify).
//
// The hub maps channels and patterns to their subscribers. A message is
// handed to each subscriber's connection with Enqueue, which appends it
// to the output buffer and lets the connection's writer send it: a
// publisher never waits for a slow subscriber, and a subscriber whose
// backlog passes client-output-buffer-limit pubsub is disconnected.
// Subscription confirmations are enqueued under the hub's lock too, so a
// message can never overtake the confirmation of its subscription.

func init() {
	register("subscribe", execSubscribe, -2, "pubsub noscript loading stale", 0, 0, 0)
	register("unsubscribe", execUnsubscribe, -1, "pubsub noscript loading stale", 0, 0, 0)
	register("psubscribe", execPSubscribe, -2, "pubsub noscript loading stale", 0, 0, 0)
	register("punsubscribe", execPUnsubscribe, -1, "pubsub noscript loading stale", 0, 0, 0)
	register("publish", execPublish, 3, "pubsub loading stale fast", 0, 0, 0)
	register("ssubscribe", execSSubscribe, -2, "pubsub noscript loading stale", 1, -1, 1)
	register("sunsubscribe", execSUnsubscribe, -1, "pubsub noscript loading stale", 1, -1, 1)
	register("spublish", execSPublish, 3, "pubsub loading stale fast", 1, 1, 1)
	registerContainer("pubsub", -2)
	register("pubsub|channels", execPubsubChannels, -2, "pubsub loading stale", 0, 0, 0)
	register("pubsub|numpat", execPubsubNumPat, 2, "pubsub loading stale", 0, 0, 0)
	register("pubsub|numsub", execPubsubNumSub, -2, "pubsub loading stale", 0, 0, 0)
	register("pubsub|shardchannels", execPubsubShardChannels, -2, "pubsub loading stale", 0, 0, 0)
	register("pubsub|shardnumsub", execPubsubShardNumSub, -2, "pubsub loading stale", 0, 0, 0)
	register("pubsub|help", execPubsubHelp, 2, "loading stale", 0, 0, 0)
	infoPubsub = func(s *Server) (int, int, int) {
		h := &s.pubsub
		h.mu.RLock()
		defer h.mu.RUnlock()
		return len(h.channels), len(h.patterns), len(h.shard)
	}
}

// pubsubHub holds a server's subscriptions. Subscribers of a channel are
// kept in subscription order, and patterns in the order they were first
// subscribed, so deliveries are in a stable order.
type pubsubHub struct {
	mu       sync.RWMutex
	channels map[string][]resp.Connection
	shard    map[string][]resp.Connection
	patterns []*patternSubs
	patIndex map[string]*patternSubs
}

type patternSubs struct {
	pattern string
	subs    []resp.Connection
}

// The three kinds of subscription.
const (
	subChannel = iota
	subPattern
	subShard
)

var subWords = [3][2]string{
	subChannel: {"subscribe", "unsubscribe"},
	subPattern: {"psubscribe", "punsubscribe"},
	subShard:   {"ssubscribe", "sunsubscribe"},
}

// subscribed reports whether the client has the subscription.
func subscribed(st *resp.ClientState, kind int, name string) bool {
	switch kind {
	case subPattern:
		for _, p := range st.Patterns {
			if p == name {
				return true
			}
		}
		return false
	case subShard:
		_, ok := st.ShardChannels[name]
		return ok
	}
	_, ok := st.Channels[name]
	return ok
}

// setSubscribed adds or removes the client's subscription.
func setSubscribed(st *resp.ClientState, kind int, name string, on bool) {
	switch kind {
	case subPattern:
		if on {
			st.Patterns = append(st.Patterns, name)
			return
		}
		for i, p := range st.Patterns {
			if p == name {
				st.Patterns = append(st.Patterns[:i:i], st.Patterns[i+1:]...)
				return
			}
		}
		return
	}
	m := &st.Channels
	if kind == subShard {
		m = &st.ShardChannels
	}
	if !on {
		delete(*m, name)
		return
	}
	if *m == nil {
		*m = make(map[string]struct{})
	}
	(*m)[name] = struct{}{}
}

// subscriptions lists the client's subscriptions of kind (patterns in
// subscription order, channels in map order as Redis's dict).
func subscriptions(st *resp.ClientState, kind int) []string {
	if kind == subPattern {
		return append([]string(nil), st.Patterns...)
	}
	m := st.Channels
	if kind == subShard {
		m = st.ShardChannels
	}
	out := make([]string, 0, len(m))
	for name := range m {
		out = append(out, name)
	}
	return out
}

// subCount is the count a (un)subscription reply carries: channels plus
// patterns, or shard channels alone.
func subCount(st *resp.ClientState, kind int) int64 {
	if kind == subShard {
		return int64(len(st.ShardChannels))
	}
	return int64(len(st.Channels) + len(st.Patterns))
}

func removeConn(list []resp.Connection, c resp.Connection) []resp.Connection {
	for i, o := range list {
		if o == c {
			return append(list[:i:i], list[i+1:]...)
		}
	}
	return list
}

// addLocked subscribes c to name; it reports whether it was new.
func (h *pubsubHub) addLocked(c resp.Connection, kind int, name string) bool {
	st := c.State()
	if subscribed(st, kind, name) {
		return false
	}
	setSubscribed(st, kind, name, true)
	switch kind {
	case subChannel:
		if h.channels == nil {
			h.channels = make(map[string][]resp.Connection)
		}
		h.channels[name] = append(h.channels[name], c)
	case subShard:
		if h.shard == nil {
			h.shard = make(map[string][]resp.Connection)
		}
		h.shard[name] = append(h.shard[name], c)
	case subPattern:
		if h.patIndex == nil {
			h.patIndex = make(map[string]*patternSubs)
		}
		p := h.patIndex[name]
		if p == nil {
			p = &patternSubs{pattern: name}
			h.patIndex[name] = p
			h.patterns = append(h.patterns, p)
		}
		p.subs = append(p.subs, c)
	}
	return true
}

// removeLocked unsubscribes c from name; it reports whether c was
// subscribed.
func (h *pubsubHub) removeLocked(c resp.Connection, kind int, name string) bool {
	st := c.State()
	if !subscribed(st, kind, name) {
		return false
	}
	setSubscribed(st, kind, name, false)
	switch kind {
	case subChannel, subShard:
		m := h.channels
		if kind == subShard {
			m = h.shard
		}
		if l := removeConn(m[name], c); len(l) == 0 {
			delete(m, name)
		} else {
			m[name] = l
		}
	case subPattern:
		p := h.patIndex[name]
		if p == nil {
			break
		}
		if p.subs = removeConn(p.subs, c); len(p.subs) == 0 {
			delete(h.patIndex, name)
			for i, o := range h.patterns {
				if o == p {
					h.patterns = append(h.patterns[:i:i], h.patterns[i+1:]...)
					break
				}
			}
		}
	}
	return true
}

// confirm sends a (un)subscription confirmation, unless CLIENT REPLY
// silences the client. Inside EXEC it is collected into the EXEC reply
// instead (out is non-nil).
func confirm(c resp.Connection, out *[]resp.Reply, word string, name resp.Reply, count int64) {
	r := reply.Push{reply.BulkStr(word), name, reply.Int(count)}
	if out != nil {
		*out = append(*out, r)
		return
	}
	if c.State().Reply == resp.ReplyOn {
		c.Enqueue(r)
	}
}

// confirmTarget returns where confirmations go: enqueued directly (nil)
// for a command of its own, into the reply for one run by EXEC, whose
// array must hold them.
func confirmTarget(c resp.Connection) *[]resp.Reply {
	if c.State().InMulti {
		return new([]resp.Reply)
	}
	return nil
}

// collected is the reply of a (un)subscription command: nothing when the
// confirmations were enqueued, else what EXEC places in its array (a
// single confirmation, or several written one after another).
func collected(out *[]resp.Reply) resp.Reply {
	if out == nil {
		return nil
	}
	if len(*out) == 1 {
		return (*out)[0]
	}
	return reply.Seq(*out)
}

func subscribeCmd(db *DB, c resp.Connection, args [][]byte, kind int) resp.Reply {
	h := &db.srv.pubsub
	out := confirmTarget(c)
	st := c.State()
	h.mu.Lock()
	for _, a := range args[1:] {
		h.addLocked(c, kind, string(a))
		confirm(c, out, subWords[kind][0], reply.Bulk(a), subCount(st, kind))
	}
	h.mu.Unlock()
	return collected(out)
}

func unsubscribeCmd(db *DB, c resp.Connection, args [][]byte, kind int) resp.Reply {
	h := &db.srv.pubsub
	out := confirmTarget(c)
	st := c.State()
	h.mu.Lock()
	names := args[1:]
	if len(names) == 0 {
		for _, name := range subscriptions(st, kind) {
			names = append(names, []byte(name))
		}
		if len(names) == 0 {
			confirm(c, out, subWords[kind][1], reply.Null, subCount(st, kind))
		}
	}
	for _, a := range names {
		h.removeLocked(c, kind, string(a))
		confirm(c, out, subWords[kind][1], reply.Bulk(a), subCount(st, kind))
	}
	h.mu.Unlock()
	return collected(out)
}

func execSubscribe(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return subscribeCmd(db, c, args, subChannel)
}

func execPSubscribe(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return subscribeCmd(db, c, args, subPattern)
}

func execSSubscribe(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if c.State().InMulti {
		// Redis refuses it to a client that must get one reply per
		// command; unlike SUBSCRIBE it has no exception for MULTI.
		return reply.Err("SSUBSCRIBE isn't allowed for DENY BLOCKING client")
	}
	return subscribeCmd(db, c, args, subShard)
}

func execUnsubscribe(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return unsubscribeCmd(db, c, args, subChannel)
}

func execPUnsubscribe(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return unsubscribeCmd(db, c, args, subPattern)
}

func execSUnsubscribe(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return unsubscribeCmd(db, c, args, subShard)
}

// unsubscribeAll drops every subscription of c, without confirmations
// (RESET, disconnection).
func (s *Server) unsubscribeAll(c resp.Connection) {
	st := c.State()
	if st.SubscriptionCount() == 0 {
		return
	}
	h := &s.pubsub
	h.mu.Lock()
	for kind := subChannel; kind <= subShard; kind++ {
		for _, name := range subscriptions(st, kind) {
			h.removeLocked(c, kind, name)
		}
	}
	h.mu.Unlock()
	st.Channels, st.Patterns, st.ShardChannels = nil, nil, nil
}

// publish delivers msg on channel to its subscribers and to those of
// matching patterns, returning how many received it.
func (s *Server) publish(channel, msg []byte) int64 {
	h := &s.pubsub
	h.mu.RLock()
	defer h.mu.RUnlock()
	var n int64
	if subs := h.channels[string(channel)]; len(subs) > 0 {
		m := reply.Push{reply.BulkStr("message"), reply.Bulk(channel), reply.Bulk(msg)}
		for _, c := range subs {
			c.Enqueue(m)
			n++
		}
	}
	for _, p := range h.patterns {
		if !wildcard.Match([]byte(p.pattern), channel) {
			continue
		}
		m := reply.Push{reply.BulkStr("pmessage"), reply.BulkStr(p.pattern), reply.Bulk(channel), reply.Bulk(msg)}
		for _, c := range p.subs {
			c.Enqueue(m)
			n++
		}
	}
	return n
}

func execPublish(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Int(db.srv.publish(args[1], args[2]))
}

func execSPublish(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h := &db.srv.pubsub
	h.mu.RLock()
	defer h.mu.RUnlock()
	subs := h.shard[string(args[1])]
	if len(subs) > 0 {
		m := reply.Push{reply.BulkStr("smessage"), reply.Bulk(args[1]), reply.Bulk(args[2])}
		for _, c := range subs {
			c.Enqueue(m)
		}
	}
	return reply.Int(int64(len(subs)))
}

// ---- PUBSUB ----

func channelsMatching(m map[string][]resp.Connection, args [][]byte) resp.Reply {
	var pat []byte
	if len(args) > 3 {
		return nil
	}
	if len(args) == 3 {
		pat = args[2]
	}
	out := reply.Bulks{}
	for name := range m {
		if pat == nil || wildcard.Match(pat, []byte(name)) {
			out = append(out, []byte(name))
		}
	}
	return out
}

func execPubsubChannels(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h := &db.srv.pubsub
	h.mu.RLock()
	defer h.mu.RUnlock()
	if r := channelsMatching(h.channels, args); r != nil {
		return r
	}
	return subcommandSyntaxErr(args)
}

func execPubsubShardChannels(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h := &db.srv.pubsub
	h.mu.RLock()
	defer h.mu.RUnlock()
	if r := channelsMatching(h.shard, args); r != nil {
		return r
	}
	return subcommandSyntaxErr(args)
}

func numSub(m map[string][]resp.Connection, names [][]byte) resp.Reply {
	out := make(reply.Array, 0, 2*len(names))
	for _, n := range names {
		out = append(out, reply.Bulk(n), reply.Int(len(m[string(n)])))
	}
	return out
}

func execPubsubNumSub(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h := &db.srv.pubsub
	h.mu.RLock()
	defer h.mu.RUnlock()
	return numSub(h.channels, args[2:])
}

func execPubsubShardNumSub(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h := &db.srv.pubsub
	h.mu.RLock()
	defer h.mu.RUnlock()
	return numSub(h.shard, args[2:])
}

func execPubsubNumPat(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	h := &db.srv.pubsub
	h.mu.RLock()
	defer h.mu.RUnlock()
	return reply.Int(len(h.patterns))
}

func execPubsubHelp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return helpReply("pubsub",
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)")
}

// ---- keyspace notifications ----

// notify publishes a keyspace event of class (a config.Notify* bit) named
// event for key, as Redis's notifyKeyspaceEvent: on __keyspace@<db>__:<key>
// with the event as message when K is set, and on
// __keyevent@<db>__:<event> with the key as message when E is set. It
// costs one atomic load while notify-keyspace-events is empty.
func (db *DB) notify(class int, event string, key []byte) {
	flags := config.Get().NotifyFlags
	if flags&class == 0 {
		return
	}
	if flags&config.NotifyKeyspace != 0 {
		ch := make([]byte, 0, 24+len(key))
		ch = append(ch, "__keyspace@"...)
		ch = strconv.AppendInt(ch, int64(db.index), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, key...)
		db.srv.publish(ch, []byte(event))
	}
	if flags&config.NotifyKeyevent != 0 {
		ch := make([]byte, 0, 24+len(event))
		ch = append(ch, "__keyevent@"...)
		ch = strconv.AppendInt(ch, int64(db.index), 10)
		ch = append(ch, "__:"...)
		ch = append(ch, event...)
		db.srv.publish(ch, key)
	}
}
