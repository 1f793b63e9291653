package config

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"

	"goredis/lib/utils"
)

// special builds an entry whose syntax is its own.
func special(name, alias string, fl flag, def any,
	parse func(cur any, args []string, ls *loadState) (any, string),
	format func(any) string,
	rewrite func(st *rewriteState, p *param, v any, def any),
	set func(c *Config, v any)) *param {
	if set != nil {
		fl |= fImplemented
	}
	return &param{name: name, alias: alias, flags: fl, kind: kSpecial, def: def,
		parseFn: parse, formatFn: format, rewriteFn: rewrite, set: set}
}

// dir: the working directory. Redis chdir()s; this server keeps the
// absolute path and resolves files against it. A relative dir is taken
// from the current one, as successive chdir calls would.
var dirParam = special("dir", "", fProtected, "",
	func(cur any, args []string, _ *loadState) (any, string) {
		if len(args) != 1 {
			return nil, "wrong number of arguments"
		}
		d := args[0]
		if d == "" {
			return nil, strerror(syscall.ENOENT)
		}
		if !filepath.IsAbs(d) {
			d = filepath.Join(cur.(string), d)
		}
		fi, err := os.Stat(d)
		if err != nil {
			return nil, strerror(err)
		}
		if !fi.IsDir() {
			return nil, strerror(syscall.ENOTDIR)
		}
		if err := syscall.Access(d, 1); err != nil { // search permission, as chdir needs
			return nil, strerror(err)
		}
		if r, err := filepath.EvalSymlinks(d); err == nil {
			d = r
		}
		return filepath.Clean(d), ""
	},
	func(v any) string { return v.(string) },
	func(st *rewriteState, p *param, v any, _ any) {
		st.rewriteLine(p.name, p.name+" "+repr(v.(string)), true)
	},
	func(c *Config, v any) { c.Dir = v.(string) })

// savePoint is one "save <seconds> <changes>" pair.
type savePoint struct {
	seconds int64
	changes int32 // an int in Redis, so larger numbers wrap
}

var saveParam = special("save", "", fMultiArg,
	[]savePoint{{3600, 1}, {300, 100}, {60, 10000}},
	func(cur any, args []string, ls *loadState) (any, string) {
		reset := false
		if len(args) == 1 && args[0] == "" {
			// save "" always clears, in a file too.
			args, reset = nil, true
		}
		const bad = "Invalid save parameters"
		if len(args)%2 == 1 {
			return nil, bad
		}
		nums := make([]int64, len(args))
		for j, a := range args {
			v, ok := strtollSat(a, 10)
			if !ok || (j%2 == 0 && v < 1) || (j%2 == 1 && v < 0) {
				return nil, bad
			}
			nums[j] = v
		}
		var out []savePoint
		if ls != nil {
			// In a file, save lines add up; the first one replaces the
			// defaults.
			if ls.saveLoaded && !reset {
				out = append(out, cur.([]savePoint)...)
			}
			ls.saveLoaded = true
		}
		for j := 0; j < len(nums); j += 2 {
			out = append(out, savePoint{nums[j], int32(nums[j+1])})
		}
		return out, ""
	},
	func(v any) string {
		var b []byte
		for i, sp := range v.([]savePoint) {
			if i > 0 {
				b = append(b, ' ')
			}
			b = strconv.AppendInt(b, sp.seconds, 10)
			b = append(b, ' ')
			b = strconv.AppendInt(b, int64(sp.changes), 10)
		}
		return string(b)
	},
	func(st *rewriteState, p *param, v any, _ any) {
		sps := v.([]savePoint)
		if len(sps) == 0 {
			st.rewriteLine(p.name, `save ""`, true)
		}
		for _, sp := range sps {
			st.rewriteLine(p.name, "save "+strconv.FormatInt(sp.seconds, 10)+" "+
				strconv.FormatInt(int64(sp.changes), 10), true)
		}
		st.markProcessed(p.name)
	},
	nil)

var outputBufferClasses = [3]string{"normal", "slave", "pubsub"}

