package database

import (
	"crypto/rand"
	"encoding/hex"
	"hash/fnv"
	"os"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"goredis/config"
	"goredis/datastruct/dict"
	"goredis/interface/resp"
	"goredis/resp/reply"
)

func init() {
	register("info", execInfo, -1, "loading stale", 0, 0, 0)
	register("time", execTime, 1, "loading stale fast", 0, 0, 0)
	register("lastsave", execLastsave, 1, "loading stale fast", 0, 0, 0)
}

// infoSection is one section of INFO, in Redis 7.0's order.
type infoSection struct {
	name    string // as selected by INFO <section>
	title   string // the "# Title" header
	isDflt  bool   // part of INFO / INFO default
	appendF func(s *Server, b []byte) []byte
}

var infoSections []infoSection

func init() {
	infoSections = []infoSection{
		{"server", "Server", true, (*Server).infoServer},
		{"clients", "Clients", true, (*Server).infoClients},
		{"memory", "Memory", true, (*Server).infoMemory},
		{"persistence", "Persistence", true, (*Server).infoPersistence},
		{"stats", "Stats", true, (*Server).infoStats},
		{"replication", "Replication", true, (*Server).infoReplication},
		{"cpu", "CPU", true, (*Server).infoCPU},
		{"module_list", "Modules", true, nil},
		{"commandstats", "Commandstats", false, (*Server).infoCommandstats},
		{"errorstats", "Errorstats", true, (*Server).infoErrorstats},
		{"latencystats", "Latencystats", false, nil},
		{"cluster", "Cluster", true, (*Server).infoCluster},
		{"keyspace", "Keyspace", true, (*Server).infoKeyspace},
	}
}

// execInfo answers INFO [section ...]: no section or "default" gives the
// default sections, "all" and "everything" every section; names are case
// insensitive and unknown ones select nothing. RESP3 gets a verbatim
// string.
func execInfo(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	all, dflt := false, len(args) == 1
	want := make(map[string]bool, len(args))
	for _, a := range args[1:] {
		name := strings.ToLower(string(a))
		switch name {
		case "all", "everything":
			all = true
		case "default":
			dflt = true
		case "modules":
			want["module_list"] = true
		}
		want[name] = true
	}
	return reply.Verbatim(db.srv.genInfo(func(sec infoSection) bool {
		return all || want[sec.name] || (dflt && sec.isDflt)
	}))
}

// genInfo renders the selected sections: a "# Title" line, "field:value"
// lines, CRLF line ends and an empty line between sections.
func (s *Server) genInfo(selected func(infoSection) bool) string {
	b := make([]byte, 0, 4096)
	n := 0
	for _, sec := range infoSections {
		if !selected(sec) {
			continue
		}
		if n > 0 {
			b = append(b, '\r', '\n')
		}
		n++
		b = append(b, "# "...)
		b = append(b, sec.title...)
		b = append(b, '\r', '\n')
		if sec.appendF != nil {
			b = sec.appendF(s, b)
		}
	}
	return string(b)
}

// Field writers: each appends "name:value\r\n".

func field(b []byte, name, val string) []byte {
	b = append(b, name...)
	b = append(b, ':')
	b = append(b, val...)
	return append(b, '\r', '\n')
}

func fieldInt(b []byte, name string, v int64) []byte {
	b = append(b, name...)
	b = append(b, ':')
	b = strconv.AppendInt(b, v, 10)
	return append(b, '\r', '\n')
}

// fieldFloat writes v with prec decimals, as printf("%.<prec>f").
func fieldFloat(b []byte, name string, v float64, prec int) []byte {
	b = append(b, name...)
	b = append(b, ':')
	b = strconv.AppendFloat(b, v, 'f', prec, 64)
	return append(b, '\r', '\n')
}

func boolInt(v bool) int64 {
	if v {
		return 1
	}
	return 0
}

