// Package wildcard matches glob patterns with Redis's rules (util.c
// stringmatchlen): '*', '?', '[a-z]', '[^x]' and '\' escapes. It is the one
// matcher for KEYS, SCAN MATCH, PSUBSCRIBE and CONFIG GET.
package wildcard

// maxNesting bounds recursion on patterns with many '*', as Redis does.
const maxNesting = 1000

// Match reports whether s matches pattern.
func Match(pattern, s []byte) bool {
	skip := false
	return match(pattern, s, false, &skip, 0)
}

// MatchString is Match for strings.
func MatchString(pattern, s string) bool {
	skip := false
	return match([]byte(pattern), []byte(s), false, &skip, 0)
}

// MatchNoCase is Match ignoring ASCII case (CONFIG GET).
func MatchNoCase(pattern, s string) bool {
	skip := false
	return match([]byte(pattern), []byte(s), true, &skip, 0)
}

func lower(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}

func eq(a, b byte, nocase bool) bool {
	if nocase {
		return lower(a) == lower(b)
	}
	return a == b
}

func match(p, s []byte, nocase bool, skipLonger *bool, nesting int) bool {
	if nesting > maxNesting {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for len(s) > 0 {
				if match(p[1:], s, nocase, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
				s = s[1:]
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			p = p[1:]
			not := len(p) > 0 && p[0] == '^'
			if not {
				p = p[1:]
			}
			matched := false
			for {
				if len(p) == 0 {
					// Unterminated class: Redis steps back so the outer
					// loop consumes the last byte of the pattern.
					p = p[:0:0]
					break
				}
				if p[0] == '\\' && len(p) >= 2 {
					p = p[1:]
					if p[0] == s[0] {
						matched = true
					}
				} else if p[0] == ']' {
					break
				} else if len(p) >= 3 && p[1] == '-' {
					// C compares these as (signed) chars: bytes from 0x80
					// sort below ASCII.
					start, end, c := int8(p[0]), int8(p[2]), int8(s[0])
					if start > end {
						start, end = end, start
					}
					if nocase {
						start, end, c = int8(lower(byte(start))), int8(lower(byte(end))), int8(lower(byte(c)))
					}
					p = p[2:]
					if c >= start && c <= end {
						matched = true
					}
				} else if eq(p[0], s[0], nocase) {
					matched = true
				}
				p = p[1:]
			}
			if not {
				matched = !matched
			}
			if !matched {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if !eq(p[0], s[0], nocase) {
				return false
			}
			s = s[1:]
		}
		if len(p) > 0 {
			p = p[1:]
		}
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}
