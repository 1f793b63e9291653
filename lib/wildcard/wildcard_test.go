package wildcard_test

import (
	"math/rand/v2"
	"sort"
	"strings"
	"testing"
	"time"

	"goredis/lib/wildcard"
	"goredis/resp/client"
	"goredis/resp/client/redistest"
)

// matchCases follow Redis 7.0's stringmatchlen; TestMatchRedis checks every
// pattern against redis-server's KEYS over all the strings below.
var matchCases = []struct {
	pattern, s string
	want       bool
}{
	{"", "", true},
	{"", "a", false},
	{"a", "", false},
	{"a", "a", true},
	{"a", "A", false},
	{"abc", "abc", true},
	{"abc", "abcd", false},
	{"abcd", "abc", false},
	// stringmatchlen("*", "") is false: KEYS and SCAN treat a lone "*" as
	// "everything" before calling the matcher.
	{"*", "", false},
	{"**", "", false},
	{"*", "a", true},
	{"*", "anything at all", true},
	{"**", "ab", true},
	{"a*", "a", true},
	{"a*", "abc", true},
	{"a*", "b", false},
	{"a**", "a", true},
	{"*a", "a", true},
	{"*a", "ba", true},
	{"*a", "ab", false},
	{"a*b", "ab", true},
	{"a*b", "acb", true},
	{"a*b", "acbd", false},
	{"a*b*c", "abbbc", true},
	{"a*b*c", "acbc", true},
	{"a*b*c", "acb", false},
	{"*b*", "abc", true},
	{"*b*", "ac", false},
	{"h*llo", "hello", true},
	{"h*llo", "hllo", true},
	{"h*llo", "heeeello", true},
	{"?", "", false},
	{"?", "a", true},
	{"?", "ab", false},
	{"??", "a", false},
	{"a?c", "abc", true},
	{"a?c", "ac", false},
	{"h?llo", "hello", true},
	{"h?llo", "hallo", true},
	{"*?", "a", true},
	{"?*", "a", true},
	{"?*?", "a", false},
	{"?*?", "ab", true},

	{"[abc]", "a", true},
	{"[abc]", "c", true},
	{"[abc]", "d", false},
	{"[abc]", "ab", false},
	{"h[ae]llo", "hello", true},
	{"h[ae]llo", "hallo", true},
	{"h[ae]llo", "hillo", false},
	{"h[^e]llo", "hallo", true},
	{"h[^e]llo", "hello", false},
	{"h[a-b]llo", "hbllo", true},
	{"h[a-b]llo", "hcllo", false},
	{"[a-z]", "m", true},
	{"[a-z]", "a", true},
	{"[a-z]", "z", true},
	{"[a-z]", "A", false},
	{"[z-a]", "m", true}, // a reversed range is swapped
	{"[^x]", "y", true},
	{"[^x]", "x", false},
	{"[^a-c]", "b", false},
	{"[^a-c]", "d", true},
	{"[a-cx-z]", "y", true},
	{"[a-cx-z]", "m", false},
	{"[]", "a", false},
	{"[]", "]", false},
	{"[]a]", "]", false},
	{"[]a]", "a", false},
	{"[^]", "a", true},
	{"[^]", "]", true},
	{"[\\]]", "]", true},
	{"[\\]a]", "a", true},
	{"[\\^]", "^", true},
	{"[a\\-z]", "-", true},
	{"[a\\-z]", "b", false},
	{"[a-]", "b", false},
	{"[a-]", "_", true}, // "a-]" is the range ']'..'a'; the class runs on
	{"[a-]", "-", false},
	{"[-a]", "-", true},
	{"[ab-]", "-", false}, // "b-]" is a range again
	{"[ab-]", "a", true},
	// An unterminated class takes what is left of the pattern.
	{"[abc", "a", true},
	{"[abc", "c", true},
	{"[abc", "d", false},
	{"[abc", "ab", false},
	{"[a-", "a", true},
	{"[a-", "-", true},
	{"[", "a", false},
	{"[^", "a", true},
	{"a[", "a", false},
	{"*[", "a", false},
	{"[a-c", "b", true},

	{"\\*", "*", true},
	{"\\*", "a", false},
	{"\\?", "?", true},
	{"\\?", "a", false},
	{"\\[a]", "[a]", true},
	{"\\[a]", "a", false},
	{"\\a", "a", true},
	{"\\\\", "\\", true},
	{"a\\", "a\\", true}, // a trailing backslash is literal
	{"a\\", "a", false},
	{"\\", "\\", true},
	{"*\\*", "abc*", true},
	{"*\\*", "abc", false},
	{"a\\*b", "a*b", true},
	{"a\\*b", "axb", false},

	{"\x00", "\x00", true},
	{"a\x00*", "a\x00bc", true},
	{"*\x00", "ab\x00", true},
	{"\xff", "\xff", true},
	{"[\xc0]", "\xc0", true},
	{"?", "\xff", true},
	{"*", "\x00", true},
}

