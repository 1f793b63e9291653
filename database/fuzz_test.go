package database

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"math"
	"math/rand/v2"
	"net"
	"os"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"goredis/config"
	"goredis/database/commanddata"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
	"goredis/resp/connection"
	"goredis/resp/reply"
)

// The dispatcher fuzzer (issue 9). Random argument vectors for every
// command of the table go through Server.Exec; after each command the
// reply must be well formed: it encodes in RESP2 and RESP3 to bytes that
// a RESP reader parses back whole, into the number of replies the command
// owes (one, except the subscribe family), RESP2 holding only RESP2 types
// and every error starting with an upper-case code. No command may panic
// (the recover in invoke would hide it: the panicked hook reports it) or
// fail to return within fuzzExecBound.
//
// Vectors come from Redis 7.0.15's own COMMAND DOCS grammar (package
// commanddata): tokens, oneof/block/optional/multiple structure and typed
// leaves, filled from small sets of keys of every type (populated first),
// members, edge integers and floats, option words and raw fuzz bytes; some
// vectors are mutated (an argument dropped, added, repeated or swapped)
// and some are plain random vectors of atoms.
//
// FuzzDispatch decodes its input into a short command sequence (its seeds
// in testdata/fuzz/FuzzDispatch run with every go test); TestRandomCommands
// runs the same generator from a seeded math/rand on four connections at
// once, so go test -race exercises the dispatcher's locking with random
// vectors, and asserts every command of the table was tried.

// fuzzExcluded are the commands the fuzzers never send, with the reason.
var fuzzExcluded = map[string]string{
	"shutdown":     "stops the whole process",
	"monitor":      "turns the shared connection into a monitor fed every other client's commands",
	"client|pause": "stops every client, the test's own included, for as long as its timeout says",
	"client|kill":  "closes the other goroutines' connections (and, with SKIPME no, its own)",
}

// fuzzConfigSettable are the parameters CONFIG SET may change during a
// run (any other name becomes an unknown one): the configuration is
// global, and maxmemory, proto-max-bulk-len, appendonly, dir, requirepass
// and the like would break the memory bound, write files or lock out
// other tests. Their values are restored after each input and each test.
var fuzzConfigSettable = []string{
	"hash-max-listpack-entries", "hash-max-listpack-value",
	"set-max-intset-entries", "zset-max-listpack-entries", "zset-max-listpack-value",
	"list-max-listpack-size", "list-compress-depth", "hll-sparse-max-bytes",
	"slowlog-log-slower-than", "slowlog-max-len", "latency-monitor-threshold",
	"notify-keyspace-events", "lfu-log-factor", "lfu-decay-time", "maxmemory-samples",
	"active-expire-effort", "lazyfree-lazy-user-del", "latency-tracking", "maxmemory-policy",
	"latency-tracking-info-percentiles", "tracking-table-max-keys",
}

// fuzzTrace (FUZZ_TRACE=1) logs every command and its reply.
var fuzzTrace = os.Getenv("FUZZ_TRACE") != ""

// fuzzExecBound is how long one command may take before the fuzzers call
// it hung. Blocking commands get timeouts of 10 ms (sanitizeArgs), DEBUG
// SLEEP none, so a healthy command returns well within it even under the
// race detector on two shared cores.
const fuzzExecBound = 20 * time.Second

// ---- recovered panics ----

var (
	fuzzPanicMu sync.Mutex
	fuzzPanics  []string
)

func init() {
	panicked = func(name string, p any) {
		fuzzPanicMu.Lock()
		fuzzPanics = append(fuzzPanics, fmt.Sprintf("%s: %v\n%s", name, p, debug.Stack()))
		fuzzPanicMu.Unlock()
	}
}

// takePanics returns and forgets the panics recovered so far.
func takePanics() []string {
	fuzzPanicMu.Lock()
	defer fuzzPanicMu.Unlock()
	p := fuzzPanics
	fuzzPanics = nil
	return p
}

// ---- where the generator's choices come from ----

// genSource is the generator's randomness: fuzz input bytes or math/rand.
type genSource interface {
	intn(n int) int       // in [0, n); 0 once a byte source is used up
	chunk(max int) []byte // up to max raw bytes, a fresh slice
}

// byteSource hands out fuzz input bytes.
type byteSource struct{ b []byte }

func (s *byteSource) next() int {
	if len(s.b) == 0 {
		return 0
	}
	v := s.b[0]
	s.b = s.b[1:]
	return int(v)
}

func (s *byteSource) intn(n int) int {
	if n <= 1 {
		return 0
	}
	v := s.next()
	if n > 256 {
		v = v<<8 | s.next()
	}
	return v % n
}

func (s *byteSource) chunk(max int) []byte {
	n := min(s.intn(max+1), len(s.b))
	out := slices.Clone(s.b[:n])
	s.b = s.b[n:]
	if out == nil {
		out = []byte{}
	}
	return out
}

// randSource draws from math/rand.
type randSource struct{ r *rand.Rand }

func (s randSource) intn(n int) int {
	if n <= 1 {
		return 0
	}
	return s.r.IntN(n)
}

func (s randSource) chunk(max int) []byte {
	b := make([]byte, s.r.IntN(max+1))
	for i := range b {
		if s.r.IntN(4) == 0 {
			b[i] = byte(s.r.IntN(256))
		} else {
			b[i] = byte(' ' + s.r.IntN(95))
		}
	}
	return b
}

// ---- the grammar of each command, from COMMAND DOCS ----

// argSpec is one argument of a command's COMMAND DOCS entry.
type argSpec struct {
	name, typ, token             string
	optional, multiple, multiTok bool
	subs                         []*argSpec
}

type cmdSpec struct {
	args   []*argSpec // nil: no documented arguments
	tokens []string   // every token of the command's grammar
}

var (
	specMu    sync.Mutex
	specCache = map[string]*cmdSpec{}
)

func decodeArgSpec(v client.Value, tokens *[]string) *argSpec {
	a := &argSpec{}
	if x, ok := v.MapGet("name"); ok {
		a.name = x.Text()
	}
	if x, ok := v.MapGet("type"); ok {
		a.typ = x.Text()
	}
	if x, ok := v.MapGet("token"); ok {
		a.token = x.Text()
		*tokens = append(*tokens, a.token)
	}
	if x, ok := v.MapGet("flags"); ok {
		for _, f := range x.Elems {
			switch f.Text() {
			case "optional":
				a.optional = true
			case "multiple":
				a.multiple = true
			case "multiple_token":
				a.multiTok = true
			}
		}
	}
	if x, ok := v.MapGet("arguments"); ok {
		for _, e := range x.Elems {
			a.subs = append(a.subs, decodeArgSpec(e, tokens))
		}
	}
	return a
}

// specOf returns the grammar of a command by its full name.
func specOf(name string) *cmdSpec {
	specMu.Lock()
	defer specMu.Unlock()
	if s := specCache[name]; s != nil {
		return s
	}
	s := &cmdSpec{}
	if d, ok := commanddata.Docs(name); ok {
		if args, ok := d.MapGet("arguments"); ok {
			for _, e := range args.Elems {
				s.args = append(s.args, decodeArgSpec(e, &s.tokens))
			}
		}
	}
	specCache[name] = s
	return s
}

