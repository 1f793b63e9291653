package resp

import "time"

// Connection is the state of one client as the database sees it. The
// database never touches the socket; it reads and changes this state and
// writes out-of-band replies (pub/sub messages) through Enqueue.
type Connection interface {
	// ID is the unique, increasing client id (CLIENT ID).
	ID() int64
	// DBIndex is the selected database.
	DBIndex() int
	SelectDB(index int)
	// Protocol is 2 or 3 (HELLO).
	Protocol() int
	SetProtocol(p int)
	// Authenticated reports whether AUTH/HELLO AUTH succeeded (or no password is needed).
	Authenticated() bool
	SetAuthenticated(ok bool, user string)
	User() string
	Name() string
	SetName(name string)
	RemoteAddr() string
	LocalAddr() string
	// State is the per-connection bag of transaction, subscription and
	// client-command state kept by the database layer.
	State() *ClientState
	// Push writes an out-of-band reply and flushes it, waiting for the
	// socket (MONITOR's writer).
	Push(r Reply) error
	// Enqueue appends an out-of-band reply (a pub/sub message) without
	// waiting: the connection sends it from its own writer. It reports
	// false when the connection is closed, or was closed for passing its
	// client-output-buffer-limit.
	Enqueue(r Reply) bool
	// Close closes the connection at once (CLIENT KILL, shutdown).
	Close() error
	// CreatedAt and LastActive give the age and idle time (CLIENT LIST).
	CreatedAt() time.Time
	LastActive() time.Time
	// Buffers reports the query buffer length and free space and the
	// output buffer length (CLIENT LIST qbuf, qbuf-free, omem).
	Buffers() (qbuf, qbufFree, out int)
}
