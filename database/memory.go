package database

import (
	"math"
	"math/bits"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// MEMORY USAGE / STATS / DOCTOR / MALLOC-STATS / PURGE / HELP. Sizes are
// what Redis 7.0 (jemalloc) would use for the same strings; the process
// figures come from the Go runtime.

func init() {
	registerContainer("memory", -2)
	register("memory|doctor", execMemoryDoctor, 2, "", 0, 0, 0)
	register("memory|help", execMemoryHelp, 2, "loading stale", 0, 0, 0)
	register("memory|malloc-stats", execMemoryMallocStats, 2, "", 0, 0, 0)
	register("memory|purge", execMemoryPurge, 2, "", 0, 0, 0)
	register("memory|stats", execMemoryStats, 2, "", 0, 0, 0)
	register("memory|usage", execMemoryUsage, -3, "readonly", 2, 2, 1)
}

// mallocSize rounds a request up to its jemalloc size class: 8, then
// multiples of 16 up to 128, then four classes per doubling.
func mallocSize(n int64) int64 {
	switch {
	case n <= 8:
		return 8
	case n <= 128:
		return (n + 15) &^ 15
	}
	shift := 63 - bits.LeadingZeros64(uint64(n-1)) // 2^shift < n <= 2^(shift+1)
	step := int64(1) << (shift - 2)
	return (n + step - 1) &^ (step - 1)
}

// sdsHeader is the header size of an sds string of length n made by
// sdsnewlen (type 5 for short non-empty strings).
func sdsHeader(n int) int64 {
	switch {
	case n < 1<<5 && n > 0:
		return 1
	case n < 1<<8:
		return 3
	case n < 1<<16:
		return 5
	case uint64(n) < 1<<32:
		return 9
	}
	return 17
}

// Sizes of Redis's structures on a 64-bit build.
const (
	robjSize      = 16
	dictEntrySize = 24
)

// keyUsage is MEMORY USAGE: the key's sds, its dict entry and the value.
func keyUsage(key string, e *Entity, samples int64) int64 {
	return mallocSize(sdsHeader(len(key))+int64(len(key))+1) + dictEntrySize + valueUsage(e, samples)
}

// memoryUser is implemented by values that know their size.
type memoryUser interface {
	MemoryUsage(samples int64) int64
}

// valueUsage is the size of a value object (Redis's objectComputeSize).
// Strings follow Redis's encodings; other types report their own size when
// they can, and are estimated from their length otherwise.
func valueUsage(e *Entity, samples int64) int64 {
	if e.Kind == KindString {
		switch stringEncoding(e) {
		case "int":
			return robjSize
		case "embstr":
			return mallocSize(robjSize + 3 + int64(len(e.Str())) + 1)
		}
		return robjSize + mallocSize(sdsHeader(len(e.Str()))+int64(len(e.Str()))+1)
	}
	if m, ok := e.Obj().(memoryUser); ok {
		return robjSize + m.MemoryUsage(samples)
	}
	n := int64(0)
	if l, ok := e.Obj().(interface{ Len() int }); ok {
		n = int64(l.Len())
	}
	// Per element: Redis's listpack/hashtable entry sizes, roughly.
	per := map[Kind]int64{KindList: 16, KindHash: 64, KindSet: 40, KindZSet: 80, KindStream: 64}[e.Kind]
	return robjSize + 64 + n*per
}

func execMemoryUsage(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	samples := int64(5)
	for j := 3; j < len(args); j++ {
		if !strings.EqualFold(string(args[j]), "samples") || j+1 >= len(args) {
			return reply.SyntaxErr
		}
		n, ok := utils.ParseInt(args[j+1])
		if !ok {
			return reply.NotInteger
		}
		if n < 0 {
			return reply.SyntaxErr
		}
		if n == 0 {
			n = math.MaxInt64
		}
		samples = n
		j++
	}
	// Found without expiring it, as Redis's dictFind does.
	e := db.shard(args[2]).Data[string(args[2])]
	if e == nil {
		return reply.Null
	}
	return reply.Int(keyUsage(string(args[2]), e, samples))
}

// memOverhead is Redis's redisMemOverhead, from the same figures INFO
// memory reports (used memory, peak and startup from the server's admin
// state, resident size from the OS).
type memOverhead struct {
	peak, total, startup          int64
	clientsNormal                 int64
	numClients                    int64
	dbs                           []dbOverhead
	overheadTotal                 int64
	keys                          int64
	bytesPerKey                   int64
	dataset                       int64
	datasetPerc, peakPerc         float32
	allocAllocated, allocActive   int64
	allocResident, rss            int64
	allocFrag, allocRSS, rssExtra float32
	allocFragBytes, allocRSSBytes int64
	rssExtraBytes                 int64
	totalFrag                     float32
	totalFragBytes                int64
}

type dbOverhead struct {
	id            int
	main, expires int64
}

// goMapSlot is the approximate cost of one entry of a Go map from string
// to pointer, load factor included.
const goMapSlot = 32

func (s *Server) memOverhead() *memOverhead {
	a := s.admin()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	used, startup := memUsed(&ms), a.memStartup
	// While maxmemory is set, the figures are those eviction works by
	// (evict.go), so that used_memory and maxmemory compare as in Redis.
	accounted := config.Get().MaxMemory > 0 && s.accounted.Load()
	if accounted {
		used, startup = uint64(max(s.memoryUsed(), 0)), baseMemory
	}
	peak := a.memPeak.Load()
	for used > peak && !a.memPeak.CompareAndSwap(peak, used) {
		peak = a.memPeak.Load()
	}
	m := &memOverhead{
		total:   int64(used),
		peak:    int64(max(peak, used)),
		startup: int64(min(startup, used)),
	}
	for _, c := range s.clients.list() {
		if accounted {
			m.clientsNormal += clientMemory
		} else {
			q, qf, o := c.Buffers()
			m.clientsNormal += int64(q + qf + o + clientMemory)
		}
		m.numClients++
	}
	m.overheadTotal = m.startup + m.clientsNormal
	for _, db := range s.dbs {
		keys, ttls := db.data.Len()
		if keys == 0 {
			continue
		}
		d := dbOverhead{id: db.index, main: int64(keys) * goMapSlot, expires: int64(ttls) * goMapSlot}
		m.dbs = append(m.dbs, d)
		m.overheadTotal += d.main + d.expires
		m.keys += int64(keys)
	}
	net := max(m.total-m.startup, 1)
	if m.keys > 0 {
		m.bytesPerKey = net / m.keys
	}
	m.dataset = max(m.total-m.overheadTotal, 0)
	m.datasetPerc = float32(m.dataset) * 100 / float32(net)
	m.peakPerc = float32(m.total) * 100 / float32(max(m.peak, 1))

	m.allocAllocated = int64(ms.HeapAlloc)
	m.allocActive = int64(ms.HeapInuse)
	m.allocResident = int64(ms.HeapSys - ms.HeapReleased)
	m.rss = int64(residentMemory(&ms))
	m.allocFrag = memRatio(m.allocActive, m.allocAllocated)
	m.allocFragBytes = m.allocActive - m.allocAllocated
	m.allocRSS = memRatio(m.allocResident, m.allocActive)
	m.allocRSSBytes = m.allocResident - m.allocActive
	m.rssExtra = memRatio(m.rss, m.allocResident)
	m.rssExtraBytes = m.rss - m.allocResident
	m.totalFrag = memRatio(m.rss, m.total)
	m.totalFragBytes = m.rss - m.total
	return m
}

// memRatio is a/b in single precision, as Redis computes these ratios.
func memRatio(a, b int64) float32 {
	if b <= 0 {
		return 0
	}
	return float32(a) / float32(b)
}

func execMemoryStats(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	m := db.srv.memOverhead()
	f := func(v float32) resp.Reply { return reply.Double(float64(v)) }
	out := reply.Map{
		reply.BulkStr("peak.allocated"), reply.Int(m.peak),
		reply.BulkStr("total.allocated"), reply.Int(m.total),
		reply.BulkStr("startup.allocated"), reply.Int(m.startup),
		reply.BulkStr("replication.backlog"), reply.Int(0),
		reply.BulkStr("clients.slaves"), reply.Int(0),
		reply.BulkStr("clients.normal"), reply.Int(m.clientsNormal),
		reply.BulkStr("cluster.links"), reply.Int(0),
		reply.BulkStr("aof.buffer"), reply.Int(0),
		reply.BulkStr("lua.caches"), reply.Int(0),
		reply.BulkStr("functions.caches"), reply.Int(0),
	}
	for _, d := range m.dbs {
		out = append(out, reply.BulkStr("db."+strconv.Itoa(d.id)), reply.Map{
			reply.BulkStr("overhead.hashtable.main"), reply.Int(d.main),
			reply.BulkStr("overhead.hashtable.expires"), reply.Int(d.expires),
		})
	}
	out = append(out,
		reply.BulkStr("overhead.hashtable.slot-to-keys"), reply.Int(0),
		reply.BulkStr("overhead.total"), reply.Int(m.overheadTotal),
		reply.BulkStr("keys.count"), reply.Int(m.keys),
		reply.BulkStr("keys.bytes-per-key"), reply.Int(m.bytesPerKey),
		reply.BulkStr("dataset.bytes"), reply.Int(m.dataset),
		reply.BulkStr("dataset.percentage"), f(m.datasetPerc),
		reply.BulkStr("peak.percentage"), f(m.peakPerc),
		reply.BulkStr("allocator.allocated"), reply.Int(m.allocAllocated),
		reply.BulkStr("allocator.active"), reply.Int(m.allocActive),
		reply.BulkStr("allocator.resident"), reply.Int(m.allocResident),
		reply.BulkStr("allocator-fragmentation.ratio"), f(m.allocFrag),
		reply.BulkStr("allocator-fragmentation.bytes"), reply.Int(m.allocFragBytes),
		reply.BulkStr("allocator-rss.ratio"), f(m.allocRSS),
		reply.BulkStr("allocator-rss.bytes"), reply.Int(m.allocRSSBytes),
		reply.BulkStr("rss-overhead.ratio"), f(m.rssExtra),
		reply.BulkStr("rss-overhead.bytes"), reply.Int(m.rssExtraBytes),
		reply.BulkStr("fragmentation"), f(m.totalFrag),
		reply.BulkStr("fragmentation.bytes"), reply.Int(m.totalFragBytes),
	)
	return out
}

// memoryDoctorReport is Redis's getMemoryDoctorReport over our figures.
func memoryDoctorReport(m *memOverhead) string {
	if m.total < 5<<20 {
		return "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. " +
			"Please, leave for your mission on Earth and fill it with some data. " +
			"The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
	}
	var issues []string
	if float32(m.peak)/float32(m.total) > 1.5 {
		issues = append(issues, " * Peak memory: In the past this instance used more than 150% the memory that is currently using. "+
			"The allocator is normally not able to release memory after a peak, so you can expect to see a big fragmentation ratio, "+
			"however this is actually harmless and is only due to the memory peak, and if the Redis instance Resident Set Size (RSS) "+
			"is currently bigger than expected, the memory will be used as soon as you fill the Redis instance with more data. "+
			"If the memory peak was only occasional and you want to try to reclaim memory, please try the MEMORY PURGE command, "+
			"otherwise the only other option is to shutdown and restart the instance.\n\n")
	}
	if m.totalFrag > 1.4 && m.totalFragBytes > 10<<20 {
		issues = append(issues, " * High total RSS: This instance has a memory fragmentation and RSS overhead greater than 1.4 "+
			"(this means that the Resident Set Size of the Redis process is much larger than the sum of the logical allocations Redis performed). "+
			"This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) "+
			"or may result from a workload that causes the allocator to fragment memory a lot. If the problem is a large peak memory, "+
			"then there is no issue. Otherwise, make sure you are using the Jemalloc allocator and not the default libc malloc. "+
			"Note: The currently used allocator is \"go\".\n\n")
	}
	if m.allocFrag > 1.1 && m.allocFragBytes > 10<<20 {
		issues = append(issues, " * High allocator fragmentation: This instance has an allocator external fragmentation greater than 1.1. "+
			"This problem is usually due either to a large peak memory (check if there is a peak memory entry above in the report) "+
			"or may result from a workload that causes the allocator to fragment memory a lot. You can try enabling 'activedefrag' config option.\n\n")
	}
	if m.allocRSS > 1.1 && m.allocRSSBytes > 10<<20 {
		issues = append(issues, " * High allocator RSS overhead: This instance has an RSS memory overhead is greater than 1.1 "+
			"(this means that the Resident Set Size of the allocator is much larger than the sum what the allocator actually holds). "+
			"This problem is usually due to a large peak memory (check if there is a peak memory entry above in the report), "+
			"you can try the MEMORY PURGE command to reclaim it.\n\n")
	}
	if m.rssExtra > 1.1 && m.rssExtraBytes > 10<<20 {
		issues = append(issues, " * High process RSS overhead: This instance has non-allocator RSS memory overhead is greater than 1.1 "+
			"(this means that the Resident Set Size of the Redis process is much larger than the RSS the allocator holds). "+
			"This problem may be due to Lua scripts or Modules.\n\n")
	}
	if m.numClients > 0 && m.clientsNormal/m.numClients > 200*1024 {
		issues = append(issues, " * Big client buffers: The clients output buffers in this instance are greater than 200K per client (on average). "+
			"This may result from different causes, like Pub/Sub clients subscribed to channels bot not receiving data fast enough, "+
			"so that data piles on the Redis instance output buffer, or clients sending commands with large replies or very large sequences "+
			"of commands in the same pipeline. Please use the CLIENT LIST command in order to investigate the issue if it causes problems "+
			"in your instance, or to understand better why certain clients are using a big amount of memory.\n\n")
	}
	if len(issues) == 0 {
		return "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
	}
	return "Sam, I detected a few issues in this Redis instance memory implants:\n\n" +
		strings.Join(issues, "") + "I'm here to keep you safe, Sam. I want to help you.\n"
}

func execMemoryDoctor(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Verbatim(memoryDoctorReport(db.srv.memOverhead()))
}

// execMemoryMallocStats reports the Go runtime's allocator statistics in
// place of jemalloc's.
func execMemoryMallocStats(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	var b strings.Builder
	b.WriteString("___ Begin Go runtime memory statistics ___\n")
	b.WriteString("Version: \"" + runtime.Version() + "\"\n")
	line := func(name string, v uint64) {
		b.WriteString(name)
		b.WriteString(": ")
		b.WriteString(strconv.FormatUint(v, 10))
		b.WriteByte('\n')
	}
	line("Allocated", ms.HeapAlloc)
	line("Total allocated", ms.TotalAlloc)
	line("Sys", ms.Sys)
	line("Mallocs", ms.Mallocs)
	line("Frees", ms.Frees)
	line("Heap sys", ms.HeapSys)
	line("Heap idle", ms.HeapIdle)
	line("Heap in use", ms.HeapInuse)
	line("Heap released", ms.HeapReleased)
	line("Heap objects", ms.HeapObjects)
	line("Stack in use", ms.StackInuse)
	line("Stack sys", ms.StackSys)
	line("MSpan in use", ms.MSpanInuse)
	line("MCache in use", ms.MCacheInuse)
	line("GC sys", ms.GCSys)
	line("Other sys", ms.OtherSys)
	line("Next GC", ms.NextGC)
	line("Num GC", uint64(ms.NumGC))
	line("GC pause total ns", ms.PauseTotalNs)
	b.WriteString("--- End Go runtime memory statistics ---\n")
	return reply.Verbatim(b.String())
}

func execMemoryPurge(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	debug.FreeOSMemory()
	return reply.OK
}

var memoryHelp = []string{
	"DOCTOR",
	"    Return memory problems reports.",
	"MALLOC-STATS",
	"    Return internal statistics report from the memory allocator.",
	"PURGE",
	"    Attempt to purge dirty pages for reclamation by the allocator.",
	"STATS",
	"    Return information about the memory usage of the server.",
	"USAGE <key> [SAMPLES <count>]",
	"    Return memory in bytes used by <key> and its value. Nested values are",
	"    sampled up to <count> times (default: 5, 0 means sample all).",
}

func execMemoryHelp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return helpReply("memory", memoryHelp...)
}
