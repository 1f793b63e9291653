package config

import (
	"math"
	"strconv"
	"strings"
	"syscall"

	"goredis/lib/utils"
)

// flag describes how a parameter may be changed and shown.
type flag uint16

const (
	fImmutable   flag = 1 << iota // CONFIG SET refuses it
	fProtected                    // CONFIG SET needs enable-protected-configs
	fHidden                       // CONFIG GET shows it only by exact name
	fMultiArg                     // takes several words
	fSensitive                    // a secret (redacted by callers that log)
	fImplemented                  // this server acts on it; others are only stored
)

type kind uint8

const (
	kBool kind = iota
	kNum
	kEnum
	kString
	kSpecial
)

// numFlag refines how numbers are written.
type numFlag uint8

const (
	nMemory  numFlag = 1 << iota // units: 1k, 1kb, 1m, 1mb, 1g, 1gb
	nPercent                     // also "N%", stored negated
	nOctal                       // base 8
)

type enumItem struct {
	name string
	val  int
}

// loadState carries what Redis remembers while reading config files.
type loadState struct {
	saveLoaded bool
}

// param is one row of the table. The value representation depends on kind:
// bool, int64, int (enum), string, or the special kind's own type.
type param struct {
	name  string
	alias string
	flags flag
	kind  kind
	idx   int

	// kNum
	lo, hi   int64 // bounds (unsigned params compare as uint64)
	unsigned bool
	nflags   numFlag
	clamp    func(int64) int64 // on every parse
	setClamp func(int64) int64 // on CONFIG SET, when the value changes

	// kEnum
	enum []enumItem
	bits bool // flags that combine (multi-arg enums)
	// kEnum validation after parsing
	validEnum func(int) string

	// kString
	emptyIsNull bool
	validStr    func(string) string

	// kSpecial
	parseFn   func(cur any, args []string, ls *loadState) (any, string)
	formatFn  func(v any) string
	rewriteFn func(st *rewriteState, p *param, v any, def any)

	def any
	// set copies the value into the typed fields of Config.
	set func(c *Config, v any)
}

func (p *param) has(f flag) bool { return p.flags&f != 0 }

// parse turns the arguments of one directive (file) or one CONFIG SET
// value (already split for multi-arg params) into a value. cur is the
// current value; ls is nil for CONFIG SET. The second result is Redis's
// error text.
func (p *param) parse(cur any, args []string, ls *loadState) (any, string) {
	switch p.kind {
	case kBool:
		switch lower(args[0]) {
		case "yes":
			return true, ""
		case "no":
			return false, ""
		}
		return nil, "argument must be 'yes' or 'no'"
	case kNum:
		v, err := p.parseNum(args[0])
		if err != "" {
			return nil, err
		}
		if err := p.checkBounds(v); err != "" {
			return nil, err
		}
		if p.clamp != nil {
			v = p.clamp(v)
		}
		return v, ""
	case kEnum:
		v, ok := p.enumValue(args)
		if !ok {
			names := make([]string, len(p.enum))
			for i, e := range p.enum {
				names[i] = e.name
			}
			return nil, "argument(s) must be one of the following: " + strings.Join(names, ", ")
		}
		if p.validEnum != nil {
			if err := p.validEnum(v); err != "" {
				return nil, err
			}
		}
		return v, ""
	case kString:
		if p.validStr != nil {
			if err := p.validStr(args[0]); err != "" {
				return nil, err
			}
		}
		return args[0], ""
	}
	return p.parseFn(cur, args, ls)
}

// format is the CONFIG GET text of v.
func (p *param) format(v any) string {
	switch p.kind {
	case kBool:
		if v.(bool) {
			return "yes"
		}
		return "no"
	case kNum:
		n := v.(int64)
		switch {
		case p.nflags&nPercent != 0 && n < 0:
			return strconv.FormatInt(-n, 10) + "%"
		case p.nflags&nMemory != 0:
			return strconv.FormatUint(uint64(n), 10)
		case p.nflags&nOctal != 0:
			return strconv.FormatInt(n, 8)
		}
		return strconv.FormatInt(n, 10)
	case kEnum:
		return p.enumName(v.(int))
	case kString:
		return v.(string)
	}
	return p.formatFn(v)
}