func TestMatch(t *testing.T) {
	for _, c := range matchCases {
		if got := wildcard.Match([]byte(c.pattern), []byte(c.s)); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
		if got := wildcard.MatchString(c.pattern, c.s); got != c.want {
			t.Errorf("MatchString(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

func TestMatchNoCase(t *testing.T) {
	cases := []struct {
		pattern, s string
		want       bool
	}{
		{"HeLLo*", "hello world", true},
		{"hello", "HELLO", true},
		{"h?LLO", "Hello", true},
		{"[A-Z]", "m", true},
		{"[a-z]", "M", true},
		{"[abc]", "B", true},
		{"[^A]", "a", false},
		{"[^A]", "b", true},
		{"maxmemory*", "MAXMEMORY-POLICY", true},
		// Escapes compare bytes exactly, in a class and outside.
		{"[\\A]", "a", false},
		{"[\\A]", "A", true},
		{"\\A", "a", true}, // outside a class the escaped byte follows nocase
		{"x", "y", false},
	}
	for _, c := range cases {
		if got := wildcard.MatchNoCase(c.pattern, c.s); got != c.want {
			t.Errorf("MatchNoCase(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
	if wildcard.MatchString("HELLO", "hello") {
		t.Error("MatchString ignores case")
	}
}

// TestMatchNesting pins the recursion limit: more than 1000 nested '*'
// never match, as in Redis 7.0.
func TestMatchNesting(t *testing.T) {
	for _, c := range []struct {
		n       int
		pattern string
		want    bool
	}{
		{999, "*a", true},
		{1000, "*a", true},
		{1001, "*a", false},
		{1002, "*a", false},
		{1001, "a*", true},
		{1002, "a*", false},
	} {
		s := strings.Repeat("a", c.n)
		p := strings.Repeat(c.pattern, c.n)
		if got := wildcard.MatchString(p, s); got != c.want {
			t.Errorf("Match(%q x %d, %d a's) = %v, want %v", c.pattern, c.n, c.n, got, c.want)
		}
	}
}

// TestMatchPathological checks patterns that take exponential time without
// Redis's early exit and nesting limit. Each must finish quickly.
func TestMatchPathological(t *testing.T) {
	for _, c := range []struct {
		name, pattern, s string
		want             bool
	}{
		{"a*a*...b", strings.Repeat("a*", 32) + "b", strings.Repeat("a", 67), false},
		{"*?x50000", strings.Repeat("*?", 50000), strings.Repeat("a", 50000), false},
		{"*x100000 a", strings.Repeat("*", 100000) + "a", strings.Repeat("b", 10000) + "a", true},
		{"*a*b*c*d*e*f*g*h nomatch", "*a*b*c*d*e*f*g*h", strings.Repeat("abcdefg", 2000), false},
		{"?x10000", strings.Repeat("?", 10000), strings.Repeat("x", 10000), true},
		{"[a-z]x10000", strings.Repeat("[a-z]", 10000), strings.Repeat("q", 10000), true},
	} {
		start := time.Now()
		got := wildcard.MatchString(c.pattern, c.s)
		if got != c.want {
			t.Errorf("%s: got %v, want %v", c.name, got, c.want)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("%s: took %v", c.name, d)
		}
	}
}

// TestMatchSignedCharRanges records how Redis compares range bounds: as C
// chars, which are signed on x86-64, so bytes >= 0x80 sort below 'a'.
func TestMatchSignedCharRanges(t *testing.T) {
	for _, c := range signedRangeCases {
		if got := wildcard.MatchString(c.pattern, c.s); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.pattern, c.s, got, c.want)
		}
	}
}

var signedRangeCases = []struct {
	pattern, s string
	want       bool
}{
	// "[a-\xff]" is the range -1..97 in Redis.
	{"[a-\xff]", "A", true},
	{"[a-\xff]", "\xff", true},
	{"[a-\xff]", "-", true},
	{"[a-\xff]", "a", true},
	{"[a-\xff]", "b", false},
	{"[a-\xff]", "\xc0", false},
	{"[^a-\xff]", "b", true},
	{"[\x80-\xff]", "\xc0", true},
	{"[\x01-\xc0]", "\xff", true},
	{"[\x01-\xc0]", "A", false},
}

// keysOf returns the keys of ss that match pattern, sorted.
func keysOf(pattern string, ss []string) []string {
	var out []string
	for _, s := range ss {
		if wildcard.MatchString(pattern, s) {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

func sortedStrings(v client.Value) []string {
	out := make([]string, 0, len(v.Elems))
	for _, e := range v.Elems {
		out = append(out, e.Text())
	}
	sort.Strings(out)
	return out
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestMatchRedis stores every string of matchCases as a key and compares
// KEYS <pattern> with Match over the same keys, for the table's patterns
// and for random ones (seed printed).
func TestMatchRedis(t *testing.T) {
	rc := redistest.Start(t).Dial(t)
	keySet := map[string]bool{}
	for _, c := range matchCases {
		keySet[c.s] = true
	}
	for _, c := range signedRangeCases {
		keySet[c.s] = true
	}
	seed := rand.Uint64()
	t.Logf("seed %d", seed)
	r := rand.New(rand.NewPCG(seed, 2))
	const keyAlphabet = "ab-]^\\*?["
	for i := 0; i < 60; i++ {
		b := make([]byte, r.IntN(7))
		for j := range b {
			b[j] = keyAlphabet[r.IntN(len(keyAlphabet))]
		}
		keySet[string(b)] = true
	}
	var keys []string
	args := []string{"MSET"}
	for k := range keySet {
		keys = append(keys, k)
		args = append(args, k, "1")
	}
	rc.Do("FLUSHALL")
	rc.Do(args...)

	check := func(pattern string) {
		t.Helper()
		if pattern == "*" {
			return // KEYS special-cases it
		}
		want := sortedStrings(rc.Do("KEYS", pattern))
		if got := keysOf(pattern, keys); !equalStrings(got, want) {
			t.Errorf("pattern %q: Redis KEYS %q, Match %q (seed %d)", pattern, want, got, seed)
		}
	}
	for _, c := range matchCases {
		check(c.pattern)
	}
	const patAlphabet = "ab-]^\\*?[[*"
	for i := 0; i < 400; i++ {
		b := make([]byte, r.IntN(9))
		for j := range b {
			b[j] = patAlphabet[r.IntN(len(patAlphabet))]
		}
		check(string(b))
	}

	// The signed-char rows: Redis must give what the skipped test expects.
	for _, c := range signedRangeCases {
		found := false
		for _, k := range sortedStrings(rc.Do("KEYS", c.pattern)) {
			if k == c.s {
				found = true
			}
		}
		if found != c.want {
			t.Errorf("Redis KEYS %q has %q = %v; signedRangeCases says %v", c.pattern, c.s, found, c.want)
		}
	}

	// The nesting limit, through KEYS.
	for _, n := range []int{1000, 1001} {
		rc.Do("FLUSHALL")
		s := strings.Repeat("a", n)
		rc.Do("SET", s, "1")
		p := strings.Repeat("*a", n)
		want := sortedStrings(rc.Do("KEYS", p))
		if got := keysOf(p, []string{s}); !equalStrings(got, want) {
			t.Errorf("'*a' x %d: Redis has %d keys, Match %d", n, len(want), len(got))
		}
	}
}

func FuzzMatch(f *testing.F) {
	for _, c := range matchCases {
		f.Add(c.pattern, c.s)
	}
	f.Fuzz(func(t *testing.T, pattern, s string) {
		got := wildcard.MatchString(pattern, s)
		// A pattern with no special bytes matches exactly itself.
		if !strings.ContainsAny(pattern, "*?[\\") && got != (pattern == s) {
			t.Fatalf("Match(%q, %q) = %v", pattern, s, got)
		}
		// Escaping every byte of s gives a pattern matching only s.
		var esc strings.Builder
		for i := 0; i < len(s); i++ {
			esc.WriteByte('\\')
			esc.WriteByte(s[i])
		}
		if !wildcard.MatchString(esc.String(), s) {
			t.Fatalf("escaped %q does not match itself", s)
		}
		if len(s) > 0 && !wildcard.MatchString("*", s) {
			t.Fatalf("* does not match %q", s)
		}
		if wildcard.MatchString(pattern, s) != got {
			t.Fatal("not deterministic")
		}
		if wildcard.MatchNoCase(pattern, s) != wildcard.MatchNoCase(strings.ToUpper(pattern), strings.ToUpper(s)) && isASCII(pattern+s) && !strings.Contains(pattern, "\\") && !strings.Contains(pattern, "[") {
			t.Fatalf("MatchNoCase(%q, %q) depends on case", pattern, s)
		}
	})
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}