// fuzzNames is every command of the table the fuzzers send: each leaf by
// its full name ("client|list") and the containers that run by themselves
// (COMMAND), sorted, without fuzzExcluded.
func fuzzNames() []string {
	fuzzNamesOnce.Do(func() { fuzzNameList = listFuzzNames() })
	return fuzzNameList
}

var (
	fuzzNamesOnce sync.Once
	fuzzNameList  []string
)

func listFuzzNames() []string {
	var names []string
	forEachCommand(func(c *Command) {
		if (c.Container() && c.Fn == nil) || fuzzExcluded[c.Name] != "" {
			return
		}
		names = append(names, c.Name)
	})
	slices.Sort(names)
	return names
}

// ---- atoms ----

var (
	fuzzKeys = []string{"str", "int", "float", "ttl", "list", "hash", "set", "intset", "zset",
		"zlex", "geo", "hll", "bits", "biglist", "bighash", "bigset", "bigzset",
		"missing", "dst", "{t}a", "{t}b", "k"}
	fuzzMembers = []string{"a", "b", "c", "d", "m1", "f1", "f2", "f3", "x", "1", "2", "-5", "100",
		"Palermo", "Catania", "e1", "e7", "", "3.5", strings.Repeat("y", 100)}
	fuzzInts = []string{"0", "1", "2", "3", "-1", "-2", "5", "10", "100", "1000",
		"2147483647", "2147483648", "-2147483648", "-2147483649", "4294967296",
		"9223372036854775807", "-9223372036854775808", "9223372036854775808",
		"-9223372036854775809", "18446744073709551615", "-0", "+1", " 1", "1 ", "1e3",
		"0x10", "1.5", "", "abc", "01"}
	fuzzFloats = []string{"0", "1", "-1", "1.5", "-2.5", "nan", "NaN", "inf", "-inf", "+inf",
		"Infinity", "1e400", "-1e400", "1e-400", "-0.0", "1.5 ", " 1.5", "", "0x10", "3.0e2",
		"(1", "(1.5", "(-inf", "abc", "9223372036854775807", "1.7976931348623157e308", "5e-324"}
	fuzzPatterns = []string{"*", "?", "a*", "*a*", "[a-z]*", "[^a]*", "\\*", "[", "[a-", "h*sh", "", "{t}*", "e1*",
		"#", "nosort", "*->f1", "hash->f1", "bighash->*", "str*", "e*"}
	fuzzLex   = []string{"-", "+", "[a", "(a", "[c", "(z", "[", "(", "a", "[e1", "(", "-inf", "+inf", "(1"}
	fuzzWords = []string{"EX", "PX", "EXAT", "PXAT", "NX", "XX", "GT", "LT", "CH", "INCR", "KEEPTTL",
		"PERSIST", "GET", "WITHSCORES", "WITHVALUES", "WITHSCORE", "LIMIT", "COUNT", "MATCH", "TYPE",
		"BYLEX", "BYSCORE", "REV", "LEFT", "RIGHT", "BEFORE", "AFTER", "STORE", "STOREDIST", "ALPHA",
		"ASC", "DESC", "BY", "WEIGHTS", "AGGREGATE", "SUM", "MIN", "MAX", "IDX", "LEN", "MINMATCHLEN",
		"WITHMATCHLEN", "RANK", "MAXLEN", "FROMMEMBER", "FROMLONLAT", "BYRADIUS", "BYBOX", "M", "KM",
		"FT", "MI", "WITHCOORD", "WITHDIST", "WITHHASH", "ANY", "OVERFLOW", "WRAP", "SAT", "FAIL",
		"SET", "INCRBY", "BIT", "BYTE", "AND", "OR", "XOR", "NOT", "ASYNC", "SYNC", "REPLACE", "DB",
		"SCHEDULE", "SAMPLES", "ON", "OFF", "SKIP", "YES", "NO", "ID", "USER", "ADDR", "LADDR",
		"SKIPME", "AUTH", "SETNAME", "NOVALUES"}
	fuzzEncodings = []string{"u8", "i8", "u1", "i1", "u16", "i64", "u63", "u64", "i65", "i0", "u0", "x8", "u", "#0", "#1", "#-1", "0"}
	fuzzSections  = []string{"all", "everything", "default", "server", "clients", "memory", "stats",
		"keyspace", "commandstats", "errorstats", "latencystats", "persistence", "cpu", "x", ""}
	fuzzTypes    = []string{"string", "list", "set", "zset", "hash", "stream", "none", "normal", "pubsub", "master", "replica", "x"}
	fuzzChannels = []string{"ch1", "ch2", "c*", "__keyspace@0__:str", ""}
	fuzzTimes    = []string{"0", "1", "-1", "100", "9223372036854775807", "-9223372036854775808",
		strconv.FormatInt(time.Now().Unix()+100000, 10), strconv.FormatInt(time.Now().UnixMilli()+100000000, 10),
		strconv.FormatInt(time.Now().Unix()-10, 10), "abc"}
	fuzzDebugSubs = []string{"help", "set-active-expire", "object", "populate", "reload", "error", "log",
		"protocol", "change-repl-id", "sleep", "digest", "quicklist-packed-threshold"}
	fuzzProtocols = []string{"string", "integer", "double", "bignum", "null", "array", "set", "map",
		"attrib", "push", "verbatim", "true", "false", "x"}
)

// ---- the generator ----

type cmdGen struct {
	src      genSource
	ids      []int64 // the connections' ids, for CLIENT ... ID
	keysSeen int     // key arguments emitted so far (numkeys)
}

func (g *cmdGen) pick(list []string) string { return list[g.src.intn(len(list))] }

// word returns w in the case Redis ignores: as is, lower or mixed.
func (g *cmdGen) word(w string) []byte {
	switch g.src.intn(8) {
	case 6:
		return []byte(strings.ToLower(w))
	case 7:
		b := []byte(w)
		for i := range b {
			if i%2 == 1 && b[i] >= 'A' && b[i] <= 'Z' {
				b[i] += 'a' - 'A'
			}
		}
		return b
	}
	return []byte(w)
}

func (g *cmdGen) key() []byte {
	g.keysSeen++
	if g.src.intn(10) == 9 {
		return g.src.chunk(6)
	}
	return []byte(g.pick(fuzzKeys))
}

// leaf is a value for an argument of type typ named name; toks are the
// command's own tokens.
func (g *cmdGen) leaf(typ, name string, toks []string) []byte {
	switch g.src.intn(14) {
	case 8:
		return g.src.chunk(12)
	case 9:
		return []byte(g.pick(fuzzKeys))
	case 10:
		if len(toks) > 0 && g.src.intn(2) == 0 {
			return g.word(g.pick(toks))
		}
		return g.word(g.pick(fuzzWords))
	case 11:
		return []byte(g.pick(fuzzMembers))
	case 12:
		return []byte(g.pick(fuzzInts))
	case 13:
		return []byte(g.pick(fuzzFloats))
	}
	return g.typed(typ, name)
}

