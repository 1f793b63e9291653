package resp

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
	// Watched keys: db index and key to the key's version at WATCH time.
	Watched map[WatchedKey]uint64

	// Pub/sub (guarded by the pub/sub hub's lock).
	Channels      map[string]struct{}
	Patterns      map[string]struct{}
	ShardChannels map[string]struct{}

	Reply   ReplyMode
	NoEvict bool

	// LastCmd is the full name of the last command run (CLIENT LIST cmd=).
	LastCmd string
	// Closing is set when the connection must close after the pending reply.
	Closing bool
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
