package database

import (
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"goredis/config"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

func init() {
	registerContainer("slowlog", -2)
	register("slowlog|get", execSlowlogGet, -2, "admin loading stale", 0, 0, 0)
	register("slowlog|help", execSlowlogHelp, 2, "loading stale", 0, 0, 0)
	register("slowlog|len", execSlowlogLen, 2, "admin loading stale", 0, 0, 0)
	register("slowlog|reset", execSlowlogReset, 2, "admin loading stale", 0, 0, 0)

	registerContainer("latency", -2)
	register("latency|doctor", execLatencyDoctor, 2, "admin noscript loading stale", 0, 0, 0)
	register("latency|graph", execLatencyGraph, 3, "admin noscript loading stale", 0, 0, 0)
	register("latency|help", execLatencyHelp, 2, "loading stale", 0, 0, 0)
	register("latency|histogram", execLatencyHistogram, -2, "admin noscript loading stale", 0, 0, 0)
	register("latency|history", execLatencyHistory, 3, "admin noscript loading stale", 0, 0, 0)
	register("latency|latest", execLatencyLatest, 2, "admin noscript loading stale", 0, 0, 0)
	register("latency|reset", execLatencyReset, -2, "admin noscript loading stale", 0, 0, 0)
}

// Limits of what a slow log entry keeps of a command, as in Redis.
const (
	slowlogMaxArgc   = 32
	slowlogMaxString = 128
)

// slowEntry is one SLOWLOG entry.
type slowEntry struct {
	id       int64
	unix     int64
	micros   int64
	args     []string
	peer     string
	name     string
	replyVal resp.Reply // built once, on first SLOWLOG GET
}

// slowlog is a server's slow log, newest entry last.
type slowlog struct {
	mu      sync.Mutex
	entries []*slowEntry
	nextID  int64
}

// push records a command that ran for dur, trimming the log to maxLen.
func (l *slowlog) push(c resp.Connection, args [][]byte, dur time.Duration, maxLen int) {
	e := &slowEntry{
		unix:   time.Now().Unix(),
		micros: int64(dur / time.Microsecond),
		args:   slowlogArgs(args),
		peer:   peerID(c),
		name:   c.Name(),
	}
	l.mu.Lock()
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	if maxLen < 0 {
		maxLen = 0
	}
	if over := len(l.entries) - maxLen; over > 0 {
		copy(l.entries, l.entries[over:])
		for i := len(l.entries) - over; i < len(l.entries); i++ {
			l.entries[i] = nil
		}
		l.entries = l.entries[:len(l.entries)-over]
	}
	l.mu.Unlock()
}

// slowlogArgs copies the arguments as a slow log entry keeps them: at
// most 32, the last then saying how many more there were; strings over
// 128 bytes cut with the count of bytes left out; passwords redacted.
func slowlogArgs(args [][]byte) []string {
	n := len(args)
	if n > slowlogMaxArgc {
		n = slowlogMaxArgc
	}
	red := redacted(args)
	out := make([]string, n)
	for j := 0; j < n; j++ {
		a := args[j]
		switch {
		case n != len(args) && j == n-1:
			out[j] = "... (" + strconv.Itoa(len(args)-n+1) + " more arguments)"
		case red&(1<<uint(j)) != 0:
			out[j] = "(redacted)"
		case len(a) > slowlogMaxString:
			out[j] = string(a[:slowlogMaxString]) + "... (" + strconv.Itoa(len(a)-slowlogMaxString) + " more bytes)"
		default:
			out[j] = string(a)
		}
	}
	return out
}

func (e *slowEntry) reply() resp.Reply {
	return reply.Array{
		reply.Int(e.id), reply.Int(e.unix), reply.Int(e.micros),
		reply.Strings(e.args), reply.BulkStr(e.peer), reply.BulkStr(e.name),
	}
}

func execSlowlogGet(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	if len(args) > 3 {
		return subcommandSyntaxErr(args)
	}
	count := int64(10)
	if len(args) == 3 {
		n, ok := utils.ParseInt(args[2])
		if !ok || n < -1 {
			return reply.Err("count should be greater than or equal to -1")
		}
		count = n
	}
	l := &db.srv.admin().slow
	l.mu.Lock()
	defer l.mu.Unlock()
	if count == -1 || count > int64(len(l.entries)) {
		count = int64(len(l.entries))
	}
	out := make(reply.Array, 0, count)
	for i := len(l.entries) - 1; int64(len(out)) < count; i-- {
		e := l.entries[i]
		if e.replyVal == nil {
			e.replyVal = e.reply()
		}
		out = append(out, e.replyVal)
	}
	return out
}

func execSlowlogLen(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	l := &db.srv.admin().slow
	l.mu.Lock()
	defer l.mu.Unlock()
	return reply.Int(len(l.entries))
}

func execSlowlogReset(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	l := &db.srv.admin().slow
	l.mu.Lock()
	l.entries = nil
	l.mu.Unlock()
	return reply.OK
}

func execSlowlogHelp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return helpReply("slowlog",
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	)
}