func (g *cmdGen) typed(typ, name string) []byte {
	switch typ {
	case "integer":
		switch name {
		case "protover":
			return []byte(g.pick([]string{"3", "2", "1", "4", "-1"}))
		case "client-id", "id":
			if len(g.ids) > 0 && g.src.intn(2) == 0 {
				return []byte(strconv.FormatInt(g.ids[g.src.intn(len(g.ids))], 10))
			}
		case "index", "db", "destination-db":
			return []byte(g.pick([]string{"0", "1", "9", "15", "16", "-1", "2147483648"}))
		}
		if g.src.intn(2) == 0 {
			return []byte(strconv.Itoa(g.src.intn(12) - 3))
		}
		return []byte(g.pick(fuzzInts))
	case "double":
		if name == "longitude" || name == "latitude" {
			return []byte(g.pick([]string{"13.361389", "38.115556", "15.087269", "180", "-180", "85.05112878", "-85.06", "0", "200"}))
		}
		return []byte(g.pick(fuzzFloats))
	case "unix-time":
		return []byte(g.pick(fuzzTimes))
	case "pattern":
		return []byte(g.pick(fuzzPatterns))
	case "key":
		return g.key()
	}
	switch name {
	case "encoding":
		return []byte(g.pick(fuzzEncodings))
	case "section":
		return []byte(g.pick(fuzzSections))
	case "parameter":
		if g.src.intn(4) == 0 {
			return []byte(g.pick([]string{"*", "maxmemory", "no-such-parameter", "save", "*max*"}))
		}
		return []byte(g.pick(fuzzConfigSettable))
	case "channel", "shardchannel":
		return []byte(g.pick(fuzzChannels))
	case "username":
		return []byte(g.pick([]string{"default", "nobody", ""}))
	case "password":
		return []byte(g.pick([]string{"pw", "", "nopass"}))
	case "clientname", "connection-name":
		return []byte(g.pick([]string{"name", "a b", "", "x\n"}))
	case "ip:port":
		return []byte(g.pick([]string{"127.0.0.1:6379", "x", ""}))
	case "yes/no":
		return []byte(g.pick([]string{"yes", "no", "x"}))
	case "type":
		return []byte(g.pick(fuzzTypes))
	case "command-name", "command":
		if g.src.intn(3) == 0 {
			return []byte(g.pick([]string{"nosuch", "client|list", "CLIENT", "get", ""}))
		}
		names := fuzzNames()
		n, _, _ := strings.Cut(names[g.src.intn(len(names))], "|")
		return g.word(n)
	case "min", "max", "start", "stop", "end":
		switch g.src.intn(3) {
		case 0:
			return []byte(g.pick(fuzzLex))
		case 1:
			return []byte(g.pick(fuzzFloats))
		}
		return []byte(strconv.Itoa(g.src.intn(12) - 4))
	case "prefix":
		return []byte(g.pick([]string{"a", "k", "", "str"}))
	case "event":
		return []byte(g.pick([]string{"command", "fork", "expire-cycle", "x"}))
	case "message":
		return []byte(g.pick([]string{"hi", ""}))
	case "value":
		// CONFIG SET's values too.
		if g.src.intn(4) == 3 {
			return []byte(g.pick([]string{"allkeys-lfu", "volatile-lfu", "allkeys-lru", "noeviction", "yes", "no", "0", "KEA", "1 2"}))
		}
	}
	switch g.src.intn(3) {
	case 0:
		return []byte(g.pick(fuzzInts))
	case 1:
		return []byte(g.pick([]string{"v", "hello", "value", "", "1.5", "-1"}))
	}
	return []byte(g.pick(fuzzMembers))
}

// emit appends the arguments a stands for.
func (g *cmdGen) emit(a *argSpec, args [][]byte, toks []string) [][]byte {
	if a.optional && g.src.intn(2) == 0 {
		return args
	}
	reps := 1
	if a.multiple {
		reps += g.src.intn(3)
	}
	for i := 0; i < reps; i++ {
		if a.token != "" && (i == 0 || a.multiTok) {
			args = append(args, g.word(a.token))
		}
		switch a.typ {
		case "pure-token":
		case "oneof":
			if len(a.subs) > 0 {
				args = g.emit(a.subs[g.src.intn(len(a.subs))], args, toks)
			}
		case "block":
			args = g.emitList(a.subs, args, toks)
		case "key":
			args = append(args, g.key())
		default:
			args = append(args, g.leaf(a.typ, a.name, toks))
		}
	}
	return args
}

// emitList appends a sequence of arguments; a numkeys among them mostly
// counts the keys that follow it.
func (g *cmdGen) emitList(specs []*argSpec, args [][]byte, toks []string) [][]byte {
	numkeysAt, keysFrom := -1, 0
	for _, a := range specs {
		args = g.emit(a, args, toks)
		if a.name == "numkeys" && a.typ == "integer" && len(args) > 0 {
			numkeysAt, keysFrom = len(args)-1, g.keysSeen
		}
	}
	if numkeysAt >= 0 && g.src.intn(4) != 3 {
		args[numkeysAt] = []byte(strconv.Itoa(g.keysSeen - keysFrom))
	}
	return args
}

// atom is any argument at all.
func (g *cmdGen) atom(toks []string) []byte {
	return g.leaf("string", "", toks)
}

// command generates a vector for the command of the given full name.
func (g *cmdGen) command(name string) [][]byte {
	base, sub, hasSub := strings.Cut(name, "|")
	args := [][]byte{g.word(strings.ToUpper(base))}
	if hasSub {
		args = append(args, g.word(strings.ToUpper(sub)))
	}
	prefix := len(args)
	spec := specOf(name)
	mode := g.src.intn(10)
	switch {
	case name == "debug" && mode < 9:
		args = g.debugArgs(args)
	case mode == 9 || spec.args == nil:
		cmd := lookupCommand(args)
		n := g.src.intn(6)
		if cmd != nil && g.src.intn(2) == 0 {
			if cmd.Arity > 0 {
				n = cmd.Arity - prefix
			} else {
				n = -cmd.Arity - prefix + g.src.intn(4)
			}
		}
		for i := 0; i < n; i++ {
			args = append(args, g.atom(spec.tokens))
		}
	default:
		args = g.emitList(spec.args, args, spec.tokens)
		if mode >= 7 {
			args = g.mutate(args, prefix, spec.tokens)
		}
	}
	return args
}

// mutate drops, adds, replaces, repeats or swaps an argument or two.
func (g *cmdGen) mutate(args [][]byte, prefix int, toks []string) [][]byte {
	for n := 1 + g.src.intn(2); n > 0; n-- {
		j := prefix + g.src.intn(len(args)-prefix+1)
		switch op := g.src.intn(5); {
		case j == len(args) || op == 1:
			args = slices.Insert(args, j, g.atom(toks))
		case op == 0:
			args = slices.Delete(args, j, j+1)
		case op == 2:
			args[j] = g.atom(toks)
		case op == 3:
			args = slices.Insert(args, j, slices.Clone(args[j]))
		case j+1 < len(args):
			args[j], args[j+1] = args[j+1], args[j]
		}
	}
	return args
}