// buildID stands for redis_build_id: stable for a given version and
// toolchain.
var buildID = func() string {
	h := fnv.New64a()
	h.Write([]byte(Version + runtime.Version() + runtime.GOOS + runtime.GOARCH))
	return strconv.FormatUint(h.Sum64(), 16)
}()

// osName is uname's "sysname release machine" as Redis prints it.
var osName = func() string {
	machine := map[string]string{"amd64": "x86_64", "386": "i686", "arm64": "aarch64", "arm": "armv7l"}[runtime.GOARCH]
	if machine == "" {
		machine = runtime.GOARCH
	}
	sys, err1 := os.ReadFile("/proc/sys/kernel/ostype")
	rel, err2 := os.ReadFile("/proc/sys/kernel/osrelease")
	if err1 != nil || err2 != nil {
		name := runtime.GOOS
		if name != "" {
			name = strings.ToUpper(name[:1]) + name[1:]
		}
		return name + " " + machine
	}
	return strings.TrimSpace(string(sys)) + " " + strings.TrimSpace(string(rel)) + " " + machine
}()

var multiplexingAPI = map[string]string{
	"linux": "epoll", "darwin": "kqueue", "freebsd": "kqueue", "netbsd": "kqueue",
	"openbsd": "kqueue", "dragonfly": "kqueue", "solaris": "evport", "illumos": "evport",
}

func randomHex40() string {
	var b [20]byte
	if _, err := rand.Read(b[:]); err != nil {
		h := fnv.New64a()
		h.Write([]byte(time.Now().String()))
		return strings.Repeat("0", 24) + strconv.FormatUint(h.Sum64(), 16)
	}
	return hex.EncodeToString(b[:])
}

func (s *Server) infoServer(b []byte) []byte {
	cfg := config.Get()
	a := s.admin()
	now := time.Now()
	mode := "standalone"
	if cfg.Self != "" {
		mode = "cluster"
	}
	exe, _ := os.Executable()
	mux := multiplexingAPI[runtime.GOOS]
	if mux == "" {
		mux = "select"
	}
	uptime := int64(now.Sub(s.startTime) / time.Second)
	b = field(b, "redis_version", Version)
	b = field(b, "redis_git_sha1", "00000000")
	b = field(b, "redis_git_dirty", "0")
	b = field(b, "redis_build_id", buildID)
	b = field(b, "redis_mode", mode)
	b = field(b, "os", osName)
	b = fieldInt(b, "arch_bits", strconv.IntSize)
	b = field(b, "monotonic_clock", "POSIX clock_gettime")
	b = field(b, "multiplexing_api", mux)
	b = field(b, "atomicvar_api", "c11-builtin")
	b = field(b, "gcc_version", "0.0.0")
	b = fieldInt(b, "process_id", int64(os.Getpid()))
	b = field(b, "process_supervised", "no")
	b = field(b, "run_id", a.runID)
	b = fieldInt(b, "tcp_port", int64(cfg.Port))
	b = fieldInt(b, "server_time_usec", now.UnixMicro())
	b = fieldInt(b, "uptime_in_seconds", uptime)
	b = fieldInt(b, "uptime_in_days", uptime/86400)
	b = fieldInt(b, "hz", int64(cfg.Hz))
	b = fieldInt(b, "configured_hz", int64(cfg.Hz))
	b = fieldInt(b, "lru_clock", int64(lruClock()&(1<<24-1)))
	b = field(b, "executable", exe)
	b = field(b, "config_file", cfg.ConfigFile)
	b = field(b, "io_threads_active", "0")
	return b
}

// Hooks through which other command families report figures INFO shows;
// while unset INFO shows an idle server's zeros.
var (
	// infoBlocked returns the clients blocked on keys and those of them
	// with a timeout (blocked_clients, clients_in_timeout_table).
	infoBlocked func(s *Server) (blocked, withTimeout int)
	// infoPubsub returns the number of channels, patterns and shard
	// channels with subscribers.
	infoPubsub func(s *Server) (channels, patterns, shardChannels int)
	// infoPersist returns the persistence figures.
	infoPersist func(s *Server) persistInfo
)