// parseNum reads a number as Redis's numeric configs do.
func (p *param) parseNum(s string) (int64, string) {
	if p.nflags&nMemory != 0 {
		if v, ok := memToULL(s); ok {
			return int64(v), ""
		}
	}
	if p.nflags&nPercent != 0 && len(s) > 1 && s[len(s)-1] == '%' {
		if v, ok := utils.ParseIntString(s[:len(s)-1]); ok && v >= 0 {
			return -v, ""
		}
	}
	if p.nflags&nOctal != 0 {
		if v, ok := strtoll(s, 8); ok {
			return v, ""
		}
	}
	if p.nflags == 0 {
		if v, ok := utils.ParseIntString(s); ok {
			return v, ""
		}
	}
	switch {
	case p.nflags&nMemory != 0 && p.nflags&nPercent != 0:
		return 0, "argument must be a memory or percent value"
	case p.nflags&nMemory != 0:
		return 0, "argument must be a memory value"
	case p.nflags&nOctal != 0:
		return 0, "argument couldn't be parsed as an octal number"
	}
	return 0, "argument couldn't be parsed into an integer"
}

func (p *param) checkBounds(v int64) string {
	if p.unsigned {
		u, lo, hi := uint64(v), uint64(p.lo), uint64(p.hi)
		if u > hi || u < lo {
			if p.nflags&nOctal != 0 {
				return "argument must be between " + strconv.FormatUint(lo, 8) + " and " +
					strconv.FormatUint(hi, 8) + " inclusive"
			}
			return "argument must be between " + strconv.FormatUint(lo, 10) + " and " +
				strconv.FormatUint(hi, 10) + " inclusive"
		}
		return ""
	}
	if p.nflags&nPercent != 0 && v < 0 {
		if v < p.lo {
			return "percentage argument must be less or equal to " + strconv.FormatInt(-p.lo, 10)
		}
		return ""
	}
	if v > p.hi || v < p.lo {
		return "argument must be between " + strconv.FormatInt(p.lo, 10) + " and " +
			strconv.FormatInt(p.hi, 10) + " inclusive"
	}
	return ""
}

func (p *param) enumValue(args []string) (int, bool) {
	if len(args) == 0 || (!p.bits && len(args) != 1) {
		return 0, false
	}
	v := 0
	for _, a := range args {
		matched := false
		for _, e := range p.enum {
			if equalFold(a, e.name) {
				v |= e.val
				matched = true
			}
		}
		if !matched {
			return 0, false
		}
	}
	return v, true
}

func (p *param) enumName(v int) string {
	var names []string
	unmatched := v
	for _, e := range p.enum {
		if v == e.val {
			return e.name
		}
		if p.bits && e.val != 0 && e.val == unmatched&e.val {
			names = append(names, e.name)
			unmatched &^= e.val
		}
	}
	if len(names) == 0 || unmatched != 0 {
		return "unknown"
	}
	return strings.Join(names, " ")
}

// enumByName returns the value of an enum name (the default in the table).
func (p *param) enumByName(name string) int {
	for _, e := range p.enum {
		if e.name == name {
			return e.val
		}
	}
	panic("config: bad enum default " + name + " for " + p.name)
}

