package config

import (
	"math"
	"strings"
)

// Bounds of C integer types, as Redis's table uses them.
const (
	intMin   = math.MinInt32
	intMax   = math.MaxInt32
	uintMax  = math.MaxUint32
	longMax  = math.MaxInt64
	ullMax   = -1 // math.MaxUint64 as the bits of an int64 (unsigned params)
	mb       = 1024 * 1024
	gb       = 1024 * mb
	minHz    = 1
	maxHz    = 500
	maxBinds = 16
)

// The table: every parameter Redis 7.0 has (CONFIG GET * lists them), plus
// this server's own cluster parameters (hidden from patterns). Entries with
// a setter are implemented; the rest are stored so CONFIG GET/SET/REWRITE
// behave as Redis, and are logged as ignored when configured.
var table = []*param{
	// Booleans.
	boolP("rdbchecksum", "", fImmutable, true, nil),
	boolP("daemonize", "", fImmutable, false, func(c *Config, v bool) { c.Daemonize = v }),
	boolP("io-threads-do-reads", "", fImmutable, false, nil),
	boolP("always-show-logo", "", fImmutable, false, nil),
	boolP("protected-mode", "", 0, true, func(c *Config, v bool) { c.ProtectedMode = v }),
	boolP("rdbcompression", "", 0, true, nil),
	boolP("rdb-del-sync-files", "", 0, false, nil),
	boolP("activerehashing", "", 0, true, nil),
	boolP("stop-writes-on-bgsave-error", "", 0, true, nil),
	boolP("set-proc-title", "", fImmutable, true, nil),
	boolP("dynamic-hz", "", 0, true, nil),
	boolP("lazyfree-lazy-eviction", "", 0, false, nil),
	boolP("lazyfree-lazy-expire", "", 0, false, nil),
	boolP("lazyfree-lazy-server-del", "", 0, false, nil),
	boolP("lazyfree-lazy-user-del", "", 0, false, nil),
	boolP("lazyfree-lazy-user-flush", "", 0, false, nil),
	boolP("repl-disable-tcp-nodelay", "", 0, false, nil),
	boolP("repl-diskless-sync", "", 0, true, nil),
	boolP("aof-rewrite-incremental-fsync", "", 0, true, nil),
	boolP("no-appendfsync-on-rewrite", "", 0, false, func(c *Config, v bool) { c.NoAppendfsyncOnRewrite = v }),
	boolP("cluster-require-full-coverage", "", 0, true, nil),
	boolP("rdb-save-incremental-fsync", "", 0, true, nil),
	boolP("aof-load-truncated", "", 0, true, func(c *Config, v bool) { c.AofLoadTruncated = v }),
	boolP("aof-use-rdb-preamble", "", 0, true, nil),
	boolP("aof-timestamp-enabled", "", 0, false, nil),
	boolP("cluster-replica-no-failover", "cluster-slave-no-failover", 0, false, nil),
	boolP("replica-lazy-flush", "slave-lazy-flush", 0, false, nil),
	boolP("replica-serve-stale-data", "slave-serve-stale-data", 0, true, nil),
	boolP("replica-read-only", "slave-read-only", 0, true, nil),
	boolP("replica-ignore-maxmemory", "slave-ignore-maxmemory", 0, true, nil),
	boolP("jemalloc-bg-thread", "", 0, true, nil),
	boolP("activedefrag", "", 0, false, nil),
	boolP("syslog-enabled", "", fImmutable, false, nil),
	boolP("cluster-enabled", "", fImmutable, false, nil),
	boolP("appendonly", "", 0, false, func(c *Config, v bool) { c.AppendOnly = v }),
	boolP("cluster-allow-reads-when-down", "", 0, false, nil),
	boolP("cluster-allow-pubsubshard-when-down", "", 0, true, nil),
	boolP("crash-log-enabled", "", 0, true, nil),
	boolP("crash-memcheck-enabled", "", 0, true, nil),
	boolP("use-exit-on-panic", "", fHidden, false, nil),
	boolP("disable-thp", "", fImmutable, true, nil),
	boolP("cluster-allow-replica-migration", "", 0, true, nil),
	boolP("replica-announced", "", 0, true, nil),
	boolP("latency-tracking", "", 0, true, nil),
	boolP("aof-disable-auto-gc", "", 0, false, nil),
	boolP("replica-ignore-disk-write-errors", "", 0, false, nil),

	// Strings. emptyIsNull marks Redis's EMPTY_STRING_IS_NULL: "" unsets
	// the value, and CONFIG REWRITE then drops the directive.
	strP("aclfile", "", fImmutable, false, "", nil, nil),
	strP("unixsocket", "", fImmutable, true, "", nil, nil),
	strP("pidfile", "", fImmutable, true, "", nil, nil),
	strP("replica-announce-ip", "slave-announce-ip", 0, true, "", nil, nil),
	strP("masteruser", "", fSensitive, true, "", nil, nil),
	strP("cluster-announce-ip", "", 0, true, "", nil, nil),
	strP("cluster-config-file", "", fImmutable, false, "nodes.conf", nil, nil),
	strP("cluster-announce-hostname", "", 0, true, "", validHostname, nil),
	strP("syslog-ident", "", fImmutable, false, "redis", nil, nil),
	strP("dbfilename", "", fProtected, false, "dump.rdb", validDBFilename, nil),
	strP("appendfilename", "", fImmutable, false, "appendonly.aof", validAOFFilename,
		func(c *Config, v string) { c.AppendFilename = v }),
	strP("appenddirname", "", fImmutable, false, "appendonlydir", validAOFDirname,
		func(c *Config, v string) { c.AppendDirname = v }),
	strP("server_cpulist", "", fImmutable, true, "", nil, nil),
	strP("bio_cpulist", "", fImmutable, true, "", nil, nil),
	strP("aof_rewrite_cpulist", "", fImmutable, true, "", nil, nil),
	strP("bgsave_cpulist", "", fImmutable, true, "", nil, nil),
	strP("ignore-warnings", "", 0, false, "", nil, nil),
	strP("proc-title-template", "", 0, false, "{title} {listen-addr} {server-mode}", validProcTitle, nil),
	strP("bind-source-addr", "", 0, true, "", nil, nil),
	strP("logfile", "", fImmutable, false, "", nil, func(c *Config, v string) { c.LogFile = v }),
	strP("masterauth", "", fSensitive, true, "", nil, nil),
	strP("requirepass", "", fSensitive, true, "", nil, func(c *Config, v string) { c.RequirePass = v }),

	// Enums.
	enumP("supervised", "", fImmutable, []string{"upstart", "systemd", "auto", "no"}, "no", nil),
	enumP("syslog-facility", "", fImmutable, []string{"user", "local0", "local1", "local2",
		"local3", "local4", "local5", "local6", "local7"}, "local0", nil),
	enumP("repl-diskless-load", "", 0, []string{"disabled", "on-empty-db", "swapdb"}, "disabled", nil),
	enumP("loglevel", "", 0, []string{"debug", "verbose", "notice", "warning"}, "notice",
		func(c *Config, v string) { c.LogLevel = v }),
	enumP("maxmemory-policy", "", 0, []string{"volatile-lru", "volatile-lfu", "volatile-random",
		"volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"}, "noeviction",
		func(c *Config, v string) { c.MaxMemoryPolicy = v }),
	enumP("appendfsync", "", 0, []string{"everysec", "always", "no"}, "everysec",
		func(c *Config, v string) { c.AppendFsync = v }),
	enumP("oom-score-adj", "", 0, []string{"no", "yes", "relative", "absolute"}, "no", nil),
	enumP("acl-pubsub-default", "", 0, []string{"allchannels", "resetchannels"}, "resetchannels", nil),
	enumP("sanitize-dump-payload", "", 0, []string{"no", "yes", "clients"}, "no", nil),
	enumP("enable-protected-configs", "", fImmutable, []string{"no", "yes", "local"}, "no",
		func(c *Config, v string) { c.EnableProtectedConfigs = v }),
	enumP("enable-debug-command", "", fImmutable, []string{"no", "yes", "local"}, "no",
		func(c *Config, v string) { c.EnableDebugCommand = v }),
	enumP("enable-module-command", "", fImmutable, []string{"no", "yes", "local"}, "no", nil),
	enumP("cluster-preferred-endpoint-type", "", 0, []string{"ip", "hostname", "unknown-endpoint"}, "ip", nil),
	enumP("propagation-error-behavior", "", 0, []string{"ignore", "panic", "panic-on-replicas"}, "ignore", nil),
	shutdownP("shutdown-on-sigint"),
	shutdownP("shutdown-on-sigterm"),

	// Integers: int, unsigned int, long, long long, size_t... with the
	// bounds of Redis's table.
	numP("databases", "", fImmutable, 1, intMax, 16, 0, false, func(c *Config, v int64) { c.Databases = int(v) }),
	numP("port", "", 0, 0, 65535, 6379, 0, false, func(c *Config, v int64) { c.Port = int(v) }),
	numP("io-threads", "", fImmutable, 1, 128, 1, 0, false, nil),
	numP("auto-aof-rewrite-percentage", "", 0, 0, intMax, 100, 0, false,
		func(c *Config, v int64) { c.AutoAofRewritePercentage = int(v) }),
	numP("cluster-replica-validity-factor", "cluster-slave-validity-factor", 0, 0, intMax, 10, 0, false, nil),
	numP("list-max-listpack-size", "list-max-ziplist-size", 0, intMin, intMax, -2, 0, false, nil),
	numP("tcp-keepalive", "", 0, 0, intMax, 300, 0, false, func(c *Config, v int64) { c.TCPKeepAlive = int(v) }),
	numP("cluster-migration-barrier", "", 0, 0, intMax, 1, 0, false, nil),
	numP("active-defrag-cycle-min", "", 0, 1, 99, 1, 0, false, nil),
	numP("active-defrag-cycle-max", "", 0, 1, 99, 25, 0, false, nil),
	numP("active-defrag-threshold-lower", "", 0, 0, 1000, 10, 0, false, nil),
	numP("active-defrag-threshold-upper", "", 0, 0, 1000, 100, 0, false, nil),
	numP("lfu-log-factor", "", 0, 0, intMax, 10, 0, false, func(c *Config, v int64) { c.LFULogFactor = int(v) }),
	numP("lfu-decay-time", "", 0, 0, intMax, 1, 0, false, func(c *Config, v int64) { c.LFUDecayTime = int(v) }),
	numP("replica-priority", "slave-priority", 0, 0, intMax, 100, 0, false, nil),
	numP("repl-diskless-sync-delay", "", 0, 0, intMax, 5, 0, false, nil),
	numP("maxmemory-samples", "", 0, 1, intMax, 5, 0, false, func(c *Config, v int64) { c.MaxMemorySamples = int(v) }),
	numP("maxmemory-eviction-tenacity", "", 0, 0, 100, 10, 0, false, nil),
	numP("timeout", "", 0, 0, intMax, 0, 0, false, func(c *Config, v int64) { c.Timeout = int(v) }),
	numP("replica-announce-port", "slave-announce-port", 0, 0, 65535, 0, 0, false, nil),
	numP("tcp-backlog", "", fImmutable, 0, intMax, 511, 0, false, nil),
	numP("cluster-port", "", fImmutable, 0, 65535, 0, 0, false, nil),
	numP("cluster-announce-bus-port", "", 0, 0, 65535, 0, 0, false, nil),
	numP("cluster-announce-port", "", 0, 0, 65535, 0, 0, false, nil),
	numP("cluster-announce-tls-port", "", 0, 0, 65535, 0, 0, false, nil),
	numP("repl-timeout", "", 0, 1, intMax, 60, 0, false, nil),
	numP("repl-ping-replica-period", "repl-ping-slave-period", 0, 1, intMax, 10, 0, false, nil),
	numP("list-compress-depth", "", 0, 0, intMax, 0, 0, false, nil),
	numP("rdb-key-save-delay", "", fHidden, intMin, intMax, 0, 0, false, nil),
	numP("key-load-delay", "", fHidden, intMin, intMax, 0, 0, false, nil),
	numP("active-expire-effort", "", 0, 1, 10, 1, 0, false, nil),
	withClamp(numP("hz", "", 0, 0, intMax, 10, 0, false, func(c *Config, v int64) { c.Hz = int(v) }),
		func(v int64) int64 { return min(max(v, minHz), maxHz) }),
	numP("min-replicas-to-write", "min-slaves-to-write", 0, 0, intMax, 0, 0, false, nil),
	numP("min-replicas-max-lag", "min-slaves-max-lag", 0, 0, intMax, 10, 0, false, nil),
	numP("watchdog-period", "", fHidden, 0, intMax, 0, 0, false, nil),
	numP("shutdown-timeout", "", 0, 0, intMax, 10, 0, false, nil),
	numP("repl-diskless-sync-max-replicas", "", 0, 0, intMax, 0, 0, false, nil),
	numP("maxclients", "", 0, 1, uintMax, 10000, 0, true, func(c *Config, v int64) { c.MaxClients = int(v) }),
	numP("unixsocketperm", "", fImmutable, 0, 0o777, 0, nOctal, true, nil),
	numP("socket-mark-id", "", fImmutable, 0, uintMax, 0, 0, true, nil),
	numP("active-defrag-max-scan-fields", "", 0, 1, longMax, 1000, 0, false, nil),
	numP("slowlog-max-len", "", 0, 0, longMax, 128, 0, false, func(c *Config, v int64) { c.SlowlogMaxLen = int(v) }),
	numP("acllog-max-len", "", 0, 0, longMax, 128, 0, false, nil),
	numP("busy-reply-threshold", "lua-time-limit", 0, 0, longMax, 5000, 0, false, nil),
	numP("cluster-node-timeout", "", 0, 0, longMax, 15000, 0, false, nil),
	numP("slowlog-log-slower-than", "", 0, -1, longMax, 10000, 0, false,
		func(c *Config, v int64) { c.SlowlogLogSlowerThan = v }),
	numP("latency-monitor-threshold", "", 0, 0, longMax, 0, 0, false,
		func(c *Config, v int64) { c.LatencyMonitorThreshold = v }),
	numP("proto-max-bulk-len", "", 0, mb, longMax, 512*mb, nMemory, false,
		func(c *Config, v int64) { c.ProtoMaxBulkLen = v }),
	numP("stream-node-max-entries", "", 0, 0, longMax, 100, 0, false, nil),
	// Redis resizes the backlog to at least 16kb when CONFIG SET changes it.
	withSetClamp(numP("repl-backlog-size", "", 0, 1, longMax, mb, nMemory, false, nil),
		func(v int64) int64 { return max(v, 16*1024) }),
	numP("maxmemory", "", 0, 0, ullMax, 0, nMemory, true, func(c *Config, v int64) {
		if v < 0 { // above MaxInt64 as unsigned
			v = math.MaxInt64
		}
		c.MaxMemory = v
	}),
	numP("cluster-link-sendbuf-limit", "", 0, 0, ullMax, 0, nMemory, true, nil),
	numP("hash-max-listpack-entries", "hash-max-ziplist-entries", 0, 0, longMax, 512, 0, true, nil),
	numP("set-max-intset-entries", "", 0, 0, longMax, 512, 0, true, nil),
	numP("zset-max-listpack-entries", "zset-max-ziplist-entries", 0, 0, longMax, 128, 0, true, nil),
	numP("active-defrag-ignore-bytes", "", 0, 1, longMax, 100*mb, nMemory, true, nil),
	numP("hash-max-listpack-value", "hash-max-ziplist-value", 0, 0, longMax, 64, nMemory, true, nil),
	numP("stream-node-max-bytes", "", 0, 0, longMax, 4096, nMemory, true, nil),
	numP("zset-max-listpack-value", "zset-max-ziplist-value", 0, 0, longMax, 64, nMemory, true, nil),
	numP("hll-sparse-max-bytes", "", 0, 0, longMax, 3000, nMemory, true, nil),
	numP("tracking-table-max-keys", "", 0, 0, longMax, 1000000, 0, true, nil),
	numP("client-query-buffer-limit", "", 0, mb, longMax, gb, nMemory, true,
		func(c *Config, v int64) { c.ClientQueryBufferLimit = v }),
	numP("maxmemory-clients", "", 0, -100, longMax, 0, nMemory|nPercent, false, nil),
	numP("repl-backlog-ttl", "", 0, 0, longMax, 3600, 0, false, nil),
	numP("auto-aof-rewrite-min-size", "", 0, 0, longMax, 64*mb, nMemory, false,
		func(c *Config, v int64) { c.AutoAofRewriteMinSize = v }),
	numP("loading-process-events-interval-bytes", "", fHidden, 1024, intMax, 2*mb, 0, false, nil),

	// TLS (Redis built with TLS support lists these).
	numP("tls-port", "", 0, 0, 65535, 0, 0, false, nil),
	numP("tls-session-cache-size", "", 0, 0, intMax, 20*1024, 0, false, nil),
	numP("tls-session-cache-timeout", "", 0, 0, intMax, 300, 0, false, nil),
	boolP("tls-cluster", "", 0, false, nil),
	boolP("tls-replication", "", 0, false, nil),
	enumP("tls-auth-clients", "", 0, []string{"no", "yes", "optional"}, "yes", nil),
	boolP("tls-prefer-server-ciphers", "", 0, false, nil),
	boolP("tls-session-caching", "", 0, true, nil),
	strP("tls-cert-file", "", 0, true, "", nil, nil),
	strP("tls-key-file", "", 0, true, "", nil, nil),
	strP("tls-key-file-pass", "", fSensitive, true, "", nil, nil),
	strP("tls-client-cert-file", "", 0, true, "", nil, nil),
	strP("tls-client-key-file", "", 0, true, "", nil, nil),
	strP("tls-client-key-file-pass", "", fSensitive, true, "", nil, nil),
	strP("tls-dh-params-file", "", 0, true, "", nil, nil),
	strP("tls-ca-cert-file", "", 0, true, "", nil, nil),
	strP("tls-ca-cert-dir", "", 0, true, "", nil, nil),
	strP("tls-protocols", "", 0, true, "", nil, nil),
	strP("tls-ciphers", "", 0, true, "", nil, nil),
	strP("tls-ciphersuites", "", 0, true, "", nil, nil),

	// Special parameters, each with its own syntax.
	dirParam,
	saveParam,
	outputBufferParam,
	oomValuesParam,
	notifyParam,
	bindParam,
	replicaofParam,
	percentilesParam,

	// This server's cluster parameters. Hidden, so CONFIG GET * lists the
	// same names as Redis.
	strP("self", "", fImmutable|fHidden, true, "", nil, func(c *Config, v string) { c.Self = v }),
	peersParam,
	numP("peer-timeout", "", fHidden, 1, intMax, 2000, 0, false, func(c *Config, v int64) { c.PeerTimeout = int(v) }),
}