// persistInfo is what the persistence layer reports to INFO persistence.
type persistInfo struct {
	Loading                 bool
	RDBBgsaveInProgress     bool
	RDBLastBgsaveOK         bool
	RDBLastBgsaveTimeSec    int64 // -1 when none
	RDBCurrentBgsaveTimeSec int64 // -1 when none
	RDBSaves                int64
	AOFRewriteInProgress    bool
	AOFRewriteScheduled     bool
	AOFLastRewriteTimeSec   int64 // -1 when none
	AOFCurrentRewriteSec    int64 // -1 when none
	AOFLastBgrewriteOK      bool
	AOFRewrites             int64
	AOFRewriteFailures      int64 // consecutive
	AOFLastWriteOK          bool
	// With appendonly on:
	AOFCurrentSize int64
	AOFBaseSize    int64
	AOFPendingRW   bool
	AOFBufferLen   int64
	AOFDelayedSync int64
}

func idlePersistInfo() persistInfo {
	return persistInfo{
		RDBLastBgsaveOK: true, RDBLastBgsaveTimeSec: -1, RDBCurrentBgsaveTimeSec: -1,
		AOFLastRewriteTimeSec: -1, AOFCurrentRewriteSec: -1, AOFLastBgrewriteOK: true, AOFLastWriteOK: true,
	}
}

// recordSave is for the persistence layer: a save that started when the
// dirty counter was dirtyAtStart completed at t (LASTSAVE,
// rdb_last_save_time, rdb_changes_since_last_save).
func (s *Server) recordSave(t time.Time, dirtyAtStart int64) {
	a := s.admin()
	a.lastSave.Store(t.Unix())
	a.dirtyAtSave.Store(dirtyAtStart)
}

func (s *Server) infoClients(b []byte) []byte {
	cfg := config.Get()
	maxIn, maxOut := 0, 0
	clients := s.clients.list()
	for _, c := range clients {
		q, _, o := c.Buffers()
		maxIn = max(maxIn, q)
		maxOut = max(maxOut, o)
	}
	blocked, inTimeout := 0, 0
	if infoBlocked != nil {
		blocked, inTimeout = infoBlocked(s)
	}
	b = fieldInt(b, "connected_clients", int64(len(clients)))
	b = fieldInt(b, "cluster_connections", 0)
	b = fieldInt(b, "maxclients", int64(cfg.MaxClients))
	b = fieldInt(b, "client_recent_max_input_buffer", int64(maxIn))
	b = fieldInt(b, "client_recent_max_output_buffer", int64(maxOut))
	b = fieldInt(b, "blocked_clients", int64(blocked))
	b = fieldInt(b, "tracking_clients", 0)
	b = fieldInt(b, "clients_in_timeout_table", int64(inTimeout))
	return b
}