var outputBufferParam = special("client-output-buffer-limit", "", fMultiArg,
	[3]OutputBufferLimit{{0, 0, 0}, {256 * mb, 64 * mb, 60}, {32 * mb, 8 * mb, 60}},
	func(cur any, args []string, _ *loadState) (any, string) {
		if len(args)%4 != 0 {
			return nil, "Wrong number of arguments in buffer limit configuration."
		}
		const badNum = "Error in hard, soft or soft_seconds setting in buffer limit configuration."
		out := cur.([3]OutputBufferLimit)
		for j := 0; j < len(args); j += 4 {
			class := -1
			switch lower(args[j]) {
			case "normal":
				class = ClientNormal
			case "slave", "replica":
				class = ClientReplica
			case "pubsub":
				class = ClientPubSub
			}
			if class < 0 {
				return nil, "Invalid client class specified in buffer limit configuration."
			}
			hard, ok1 := memToULL(args[j+1])
			soft, ok2 := memToULL(args[j+2])
			secs, ok3 := strtollSat(args[j+3], 10)
			if !ok1 || !ok2 || !ok3 || secs < 0 {
				return nil, badNum
			}
			out[class] = OutputBufferLimit{int64(hard), int64(soft), secs}
		}
		return out, ""
	},
	formatOutputBuffers,
	func(st *rewriteState, p *param, v any, def any) {
		d := def.([3]OutputBufferLimit)
		for i, l := range v.([3]OutputBufferLimit) {
			class := outputBufferClasses[i]
			if i == ClientReplica {
				class = "replica" // CONFIG GET says slave, the file says replica
			}
			line := p.name + " " + class + " " + formatMemory(l.Hard) + " " +
				formatMemory(l.Soft) + " " + strconv.FormatInt(l.SoftSeconds, 10)
			st.rewriteLine(p.name, line, l != d[i])
		}
	},
	func(c *Config, v any) {
		c.OutputBufferLimits = v.([3]OutputBufferLimit)
		c.ClientOutputBufferLimit = formatOutputBuffers(v)
	})

func formatOutputBuffers(v any) string {
	var b []byte
	for i, l := range v.([3]OutputBufferLimit) {
		if i > 0 {
			b = append(b, ' ')
		}
		b = append(b, outputBufferClasses[i]...)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(l.Hard), 10)
		b = append(b, ' ')
		b = strconv.AppendUint(b, uint64(l.Soft), 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, l.SoftSeconds, 10)
	}
	return string(b)
}

var oomValuesParam = special("oom-score-adj-values", "", fMultiArg, [3]int{0, 200, 800},
	func(cur any, args []string, _ *loadState) (any, string) {
		if len(args) != 3 {
			return nil, "wrong number of arguments"
		}
		var out [3]int
		for i, a := range args {
			v, ok := strtollSat(a, 10)
			if !ok || v < -2000 || v > 2000 {
				return nil, "Invalid oom-score-adj-values, elements must be between -2000 and 2000."
			}
			out[i] = int(v)
		}
		return out, ""
	},
	func(v any) string {
		a := v.([3]int)
		return strconv.Itoa(a[0]) + " " + strconv.Itoa(a[1]) + " " + strconv.Itoa(a[2])
	},
	func(st *rewriteState, p *param, v any, def any) {
		st.rewriteLine(p.name, p.name+" "+p.formatFn(v), v.([3]int) != def.([3]int))
	},
	nil)

var notifyParam = special("notify-keyspace-events", "", 0, 0,
	func(cur any, args []string, _ *loadState) (any, string) {
		if len(args) != 1 {
			return nil, "wrong number of arguments"
		}
		f, ok := ParseNotifyFlags(args[0])
		if !ok {
			return nil, "Invalid event class character. Use 'Ag$lshzxeKEtmdn'."
		}
		return f, ""
	},
	func(v any) string { return FormatNotifyFlags(v.(int)) },
	func(st *rewriteState, p *param, v any, _ any) {
		st.rewriteLine(p.name, p.name+" "+repr(FormatNotifyFlags(v.(int))), v.(int) != 0)
	},
	func(c *Config, v any) {
		c.NotifyFlags = v.(int)
		c.NotifyKeyspaceEvents = FormatNotifyFlags(v.(int))
	})

// ParseNotifyFlags reads a notify-keyspace-events class string.
func ParseNotifyFlags(s string) (int, bool) {
	f := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case 'A':
			f |= NotifyAll
		case 'g':
			f |= NotifyGeneric
		case '$':
			f |= NotifyString
		case 'l':
			f |= NotifyList
		case 's':
			f |= NotifySet
		case 'h':
			f |= NotifyHash
		case 'z':
			f |= NotifyZset
		case 'x':
			f |= NotifyExpired
		case 'e':
			f |= NotifyEvicted
		case 'K':
			f |= NotifyKeyspace
		case 'E':
			f |= NotifyKeyevent
		case 't':
			f |= NotifyStream
		case 'm':
			f |= NotifyKeyMiss
		case 'd':
			f |= NotifyModule
		case 'n':
			f |= NotifyNew
		default:
			return 0, false
		}
	}
	return f, true
}