// deprecated are directives Redis 7.0 still accepts in a config file and
// ignores, with their argument counts (name included).
var deprecated = map[string][2]int{
	"list-max-ziplist-entries": {2, 2},
	"list-max-ziplist-value":   {2, 2},
	"lua-replicate-commands":   {2, 2},
}

// byName maps lowercase names and aliases to their entries.
var byName = map[string]*param{}

// aliasOf tells whether a name in byName is an alias.
var isAlias = map[string]bool{}

func init() {
	for i, p := range table {
		p.idx = i
		if _, dup := byName[p.name]; dup {
			panic("config: duplicate parameter " + p.name)
		}
		byName[p.name] = p
		if p.alias != "" {
			byName[p.alias] = p
			isAlias[p.alias] = true
		}
	}
}

// lookup finds a parameter by name or alias, ignoring case.
func lookup(name string) *param {
	if p, ok := byName[name]; ok {
		return p
	}
	return byName[lower(name)]
}

// defaults builds the snapshot of compiled-in defaults with dir as Dir.
func defaults(dir string) *Config {
	c := &Config{vals: make([]any, len(table))}
	for i, p := range table {
		c.vals[i] = p.def
	}
	c.vals[dirParam.idx] = dir
	derive(c)
	return c
}

// derive fills the typed fields from vals.
func derive(c *Config) {
	for i, p := range table {
		if p.set != nil {
			p.set(c, c.vals[i])
		}
	}
	c.LogFile = c.Path(c.LogFile)
}