// infoMemory reports the figures MEMORY STATS computes (memOverhead), so
// the two commands agree, laid out as Redis 7.0's INFO memory.
func (s *Server) infoMemory(b []byte) []byte {
	cfg := config.Get()
	m := s.memOverhead()
	total := totalSystemMemory()
	maxmem := max(cfg.MaxMemory, 0)
	policy := cfg.MaxMemoryPolicy
	if policy == "" {
		policy = "noeviction"
	}
	perc := func(v float32) string { return strconv.FormatFloat(float64(v), 'f', 2, 32) + "%" }
	b = fieldInt(b, "used_memory", m.total)
	b = field(b, "used_memory_human", bytesToHuman(uint64(m.total)))
	b = fieldInt(b, "used_memory_rss", m.rss)
	b = field(b, "used_memory_rss_human", bytesToHuman(uint64(m.rss)))
	b = fieldInt(b, "used_memory_peak", m.peak)
	b = field(b, "used_memory_peak_human", bytesToHuman(uint64(m.peak)))
	b = field(b, "used_memory_peak_perc", perc(m.peakPerc))
	b = fieldInt(b, "used_memory_overhead", m.overheadTotal)
	b = fieldInt(b, "used_memory_startup", m.startup)
	b = fieldInt(b, "used_memory_dataset", m.dataset)
	b = field(b, "used_memory_dataset_perc", perc(m.datasetPerc))
	b = fieldInt(b, "allocator_allocated", m.allocAllocated)
	b = fieldInt(b, "allocator_active", m.allocActive)
	b = fieldInt(b, "allocator_resident", m.allocResident)
	b = fieldInt(b, "total_system_memory", int64(total))
	b = field(b, "total_system_memory_human", bytesToHuman(total))
	b = fieldInt(b, "used_memory_lua", 0)
	b = fieldInt(b, "used_memory_vm_eval", 0)
	b = field(b, "used_memory_lua_human", "0B")
	b = fieldInt(b, "used_memory_scripts_eval", 0)
	b = fieldInt(b, "number_of_cached_scripts", 0)
	b = fieldInt(b, "number_of_functions", 0)
	b = fieldInt(b, "number_of_libraries", 0)
	b = fieldInt(b, "used_memory_vm_functions", 0)
	b = fieldInt(b, "used_memory_vm_total", 0)
	b = field(b, "used_memory_vm_total_human", "0B")
	b = fieldInt(b, "used_memory_functions", 0)
	b = fieldInt(b, "used_memory_scripts", 0)
	b = field(b, "used_memory_scripts_human", "0B")
	b = fieldInt(b, "maxmemory", maxmem)
	b = field(b, "maxmemory_human", bytesToHuman(uint64(maxmem)))
	b = field(b, "maxmemory_policy", policy)
	b = fieldFloat(b, "allocator_frag_ratio", float64(m.allocFrag), 2)
	b = fieldInt(b, "allocator_frag_bytes", m.allocFragBytes)
	b = fieldFloat(b, "allocator_rss_ratio", float64(m.allocRSS), 2)
	b = fieldInt(b, "allocator_rss_bytes", m.allocRSSBytes)
	b = fieldFloat(b, "rss_overhead_ratio", float64(m.rssExtra), 2)
	b = fieldInt(b, "rss_overhead_bytes", m.rssExtraBytes)
	b = fieldFloat(b, "mem_fragmentation_ratio", float64(m.totalFrag), 2)
	b = fieldInt(b, "mem_fragmentation_bytes", m.totalFragBytes)
	b = fieldInt(b, "mem_not_counted_for_evict", 0)
	b = fieldInt(b, "mem_replication_backlog", 0)
	b = fieldInt(b, "mem_total_replication_buffers", 0)
	b = fieldInt(b, "mem_clients_slaves", 0)
	b = fieldInt(b, "mem_clients_normal", m.clientsNormal)
	b = fieldInt(b, "mem_cluster_links", 0)
	b = fieldInt(b, "mem_aof_buffer", 0)
	b = field(b, "mem_allocator", runtime.Version())
	b = fieldInt(b, "active_defrag_running", 0)
	b = fieldInt(b, "lazyfree_pending_objects", 0)
	b = fieldInt(b, "lazyfreed_objects", 0)
	return b
}

// usedMemory is the memory the server has allocated, as INFO used_memory
// reports it: the Go heap in use plus the runtime's own structures.
func usedMemory() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return memUsed(&ms)
}

func memUsed(ms *runtime.MemStats) uint64 {
	return ms.HeapAlloc + ms.StackInuse + ms.MSpanInuse + ms.MCacheInuse
}

// residentMemory is the process's resident set size, from /proc when it
// is there, else what the runtime got from the OS.
func residentMemory(ms *runtime.MemStats) uint64 {
	if data, err := os.ReadFile("/proc/self/statm"); err == nil {
		f := strings.Fields(string(data))
		if len(f) > 1 {
			if pages, err := strconv.ParseUint(f[1], 10, 64); err == nil {
				return pages * uint64(os.Getpagesize())
			}
		}
	}
	return ms.Sys - ms.HeapReleased
}