// debugArgs fills DEBUG, which COMMAND DOCS leaves without arguments.
func (g *cmdGen) debugArgs(args [][]byte) [][]byte {
	sub := g.pick(fuzzDebugSubs)
	args = append(args, g.word(strings.ToUpper(sub)))
	switch sub {
	case "set-active-expire":
		args = append(args, []byte(g.pick([]string{"1", "0", "x"})))
	case "object":
		args = append(args, g.key())
	case "populate":
		args = append(args, []byte(g.pick([]string{"10", "100", "0", "-1", "x", "1000", "9223372036854775807"})))
		if g.src.intn(2) == 0 {
			args = append(args, []byte(g.pick([]string{"key", "str", "p\x00q", ""})))
			if g.src.intn(2) == 0 {
				args = append(args, []byte(g.pick([]string{"0", "1", "10", "-1", "x"})))
			}
		}
	case "reload":
		for n := g.src.intn(3); n > 0; n-- {
			args = append(args, []byte(g.pick([]string{"MERGE", "NOFLUSH", "NOSAVE", "x"})))
		}
	case "error":
		args = append(args, []byte(g.pick([]string{"x", "-WRONGTYPE w", "ERR e", "", "-"})))
	case "log":
		args = append(args, []byte("fuzz"))
	case "protocol":
		args = append(args, []byte(g.pick(fuzzProtocols)))
	case "sleep":
		args = append(args, []byte(g.pick([]string{"0", "-1", "x", "0.0"})))
	default:
		for n := g.src.intn(3); n > 0; n-- {
			args = append(args, g.atom(nil))
		}
	}
	return args
}

// ---- bounds ----

// sanitizeArgs bounds what one vector may cost, whatever made it: excluded
// commands are dropped (nil), blocking timeouts of none or more than 50 ms
// become 10 ms, random-element counts that would reply millions of
// elements are cut, DEBUG SLEEP does not sleep and DEBUG POPULATE writes at
// most 1000 keys of at most 1000 bytes, and CONFIG SET only reaches
// fuzzConfigSettable. Strings, bitmaps and BITFIELD are bounded by the
// test's proto-max-bulk-len of 1mb and other writes by maxmemory.
func sanitizeArgs(args [][]byte) [][]byte {
	if len(args) == 0 {
		return nil
	}
	cmd := lookupCommand(args)
	if cmd == nil {
		return args
	}
	if fuzzExcluded[cmd.Name] != "" {
		return nil
	}
	switch cmd.Name {
	case "blpop", "brpop", "bzpopmin", "bzpopmax", "brpoplpush", "blmove":
		fixTimeout(args, len(args)-1)
	case "blmpop", "bzmpop":
		fixTimeout(args, 1)
	case "srandmember", "hrandfield", "zrandmember":
		if len(args) > 2 {
			n, ok := utils.ParseInt(args[2])
			// Below -LONG_MAX/2 with WITH... Redis answers out of range
			// without building anything: keep those.
			if ok && n < -1000 && n != math.MinInt64 && !(len(args) > 3 && n < -math.MaxInt64/2) {
				args[2] = []byte("-1000")
			}
		}
	case "config|set":
		for i := 2; i < len(args); i += 2 {
			if !slices.Contains(fuzzConfigSettable, strings.ToLower(string(args[i]))) {
				args[i] = []byte("no-such-parameter")
			}
		}
	case "debug":
		if len(args) < 2 {
			break
		}
		switch strings.ToLower(string(args[1])) {
		case "sleep":
			if len(args) > 2 && strtodPrefix(args[2]) > 0 {
				args[2] = []byte("0")
			}
		case "populate":
			if len(args) > 2 {
				if n, ok := utils.ParseInt(args[2]); ok && n > 1000 && n <= maxPopulateKeys {
					args[2] = []byte("1000")
				}
			}
			if len(args) > 4 {
				if n, ok := utils.ParseInt(args[4]); ok && n > 1000 {
					args[4] = []byte("1000")
				}
			}
		}
	}
	return args
}

func fixTimeout(args [][]byte, i int) {
	if i < 1 || i >= len(args) {
		return
	}
	if d, r := blockTimeout(args[i]); r == nil && (d == 0 || d > 50*time.Millisecond) {
		args[i] = []byte("0.01")
	}
}

// ---- set-up ----

// fuzzConfig installs the configuration the fuzzers run with (DEBUG
// allowed, files in a temporary dir, strings of at most 1mb, writes
// refused past 64mb) and restores the previous one when tb ends.
func fuzzConfig(tb testing.TB) {
	tb.Helper()
	old := config.Get()
	dir := tb.TempDir()
	load := func(extra ...string) {
		args := []string{"--port", strconv.Itoa(old.Port)}
		if len(old.Bind) > 0 {
			args = append(args, "--bind")
			args = append(args, old.Bind...)
		}
		if _, err := config.Load(append(args, extra...)); err != nil {
			tb.Fatal(err)
		}
	}
	load("--enable-debug-command", "yes", "--dir", dir, "--proto-max-bulk-len", "1mb",
		"--maxmemory", "64mb", "--maxmemory-policy", "noeviction")
	tb.Cleanup(func() { load("--enable-debug-command", old.EnableDebugCommand, "--dir", old.Dir) })
}

// fuzzData builds the keys the generators name, one or more of each type
// and encoding, in databases 0 and 1.
func fuzzData() [][]string {
	cmds := [][]string{
		{"SELECT", "1"}, {"FLUSHDB"}, {"SET", "str", "db1"}, {"RPUSH", "list", "z"}, {"SELECT", "0"},
		{"DEL", "str", "int", "float", "ttl", "list", "hash", "set", "intset", "zset", "zlex", "geo",
			"hll", "bits", "biglist", "bighash", "bigset", "bigzset", "dst", "{t}a", "{t}b", "k"},
		{"SET", "str", "hello world"},
		{"SET", "int", "42"},
		{"SET", "float", "3.5"},
		{"SET", "ttl", "v", "EX", "100000"},
		{"RPUSH", "list", "a", "b", "c", "1", "2", "a"},
		{"HSET", "hash", "f1", "v1", "f2", "2", "f3", "3.5", "a", "b"},
		{"SADD", "set", "a", "b", "c", "m1"},
		{"SADD", "intset", "1", "2", "3", "100", "-5"},
		{"ZADD", "zset", "1", "a", "2", "b", "3", "c", "1.5", "m1", "-inf", "x"},
		{"ZADD", "zlex", "0", "a", "0", "b", "0", "c", "0", "d"},
		{"GEOADD", "geo", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"},
		{"PFADD", "hll", "a", "b", "c"},
		{"SETBIT", "bits", "7", "1"},
		{"SETBIT", "bits", "100", "1"},
		{"SET", "{t}a", "abcdef"},
		{"SET", "{t}b", "acdxf"},
		{"PEXPIRE", "hash", "100000000"},
	}
	list := []string{"RPUSH", "biglist"}
	hash := []string{"HSET", "bighash"}
	set := []string{"SADD", "bigset"}
	zset := []string{"ZADD", "bigzset"}
	for i := 0; i < 130; i++ {
		e := "e" + strconv.Itoa(i)
		list = append(list, e)
		hash = append(hash, e, strconv.Itoa(i))
		set = append(set, e)
		zset = append(zset, strconv.Itoa(i%50), e)
	}
	// A long value or member moves the hash and zset out of listpacks.
	hash = append(hash, "long", strings.Repeat("h", 100))
	zset = append(zset, "7", strings.Repeat("z", 100))
	return append(cmds, list, hash, set, zset)
}

// ---- the runner ----

// fuzzRunner sends generated commands on its connections and checks the
// replies.
// fuzzShared is what a test's runners share.
type fuzzShared struct {
	errors    atomic.Int32   // failures so far
	tried     []atomic.Int64 // by index in names
	answered  []atomic.Int64 // replies other than errors, by index in names
	selftests atomic.Int32   // PFSELFTESTs allowed: it takes about a second of CPU and has no input
}

type fuzzRunner struct {
	tb     testing.TB
	srv    *Server
	gen    *cmdGen
	policy *rand.Rand // settling choices, apart from the input's bytes
	names  []string
	c, tx  *connection.Connection
	shared *fuzzShared
	stop   bool // a command hung: send nothing more
}

func newFuzzRunner(tb testing.TB, srv *Server, src genSource, policy *rand.Rand, names []string, shared *fuzzShared) *fuzzRunner {
	r := &fuzzRunner{tb: tb, srv: srv, gen: &cmdGen{src: src}, policy: policy, names: names, shared: shared}
	r.c = r.newConn()
	r.tx = r.newConn()
	return r
}

func (r *fuzzRunner) newConn() *connection.Connection {
	c := connection.New(newCaptureConn())
	// As the handler does for a client of a server without requirepass.
	c.SetAuthenticated(true, "default")
	r.srv.AfterClientConnect(c)
	r.gen.ids = append(r.gen.ids, c.ID())
	return c
}

func (r *fuzzRunner) close() {
	for _, c := range []*connection.Connection{r.c, r.tx} {
		if !r.stop {
			r.srv.AfterClientClose(c)
		}
		_ = c.Close()
	}
}

// finish checks that no key lock was left held: FLUSHALL, which takes
// every lock of every database, must return within the bound.
func (r *fuzzRunner) finish() {
	c := r.newConn()
	r.exec(c, [][]byte{[]byte("FLUSHALL")})
	if !r.stop {
		r.srv.AfterClientClose(c)
	}
	_ = c.Close()
}

func (r *fuzzRunner) fail(format string, a ...any) {
	if r.shared.errors.Add(1) <= 20 {
		r.tb.Errorf(format, a...)
	}
}

// failed reports whether the runner should stop.
func (r *fuzzRunner) failed() bool { return r.stop || r.shared.errors.Load() > 20 }

// show prints a vector for a failure message.
func show(args [][]byte) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		if len(a) > 64 {
			fmt.Fprintf(&b, "%q...(%d bytes)", a[:64], len(a))
		} else {
			fmt.Fprintf(&b, "%q", a)
		}
	}
	return b.String()
}