func implemented(fl flag, set bool) flag {
	if set {
		return fl | fImplemented
	}
	return fl
}

func boolP(name, alias string, fl flag, def bool, set func(*Config, bool)) *param {
	p := &param{name: name, alias: alias, flags: implemented(fl, set != nil), kind: kBool, def: def}
	if set != nil {
		p.set = func(c *Config, v any) { set(c, v.(bool)) }
	}
	return p
}

func numP(name, alias string, fl flag, lo, hi, def int64, nf numFlag, unsigned bool, set func(*Config, int64)) *param {
	p := &param{name: name, alias: alias, flags: implemented(fl, set != nil), kind: kNum,
		lo: lo, hi: hi, unsigned: unsigned, nflags: nf, def: def}
	if set != nil {
		p.set = func(c *Config, v any) { set(c, v.(int64)) }
	}
	return p
}

func withClamp(p *param, fn func(int64) int64) *param {
	p.clamp = fn
	return p
}

func withSetClamp(p *param, fn func(int64) int64) *param {
	p.setClamp = fn
	return p
}

func enumP(name, alias string, fl flag, names []string, def string, set func(*Config, string)) *param {
	p := &param{name: name, alias: alias, flags: implemented(fl, set != nil), kind: kEnum}
	for i, n := range names {
		p.enum = append(p.enum, enumItem{n, i})
	}
	p.def = p.enumByName(def)
	if set != nil {
		p.set = func(c *Config, v any) { set(c, p.enumName(v.(int))) }
	}
	return p
}