// bytesToHuman formats n as Redis's bytesToHuman: B, K, M, G, T, P with
// two decimals.
func bytesToHuman(n uint64) string {
	const k = 1024.0
	d := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatUint(n, 10) + "B"
	case d < k*k:
		return strconv.FormatFloat(d/k, 'f', 2, 64) + "K"
	case d < k*k*k:
		return strconv.FormatFloat(d/(k*k), 'f', 2, 64) + "M"
	case d < k*k*k*k:
		return strconv.FormatFloat(d/(k*k*k), 'f', 2, 64) + "G"
	case d < k*k*k*k*k:
		return strconv.FormatFloat(d/(k*k*k*k), 'f', 2, 64) + "T"
	case d < k*k*k*k*k*k:
		return strconv.FormatFloat(d/(k*k*k*k*k), 'f', 2, 64) + "P"
	}
	return strconv.FormatUint(n, 10) + "B"
}

// totalSystemMemory is MemTotal from /proc/meminfo, or 0.
func totalSystemMemory() uint64 {
	data, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(rest)
			if len(f) > 0 {
				kb, _ := strconv.ParseUint(f[0], 10, 64)
				return kb * 1024
			}
		}
	}
	return 0
}

func okErr(ok bool) string {
	if ok {
		return "ok"
	}
	return "err"
}

func (s *Server) infoPersistence(b []byte) []byte {
	cfg := config.Get()
	a := s.admin()
	p := idlePersistInfo()
	if infoPersist != nil {
		p = infoPersist(s)
	}
	b = fieldInt(b, "loading", boolInt(p.Loading))
	b = fieldInt(b, "async_loading", 0)
	b = fieldInt(b, "current_cow_peak", 0)
	b = fieldInt(b, "current_cow_size", 0)
	b = fieldInt(b, "current_cow_size_age", 0)
	b = field(b, "current_fork_perc", "0.00")
	b = fieldInt(b, "current_save_keys_processed", 0)
	b = fieldInt(b, "current_save_keys_total", 0)
	b = fieldInt(b, "rdb_changes_since_last_save", s.stats.dirty.Load()-a.dirtyAtSave.Load())
	b = fieldInt(b, "rdb_bgsave_in_progress", boolInt(p.RDBBgsaveInProgress))
	b = fieldInt(b, "rdb_last_save_time", a.lastSave.Load())
	b = field(b, "rdb_last_bgsave_status", okErr(p.RDBLastBgsaveOK))
	b = fieldInt(b, "rdb_last_bgsave_time_sec", p.RDBLastBgsaveTimeSec)
	b = fieldInt(b, "rdb_current_bgsave_time_sec", p.RDBCurrentBgsaveTimeSec)
	b = fieldInt(b, "rdb_saves", p.RDBSaves)
	b = fieldInt(b, "rdb_last_cow_size", 0)
	b = fieldInt(b, "rdb_last_load_keys_expired", 0)
	b = fieldInt(b, "rdb_last_load_keys_loaded", 0)
	b = fieldInt(b, "aof_enabled", boolInt(cfg.AppendOnly))
	b = fieldInt(b, "aof_rewrite_in_progress", boolInt(p.AOFRewriteInProgress))
	b = fieldInt(b, "aof_rewrite_scheduled", boolInt(p.AOFRewriteScheduled))
	b = fieldInt(b, "aof_last_rewrite_time_sec", p.AOFLastRewriteTimeSec)
	b = fieldInt(b, "aof_current_rewrite_time_sec", p.AOFCurrentRewriteSec)
	b = field(b, "aof_last_bgrewrite_status", okErr(p.AOFLastBgrewriteOK))
	b = fieldInt(b, "aof_rewrites", p.AOFRewrites)
	b = fieldInt(b, "aof_rewrites_consecutive_failures", p.AOFRewriteFailures)
	b = field(b, "aof_last_write_status", okErr(p.AOFLastWriteOK))
	b = fieldInt(b, "aof_last_cow_size", 0)
	b = fieldInt(b, "module_fork_in_progress", 0)
	b = fieldInt(b, "module_fork_last_cow_size", 0)
	if cfg.AppendOnly {
		b = fieldInt(b, "aof_current_size", p.AOFCurrentSize)
		b = fieldInt(b, "aof_base_size", p.AOFBaseSize)
		b = fieldInt(b, "aof_pending_rewrite", boolInt(p.AOFPendingRW))
		b = fieldInt(b, "aof_buffer_length", p.AOFBufferLen)
		b = fieldInt(b, "aof_pending_bio_fsync", 0)
		b = fieldInt(b, "aof_delayed_fsync", p.AOFDelayedSync)
	}
	return b
}