// captureConn is the socket of the fuzzers' connections: it keeps what
// the connection writes (pushes, subscription confirmations, messages:
// the replies that do not come back from Exec) for the checks.
type captureConn struct {
	mu     sync.Mutex
	buf    []byte
	once   sync.Once
	closed chan struct{}
}

func newCaptureConn() *captureConn { return &captureConn{closed: make(chan struct{})} }

func (c *captureConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	c.buf = append(c.buf, b...)
	c.mu.Unlock()
	return len(b), nil
}

func (c *captureConn) Read(b []byte) (int, error) {
	<-c.closed
	return 0, io.EOF
}

func (c *captureConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// take returns and forgets what was written.
func (c *captureConn) take() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.buf
	c.buf = nil
	return b
}

var fuzzAddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}

func (c *captureConn) LocalAddr() net.Addr                { return fuzzAddr }
func (c *captureConn) RemoteAddr() net.Addr               { return fuzzAddr }
func (c *captureConn) SetDeadline(t time.Time) error      { return nil }
func (c *captureConn) SetReadDeadline(t time.Time) error  { return nil }
func (c *captureConn) SetWriteDeadline(t time.Time) error { return nil }

type execPanic struct {
	p     any
	stack []byte
}

func (execPanic) AppendTo(b []byte, _ bool) []byte { return b }

// exec runs one command on c within fuzzExecBound and checks its reply.
func (r *fuzzRunner) exec(c *connection.Connection, args [][]byte) resp.Reply {
	if r.stop {
		return nil
	}
	st := c.State()
	replyOn := st.Reply == resp.ReplyOn
	shown := show(args) // before the server may keep or change args
	var queued [][][]byte
	if cmd := lookupCommand(args); cmd != nil && cmd.Name == "exec" {
		queued = slices.Clone(st.Queued)
	}
	done := make(chan resp.Reply, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- execPanic{p, debug.Stack()}
			}
		}()
		done <- r.srv.Exec(c, args)
	}()
	timer := time.NewTimer(fuzzExecBound)
	defer timer.Stop()
	var rep resp.Reply
	select {
	case rep = <-done:
	case <-timer.C:
		r.fail("%s did not return within %v", shown, fuzzExecBound)
		r.stop = true
		return nil
	}
	if p, ok := rep.(execPanic); ok {
		r.fail("%s panicked outside the command: %v\n%s", shown, p.p, p.stack)
		return nil
	}
	if ps := takePanics(); len(ps) > 0 {
		r.fail("%s: a command panicked (recovered): %s", shown, strings.Join(ps, "\n"))
	}
	if _, isErr := rep.(resp.ErrorReply); rep != nil && !isErr {
		if cmd := lookupCommand(args); cmd != nil {
			if i, ok := slices.BinarySearch(r.names, cmd.Name); ok {
				r.shared.answered[i].Add(1)
			}
		}
	}
	// What the command enqueued is written by the time Flush returns.
	_ = c.Flush()
	pushed := c.Conn().(*captureConn).take()
	if fuzzTrace {
		enc, _ := encodeReply(rep, c.Protocol() == 3)
		r.tb.Logf("conn %d: %s -> %s %s", c.ID(), shown, trimmed(enc), trimmed(pushed))
	}
	r.check(c, args, queued, shown, rep, replyOn, pushed)
	return rep
}

var errBadErrorCode = errors.New("an error reply without an upper-case code")

// check verifies that rep is well formed.
func (r *fuzzRunner) check(c *connection.Connection, args [][]byte, queued [][][]byte, shown string, rep resp.Reply, replyOn bool, pushed []byte) {
	cmd := lookupCommand(args)
	// Out of band: whole replies in either protocol (HELLO may switch
	// between two of them), at least as many as a subscription command
	// confirms; other clients' messages may come between them.
	anyError := sendsAnyError(cmd, queued)
	vals, err := decodeReplies(pushed, true, anyError)
	if err != nil {
		r.fail("%s: pushed %s is not well formed: %v", shown, trimmed(pushed), err)
		return
	}
	if rep == nil {
		switch {
		case cmd != nil && isSubscription(cmd.Name) && replyOn:
			// The confirmations were enqueued.
			if lo, _ := expectedReplies(cmd, args, nil, vals, true); len(vals) < lo {
				r.fail("%s: %d confirmations, want %d: %s", shown, len(vals), lo, trimmed(pushed))
			}
		case replyOn && c.State().Reply == resp.ReplyOn:
			// Only CLIENT REPLY OFF/SKIP silences a reply, its own included.
			r.fail("%s: no reply", shown)
		}
		return
	}
	if rep == errInternal {
		r.fail("%s: answered the internal-error reply of a panicking command", shown)
	}
	for _, resp3 := range []bool{false, true} {
		enc, err := encodeReply(rep, resp3)
		if err != nil {
			r.fail("%s: encoding the reply (RESP3 %v) panicked: %v", shown, resp3, err)
			return
		}
		vals, err := decodeReplies(enc, resp3, anyError)
		if err != nil {
			r.fail("%s: reply %s (RESP3 %v) is not well formed: %v", shown, trimmed(enc), resp3, err)
			return
		}
		lo, hi := expectedReplies(cmd, args, queued, vals, resp3)
		if len(vals) < lo || len(vals) > hi {
			r.fail("%s: %d replies (RESP3 %v), want %d to %d: %s", shown, len(vals), resp3, lo, hi, trimmed(enc))
		}
	}
}

