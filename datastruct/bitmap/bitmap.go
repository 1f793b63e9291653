// Package bitmap reads and changes strings as arrays of bits, numbered as
// Redis numbers them: bit 0 is the most significant bit of byte 0.
//
// Reads take a string (a stored value, never copied); changes work on a
// []byte the caller owns.
package bitmap

import (
	"encoding/binary"
	"math/bits"
)

// Get returns bit off of s; bits past the end are 0.
func Get(s string, off uint64) int {
	i := off >> 3
	if i >= uint64(len(s)) {
		return 0
	}
	return int(s[i]>>(7-off&7)) & 1
}

// Set sets bit off of b (which must hold it) to v (0 or 1) and returns the
// bit's old value.
func Set(b []byte, off uint64, v int) int {
	i := off >> 3
	shift := 7 - off&7
	old := int(b[i]>>shift) & 1
	b[i] = b[i]&^(1<<shift) | byte(v&1)<<shift
	return old
}

// load64 reads 8 bytes of s from i, big-endian, so that bit order within
// the word is the bitmap's order.
func load64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i])<<56 | uint64(s[i+1])<<48 | uint64(s[i+2])<<40 |
		uint64(s[i+3])<<32 | uint64(s[i+4])<<24 | uint64(s[i+5])<<16 |
		uint64(s[i+6])<<8 | uint64(s[i+7])
}

// PopCount returns the number of set bits in s.
func PopCount(s string) int64 {
	var n int
	i := 0
	for ; i+32 <= len(s); i += 32 {
		n += bits.OnesCount64(load64(s, i)) + bits.OnesCount64(load64(s, i+8)) +
			bits.OnesCount64(load64(s, i+16)) + bits.OnesCount64(load64(s, i+24))
	}
	for ; i+8 <= len(s); i += 8 {
		n += bits.OnesCount64(load64(s, i))
	}
	for ; i < len(s); i++ {
		n += bits.OnesCount8(s[i])
	}
	return int64(n)
}

// CountRange returns the number of set bits among bits from..to
// (inclusive) of s; both must lie within s and from <= to.
func CountRange(s string, from, to uint64) int64 {
	fb, tb := from>>3, to>>3
	n := PopCount(s[fb : tb+1])
	// Drop the bits of the edge bytes outside the range.
	n -= int64(bits.OnesCount8(s[fb] & ^byte(0xff>>(from&7))))
	n -= int64(bits.OnesCount8(s[tb] & byte(0xff>>(to&7+1))))
	return n
}

// Pos returns the position of the first bit equal to bit (0 or 1) among
// bits from..to (inclusive) of s, or -1 if there is none. Both must lie
// within s and from <= to.
func Pos(s string, bit int, from, to uint64) int64 {
	var skip byte // a byte with no bit of interest
	if bit == 0 {
		skip = 0xff
	}
	skipWord := uint64(skip) * 0x0101010101010101
	fb, tb := from>>3, to>>3
	for i := fb; i <= tb; {
		// Whole words strictly inside the range need no masking.
		if i > fb && i+8 <= tb && load64(s, int(i)) == skipWord {
			i += 8
			continue
		}
		c := s[i]
		// Bits of the edge bytes outside the range are made to look
		// like uninteresting bits.
		if i == fb {
			mask := ^byte(0xff >> (from & 7)) // bits before from
			c = c&^mask | skip&mask
		}
		if i == tb {
			mask := byte(0xff >> (to&7 + 1)) // bits after to
			c = c&^mask | skip&mask
		}
		if c != skip {
			if bit == 0 {
				c = ^c
			}
			return int64(i*8) + int64(bits.LeadingZeros8(c))
		}
		i++
	}
	return -1
}

// GetUnsigned returns the width-bit unsigned integer (width 1..64) stored
// most significant bit first at bit off of s; bits past the end are 0.
func GetUnsigned(s string, off uint64, width int) uint64 {
	var v uint64
	for j := 0; j < width; j++ {
		v = v<<1 | uint64(Get(s, off+uint64(j)))
	}
	return v
}

// GetSigned is GetUnsigned read as a two's complement width-bit integer.
func GetSigned(s string, off uint64, width int) int64 {
	v := GetUnsigned(s, off, width)
	if width < 64 && v>>(width-1)&1 == 1 {
		v |= ^uint64(0) << width
	}
	return int64(v)
}

// SetUnsigned stores the low width bits of v most significant bit first at
// bit off of b, which must hold them.
func SetUnsigned(b []byte, off uint64, width int, v uint64) {
	for j := 0; j < width; j++ {
		Set(b, off+uint64(j), int(v>>(width-1-j))&1)
	}
}

// Op is a BITOP operation.
type Op int

const (
	And Op = iota
	Or
	Xor
	Not
)

// Apply computes op over srcs (Not takes one), shorter strings padded with
// zero bytes to the longest. It returns nil when every source is empty.
func Apply(op Op, srcs []string) []byte {
	n := 0
	for _, s := range srcs {
		n = max(n, len(s))
	}
	if n == 0 {
		return nil
	}
	res := make([]byte, n)
	if op == Not {
		s := srcs[0]
		i := 0
		for ; i+8 <= n; i += 8 {
			binary.LittleEndian.PutUint64(res[i:], ^loadLE64(s, i))
		}
		for ; i < n; i++ {
			res[i] = ^s[i]
		}
		return res
	}
	copy(res, srcs[0])
	for _, s := range srcs[1:] {
		if op == And {
			clear(res[len(s):]) // bytes past the end of s are 0
		}
		i := 0
		for ; i+8 <= len(s); i += 8 {
			w, v := binary.LittleEndian.Uint64(res[i:]), loadLE64(s, i)
			switch op {
			case And:
				w &= v
			case Or:
				w |= v
			case Xor:
				w ^= v
			}
			binary.LittleEndian.PutUint64(res[i:], w)
		}
		for ; i < len(s); i++ {
			switch op {
			case And:
				res[i] &= s[i]
			case Or:
				res[i] |= s[i]
			case Xor:
				res[i] ^= s[i]
			}
		}
	}
	return res
}

// loadLE64 reads 8 bytes of s from i in machine-friendly order, for
// operations where bit order does not matter.
func loadLE64(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 |
		uint64(s[i+3])<<24 | uint64(s[i+4])<<32 | uint64(s[i+5])<<40 |
		uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}