// keyspaceHits sums the keyspace hits and misses of every database.
func (s *Server) keyspaceHits() (hits, misses int64) {
	for _, db := range s.dbs {
		for i := 0; i < dict.NumShards; i++ {
			sh := db.data.Shard(i)
			sh.Mu.Lock()
			hits += sh.Hits
			misses += sh.Misses
			sh.Mu.Unlock()
		}
	}
	return hits, misses
}

func (s *Server) infoStats(b []byte) []byte {
	a := s.admin()
	hits, misses := s.keyspaceHits()
	channels, patterns, shardChannels := 0, 0, 0
	if infoPubsub != nil {
		channels, patterns, shardChannels = infoPubsub(s)
	}
	b = fieldInt(b, "total_connections_received", s.stats.totalConnections.Load())
	b = fieldInt(b, "total_commands_processed", s.stats.totalCommands.Load())
	b = fieldInt(b, "instantaneous_ops_per_sec", a.ops.perSecond())
	b = fieldInt(b, "total_net_input_bytes", 0)
	b = fieldInt(b, "total_net_output_bytes", 0)
	b = fieldInt(b, "total_net_repl_input_bytes", 0)
	b = fieldInt(b, "total_net_repl_output_bytes", 0)
	b = field(b, "instantaneous_input_kbps", "0.00")
	b = field(b, "instantaneous_output_kbps", "0.00")
	b = field(b, "instantaneous_input_repl_kbps", "0.00")
	b = field(b, "instantaneous_output_repl_kbps", "0.00")
	b = fieldInt(b, "rejected_connections", s.stats.rejectedConns.Load())
	b = fieldInt(b, "sync_full", 0)
	b = fieldInt(b, "sync_partial_ok", 0)
	b = fieldInt(b, "sync_partial_err", 0)
	b = fieldInt(b, "expired_keys", s.stats.expiredKeys.Load())
	b = field(b, "expired_stale_perc", "0.00")
	b = fieldInt(b, "expired_time_cap_reached_count", 0)
	b = fieldInt(b, "expire_cycle_cpu_milliseconds", 0)
	b = fieldInt(b, "evicted_keys", s.stats.evictedKeys.Load())
	b = fieldInt(b, "evicted_clients", 0)
	exceeded, exceeding := s.evictExceeded()
	b = fieldInt(b, "total_eviction_exceeded_time", exceeded)
	b = fieldInt(b, "current_eviction_exceeded_time", exceeding)
	b = fieldInt(b, "keyspace_hits", hits)
	b = fieldInt(b, "keyspace_misses", misses)
	b = fieldInt(b, "pubsub_channels", int64(channels))
	b = fieldInt(b, "pubsub_patterns", int64(patterns))
	b = fieldInt(b, "pubsubshard_channels", int64(shardChannels))
	b = fieldInt(b, "latest_fork_usec", 0)
	b = fieldInt(b, "total_forks", 0)
	b = fieldInt(b, "migrate_cached_sockets", 0)
	b = fieldInt(b, "slave_expires_tracked_keys", 0)
	b = fieldInt(b, "active_defrag_hits", 0)
	b = fieldInt(b, "active_defrag_misses", 0)
	b = fieldInt(b, "active_defrag_key_hits", 0)
	b = fieldInt(b, "active_defrag_key_misses", 0)
	b = fieldInt(b, "total_active_defrag_time", 0)
	b = fieldInt(b, "current_active_defrag_time", 0)
	b = fieldInt(b, "tracking_total_keys", 0)
	b = fieldInt(b, "tracking_total_items", 0)
	b = fieldInt(b, "tracking_total_prefixes", 0)
	b = fieldInt(b, "unexpected_error_replies", 0)
	b = fieldInt(b, "total_error_replies", s.stats.errorReplies.Load())
	b = fieldInt(b, "dump_payload_sanitizations", 0)
	b = fieldInt(b, "total_reads_processed", 0)
	b = fieldInt(b, "total_writes_processed", 0)
	b = fieldInt(b, "io_threaded_reads_processed", 0)
	b = fieldInt(b, "io_threaded_writes_processed", 0)
	b = fieldInt(b, "reply_buffer_shrinks", 0)
	b = fieldInt(b, "reply_buffer_expands", 0)
	return b
}