func trimmed(b []byte) string {
	if len(b) > 300 {
		return fmt.Sprintf("%q...(%d bytes)", b[:300], len(b))
	}
	return fmt.Sprintf("%q", b)
}

func encodeReply(rep resp.Reply, resp3 bool) (enc []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("%v\n%s", p, debug.Stack())
		}
	}()
	return reply.Encode(rep, resp3), nil
}

// decodeReplies reads enc as a sequence of whole replies.
func decodeReplies(enc []byte, resp3, anyError bool) ([]client.Value, error) {
	rd := client.NewReader(bytes.NewReader(enc))
	var vals []client.Value
	for {
		v, err := rd.ReadValue()
		if err == io.EOF {
			return vals, nil
		}
		if err != nil {
			return vals, err
		}
		if err := checkValue(v, resp3, anyError); err != nil {
			return vals, err
		}
		vals = append(vals, v)
	}
}

// sendsAnyError: DEBUG ERROR answers any text, as Redis does ("x" gives
// -x), alone or in a transaction.
func sendsAnyError(cmd *Command, queued [][][]byte) bool {
	if cmd != nil && cmd.Name == "debug" {
		return true
	}
	for _, q := range queued {
		if qc := lookupCommand(q); qc != nil && qc.Name == "debug" {
			return true
		}
	}
	return false
}

// checkValue: RESP2 has only + - : $ *; an error starts with an
// upper-case code unless anyError.
func checkValue(v client.Value, resp3, anyError bool) error {
	if !resp3 && (len(v.Attrs) > 0 || !strings.ContainsRune("+-:$*", rune(v.Kind))) {
		return fmt.Errorf("RESP3 type %q in a RESP2 reply", v.Kind)
	}
	if v.IsError() && !anyError {
		code, _, _ := strings.Cut(v.Text(), " ")
		if code == "" || strings.TrimFunc(code, func(r rune) bool { return r >= 'A' && r <= 'Z' }) != "" {
			return fmt.Errorf("%w: %q", errBadErrorCode, v.Text())
		}
	}
	for _, e := range v.Elems {
		if err := checkValue(e, resp3, anyError); err != nil {
			return err
		}
	}
	for _, e := range v.Attrs {
		if err := checkValue(e, resp3, anyError); err != nil {
			return err
		}
	}
	return nil
}

// expectedReplies is how many top-level replies a command owes: one, but
// a (P|S)(UN)SUBSCRIBE confirms each channel (UNSUBSCRIBE without names:
// each subscription, at least one), and DEBUG PROTOCOL PUSH sends a push
// before its reply. As in Redis, an EXEC writes the confirmations of a
// queued subscription command one after another in its array, so it
// sends the extra ones after the array (queued is its queue).
func expectedReplies(cmd *Command, args [][]byte, queued [][][]byte, vals []client.Value, resp3 bool) (lo, hi int) {
	if cmd != nil && cmd.Name == "debug" && len(args) == 3 && strings.EqualFold(string(args[1]), "protocol") &&
		strings.EqualFold(string(args[2]), "push") && (len(vals) == 0 || !vals[0].IsError()) {
		// RESP3 only: a connection on RESP2 gets an error instead.
		if !resp3 {
			return 0, 0
		}
		return 2, 2
	}
	if cmd == nil || len(vals) == 0 || vals[0].IsError() || (vals[0].Kind == client.KindStatus && vals[0].Text() == "QUEUED") {
		return 1, 1
	}
	switch {
	case isSubscription(cmd.Name):
		if len(args) > 1 {
			return len(args) - 1, len(args) - 1
		}
		return 1, math.MaxInt
	case cmd.Name == "exec" && !vals[0].Null:
		lo, hi = 1, 1
		for _, q := range queued {
			// SSUBSCRIBE refuses to run in a transaction.
			if qc := lookupCommand(q); qc != nil && isSubscription(qc.Name) && qc.Name != "ssubscribe" {
				if len(q) == 1 {
					hi = math.MaxInt
				} else {
					lo += len(q) - 2
					hi = min(hi, math.MaxInt-len(q)) + len(q) - 2
				}
			}
		}
		return lo, hi
	}
	return 1, 1
}

func isSubscription(name string) bool {
	switch name {
	case "subscribe", "psubscribe", "ssubscribe", "unsubscribe", "punsubscribe", "sunsubscribe":
		return true
	}
	return false
}

// settle brings a connection back towards an ordinary state now and then:
// a closed one (QUIT) is replaced, subscriptions dropped, CLIENT REPLY
// turned on, an open transaction run, database 0 selected.
func (r *fuzzRunner) settle(cp **connection.Connection) {
	c := *cp
	st := c.State()
	if st.Closing {
		r.srv.AfterClientClose(c)
		c = r.newConn()
		*cp = c
		st = c.State()
	}
	if st.SubscriptionCount() > 0 && r.policy.IntN(4) != 0 {
		for _, w := range []string{"UNSUBSCRIBE", "PUNSUBSCRIBE", "SUNSUBSCRIBE"} {
			r.exec(c, [][]byte{[]byte(w)})
		}
	}
	if st.Reply != resp.ReplyOn && r.policy.IntN(2) == 0 {
		r.exec(c, [][]byte{[]byte("CLIENT"), []byte("REPLY"), []byte("ON")})
	}
	if st.InMulti && (len(st.Queued) >= 6 || r.policy.IntN(8) == 0) {
		r.exec(c, [][]byte{[]byte("EXEC")})
	}
	if c.DBIndex() != 0 && r.policy.IntN(4) == 0 {
		r.exec(c, [][]byte{[]byte("SELECT"), []byte("0")})
	}
}

// pick chooses the next command's vector: a literal line ("=SET k v\n"),
// a name ("!zadd ") or an index into names, then generated arguments.
func (r *fuzzRunner) next() [][]byte {
	src := r.gen.src
	if bs, ok := src.(*byteSource); ok && len(bs.b) > 0 {
		switch bs.b[0] {
		case '=':
			line, rest, _ := bytes.Cut(bs.b[1:], []byte("\n"))
			bs.b = rest
			args, err := utils.SplitArgs(line)
			if err != nil {
				args = bytes.Fields(line)
			}
			return args
		case '!':
			name, rest, _ := bytes.Cut(bs.b[1:], []byte(" "))
			bs.b = rest
			i, found := slices.BinarySearch(r.names, strings.ToLower(string(name)))
			if !found {
				h := fnv.New32a()
				h.Write(name)
				i = int(h.Sum32() % uint32(len(r.names)))
			}
			r.shared.tried[i].Add(1)
			return r.gen.command(r.names[i])
		}
	}
	i := src.intn(len(r.names))
	r.shared.tried[i].Add(1)
	return r.gen.command(r.names[i])
}