// latencyHistoryLen is how many samples an event keeps (Redis's
// LATENCY_TS_LEN).
const latencyHistoryLen = 160

type latencySample struct {
	unix   int64
	millis int64
}

// latencySeries is the history of one latency event.
type latencySeries struct {
	samples []latencySample // oldest first, at most latencyHistoryLen
	max     int64           // all-time maximum
}

// latencyMonitor keeps the events of the latency monitor (enabled by
// latency-monitor-threshold): here "command" and "fast-command".
type latencyMonitor struct {
	mu     sync.Mutex
	events map[string]*latencySeries
}

// add records a sample; samples in the same second keep their maximum.
func (m *latencyMonitor) add(event string, millis, unix int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events == nil {
		m.events = make(map[string]*latencySeries)
	}
	ts := m.events[event]
	if ts == nil {
		ts = &latencySeries{}
		m.events[event] = ts
	}
	if millis > ts.max {
		ts.max = millis
	}
	if n := len(ts.samples); n > 0 && ts.samples[n-1].unix == unix {
		if millis > ts.samples[n-1].millis {
			ts.samples[n-1].millis = millis
		}
		return
	}
	if len(ts.samples) == latencyHistoryLen {
		copy(ts.samples, ts.samples[1:])
		ts.samples = ts.samples[:latencyHistoryLen-1]
	}
	ts.samples = append(ts.samples, latencySample{unix, millis})
}

func (m *latencyMonitor) names() []string {
	out := make([]string, 0, len(m.events))
	for name := range m.events {
		out = append(out, name)
	}
	sort.Strings(out)
	return out
}

func execLatencyLatest(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	m := &db.srv.admin().latency
	m.mu.Lock()
	defer m.mu.Unlock()
	out := reply.Array{}
	for _, name := range m.names() {
		ts := m.events[name]
		last := ts.samples[len(ts.samples)-1]
		out = append(out, reply.Array{reply.BulkStr(name), reply.Int(last.unix), reply.Int(last.millis), reply.Int(ts.max)})
	}
	return out
}

func execLatencyHistory(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	m := &db.srv.admin().latency
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.events[string(args[2])]
	if ts == nil {
		return reply.EmptyArray
	}
	out := make(reply.Array, 0, len(ts.samples))
	for _, s := range ts.samples {
		out = append(out, reply.Array{reply.Int(s.unix), reply.Int(s.millis)})
	}
	return out
}

func execLatencyReset(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	m := &db.srv.admin().latency
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	if len(args) == 2 {
		n = len(m.events)
		m.events = nil
		return reply.Int(n)
	}
	for _, a := range args[2:] {
		if _, ok := m.events[string(a)]; ok {
			delete(m.events, string(a))
			n++
		}
	}
	return reply.Int(n)
}

func execLatencyGraph(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	m := &db.srv.admin().latency
	m.mu.Lock()
	defer m.mu.Unlock()
	event := string(args[2])
	ts := m.events[event]
	if ts == nil {
		return reply.Err("No samples available for event '" + event + "'")
	}
	return reply.Verbatim(latencyGraph(event, ts, time.Now().Unix()))
}

