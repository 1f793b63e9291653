package database

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
	"unsafe"

	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/lib/logger"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// DEBUG: the subcommands tests and tools rely on (SLEEP, SET-ACTIVE-EXPIRE,
// OBJECT, POPULATE, RELOAD, ERROR, LOG, PROTOCOL, CHANGE-REPL-ID, HELP).
// The others answer Redis's unknown-subcommand error.

func init() {
	register("debug", execDebug, -2, "admin noscript loading stale", 0, 0, 0)
}

const debugNotAllowed = "DEBUG command not allowed. If the enable-debug-command option is set to \"local\", " +
	"you can run it from a local connection, otherwise you need to set this option in the configuration file, " +
	"and then restart the server."

// debugAllowed applies enable-debug-command.
func debugAllowed(c resp.Connection) bool {
	switch config.Get().EnableDebugCommand {
	case "yes":
		return true
	case "local":
		return isLocalClient(c)
	}
	return false
}

func execDebug(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if !debugAllowed(c) {
		return reply.Err(debugNotAllowed)
	}
	sub := strings.ToLower(string(args[1]))
	n := len(args)
	switch {
	case sub == "help" && n == 2:
		return helpReply("debug", debugHelp...)
	case sub == "sleep" && n == 3:
		return debugSleep(db, args[2])
	case sub == "set-active-expire" && n == 3:
		db.srv.activeExpire.Store(atoi(args[2]) != 0)
		return reply.OK
	case sub == "object" && n == 3:
		return debugObject(db, args[2])
	case sub == "populate" && n >= 3 && n <= 5:
		return debugPopulate(db, args)
	case sub == "reload":
		for _, a := range args[2:] {
			switch strings.ToLower(string(a)) {
			case "merge", "noflush", "nosave":
			default:
				return reply.Err("DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			}
		}
		// Nothing is kept outside memory: saving and reloading would give
		// back the same dataset.
		return reply.OK
	case sub == "error" && n == 3:
		return reply.Error(args[2])
	case sub == "log" && n == 3:
		logger.Warningf("DEBUG LOG: %s", args[2])
		return reply.OK
	case sub == "protocol" && n == 3:
		return debugProtocol(c, args[2])
	case sub == "change-repl-id" && n == 2:
		return reply.OK
	}
	return reply.Err("unknown subcommand or wrong number of arguments for '" + trunc(string(args[1]), 128) + "'. Try DEBUG HELP.")
}

// atoi is C's atoi: optional blanks and sign, then digits up to the first
// other byte; 0 when there are none.
func atoi(b []byte) int64 {
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	neg := false
	if i < len(b) && (b[i] == '+' || b[i] == '-') {
		neg = b[i] == '-'
		i++
	}
	var n int64
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
	}
	if neg {
		return -n
	}
	return n
}

// strtodPrefix is C's strtod(s, NULL): the longest prefix that reads as a
// number, 0 when none does.
func strtodPrefix(b []byte) float64 {
	if f, ok := utils.ParseFloat(b); ok {
		return f
	}
	for end := min(len(b)-1, 512); end > 0; end-- {
		if f, ok := utils.ParseFloat(b[:end]); ok {
			return f
		}
	}
	return 0
}

// debugSleep stops the server for the given seconds: every key of every
// database stays locked meanwhile, so other clients' commands wait.
func debugSleep(db *DB, arg []byte) resp.Reply {
	secs := strtodPrefix(arg)
	d := time.Duration(secs*1e6) * time.Microsecond
	if secs > float64(math.MaxInt64/int64(time.Second)) {
		d = math.MaxInt64
	}
	if d <= 0 {
		return reply.OK
	}
	dbs := db.srv.dbs
	for _, x := range dbs {
		x.data.LockAll()
	}
	time.Sleep(d)
	for i := len(dbs) - 1; i >= 0; i-- {
		dbs[i].data.UnlockAll()
	}
	return reply.OK
}

// debugObject is DEBUG OBJECT: Redis's one-line description of a value.
// The key is looked up without expiring it, as Redis's dictFind does.
func debugObject(db *DB, key []byte) resp.Reply {
	s := db.shard(key)
	s.Mu.Lock()
	defer s.Mu.Unlock()
	e := s.Data[string(key)]
	if e == nil {
		return reply.NoSuchKey
	}
	enc := objectEncoding(e)
	b := make([]byte, 0, 160)
	b = append(b, "Value at:"...)
	b = fmt.Appendf(b, "%p", e)
	b = append(b, " refcount:"...)
	b = strconv.AppendInt(b, refCount(e), 10)
	b = append(b, " encoding:"...)
	b = append(b, enc...)
	b = append(b, " serializedlength:"...)
	b = strconv.AppendInt(b, serializedLength(e), 10)
	b = append(b, " lru:"...)
	b = strconv.AppendUint(b, uint64(e.LRU&(1<<24-1)), 10)
	b = append(b, " lru_seconds_idle:"...)
	b = strconv.AppendInt(b, idleSeconds(e), 10)
	if enc == "quicklist" {
		count := 0
		if l, ok := e.Obj().(interface{ Len() int }); ok {
			count = l.Len()
		}
		b = append(b, " ql_nodes:1 ql_avg_node:"...)
		b = strconv.AppendFloat(b, float64(count), 'f', 2, 64)
		b = append(b, " ql_listpack_max:-2 ql_compressed:0 ql_uncompressed_size:"...)
		b = strconv.AppendInt(b, valueUsage(e, 0), 10)
	}
	return reply.Status(b)
}

// refCount is what OBJECT REFCOUNT and DEBUG OBJECT report: shared
// integers (0..9999, unless an LRU/LFU maxmemory policy is in force) read
// as OBJ_SHARED_REFCOUNT, everything else 1.
func refCount(e *Entity) int64 {
	if e.Kind != KindString || e.inPlace() || e.Enc != EncAuto || len(e.Str()) > 4 {
		return 1
	}
	v, ok := utils.ParseIntString(e.Str())
	if !ok || v < 0 || v >= sharedIntegers {
		return 1
	}
	cfg := config.Get()
	if cfg.MaxMemory != 0 && (strings.Contains(cfg.MaxMemoryPolicy, "lru") || strings.Contains(cfg.MaxMemoryPolicy, "lfu")) {
		return 1
	}
	return math.MaxInt32
}

// rdbLenSize is the size of an RDB length field.
func rdbLenSize(n int) int64 {
	switch {
	case n < 1<<6:
		return 1
	case n < 1<<14:
		return 2
	case uint64(n) <= math.MaxUint32:
		return 5
	}
	return 9
}

// serializedLength is DEBUG OBJECT's serializedlength: the size the value
// takes in an RDB file. Strings are exact except that LZF compression
// (tried by Redis for strings over 20 bytes) is not applied; other types
// are an estimate.
func serializedLength(e *Entity) int64 {
	if e.Kind != KindString {
		return valueUsage(e, 0) / 2
	}
	s := e.Str()
	if len(s) <= 11 {
		if v, ok := utils.ParseIntString(s); ok && strconv.FormatInt(v, 10) == s {
			switch {
			case v >= math.MinInt8 && v <= math.MaxInt8:
				return 2
			case v >= math.MinInt16 && v <= math.MaxInt16:
				return 3
			case v >= math.MinInt32 && v <= math.MaxInt32:
				return 5
			}
		}
	}
	return rdbLenSize(len(s)) + int64(len(s))
}

// maxPopulateKeys bounds DEBUG POPULATE where Redis's dictTryExpand would
// fail to allocate the table.
const maxPopulateKeys = 1 << 40

// debugPopulate is DEBUG POPULATE count [prefix] [size]: string keys
// prefix:N holding value:N (cut or zero-padded to size), skipping keys that
// exist. It locks the whole database once and inserts directly, so a
// million keys take well under a second.
func debugPopulate(db *DB, args [][]byte) resp.Reply {
	const notPositive = "value is out of range, must be positive"
	count, ok := utils.ParseInt(args[2])
	if !ok || count < 0 {
		return reply.Err(notPositive)
	}
	if count > maxPopulateKeys {
		return reply.Err("OOM in dictTryExpand")
	}
	valSize := int64(0)
	if len(args) == 5 {
		valSize, ok = utils.ParseInt(args[4])
		if !ok || valSize < 0 {
			return reply.Err(notPositive)
		}
	}
	prefix := "key"
	if len(args) >= 4 {
		// Redis formats the prefix as a C string: it ends at a NUL.
		prefix, _, _ = strings.Cut(string(args[3]), "\x00")
	}
	d := db.data
	d.LockAll()
	defer d.UnlockAll()

	// Give empty shards maps of the final size at once. Names are unique
	// unless cut to Redis's 127 bytes, so in a shard that was empty no name
	// needs looking up first.
	var wasEmpty [dict.NumShards]bool
	unique := len(prefix)+1+20 <= 127
	perShard := int(count/dict.NumShards) + int(count/dict.NumShards/8) + 1
	for i := 0; i < dict.NumShards; i++ {
		s := d.Shard(i)
		if len(s.Data) == 0 {
			wasEmpty[i] = unique
			if count >= 4*dict.NumShards {
				s.Data = make(map[string]*Entity, perShard)
			}
		}
	}
	lru := newAccessClock()
	var ents []Entity
	kb := make([]byte, 0, 160)
	vb := make([]byte, 0, 32)
	name := func(j int64) []byte {
		kb = append(kb[:0], prefix...)
		kb = append(kb, ':')
		kb = strconv.AppendInt(kb, j, 10)
		if len(kb) > 127 {
			// Redis formats the name into a 128-byte buffer.
			kb = kb[:127]
		}
		return kb
	}
	// Keys are inserted in batches sorted by shard, so each shard's map is
	// filled in runs instead of at random.
	const batch = 1 << 16
	var shardOf [batch]uint8
	var start [dict.NumShards + 1]int32
	// With new events on, each batch's new keys are announced in name
	// order afterwards, as Redis's dbAdd announces them one by one.
	var added []bool
	if config.Get().NotifyFlags&config.NotifyNew != 0 {
		added = make([]bool, min(count, batch))
	}
	order := make([]int32, min(count, batch))
	for base := int64(0); base < count; base += batch {
		n := int(min(count-base, batch))
		start = [dict.NumShards + 1]int32{}
		for k := 0; k < n; k++ {
			sh := uint8(d.ShardFor(name(base + int64(k))))
			shardOf[k] = sh
			start[int(sh)+1]++
		}
		for i := 1; i <= dict.NumShards; i++ {
			start[i] += start[i-1]
		}
		next := start
		for k := 0; k < n; k++ {
			sh := shardOf[k]
			order[next[sh]] = int32(k)
			next[sh]++
		}
		for _, k := range order[:n] {
			j := base + int64(k)
			kb := name(j)
			i := int(shardOf[k])
			s := d.Shard(i)
			if wasEmpty[i] {
				// Nothing to look for.
			} else if e := s.Data[string(kb)]; e != nil {
				if !e.HasTTL || s.TTL[string(kb)] > nowMs() {
					continue
				}
				db.expireKey(s, kb)
			}
			vb = append(vb[:0], "value:"...)
			vb = strconv.AppendInt(vb, j, 10)
			// One allocation holds the key and the value.
			var both string
			if valSize == 0 {
				both = string(append(kb, vb...))
			} else {
				buf := make([]byte, len(kb)+int(valSize))
				copy(buf, kb)
				copy(buf[len(kb):], vb)
				both = unsafe.String(&buf[0], len(buf))
			}
			key, val := both[:len(kb)], both[len(kb):]
			if len(ents) == 0 {
				ents = make([]Entity, min(count-j, 256))
			}
			e := &ents[0]
			ents = ents[1:]
			e.SetStr(val)
			e.LRU = lru
			s.Data[key] = e
			db.signalModified(kb)
			if added != nil {
				added[k] = true
			}
		}
		for k := range added[:min(n, len(added))] {
			if added[k] {
				added[k] = false
				db.notify(config.NotifyNew, "new", name(base+int64(k)))
			}
		}
	}
	return reply.OK
}

// debugProtocol is DEBUG PROTOCOL: one reply of each RESP type.
func debugProtocol(c resp.Connection, arg []byte) resp.Reply {
	switch strings.ToLower(string(arg)) {
	case "string":
		return reply.BulkStr("Hello World")
	case "integer":
		return reply.Int(12345)
	case "double":
		return reply.Double(3.141)
	case "bignum":
		return rawReply{resp3: "(1234567999999999999999999999999999999\r\n", resp2: "$37\r\n1234567999999999999999999999999999999\r\n"}
	case "null":
		return reply.Null
	case "array":
		return reply.Array{reply.Int(0), reply.Int(1), reply.Int(2)}
	case "set":
		return reply.Set{reply.Int(0), reply.Int(1), reply.Int(2)}
	case "map":
		return reply.Map{reply.Int(0), reply.Bool(false), reply.Int(1), reply.Bool(true), reply.Int(2), reply.Bool(false)}
	case "attrib":
		const r = "$39\r\nSome real reply following the attribute\r\n"
		return rawReply{resp3: "|1\r\n$14\r\nkey-popularity\r\n*2\r\n$7\r\nkey:123\r\n:90\r\n" + r, resp2: r}
	case "push":
		if c.Protocol() < 3 {
			return reply.Err("RESP2 is not supported by this command")
		}
		return rawReply{resp3: ">2\r\n$16\r\nserver-cpu-usage\r\n:42\r\n$40\r\nSome real reply following the push reply\r\n"}
	case "verbatim":
		return reply.Verbatim("This is a verbatim\nstring")
	case "true":
		return reply.Bool(true)
	case "false":
		return reply.Bool(false)
	}
	return reply.Err("Wrong protocol type name. Please use one of the following: string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false")
}

// rawReply is a fixed encoding per protocol.
type rawReply struct{ resp2, resp3 string }

func (r rawReply) AppendTo(b []byte, resp3 bool) []byte {
	if resp3 {
		return append(b, r.resp3...)
	}
	return append(b, r.resp2...)
}

var debugHelp = []string{
	"AOF-FLUSH-SLEEP <microsec>",
	"    Server will sleep before flushing the AOF, this is used for testing.",
	"ASSERT",
	"    Crash by assertion failed.",
	"CHANGE-REPL-ID",
	"    Change the replication IDs of the instance.",
	"    Dangerous: should be used only for testing the replication subsystem.",
	"CONFIG-REWRITE-FORCE-ALL",
	"    Like CONFIG REWRITE but writes all configuration options, including",
	"    keywords not listed in original configuration file or default values.",
	"CRASH-AND-RECOVER [<milliseconds>]",
	"    Hard crash and restart after a <milliseconds> delay (default 0).",
	"DIGEST",
	"    Output a hex signature representing the current DB content.",
	"DIGEST-VALUE <key> [<key> ...]",
	"    Output a hex signature of the values of all the specified keys.",
	"ERROR <string>",
	"    Return a Redis protocol error with <string> as message. Useful for clients",
	"    unit tests to simulate Redis errors.",
	"LEAK <string>",
	"    Create a memory leak of the input string.",
	"LOG <message>",
	"    Write <message> to the server log.",
	"HTSTATS <dbid>",
	"    Return hash table statistics of the specified Redis database.",
	"HTSTATS-KEY <key>",
	"    Like HTSTATS but for the hash table stored at <key>'s value.",
	"LOADAOF",
	"    Flush the AOF buffers on disk and reload the AOF in memory.",
	"REPLICATE <string>",
	"    Replicates the provided string to replicas, allowing data divergence.",
	"MALLCTL <key> [<val>]",
	"    Get or set a malloc tuning integer.",
	"MALLCTL-STR <key> [<val>]",
	"    Get or set a malloc tuning string.",
	"OBJECT <key>",
	"    Show low level info about `key` and associated value.",
	"DROP-CLUSTER-PACKET-FILTER <packet-type>",
	"    Drop all packets that match the filtered type. Set to -1 allow all packets.",
	"OOM",
	"    Crash the server simulating an out-of-memory error.",
	"PANIC",
	"    Crash the server simulating a panic.",
	"POPULATE <count> [<prefix>] [<size>]",
	"    Create <count> string keys named key:<num>. If <prefix> is specified then",
	"    it is used instead of the 'key' prefix. These are not propagated to",
	"    replicas. Cluster slots are not respected so keys not belonging to the",
	"    current node can be created in cluster mode.",
	"PROTOCOL <type>",
	"    Reply with a test value of the specified type. <type> can be: string,",
	"    integer, double, bignum, null, array, set, map, attrib, push, verbatim,",
	"    true, false.",
	"RELOAD [option ...]",
	"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
	"    * MERGE: conflicting keys will be loaded from RDB.",
	"    * NOFLUSH: the existing database will not be removed before load, but",
	"      conflicting keys will generate an exception and kill the server.",
	"    * NOSAVE: the database will be loaded from an existing RDB file.",
	"    Examples:",
	"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
	"      the database.",
	"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
	"      existing RDB file.",
	"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
	"      file to the database.",
	"RESTART [<milliseconds>]",
	"    Graceful restart: save config, db, restart after a <milliseconds> delay (default 0).",
	"SDSLEN <key>",
	"    Show low level SDS string info representing `key` and value.",
	"SEGFAULT",
	"    Crash the server with sigsegv.",
	"SET-ACTIVE-EXPIRE <0|1>",
	"    Setting it to 0 disables expiring keys in background when they are not",
	"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
	"    default.",
	"QUICKLIST-PACKED-THRESHOLD <size>",
	"    Sets the threshold for elements to be inserted as plain vs packed nodes",
	"    Default value is 1GB, allows values up to 4GB. Setting to 0 restores to default.",
	"SET-SKIP-CHECKSUM-VALIDATION <0|1>",
	"    Enables or disables checksum checks for RDB files and RESTORE's payload.",
	"SLEEP <seconds>",
	"    Stop the server for <seconds>. Decimals allowed.",
	"STRINGMATCH-TEST",
	"    Run a fuzz tester against the stringmatchlen() function.",
	"STRUCTSIZE",
	"    Return the size of different Redis core C structures.",
	"LISTPACK <key>",
	"    Show low level info about the listpack encoding of <key>.",
	"QUICKLIST <key> [<0|1>]",
	"    Show low level info about the quicklist encoding of <key>.",
	"    The optional argument (0 by default) sets the level of detail",
	"CLIENT-EVICTION",
	"    Show low level client eviction pools info (maxmemory-clients).",
	"PAUSE-CRON <0|1>",
	"    Stop periodic cron job processing.",
	"REPLYBUFFER PEAK-RESET-TIME <NEVER||RESET|time>",
	"    Sets the time (in milliseconds) to wait between client reply buffer peak resets.",
	"    In case NEVER is provided the last observed peak will never be reset",
	"    In case RESET is provided the peak reset time will be restored to the default value",
	"REPLYBUFFER RESIZING <0|1>",
	"    Enable or disable the reply buffer resize cron job",
	"CLUSTERLINK KILL <to|from|all> <node-id>",
	"    Kills the link based on the direction to/from (both) with the provided node.",
}