// step sends one command (or, on '^', a transaction on the second
// connection) and settles the connection.
func (r *fuzzRunner) step() {
	if bs, ok := r.gen.src.(*byteSource); ok && len(bs.b) > 0 && bs.b[0] == '^' {
		bs.b = bs.b[1:]
		r.transaction(1 + bs.intn(4))
		return
	}
	args := r.sanitize(r.next())
	if args == nil {
		return
	}
	r.exec(r.c, args)
	r.settle(&r.c)
}

// transaction runs n generated commands inside MULTI/EXEC (or DISCARD) on
// the second connection.
func (r *fuzzRunner) transaction(n int) {
	r.exec(r.tx, [][]byte{[]byte("MULTI")})
	for ; n > 0 && !r.failed(); n-- {
		if args := r.sanitize(r.next()); args != nil {
			r.exec(r.tx, args)
		}
	}
	if r.tx.State().InMulti {
		end := "EXEC"
		if r.policy.IntN(8) == 0 {
			end = "DISCARD"
		}
		r.exec(r.tx, [][]byte{[]byte(end)})
	}
	r.settle(&r.tx)
}

// sanitize is sanitizeArgs, and drops PFSELFTESTs past those allowed.
func (r *fuzzRunner) sanitize(args [][]byte) [][]byte {
	if args = sanitizeArgs(args); args == nil {
		return nil
	}
	if cmd := lookupCommand(args); cmd != nil && cmd.Name == "pfselftest" && len(args) == 1 && r.shared.selftests.Add(-1) < 0 {
		return nil
	}
	return args
}

// populate (re)creates fuzzData on a connection of its own.
func populate(tb testing.TB, srv *Server, strict bool) {
	c := connection.NewFake()
	for _, args := range fuzzData() {
		rep := srv.Exec(c, strArgs(args...))
		if _, isErr := rep.(resp.ErrorReply); isErr && strict {
			tb.Fatalf("%q: %s", args, reply.Encode(rep, false))
		}
	}
}

// resetConfig restores the parameters CONFIG SET may have changed.
func resetConfig(tb testing.TB, saved []string) {
	if err := config.SetParams(saved); err != nil {
		tb.Fatalf("restoring %q: %v", saved, err)
	}
}

// FuzzDispatch decodes its input into up to 16 commands (see next and
// step) run on a fresh data set, and checks every reply.
func FuzzDispatch(f *testing.F) {
	fuzzConfig(f)
	saved := config.GetParams(fuzzConfigSettable)
	f.Cleanup(func() { resetConfig(f, saved) })
	srv := NewServer()
	f.Cleanup(srv.Close)
	names := fuzzNames()
	f.Add([]byte("=PING\n"))
	f.Fuzz(func(t *testing.T, data []byte) { dispatchInput(t, srv, saved, names, data) })
}

// dispatchInput is one FuzzDispatch input.
func dispatchInput(t *testing.T, srv *Server, saved, names []string, data []byte) {
	if len(data) > 2048 {
		data = data[:2048]
	}
	// One server per process: each server registers a CONFIG RESETSTAT
	// hook that keeps it alive, so one per input would leak. Its state is
	// reset instead.
	resetConfig(t, saved)
	srv.Exec(connection.NewFake(), strArgs("DEBUG", "SET-ACTIVE-EXPIRE", "1"))
	populate(t, srv, true) // on the empty server the last input's finish left
	takePanics()
	h := fnv.New64a()
	h.Write(data)
	r := newFuzzRunner(t, srv, &byteSource{b: data}, rand.New(rand.NewPCG(h.Sum64(), 9)),
		names, &fuzzShared{tried: make([]atomic.Int64, len(names)), answered: make([]atomic.Int64, len(names))})
	defer r.close()
	for n := 0; n < 16 && len(r.gen.src.(*byteSource).b) > 0 && !r.failed(); n++ {
		r.step()
	}
	r.finish()
}

// TestRandomCommands runs generated vectors for every command of the table
// on four connections at once (plus, now and then, a transaction on a
// second connection each), sharing the keys, and checks every reply.
func TestRandomCommands(t *testing.T) {
	fuzzConfig(t)
	saved := config.GetParams(fuzzConfigSettable)
	t.Cleanup(func() { resetConfig(t, saved) })
	srv := NewServer()
	t.Cleanup(srv.Close)
	populate(t, srv, true)
	takePanics()

	const workers = 4
	perWorker := 3000
	if testing.Short() {
		perWorker = 600
	}
	seed := uint64(20261201)
	if s := os.Getenv("FUZZ_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (FUZZ_SEED)", seed)
	names := fuzzNames()
	shared := &fuzzShared{tried: make([]atomic.Int64, len(names)), answered: make([]atomic.Int64, len(names))}
	shared.selftests.Store(1)
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		rng := rand.New(rand.NewPCG(seed, uint64(w)))
		r := newFuzzRunner(t, srv, randSource{rng}, rng, names, shared)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer r.close()
			for i := 0; i < perWorker && !r.failed(); i++ {
				switch {
				case i%25 == 24:
					r.transaction(1 + rng.IntN(5))
				case w == 0 && i%250 == 249:
					populate(t, srv, false)
				default:
					r.step()
				}
			}
		}()
	}
	wg.Wait()
	last := newFuzzRunner(t, srv, randSource{rand.New(rand.NewPCG(seed, workers))}, nil, names, shared)
	last.finish()
	last.close()
	if ps := takePanics(); len(ps) > 0 {
		t.Errorf("recovered panics: %s", strings.Join(ps, "\n"))
	}
	if t.Failed() {
		return
	}
	var never, noAnswer []string
	for i, n := range names {
		if shared.tried[i].Load() == 0 {
			never = append(never, n)
		}
		if shared.answered[i].Load() == 0 {
			noAnswer = append(noAnswer, n)
		}
	}
	if len(never) > 0 {
		t.Errorf("%d commands never tried: %v", len(never), never)
	}
	// Not a failure (EXEC in a transaction is one of them), but worth a look
	// when it grows: a command whose generated vectors never succeed is
	// only fuzzed on its error paths.
	if len(noAnswer) > 0 {
		t.Logf("%d commands only ever answered errors: %v", len(noAnswer), noAnswer)
	}
}

// TestBgRewriteAOFWhileOneRuns: a BGREWRITEAOF refused because another
// runs must leave the running one alone (found by TestRandomCommands: with
// appendonly off both opened the same temporary file, and the refused one
// removed it, so the first rewrite failed at its rename).
func TestBgRewriteAOFWhileOneRuns(t *testing.T) {
	fuzzConfig(t)
	srv := NewServer()
	t.Cleanup(srv.Close)
	c := connection.NewFake()
	populate(t, srv, true)
	if got := strDo(srv, c, "BGREWRITEAOF"); got != "+Background append only file rewriting started\r\n" {
		t.Fatalf("first BGREWRITEAOF: %q", got)
	}
	if got := strDo(srv, c, "BGREWRITEAOF"); got != "-ERR Background append only file rewriting already in progress\r\n" &&
		got != "+Background append only file rewriting started\r\n" {
		t.Fatalf("second BGREWRITEAOF: %q", got)
	}
	for i := 0; srv.persist.rewriting.Load() != nil; i++ {
		if i == 1000 {
			t.Fatal("the rewrite did not end")
		}
		time.Sleep(10 * time.Millisecond)
	}
	info := strDo(srv, c, "INFO", "persistence")
	if !strings.Contains(info, "aof_last_bgrewrite_status:ok\r\n") {
		t.Fatalf("after the rewrite: %s", info)
	}
	if _, err := os.Stat(aofPath(config.Get())); err != nil {
		t.Fatalf("no rewritten file: %v", err)
	}
}