func (s *Server) infoReplication(b []byte) []byte {
	b = field(b, "role", "master")
	b = fieldInt(b, "connected_slaves", 0)
	b = field(b, "master_failover_state", "no-failover")
	b = field(b, "master_replid", s.admin().replID)
	b = field(b, "master_replid2", strings.Repeat("0", 40))
	b = fieldInt(b, "master_repl_offset", 0)
	b = fieldInt(b, "second_repl_offset", -1)
	b = fieldInt(b, "repl_backlog_active", 0)
	b = fieldInt(b, "repl_backlog_size", 1048576)
	b = fieldInt(b, "repl_backlog_first_byte_offset", 0)
	b = fieldInt(b, "repl_backlog_histlen", 0)
	return b
}

// cpuTimes reads user and system CPU time from a /proc stat file, in
// clock ticks of 1/100 s (utime, stime, cutime, cstime).
func cpuTimes(path string) (ticks [4]int64, ok bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return ticks, false
	}
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return ticks, false
	}
	f := strings.Fields(s[i+1:])
	// After the command name: state is field 3, utime field 14.
	if len(f) < 15 {
		return ticks, false
	}
	for j := 0; j < 4; j++ {
		ticks[j], _ = strconv.ParseInt(f[11+j], 10, 64)
	}
	return ticks, true
}

// appendSeconds writes ticks (1/100 s) as Redis's "%ld.%06ld" seconds.
func fieldTicks(b []byte, name string, ticks int64) []byte {
	b = append(b, name...)
	b = append(b, ':')
	b = strconv.AppendInt(b, ticks/100, 10)
	b = append(b, '.')
	us := (ticks % 100) * 10000
	frac := strconv.FormatInt(us, 10)
	b = append(b, strings.Repeat("0", 6-len(frac))...)
	b = append(b, frac...)
	return append(b, '\r', '\n')
}

func (s *Server) infoCPU(b []byte) []byte {
	proc, _ := cpuTimes("/proc/self/stat")
	main, ok := cpuTimes("/proc/self/task/" + strconv.Itoa(os.Getpid()) + "/stat")
	if !ok {
		main = proc
	}
	b = fieldTicks(b, "used_cpu_sys", proc[1])
	b = fieldTicks(b, "used_cpu_user", proc[0])
	b = fieldTicks(b, "used_cpu_sys_children", proc[3])
	b = fieldTicks(b, "used_cpu_user_children", proc[2])
	b = fieldTicks(b, "used_cpu_sys_main_thread", main[1])
	b = fieldTicks(b, "used_cpu_user_main_thread", main[0])
	return b
}

