package resp

import "sync/atomic"

// ReplyMode is the CLIENT REPLY setting.
type ReplyMode uint8

const (
	ReplyOn ReplyMode = iota
	ReplyOff
	ReplySkip
)

// ClientState is per-connection state owned by the database layer. Only the
// connection's own goroutine touches it, except where a field says otherwise.
type ClientState struct {
	// Transaction.
	InMulti bool
	TxDirty bool       // a command failed to queue: EXEC answers EXECABORT
	Queued  [][][]byte // commands queued by MULTI, copied
	// Watching is set by WATCH and cleared when the watches are dropped;
	// the watches themselves live in the database's registry.
	Watching bool
	// DirtyCAS is set, by whichever client modifies a watched key, when
	// EXEC must fail with a null reply.
	DirtyCAS atomic.Bool

	// Pub/sub subscriptions, changed only by the client's own goroutine
	// under the pub/sub hub's lock. Patterns keep subscription order (a
	// list in Redis 7.0, which PUNSUBSCRIBE without arguments follows).
	Channels      map[string]struct{}
	Patterns      []string
	ShardChannels map[string]struct{}

	Reply   ReplyMode
	NoEvict bool

	// Closing is set when the connection must close after the pending reply.
	Closing bool

	// Trailer is written after the reply of the command running (the
	// MONITOR line of a monitor's own command, which Redis adds after the
	// reply); only the client's goroutine touches it.
	Trailer []byte

	// Cluster is the cluster layer's own state for this client (relays
	// in flight); only the client's goroutine touches it.
	Cluster any

	// SyncTo is the append-only file's sequence number of the last write
	// this client ran, which must be durable before its replies are sent
	// (0: nothing to wait for). Read by the connection's writer too.
	SyncTo atomic.Uint64

	// Shown is what other clients may read (CLIENT LIST, CLIENT KILL)
	// while this one runs commands; Publish refreshes it.
	Shown Shown
}

// Shown flags.
const (
	ShownMulti uint32 = 1 << iota
	ShownClosing
	ShownNoEvict
	ShownReplyOff
)

// Shown mirrors parts of a ClientState in atomics, so they can be read
// from other goroutines.
type Shown struct {
	LastCmd                  atomic.Pointer[string]
	Flags                    atomic.Uint32
	Queued                   atomic.Int32
	Subs, Patterns, ShardSub atomic.Int32
}

func storeIfChanged(v *atomic.Int32, n int) {
	if v.Load() != int32(n) {
		v.Store(int32(n))
	}
}

// Publish copies the state other clients may read into Shown, writing
// only what changed. name is the last command's full name; it must be a
// string that lives as long as the server (a command table entry).
func (s *ClientState) Publish(name *string) {
	if s.Shown.LastCmd.Load() != name {
		s.Shown.LastCmd.Store(name)
	}
	var f uint32
	if s.InMulti {
		f |= ShownMulti
	}
	if s.Closing {
		f |= ShownClosing
	}
	if s.NoEvict {
		f |= ShownNoEvict
	}
	if s.Reply == ReplyOff {
		f |= ShownReplyOff
	}
	if s.Shown.Flags.Load() != f {
		s.Shown.Flags.Store(f)
	}
	storeIfChanged(&s.Shown.Queued, len(s.Queued))
	storeIfChanged(&s.Shown.Subs, len(s.Channels))
	storeIfChanged(&s.Shown.Patterns, len(s.Patterns))
	storeIfChanged(&s.Shown.ShardSub, len(s.ShardChannels))
}

// WatchedKey names a key in a database.
type WatchedKey struct {
	DB  int
	Key string
}

// SubscriptionCount is the number of channels and patterns subscribed.
func (s *ClientState) SubscriptionCount() int {
	return len(s.Channels) + len(s.Patterns) + len(s.ShardChannels)
}

// ShownSubscriptionCount is SubscriptionCount as last published, for
// other clients' goroutines.
func (s *ClientState) ShownSubscriptionCount() int {
	return int(s.Shown.Subs.Load() + s.Shown.Patterns.Load() + s.Shown.ShardSub.Load())
}
