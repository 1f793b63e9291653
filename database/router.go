package database

import (
	"sort"
	"strings"
	"sync/atomic"

	"goredis/config"
	"goredis/interface/resp"
)

// ExecFunc runs a command. The dispatcher has checked arity and holds the
// locks of the command's keys (in db) when it calls it; args[0] is the
// command name as sent.
type ExecFunc func(db *DB, c resp.Connection, args [][]byte) resp.Reply

// KeysFunc extracts keys for commands whose keys are not at fixed
// positions (numkeys arguments, STORE options…).
type KeysFunc func(args [][]byte) [][]byte

// Flag is a command flag as COMMAND INFO reports it.
type Flag uint32

// Flags in the order Redis 7.0 prints them.
const (
	FlagWrite Flag = 1 << iota
	FlagReadonly
	FlagDenyOOM
	FlagModule
	FlagAdmin
	FlagPubsub
	FlagNoscript
	FlagBlocking
	FlagLoading
	FlagStale
	FlagSkipMonitor
	FlagSkipSlowlog
	FlagAsking
	FlagFast
	FlagNoAuth
	FlagNoMandatoryKeys
	FlagNoAsyncLoading
	FlagNoMulti
	FlagMovableKeys
	FlagAllowBusy
)

var flagNames = []string{"write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
	"blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "asking", "fast", "no_auth",
	"no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys", "allow_busy"}

func parseFlags(s string) Flag {
	var f Flag
	for _, w := range strings.Fields(s) {
		found := false
		for i, n := range flagNames {
			if n == w {
				f |= 1 << i
				found = true
			}
		}
		if !found {
			panic("unknown command flag " + w)
		}
	}
	return f
}

// Names returns the flag names in Redis's order.
func (f Flag) Names() []string {
	var out []string
	for i, n := range flagNames {
		if f&(1<<i) != 0 {
			out = append(out, n)
		}
	}
	return out
}

// Command is one row of the command table.
type Command struct {
	Name     string // full lowercase name: "get", "config|get"
	Arity    int    // negative: at least -Arity arguments
	Flags    Flag
	FirstKey int // 0: no keys
	LastKey  int // negative: counted from the end
	KeyStep  int
	Keys     KeysFunc // overrides the positions when set
	Fn       ExecFunc
	// NoLock marks commands that lock for themselves (whole-keyspace
	// commands such as KEYS, FLUSHDB, SWAPDB) or touch no keys.
	NoLock bool
	// ownsWorld marks EXEC, which takes the world lock itself.
	ownsWorld bool

	Parent *Command
	Subs   map[string]*Command

	calls, usec, rejected, failed atomic.Int64
}

// Has reports whether the command has flag f.
func (c *Command) Has(f Flag) bool { return c.Flags&f != 0 }

// Container reports whether the command only groups subcommands.
func (c *Command) Container() bool { return c.Subs != nil }

var cmdTable = make(map[string]*Command)

// register adds a command. flags is the space-separated list of Redis's
// flag names.
func register(name string, fn ExecFunc, arity int, flags string, first, last, step int) *Command {
	cmd := &Command{Name: name, Arity: arity, Flags: parseFlags(flags), FirstKey: first, LastKey: last, KeyStep: step, Fn: fn}
	if first == 0 {
		cmd.NoLock = true
	}
	if parent, sub, ok := strings.Cut(name, "|"); ok {
		p := cmdTable[parent]
		if p == nil {
			panic("subcommand before its container: " + name)
		}
		if p.Subs == nil {
			p.Subs = make(map[string]*Command)
		}
		cmd.Parent = p
		p.Subs[sub] = cmd
		return cmd
	}
	cmdTable[name] = cmd
	return cmd
}

// registerContainer adds a command that only holds subcommands.
func registerContainer(name string, arity int) *Command {
	cmd := &Command{Name: name, Arity: arity, NoLock: true, Subs: make(map[string]*Command)}
	cmdTable[name] = cmd
	return cmd
}

// withKeys sets a key extractor for movable keys.
func (c *Command) withKeys(f KeysFunc) *Command {
	c.Keys = f
	c.NoLock = false
	return c
}

// locksItself marks a command that takes its own locks.
func (c *Command) locksItself() *Command {
	c.NoLock = true
	return c
}

// lookupCommand finds the command (or subcommand) for args, lowercasing
// without allocating. It returns nil when there is none.
func lookupCommand(args [][]byte) *Command {
	cmd := lookupName(cmdTable, args[0])
	if cmd == nil || cmd.Subs == nil || len(args) == 1 {
		return cmd
	}
	return lookupName(cmd.Subs, args[1])
}

func lookupName(table map[string]*Command, name []byte) *Command {
	var buf [32]byte
	if len(name) > len(buf) {
		return nil
	}
	b := buf[:len(name)]
	for i, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		b[i] = c
	}
	return table[string(b)]
}

// arityOK applies Redis's arity rule.
func (c *Command) arityOK(argc int) bool {
	if c.Arity > 0 {
		return argc == c.Arity
	}
	return argc >= -c.Arity
}

// keys appends the command's keys in args to out.
func (c *Command) keys(args [][]byte, out [][]byte) [][]byte {
	if c.Keys != nil {
		return append(out, c.Keys(args)...)
	}
	if c.FirstKey <= 0 {
		return out
	}
	last := c.LastKey
	if last < 0 {
		last = len(args) + last
	}
	step := c.KeyStep
	if step <= 0 {
		step = 1
	}
	for i := c.FirstKey; i <= last && i < len(args); i += step {
		out = append(out, args[i])
	}
	return out
}

// AllCommands returns the top-level commands sorted by name.
func AllCommands() []*Command {
	out := make([]*Command, 0, len(cmdTable))
	for _, c := range cmdTable {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// LookupCommand returns the table row for a lowercase full name ("get",
// "config|get").
func LookupCommand(name string) *Command {
	parent, sub, ok := strings.Cut(name, "|")
	c := cmdTable[parent]
	if !ok || c == nil {
		return c
	}
	return c.Subs[sub]
}

// renameCommand applies rename-command: the command moves to newName
// ("" hides it); COMMAND output and errors keep the original name.
func renameCommand(oldName, newName string) bool {
	c := cmdTable[oldName]
	if c == nil {
		return false
	}
	delete(cmdTable, oldName)
	if newName != "" {
		cmdTable[strings.ToLower(newName)] = c
	}
	return true
}

func init() {
	// Let the config loader refuse rename-command of an unknown command
	// with Redis's message, at start-up.
	config.SetCommandLookup(func(name string) bool { return cmdTable[name] != nil })
}
