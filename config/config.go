// Package config holds the server's parameters: redis.conf syntax,
// `--name value` overrides, and the typed parameter table behind CONFIG
// GET, CONFIG SET and CONFIG REWRITE, all with Redis 7.0's rules and texts.
//
// The current parameters are one immutable *Config snapshot. Get returns it
// with a single atomic load; CONFIG SET builds a new snapshot and swaps it
// in, so a reader never sees half an update.
package config

import (
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// Version is the Redis version this server reports in configuration
// errors.
const Version = "7.0.15"

// Client classes of client-output-buffer-limit, indexes of
// Config.OutputBufferLimits.
const (
	ClientNormal  = 0
	ClientReplica = 1
	ClientPubSub  = 2
)

// OutputBufferLimit is one class of client-output-buffer-limit: a client
// is closed when its pending output passes Hard bytes, or stays above Soft
// bytes for SoftSeconds seconds. Zero disables a limit.
type OutputBufferLimit struct {
	Hard        int64
	Soft        int64
	SoftSeconds int64
}

// Keyspace notification classes, the bits of Config.NotifyFlags. The
// letters are those of notify-keyspace-events.
const (
	NotifyKeyspace = 1 << 0  // K
	NotifyKeyevent = 1 << 1  // E
	NotifyGeneric  = 1 << 2  // g
	NotifyString   = 1 << 3  // $
	NotifyList     = 1 << 4  // l
	NotifySet      = 1 << 5  // s
	NotifyHash     = 1 << 6  // h
	NotifyZset     = 1 << 7  // z
	NotifyExpired  = 1 << 8  // x
	NotifyEvicted  = 1 << 9  // e
	NotifyStream   = 1 << 10 // t
	NotifyKeyMiss  = 1 << 11 // m
	NotifyModule   = 1 << 13 // d
	NotifyNew      = 1 << 14 // n
	// NotifyAll is what 'A' stands for: every class but m and n.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZset | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// Config is one immutable snapshot of every parameter. Never modify a
// snapshot obtained from Get; CONFIG SET builds a new one.
type Config struct {
	Bind                     []string // default ["*", "-::*"]
	Port                     int
	ProtectedMode            bool
	RequirePass              string
	MaxClients               int
	Timeout                  int // seconds, 0 = never
	TCPKeepAlive             int
	Databases                int
	Dir                      string // absolute
	LogFile                  string // absolute path, "" = stdout (CONFIG GET shows the configured text)
	LogLevel                 string // debug | verbose | notice | warning
	Daemonize                bool   // accepted, no effect
	AppendOnly               bool
	AppendFilename           string
	AppendDirname            string
	AppendFsync              string // always | everysec | no
	AutoAofRewritePercentage int
	AutoAofRewriteMinSize    int64
	AofLoadTruncated         bool
	NoAppendfsyncOnRewrite   bool
	MaxMemory                int64 // bytes, 0 = no limit (values above MaxInt64 read as MaxInt64)
	MaxMemoryPolicy          string
	MaxMemorySamples         int
	LFULogFactor             int
	LFUDecayTime             int
	Hz                       int    // 1..500, clamped as Redis does
	EnableDebugCommand       string // no | yes | local
	EnableProtectedConfigs   string // no | yes | local
	ProtoMaxBulkLen          int64
	ClientQueryBufferLimit   int64
	SlowlogLogSlowerThan     int64
	SlowlogMaxLen            int
	LatencyMonitorThreshold  int64
	NotifyKeyspaceEvents     string // canonical flag string, as CONFIG GET shows it
	NotifyFlags              int    // the same as Notify* bits
	ClientOutputBufferLimit  string // as CONFIG GET shows it
	OutputBufferLimits       [3]OutputBufferLimit
	RenameCommands           map[string]string // lowercased original name -> new name ("" = removed)
	Self                     string            // cluster: this node's address, "" = standalone
	Peers                    []string          // cluster peers host:port
	PeerTimeout              int               // ms
	ConfigFile               string            // absolute path of the file loaded, "" if none

	vals []any // one value per table entry, in the representation of its kind
}

// Param returns the value CONFIG GET shows for the parameter name (or
// alias), and whether such a parameter exists.
func (c *Config) Param(name string) (string, bool) {
	p := lookup(name)
	if p == nil {
		return "", false
	}
	return p.format(c.vals[p.idx]), true
}

// DebugAllowed reports whether DEBUG may run for a client; local is true
// for loopback and unix-socket clients (enable-debug-command).
func (c *Config) DebugAllowed(local bool) bool {
	return allowed(c.EnableDebugCommand, local)
}

// ProtectedAllowed reports whether a client may change protected configs
// (enable-protected-configs).
func (c *Config) ProtectedAllowed(local bool) bool {
	return allowed(c.EnableProtectedConfigs, local)
}

func allowed(setting string, local bool) bool {
	return setting == "yes" || (setting == "local" && local)
}

// Path resolves name against Dir, as Redis resolves files relative to its
// working directory; absolute names are returned unchanged.
func (c *Config) Path(name string) string {
	if name == "" || filepath.IsAbs(name) {
		return name
	}
	return filepath.Join(c.Dir, name)
}

var (
	current atomic.Pointer[Config]

	// setMu serializes writers: SetParams, Load and hook registration.
	setMu       sync.Mutex
	changeHooks []func(old, new *Config)
	applyHooks  = map[string]func(old, new *Config) error{}
	resetHooks  []func()
	resetMu     sync.Mutex
	cmdLookup   func(name string) bool
)

func init() {
	current.Store(defaults(workingDir()))
}

// workingDir is the physical current directory, as getcwd reports it.
func workingDir() string {
	wd, err := os.Getwd()
	if err != nil {
		return "/"
	}
	if r, err := filepath.EvalSymlinks(wd); err == nil {
		return r
	}
	return wd
}

// Get returns the current snapshot. It is one atomic load.
func Get() *Config { return current.Load() }

// OnChange registers fn to run after every successful SetParams, with the
// snapshots before and after. Hooks run in registration order, outside the
// setter's lock, so they may call Get (which returns new).
func OnChange(fn func(old, new *Config)) {
	setMu.Lock()
	changeHooks = append(changeHooks, fn)
	setMu.Unlock()
}

// OnApply registers fn as the apply step of the named parameter: when a
// CONFIG SET changes that parameter, fn runs before the new snapshot is
// installed, and if it fails the whole CONFIG SET fails with Redis's reply
// "CONFIG SET failed (possibly related to argument 'name') - <err>" and is
// rolled back (appliers that already ran are called again with old and new
// swapped). Use it where applying can fail, e.g. re-binding the listener
// for port or bind. fn must not call SetParams. A later registration for
// the same name replaces the earlier one.
func OnApply(name string, fn func(old, new *Config) error) {
	p := lookup(name)
	if p == nil {
		panic("config: OnApply for unknown parameter " + name)
	}
	setMu.Lock()
	applyHooks[p.name] = fn
	setMu.Unlock()
}

// OnResetStat registers fn to run on CONFIG RESETSTAT.
func OnResetStat(fn func()) {
	resetMu.Lock()
	resetHooks = append(resetHooks, fn)
	resetMu.Unlock()
}

// ResetStat runs every function registered with OnResetStat.
func ResetStat() {
	resetMu.Lock()
	hooks := append([]func(){}, resetHooks...)
	resetMu.Unlock()
	for _, fn := range hooks {
		fn()
	}
}

// SetCommandLookup installs the function Load uses to check
// rename-command directives (does a command of this lowercase name exist?).
// Without it every rename is accepted and checking is left to the command
// table.
func SetCommandLookup(fn func(name string) bool) {
	setMu.Lock()
	cmdLookup = fn
	setMu.Unlock()
}

// install makes c the current snapshot.
func install(c *Config) { current.Store(c) }

// Sensitive reports whether name is a parameter holding a secret
// (requirepass, masterauth...), whose CONFIG SET value Redis redacts from
// the slow log and MONITOR.
func Sensitive(name string) bool {
	p := lookup(name)
	return p != nil && p.has(fSensitive)
}