// infoCommandstats lists the commands and subcommands that were called,
// rejected or failed, by name.
func (s *Server) infoCommandstats(b []byte) []byte {
	var cmds []*Command
	forEachCommand(func(c *Command) {
		if c.calls.Load() != 0 || c.rejected.Load() != 0 || c.failed.Load() != 0 {
			cmds = append(cmds, c)
		}
	})
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Name < cmds[j].Name })
	for _, c := range cmds {
		calls, usec := c.calls.Load(), c.usec.Load()
		per := 0.0
		if calls > 0 {
			per = float64(usec) / float64(calls)
		}
		b = append(b, "cmdstat_"...)
		b = append(b, c.Name...)
		b = append(b, ":calls="...)
		b = strconv.AppendInt(b, calls, 10)
		b = append(b, ",usec="...)
		b = strconv.AppendInt(b, usec, 10)
		b = append(b, ",usec_per_call="...)
		b = strconv.AppendFloat(b, per, 'f', 2, 64)
		b = append(b, ",rejected_calls="...)
		b = strconv.AppendInt(b, c.rejected.Load(), 10)
		b = append(b, ",failed_calls="...)
		b = strconv.AppendInt(b, c.failed.Load(), 10)
		b = append(b, '\r', '\n')
	}
	return b
}

func (s *Server) infoErrorstats(b []byte) []byte {
	s.errMu.Lock()
	names := make([]string, 0, len(s.errCounts))
	for n := range s.errCounts {
		names = append(names, n)
	}
	sort.Strings(names)
	counts := make([]int64, len(names))
	for i, n := range names {
		counts[i] = s.errCounts[n]
	}
	s.errMu.Unlock()
	for i, n := range names {
		b = append(b, "errorstat_"...)
		b = append(b, n...)
		b = append(b, ":count="...)
		b = strconv.AppendInt(b, counts[i], 10)
		b = append(b, '\r', '\n')
	}
	return b
}

func (s *Server) infoCluster(b []byte) []byte {
	return fieldInt(b, "cluster_enabled", boolInt(config.Get().Self != ""))
}

func (s *Server) infoKeyspace(b []byte) []byte {
	for _, db := range s.dbs {
		keys, expires := db.data.Len()
		if keys == 0 {
			continue
		}
		b = append(b, "db"...)
		b = strconv.AppendInt(b, int64(db.index), 10)
		b = append(b, ":keys="...)
		b = strconv.AppendInt(b, int64(keys), 10)
		b = append(b, ",expires="...)
		b = strconv.AppendInt(b, int64(expires), 10)
		b = append(b, ",avg_ttl="...)
		b = strconv.AppendInt(b, db.avgTTL.Load(), 10)
		b = append(b, '\r', '\n')
	}
	return b
}

// opsSampler keeps the last 16 command-count samples, 100 ms apart, for
// instantaneous_ops_per_sec (Redis's STATS_METRIC_SAMPLES).
type opsSampler struct {
	mu       sync.Mutex
	lastTime time.Time
	lastOps  int64
	samples  [16]int64
	idx      int
}

func (o *opsSampler) sample(now time.Time, ops int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.lastTime.IsZero() {
		if ms := now.Sub(o.lastTime).Milliseconds(); ms > 0 {
			o.samples[o.idx] = (ops - o.lastOps) * 1000 / ms
			o.idx = (o.idx + 1) % len(o.samples)
		}
	}
	o.lastTime, o.lastOps = now, ops
}

func (o *opsSampler) perSecond() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var sum int64
	for _, v := range o.samples {
		sum += v
	}
	return sum / int64(len(o.samples))
}

func execTime(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	now := time.Now()
	return reply.Array{
		reply.BulkStr(strconv.FormatInt(now.Unix(), 10)),
		reply.BulkStr(strconv.FormatInt(int64(now.Nanosecond()/1000), 10)),
	}
}

func execLastsave(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Int(db.srv.admin().lastSave.Load())
}