func shutdownP(name string) *param {
	return &param{name: name, flags: fMultiArg, kind: kEnum, bits: true,
		enum: []enumItem{{"default", 0}, {"save", 1}, {"nosave", 2}, {"now", 4}, {"force", 8}},
		def:  0,
		validEnum: func(v int) string {
			if v&1 != 0 && v&2 != 0 {
				return "shutdown options SAVE and NOSAVE can't be used simultaneously"
			}
			return ""
		}}
}

func strP(name, alias string, fl flag, emptyIsNull bool, def string, valid func(string) string, set func(*Config, string)) *param {
	p := &param{name: name, alias: alias, flags: implemented(fl, set != nil), kind: kString,
		emptyIsNull: emptyIsNull, def: def, validStr: valid}
	if set != nil {
		p.set = func(c *Config, v any) { set(c, v.(string)) }
	}
	return p
}

// Validators of string parameters, with Redis's texts.

func validDBFilename(s string) string {
	if !pathIsBaseName(s) {
		return "dbfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFFilename(s string) string {
	if s == "" {
		return "appendfilename can't be empty"
	}
	if !pathIsBaseName(s) {
		return "appendfilename can't be a path, just a filename"
	}
	return ""
}

func validAOFDirname(s string) string {
	if s == "" {
		return "appenddirname can't be empty"
	}
	if !pathIsBaseName(s) {
		return "appenddirname can't be a path, just a dirname"
	}
	return ""
}

// pathIsBaseName is Redis's check: no '/' (and no '\' on Windows).
func pathIsBaseName(s string) bool { return !strings.ContainsRune(s, '/') }

func validHostname(s string) string {
	if len(s) >= 256 {
		return "Hostnames must be less than 256 characters"
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			return "Hostnames may only contain alphanumeric characters, hyphens or dots"
		}
	}
	return ""
}

// validProcTitle expands the template as Redis does with an empty title
// and refuses unknown variables, bad braces and an empty result.
func validProcTitle(s string) string {
	const bad = "template format is invalid or contains unknown variables"
	var out strings.Builder
	for s != "" {
		i := strings.IndexByte(s, '{')
		if i < 0 {
			out.WriteString(s)
			break
		}
		out.WriteString(s[:i])
		s = s[i+1:]
		if s == "" {
			return bad
		}
		if s[0] == '{' {
			out.WriteByte('{')
			s = s[1:]
			continue
		}
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return bad
		}
		switch s[:j] {
		case "title", "server-mode", "unixsocket", "config-file":
			// Empty while validating: no title yet, standalone mode, and
			// (as far as this check goes) no socket or file.
		case "listen-addr", "port", "tls-port":
			out.WriteString("x")
		default:
			return bad
		}
		s = s[j+1:]
	}
	if strings.Trim(out.String(), " ") == "" {
		return bad
	}
	return ""
}
