package utils

import "errors"

// ErrUnbalancedQuotes is returned by SplitArgs for unterminated quotes or a
// closing quote followed by something other than a space.
var ErrUnbalancedQuotes = errors.New("unbalanced quotes")

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10
	}
	return c - 'A' + 10
}

// SplitArgs splits a line into arguments as Redis's sdssplitargs does:
// whitespace separates, "double quotes" take \n \r \t \b \a \xHH and \<c>
// escapes, 'single quotes' take only \'. A NUL byte ends the line, as it
// does for the C function.
func SplitArgs(line []byte) ([][]byte, error) {
	at := func(i int) byte {
		if i < len(line) {
			return line[i]
		}
		return 0
	}
	var args [][]byte
	p := 0
	for {
		for at(p) != 0 && isSpace(at(p)) {
			p++
		}
		if at(p) == 0 {
			return args, nil
		}
		var quote byte // '"' or '\'' inside quotes, 0 outside
		done := false
		cur := []byte{}
		for !done {
			c := at(p)
			switch {
			case quote == '"' && c == '\\' && at(p+1) == 'x' && isHex(at(p+2)) && isHex(at(p+3)):
				cur = append(cur, hexVal(at(p+2))<<4|hexVal(at(p+3)))
				p += 3
			case quote == '"' && c == '\\' && at(p+1) != 0:
				p++
				switch e := at(p); e {
				case 'n':
					cur = append(cur, '\n')
				case 'r':
					cur = append(cur, '\r')
				case 't':
					cur = append(cur, '\t')
				case 'b':
					cur = append(cur, '\b')
				case 'a':
					cur = append(cur, '\a')
				default:
					cur = append(cur, e)
				}
			case quote == '\'' && c == '\\' && at(p+1) == '\'':
				p++
				cur = append(cur, '\'')
			case quote != 0 && c == quote:
				// A closing quote must end the argument.
				if n := at(p + 1); n != 0 && !isSpace(n) {
					return nil, ErrUnbalancedQuotes
				}
				done = true
			case quote != 0 && c == 0:
				return nil, ErrUnbalancedQuotes
			case quote != 0:
				cur = append(cur, c)
			default:
				switch c {
				case ' ', '\n', '\r', '\t', 0:
					done = true
				case '"', '\'':
					quote = c
				default:
					cur = append(cur, c)
				}
			}
			if at(p) != 0 {
				p++
			}
		}
		args = append(args, cur)
	}
}