// latencyGraph draws the event's samples as LATENCY GRAPH does: a title
// with the range, an 80-column rule, then Redis's filled sparkline of 4
// rows (80 samples a block) with the age of each sample written
// vertically below it after one blank line.
func latencyGraph(event string, ts *latencySeries, now int64) string {
	lo, hi := ts.samples[0].millis, ts.samples[0].millis
	for _, s := range ts.samples {
		lo = min(lo, s.millis)
		hi = max(hi, s.millis)
	}
	var b strings.Builder
	b.WriteString(event + " - high " + strconv.FormatInt(hi, 10) + " ms, low " + strconv.FormatInt(lo, 10) +
		" ms (all time high " + strconv.FormatInt(ts.max, 10) + " ms)\n")
	b.WriteString(strings.Repeat("-", 80) + "\n")
	labels := make([]string, len(ts.samples))
	for i, s := range ts.samples {
		labels[i] = ageLabel(now - s.unix)
	}
	for j := 0; j < len(ts.samples); j += 80 {
		if j != 0 {
			b.WriteByte('\n')
		}
		end := min(j+80, len(ts.samples))
		sparkline(&b, ts.samples[j:end], labels[j:end], lo, hi)
	}
	return b.String()
}

// sparkline renders samples the way Redis's sparklineRenderRange does
// with SPARKLINE_FILL: 4 rows of 3 steps each ("_o#" at a column's top,
// '|' below it), an empty row, then the labels top to bottom.
func sparkline(b *strings.Builder, samples []latencySample, labels []string, lo, hi int64) {
	const rows, charset = 4, "_o#"
	steps := rows * len(charset)
	rel := float64(hi - lo)
	if rel == 0 {
		rel = 1
	}
	line := make([]byte, len(samples))
	for row := 0; ; row++ {
		more := false
		for i := range line {
			line[i] = ' '
		}
		switch {
		case row < rows:
			more = true
			for i, s := range samples {
				step := int(float64(int(float64(s.millis-lo)*float64(steps))) / rel)
				step = max(0, min(step, steps-1))
				idx := step - (rows-row-1)*len(charset)
				if idx >= 0 && idx < len(charset) {
					line[i] = charset[idx]
				} else if idx >= len(charset) {
					line[i] = '|'
				}
			}
		case row == rows:
			more = true // the blank row above the labels
		default:
			for i, l := range labels {
				if k := row - rows - 1; k < len(l) {
					line[i] = l[k]
					more = true
				}
			}
		}
		if !more {
			return
		}
		b.Write(line)
		b.WriteByte('\n')
	}
}

// ageLabel is a sample's age as LATENCY GRAPH labels it: 12s, 5m, 3h, 2d.
func ageLabel(secs int64) string {
	switch {
	case secs < 60:
		return strconv.FormatInt(secs, 10) + "s"
	case secs < 3600:
		return strconv.FormatInt(secs/60, 10) + "m"
	case secs < 86400:
		return strconv.FormatInt(secs/3600, 10) + "h"
	}
	return strconv.FormatInt(secs/86400, 10) + "d"
}

const latencyDisabledText = "I'm sorry, Dave, I can't do that. Latency monitoring is disabled in this Redis instance. " +
	"You may use \"CONFIG SET latency-monitor-threshold <milliseconds>.\" in order to enable it. " +
	"If we weren't in a deep space mission I'd suggest to take a look at https://redis.io/topics/latency-monitor.\n"

const latencyQuietText = "Dave, no latency spike was observed during the lifetime of this Redis instance, " +
	"not in the slightest bit. I honestly think you ought to sit down calmly, take a stress pill, and think things over.\n"