// memToULL parses a memory amount as Redis's memtoull: digits then an
// optional unit (b, k, kb, m, mb, g, gb, any case). Like Redis it takes an
// empty number as 0, saturates an overlong one and wraps on multiplying.
func memToULL(s string) (uint64, bool) {
	if strings.HasPrefix(s, "-") {
		return 0, false
	}
	i := 0
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	var mul uint64
	switch lower(s[i:]) {
	case "", "b":
		mul = 1
	case "k":
		mul = 1000
	case "kb":
		mul = 1024
	case "m":
		mul = 1000 * 1000
	case "mb":
		mul = 1024 * 1024
	case "g":
		mul = 1000 * 1000 * 1000
	case "gb":
		mul = 1024 * 1024 * 1024
	default:
		return 0, false
	}
	if i >= 128 {
		return 0, false
	}
	var v uint64
	for _, c := range []byte(s[:i]) {
		d := uint64(c - '0')
		if v > (math.MaxUint64-d)/10 {
			v = math.MaxUint64
			break
		}
		v = v*10 + d
	}
	return v * mul, true
}

// strtoll is C's strtoll on the whole string: leading white space, an
// optional sign, digits of the base; an empty string is 0. It fails on
// leftovers and on overflow.
func strtoll(s string, base int) (int64, bool) {
	v, ok, overflow := strtollC(s, base)
	if !ok || overflow {
		return 0, false
	}
	return v, true
}

// strtollSat is strtoll without the overflow check, saturating as C's
// strtoll does when the caller ignores errno.
func strtollSat(s string, base int) (int64, bool) {
	v, ok, _ := strtollC(s, base)
	return v, ok
}

func strtollC(s string, base int) (v int64, ok, overflow bool) {
	i := 0
	for i < len(s) && isCSpace(s[i]) {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	digits := i
	var u uint64
	for i < len(s) {
		d := digitVal(s[i])
		if d >= base {
			break
		}
		if u > (math.MaxUint64-uint64(d))/uint64(base) {
			overflow = true
		} else {
			u = u*uint64(base) + uint64(d)
		}
		i++
	}
	if i == digits {
		// No digits: C sets the end pointer back to the start, so only
		// an empty string passes.
		return 0, len(s) == 0, false
	}
	if i != len(s) {
		return 0, false, false
	}
	switch {
	case neg && (overflow || u > 1<<63):
		return math.MinInt64, true, true
	case neg:
		return -int64(u), true, false
	case overflow || u > math.MaxInt64:
		return math.MaxInt64, true, true
	}
	return int64(u), true, false
}

func digitVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10
	}
	return 99
}

func isCSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// strerror gives the C library's text for an error carrying an errno
// ("No such file or directory").
func strerror(err error) string {
	for err != nil {
		if e, ok := err.(syscall.Errno); ok {
			return capitalize(e.Error())
		}
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			break
		}
		err = u.Unwrap()
	}
	if err == nil {
		return "Unknown error"
	}
	return capitalize(err.Error())
}

func capitalize(s string) string {
	if s != "" && s[0] >= 'a' && s[0] <= 'z' {
		return string(s[0]-'a'+'A') + s[1:]
	}
	return s
}

// repr quotes s as Redis's sdscatrepr.
func repr(s string) string {
	return string(utils.AppendRepr(nil, []byte(s)))
}

// splitArgs is sdssplitargs on a string.
func splitArgs(line string) ([]string, bool) {
	parts, err := utils.SplitArgs([]byte(line))
	if err != nil {
		return nil, false
	}
	out := make([]string, len(parts))
	for i, p := range parts {
		out[i] = string(p)
	}
	return out, true
}

// splitSpaces is sdssplitlen(value, " "): every single space separates,
// so runs of spaces give empty words; an empty value gives no words.
func splitSpaces(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, " ")
}

// lower folds ASCII letters only, as C's tolower in the C locale.
func lower(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' {
			b := []byte(s)
			for j := i; j < len(b); j++ {
				if b[j] >= 'A' && b[j] <= 'Z' {
					b[j] += 'a' - 'A'
				}
			}
			return string(b)
		}
	}
	return s
}

// equalFold is strcasecmp(a, b) == 0: ASCII case folding only.
func equalFold(a, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := 0; i < len(a); i++ {
		x, y := a[i], b[i]
		if x >= 'A' && x <= 'Z' {
			x += 'a' - 'A'
		}
		if y >= 'A' && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