// diffSkipped are the commands TestRandomAgainstRedis does not compare:
// replies that differ between any two servers (random picks, clocks,
// addresses, ids, memory figures, statistics, cursors, the size of the
// command table), or that come as pushes, or that the fuzzers exclude.
var diffSkipped = map[string]bool{
	"randomkey": true, "spop": true, "srandmember": true, "hrandfield": true, "zrandmember": true,
	"time": true, "lastsave": true, "ttl": true, "pttl": true, "expiretime": true, "pexpiretime": true,
	"info": true, "debug": true, "object|idletime": true, "object|freq": true, "pfdebug": true,
	"pfselftest": true, "bgrewriteaof": true, "config|get": true, "hello": true, "quit": true,
	"scan": true, "sscan": true, "hscan": true, "zscan": true, "sort": true, "sort_ro": true,
	"command": true, "command|count": true, "command|list": true, "command|docs": true, "command|info": true,
	"subscribe": true, "psubscribe": true, "ssubscribe": true, "unsubscribe": true, "punsubscribe": true,
	"sunsubscribe": true, "publish": true, "spublish": true, "pubsub|channels": true, "pubsub|numsub": true,
	"pubsub|numpat": true, "pubsub|shardchannels": true, "pubsub|shardnumsub": true,
	"cluster|nodes": true, "cluster|myid": true, "cluster|info": true, "cluster|links": true,
	"cluster|shards": true, "cluster|slots": true,
}

// diffUnordered answer collections whose order is the hash table's: they
// are compared as multisets (HGETALL by field-value pairs).
var diffUnordered = map[string]bool{"smembers": true, "sunion": true, "sdiff": true, "sinter": true,
	"hgetall": true, "hkeys": true, "hvals": true, "keys": true}

// diffSkippedFamily: CLIENT, LATENCY, SLOWLOG and MEMORY report on clients,
// clocks and memory.
func diffSkippedFamily(name string) bool {
	for _, p := range []string{"client|", "latency|", "slowlog|", "memory|"} {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return diffSkipped[name]
}

// unorderedKey is an aggregate's kind, length and sorted elements (pairs
// for maps and HGETALL).
func unorderedKey(v client.Value, pairs bool) string {
	step := 1
	if pairs || v.Kind == client.KindMap {
		step = 2
	}
	var parts []string
	for i := 0; i+step <= len(v.Elems); i += step {
		var p []byte
		for j := 0; j < step; j++ {
			p = append(p, v.Elems[i+j].Raw...)
		}
		parts = append(parts, string(p))
	}
	slices.Sort(parts)
	return fmt.Sprintf("%c%d%q", v.Kind, len(v.Elems), parts)
}

// steadyExpiry makes a short relative expiry (at most 5 s) long, so that a
// key does not expire between the two servers' commands.
func steadyExpiry(args [][]byte) {
	cmd := lookupCommand(args)
	if cmd == nil {
		return
	}
	bump := func(i int) {
		if i < len(args) {
			if n, ok := utils.ParseInt(args[i]); ok && n > 0 && n <= 5000 {
				args[i] = []byte("100000")
			}
		}
	}
	switch cmd.Name {
	case "expire", "pexpire", "setex", "psetex":
		bump(2)
	case "set", "getex":
		for i := 2; i < len(args); i++ {
			if isOpt(args[i], "EX") || isOpt(args[i], "PX") {
				bump(i + 1)
			}
		}
	}
}

// TestRandomAgainstRedis sends generated vectors, on one connection, to
// this server and to redis-server 7.0, in RESP2 and then in RESP3, and
// compares the replies byte for byte. Both start from fuzzData again every
// 20 commands and after any difference, so one difference does not
// cascade. It found LINDEX checking its index before its key and BLMPOP
// its timeout before its other arguments.
func TestRandomAgainstRedis(t *testing.T) {
	rs := redistest.Start(t, "--maxmemory", "64mb", "--proto-max-bulk-len", "1mb")
	rc := rs.Dial(t)
	fuzzConfig(t)
	saved := config.GetParams(fuzzConfigSettable)
	t.Cleanup(func() { resetConfig(t, saved) })
	srv := NewServer()
	t.Cleanup(srv.Close)

	var names []string
	for _, n := range fuzzNames() {
		if !diffSkippedFamily(n) {
			names = append(names, n)
		}
	}
	seed := uint64(20261202)
	if s := os.Getenv("FUZZ_SEED"); s != "" {
		seed, _ = strconv.ParseUint(s, 10, 64)
	}
	t.Logf("seed %d (FUZZ_SEED)", seed)
	rng := rand.New(rand.NewPCG(seed, 2))
	r := newFuzzRunner(t, srv, randSource{rng}, rng, names,
		&fuzzShared{tried: make([]atomic.Int64, len(names)), answered: make([]atomic.Int64, len(names))})
	defer r.close()
	both := func(args ...string) {
		srv.Exec(r.c, strArgs(args...))
		rc.Do(args...)
	}
	restart := func(proto string) {
		both("RESET")
		both("HELLO", proto)
		rc.Do(append([]string{"CONFIG", "SET"}, saved...)...)
		resetConfig(t, saved)
		both("FLUSHALL")
		for _, args := range fuzzData() {
			both(args...)
		}
	}
	diffs := map[string]int{}
	for _, proto := range []string{"2", "3"} {
		restart(proto)
		for i := 0; i < 3000 && len(diffs) < 10; i++ {
			if i%20 == 19 {
				restart(proto)
			}
			name := names[rng.IntN(len(names))]
			args := sanitizeArgs(r.gen.command(name))
			if args == nil {
				continue
			}
			steadyExpiry(args)
			sargs := make([]string, len(args))
			for j, a := range args {
				sargs[j] = string(a)
			}
			shown := show(args)
			ours := srv.Exec(r.c, args)
			_ = r.c.Flush()
			r.c.Conn().(*captureConn).take()
			var got []byte
			if ours != nil {
				got = reply.Encode(ours, r.c.Protocol() == 3)
			}
			want := rc.Do(sargs...)
			if !bytes.Equal(got, want.Raw) && diffUnordered[name] {
				if v, err := client.NewReader(bytes.NewReader(got)).ReadValue(); err == nil &&
					unorderedKey(v, name == "hgetall") == unorderedKey(want, name == "hgetall") {
					got = want.Raw
				}
			}
			if !bytes.Equal(got, want.Raw) {
				if diffs[name]++; diffs[name] <= 3 {
					t.Errorf("RESP%s %s:\n  ours  %s\n  redis %s", proto, shown, trimmed(got), trimmed(want.Raw))
				}
				restart(proto)
			}
			if r.c.State().InMulti || r.c.DBIndex() != 0 || r.c.Protocol() != int(proto[0]-'0') {
				restart(proto)
			}
		}
	}
}