// execLatencyDoctor writes Redis's latency report: per event its count,
// average, mean deviation and period, then the advice that applies to the
// events this server records ("command" and "fast-command").
func execLatencyDoctor(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	m := &db.srv.admin().latency
	m.mu.Lock()
	defer m.mu.Unlock()
	cfg := config.Get()
	if len(m.events) == 0 && cfg.LatencyMonitorThreshold == 0 {
		return reply.Verbatim(latencyDisabledText)
	}
	var b strings.Builder
	var slowlogEnable, slowlogTune, slowlogInspect, scheduler, largeObjects bool
	now := time.Now().Unix()
	for i, name := range m.names() {
		ts := m.events[name]
		if i == 0 {
			b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		}
		var sum, oldest int64
		for _, s := range ts.samples {
			sum += s.millis
			if oldest == 0 || s.unix < oldest {
				oldest = s.unix
			}
		}
		n := int64(len(ts.samples))
		avg := sum / n
		period := max(now-oldest, 1)
		var dev int64
		for _, s := range ts.samples {
			d := avg - s.millis
			if d < 0 {
				d = -d
			}
			dev += d
		}
		b.WriteString(strconv.Itoa(i+1) + ". " + name + ": " + strconv.FormatInt(n, 10) +
			" latency spikes (average " + strconv.FormatInt(avg, 10) + "ms, mean deviation " +
			strconv.FormatInt(dev/n, 10) + "ms, period " + strconv.FormatFloat(float64(period)/float64(n), 'f', 2, 64) +
			" sec). Worst all time event " + strconv.FormatInt(ts.max, 10) + "ms.")
		switch name {
		case "command":
			if cfg.SlowlogLogSlowerThan < 0 || cfg.SlowlogMaxLen == 0 {
				slowlogEnable = true
			} else if cfg.SlowlogLogSlowerThan/1000 > cfg.LatencyMonitorThreshold {
				slowlogTune = true
			}
			slowlogInspect, largeObjects = true, true
		case "fast-command":
			scheduler = true
		}
		b.WriteString("\n")
	}
	if len(m.events) == 0 {
		return reply.Verbatim(latencyQuietText)
	}
	if !(slowlogEnable || slowlogTune || slowlogInspect || scheduler || largeObjects) {
		b.WriteString("\nWhile there are latency events logged, I'm not able to suggest any easy fix. " +
			"Please use the Redis community to get some help, providing this report in your help request.\n")
		return reply.Verbatim(b.String())
	}
	b.WriteString("\nI have a few advices for you:\n\n")
	threshold := strconv.FormatInt(cfg.LatencyMonitorThreshold*1000, 10)
	if slowlogEnable {
		b.WriteString("- There are latency issues with potentially slow commands you are using. Try to enable the Slow Log " +
			"Redis feature using the command 'CONFIG SET slowlog-log-slower-than " + threshold + "'. If the Slow log is " +
			"disabled Redis is not able to log slow commands execution for you.\n")
	}
	if slowlogTune {
		b.WriteString("- Your current Slow Log configuration only logs events that are slower than your configured latency " +
			"monitor threshold. Please use 'CONFIG SET slowlog-log-slower-than " + threshold + "'.\n")
	}
	if slowlogInspect {
		b.WriteString("- Check your Slow Log to understand what are the commands you are running which are too slow to " +
			"execute. Please check https://redis.io/commands/slowlog for more information.\n")
	}
	if scheduler {
		b.WriteString("- The system is slow to execute Redis code paths not containing system calls. This usually means " +
			"the system does not provide Redis CPU time to run for long periods. You should try to:\n" +
			"  1) Lower the system load.\n" +
			"  2) Use a computer / VM just for Redis if you are running other software in the same system.\n" +
			"  3) Check if you have a \"noisy neighbour\" problem.\n" +
			"  4) Check with 'redis-cli --intrinsic-latency 100' what is the intrinsic latency in your system.\n" +
			"  5) Check if the problem is allocator-related by recompiling Redis with MALLOC=libc, if you are using " +
			"Jemalloc. However this may create fragmentation problems.\n")
	}
	if largeObjects {
		b.WriteString("- Deleting, expiring or evicting (because of maxmemory policy) large objects is a blocking operation. " +
			"If you have very large objects that are often deleted, expired, or evicted, try to fragment those " +
			"objects into multiple smaller objects.\n")
	}
	return reply.Verbatim(b.String())
}

// execLatencyHistogram answers as Redis does with latency-tracking off:
// per-command latency histograms are not kept, so the map is empty.
func execLatencyHistogram(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return reply.Map{}
}

func execLatencyHelp(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return helpReply("latency",
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
		"HISTOGRAM [COMMAND ...]",
		"    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
		"    If no commands are specified then all histograms are replied.",
	)
}