// FormatNotifyFlags writes flags in Redis's canonical order ("AKE").
func FormatNotifyFlags(f int) string {
	var b []byte
	if f&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, x := range []struct {
			bit int
			c   byte
		}{{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
			{NotifyHash, 'h'}, {NotifyZset, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
			{NotifyStream, 't'}, {NotifyModule, 'd'}, {NotifyNew, 'n'}} {
			if f&x.bit != 0 {
				b = append(b, x.c)
			}
		}
	}
	if f&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if f&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if f&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

var defaultBind = []string{"*", "-::*"}

var bindParam = special("bind", "", fMultiArg, defaultBind,
	func(cur any, args []string, _ *loadState) (any, string) {
		if len(args) > maxBinds {
			return nil, "Too many bind addresses specified."
		}
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		return slices.Clone(args), ""
	},
	func(v any) string { return strings.Join(v.([]string), " ") },
	func(st *rewriteState, p *param, v any, _ any) {
		addrs := v.([]string)
		if slices.Equal(addrs, defaultBind) {
			st.markProcessed(p.name)
			return
		}
		list := `""`
		if len(addrs) > 0 {
			list = strings.Join(addrs, " ")
		}
		st.rewriteLine(p.name, p.name+" "+list, true)
	},
	func(c *Config, v any) { c.Bind = slices.Clone(v.([]string)) })

// replicaof is stored as "host port" ("" when not a replica); this server
// never replicates.
var replicaofParam = special("replicaof", "slaveof", fImmutable|fMultiArg, "",
	func(cur any, args []string, _ *loadState) (any, string) {
		if len(args) != 2 {
			return nil, "wrong number of arguments"
		}
		if equalFold(args[0], "no") && equalFold(args[1], "one") {
			return "", ""
		}
		port, ok := strtollSat(args[1], 10)
		if !ok || port < 0 || port > 65535 {
			return nil, "Invalid master port"
		}
		return args[0] + " " + strconv.FormatInt(port, 10), ""
	},
	func(v any) string { return v.(string) },
	func(st *rewriteState, p *param, v any, _ any) {
		if v.(string) == "" {
			st.markProcessed(p.name)
			return
		}
		st.rewriteLine(p.name, p.name+" "+v.(string), true)
	},
	nil)

var percentilesParam = special("latency-tracking-info-percentiles", "", fMultiArg, []float64{50, 99, 99.9},
	func(cur any, args []string, _ *loadState) (any, string) {
		if len(args) == 1 && args[0] == "" {
			args = nil
		}
		out := make([]float64, 0, len(args))
		for _, a := range args {
			f, ok := utils.ParseFloat([]byte(a))
			if !ok {
				return nil, "Invalid latency-tracking-info-percentiles parameters"
			}
			if f > 100 || f < 0 {
				return nil, "latency-tracking-info-percentiles parameters should sit between [0.0,100.0]"
			}
			out = append(out, f)
		}
		return out, ""
	},
	formatPercentiles,
	func(st *rewriteState, p *param, v any, _ any) {
		s := formatPercentiles(v)
		if s == "" {
			s = `""`
		}
		st.rewriteLine(p.name, p.name+" "+s, true)
	},
	nil)

func formatPercentiles(v any) string {
	var parts []string
	for _, f := range v.([]float64) {
		s := strconv.FormatFloat(f, 'f', 6, 64)
		if strings.Contains(s, ".") {
			s = strings.TrimRight(s, "0")
			s = strings.TrimSuffix(s, ".")
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// peers: the other cluster nodes, host:port, separated by spaces or commas.
var peersParam = special("peers", "", fImmutable|fHidden|fMultiArg, []string(nil),
	func(cur any, args []string, _ *loadState) (any, string) {
		var out []string
		for _, a := range args {
			for _, s := range strings.Split(a, ",") {
				if s = strings.TrimSpace(s); s != "" {
					out = append(out, s)
				}
			}
		}
		return out, ""
	},
	func(v any) string { return strings.Join(v.([]string), " ") },
	func(st *rewriteState, p *param, v any, _ any) {
		if len(v.([]string)) == 0 {
			st.markProcessed(p.name)
			return
		}
		st.rewriteLine(p.name, p.name+" "+strings.Join(v.([]string), " "), true)
	},
	func(c *Config, v any) { c.Peers = slices.Clone(v.([]string)) })

// formatMemory writes bytes with the largest exact unit, as CONFIG REWRITE
// does (1gb, 64mb, 1kb, 1000).
func formatMemory(n int64) string {
	switch {
	case n != 0 && n%gb == 0:
		return strconv.FormatInt(n/gb, 10) + "gb"
	case n != 0 && n%mb == 0:
		return strconv.FormatInt(n/mb, 10) + "mb"
	case n != 0 && n%1024 == 0:
		return strconv.FormatInt(n/1024, 10) + "kb"
	}
	return strconv.FormatInt(n, 10)
}
