// Package hll implements HyperLogLog sketches in the byte layout Redis 7.0
// stores as string values, so that the bytes and the estimates are the
// same as Redis's for the same input.
//
// Layout: a 16-byte header ("HYLL", one encoding byte, three zero bytes,
// the cached cardinality as 8 bytes little endian whose top bit set means
// "stale") followed by the registers, either dense (16384 6-bit registers
// packed from the least significant bit of each byte up, 12288 bytes) or
// sparse (a run-length code of ZERO, XZERO and VAL opcodes).
//
// Functions take and return []byte: a sparse sketch may grow, so callers
// keep the returned slice. The package knows nothing of commands.
package hll

import (
	"encoding/binary"
	"math"
	"math/bits"
	"strconv"
	"strings"
)

const (
	// P is the number of hash bits that pick a register.
	P = 14
	// Q is the number of hash bits left for the run of zeros.
	Q = 64 - P
	// NumRegisters is the number of registers (16384).
	NumRegisters = 1 << P
	// RegisterBits is the width of a dense register.
	RegisterBits = 6
	// RegisterMax is the largest value a dense register holds.
	RegisterMax = 1<<RegisterBits - 1
	// HeaderSize is the size of the header before the registers.
	HeaderSize = 16
	// DenseSize is the exact length of a dense sketch.
	DenseSize = HeaderSize + (NumRegisters*RegisterBits+7)/8
	// Seed is the MurmurHash64A seed Redis hashes elements with.
	Seed = 0xadc83b19

	// Dense and Sparse are the values of the encoding byte.
	Dense  = 0
	Sparse = 1

	// Sparse opcodes.
	sparseXZeroBit   = 0x40 // 01xxxxxx yyyyyyyy
	sparseValBit     = 0x80 // 1vvvvvxx
	sparseValMax     = 32   // largest value a VAL opcode holds
	sparseValMaxLen  = 4    // longest run of a VAL opcode
	sparseZeroMaxLen = 64   // longest run of a ZERO opcode
	sparseXZeroMax   = 16384

	cardOffset = 8 // the cached cardinality in the header
)

const alphaInf = 0.721347520444481703680 // 0.5/ln(2)

// MurmurHash64A is the 64-bit MurmurHash2 as Redis uses it (bytes read
// little endian whatever the machine).
func MurmurHash64A(key []byte, seed uint32) uint64 {
	const m = 0xc6a4a7935bd1e995
	const r = 47
	h := uint64(seed) ^ uint64(len(key))*m
	n := len(key) &^ 7
	for i := 0; i < n; i += 8 {
		k := binary.LittleEndian.Uint64(key[i:])
		k *= m
		k ^= k >> r
		k *= m
		h ^= k
		h *= m
	}
	tail := key[n:]
	if len(tail) > 0 {
		for i := len(tail) - 1; i >= 0; i-- {
			h ^= uint64(tail[i]) << (8 * i)
		}
		h *= m
	}
	h ^= h >> r
	h *= m
	h ^= h >> r
	return h
}

// PatLen hashes an element and returns the register it addresses and the
// length of the 0…01 pattern in the remaining bits (1 to Q+1).
func PatLen(ele []byte) (index int, count uint8) {
	hash := MurmurHash64A(ele, Seed)
	index = int(hash & (NumRegisters - 1))
	hash >>= P
	hash |= 1 << Q // the run ends at Q+1 at most
	return index, uint8(bits.TrailingZeros64(hash) + 1)
}

// Valid reports whether s is a string Redis accepts as a HyperLogLog: a
// header with the magic and a known encoding, and the exact length when
// dense. A sparse body is checked only when it is read.
func Valid(s string) bool {
	if len(s) < HeaderSize || s[:4] != "HYLL" || s[4] > Sparse {
		return false
	}
	return s[4] != Dense || len(s) == DenseSize
}

// New returns an empty sketch: sparse, one XZERO covering every register,
// cached cardinality 0.
func New() []byte {
	b := make([]byte, HeaderSize, HeaderSize+2)
	copy(b, "HYLL")
	b[4] = Sparse
	for left := NumRegisters; left > 0; {
		n := min(left, sparseXZeroMax)
		b = appendXZero(b, n)
		left -= n
	}
	return b
}

// Encoding returns the encoding byte of a valid sketch.
func Encoding(b []byte) byte { return b[4] }

// CachedCard returns the cached cardinality and whether it is current.
func CachedCard(b []byte) (uint64, bool) {
	if b[cardOffset+7]&0x80 != 0 {
		return 0, false
	}
	return binary.LittleEndian.Uint64(b[cardOffset:]), true
}

// SetCachedCard stores card as the cached cardinality (its top bit, if
// set, makes the cache stale as in Redis).
func SetCachedCard(b []byte, card uint64) {
	binary.LittleEndian.PutUint64(b[cardOffset:], card)
}

// InvalidateCache marks the cached cardinality stale.
func InvalidateCache(b []byte) { b[cardOffset+7] |= 0x80 }

// ---- dense registers

// getDense returns register i of dense registers r. The last register
// ends inside the last byte; the byte after it reads as 0, as the NUL
// terminator Redis's strings carry does.
func getDense(r []byte, i int) uint8 {
	pos := i * RegisterBits / 8
	fb := uint(i * RegisterBits & 7)
	b0 := uint(r[pos])
	var b1 uint
	if pos+1 < len(r) {
		b1 = uint(r[pos+1])
	}
	return uint8((b0>>fb | b1<<(8-fb)) & RegisterMax)
}

// setDense sets register i of dense registers r to v (v <= RegisterMax).
func setDense(r []byte, i int, v uint8) {
	pos := i * RegisterBits / 8
	fb := uint(i * RegisterBits & 7)
	val := uint(v)
	r[pos] &^= byte(RegisterMax << fb)
	r[pos] |= byte(val << fb)
	if pos+1 < len(r) {
		r[pos+1] &^= byte(RegisterMax >> (8 - fb))
		r[pos+1] |= byte(val >> (8 - fb))
	}
}

// denseSet raises register i to count; it reports whether it changed.
func denseSet(r []byte, i int, count uint8) bool {
	if count > getDense(r, i) {
		setDense(r, i, count)
		return true
	}
	return false
}

// denseHisto adds the dense registers' values to h.
func denseHisto(r []byte, h *[64]int) {
	// Four registers per three bytes.
	for p := 0; p+2 < len(r); p += 3 {
		b0, b1, b2 := r[p], r[p+1], r[p+2]
		h[b0&63]++
		h[(b0>>6|b1<<2)&63]++
		h[(b1>>4|b2<<4)&63]++
		h[b2>>2]++
	}
}

// ---- sparse opcodes

func isZero(op byte) bool  { return op&0xc0 == 0 }
func isXZero(op byte) bool { return op&0xc0 == sparseXZeroBit }
func isVal(op byte) bool   { return op&sparseValBit != 0 }
func zeroLen(op byte) int  { return int(op&0x3f) + 1 }
func valValue(op byte) int { return int(op>>2&0x1f) + 1 }
func valLen(op byte) int   { return int(op&3) + 1 }

// xzeroLen reads the XZERO at b[p]; a second byte past the end reads as
// 0, as Redis's NUL terminator does for a truncated body.
func xzeroLen(b []byte, p int) int {
	var lo int
	if p+1 < len(b) {
		lo = int(b[p+1])
	}
	return (int(b[p]&0x3f)<<8 | lo) + 1
}

func valOp(v, n int) byte { return byte((v-1)<<2|(n-1)) | sparseValBit }
func zeroOp(n int) byte   { return byte(n - 1) }
func appendXZero(b []byte, n int) []byte {
	return append(b, byte((n-1)>>8)|sparseXZeroBit, byte((n-1)&0xff))
}

// appendZeros appends the shortest opcode for a run of n zero registers
// (ZERO up to 64, else XZERO).
func appendZeros(b []byte, n int) []byte {
	if n > sparseZeroMaxLen {
		return appendXZero(b, n)
	}
	return append(b, zeroOp(n))
}

// sparseRuns calls fn for each VAL run of a sparse body (start register,
// length, value) and returns the number of registers the body covers; it
// stops early, reporting ok false, when a VAL run would pass the last
// register.
func sparseRuns(b []byte, fn func(start, n, v int)) (covered int, ok bool) {
	idx := 0
	for p := HeaderSize; p < len(b); {
		op := b[p]
		switch {
		case isZero(op):
			idx += zeroLen(op)
			p++
		case isXZero(op):
			idx += xzeroLen(b, p)
			p += 2
		default:
			n, v := valLen(op), valValue(op)
			if idx+n > NumRegisters {
				return idx, false
			}
			fn(idx, n, v)
			idx += n
			p++
		}
	}
	return idx, true
}

// ToDense converts a sparse sketch to a dense one (header and cached
// cardinality kept); a dense one is returned as it is. ok is false when
// the sparse body is corrupt.
func ToDense(b []byte) (out []byte, ok bool) {
	if b[4] == Dense {
		return b, true
	}
	d := make([]byte, DenseSize)
	copy(d, b[:HeaderSize])
	d[4] = Dense
	r := d[HeaderSize:]
	covered, ok := sparseRuns(b, func(start, n, v int) {
		for i := start; i < start+n; i++ {
			setDense(r, i, uint8(v))
		}
	})
	if !ok || covered != NumRegisters {
		return b, false
	}
	return d, true
}

// Set raises register index to count (1..Q+1) if it is lower. maxSparse
// is hll-sparse-max-bytes: a sparse sketch that would outgrow it, or that
// needs a value a VAL opcode cannot hold, becomes dense. It returns the
// sketch (possibly reallocated) and 1 when a register changed, 0 when
// not, -1 when the sparse body is corrupt (the sketch is then returned
// as it was left, which may be partly changed, as in Redis).
func Set(b []byte, index int, count uint8, maxSparse int64) ([]byte, int) {
	if b[4] == Dense {
		if denseSet(b[HeaderSize:], index, count) {
			return b, 1
		}
		return b, 0
	}
	return sparseSet(b, index, count, maxSparse)
}

// DenseWouldChange reports whether adding any of elems to the dense
// sketch b would raise a register, so callers can skip copying b when
// nothing changes.
func DenseWouldChange(b []byte, elems [][]byte) bool {
	r := b[HeaderSize:]
	for _, e := range elems {
		if index, count := PatLen(e); count > getDense(r, index) {
			return true
		}
	}
	return false
}

// Add adds an element; see Set for the results.
func Add(b []byte, ele []byte, maxSparse int64) ([]byte, int) {
	index, count := PatLen(ele)
	return Set(b, index, count, maxSparse)
}

func sparseSet(b []byte, index int, count uint8, maxSparse int64) ([]byte, int) {
	if count > sparseValMax {
		return promote(b, index, count)
	}
	// Find the opcode covering index.
	p, prev, first, span, oplen := HeaderSize, -1, 0, 0, 0
	for p < len(b) {
		op := b[p]
		oplen = 1
		switch {
		case isZero(op):
			span = zeroLen(op)
		case isVal(op):
			span = valLen(op)
		default:
			span = xzeroLen(b, p)
			oplen = 2
		}
		if index <= first+span-1 {
			break
		}
		prev = p
		p += oplen
		first += span
	}
	if span == 0 || p >= len(b) {
		return b, -1
	}
	op := b[p]
	last := first + span - 1
	switch {
	case isVal(op):
		cur := valValue(op)
		if cur >= int(count) {
			return b, 0
		}
		if span == 1 {
			b[p] = valOp(int(count), 1)
			return sparseUpdated(b, prev), 1
		}
	case isZero(op) && span == 1:
		b[p] = valOp(int(count), 1)
		return sparseUpdated(b, prev), 1
	}
	// Split the opcode into up to three: what precedes index, index, and
	// what follows it.
	var seqBuf [5]byte
	seq := seqBuf[:0]
	if isVal(op) {
		cur := valValue(op)
		if index != first {
			seq = append(seq, valOp(cur, index-first))
		}
		seq = append(seq, valOp(int(count), 1))
		if index != last {
			seq = append(seq, valOp(cur, last-index))
		}
	} else {
		if index != first {
			seq = appendZeros(seq, index-first)
		}
		seq = append(seq, valOp(int(count), 1))
		if index != last {
			seq = appendZeros(seq, last-index)
		}
	}
	delta := len(seq) - oplen
	if delta > 0 && int64(len(b)+delta) > maxSparse {
		return promote(b, index, count)
	}
	switch {
	case p+oplen > len(b):
		// An XZERO cut in half at the end (its length read the missing
		// byte as 0). Redis writes the new opcodes from p but adjusts the
		// length by the difference to the full XZERO: keep that many.
		n := len(b) + delta
		b = append(b[:p], seq...)[:n]
	case delta > 0:
		b = append(b, seq[:delta]...) // room
		copy(b[p+len(seq):], b[p+oplen:len(b)-delta])
	case delta < 0: // cannot happen: a split never shrinks
		copy(b[p+len(seq):], b[p+oplen:])
		b = b[:len(b)+delta]
	}
	copy(b[p:], seq)
	return sparseUpdated(b, prev), 1
}

// sparseUpdated finishes a sparse update: adjacent VAL opcodes with the
// same value are merged while they fit one opcode, scanning up to five
// opcodes from the one before the change, and the cache is invalidated.
func sparseUpdated(b []byte, prev int) []byte {
	p := prev
	if p < 0 {
		p = HeaderSize
	}
	for scan := 5; p < len(b) && scan > 0; scan-- {
		op := b[p]
		if isXZero(op) {
			p += 2
			continue
		}
		if isZero(op) {
			p++
			continue
		}
		if p+1 < len(b) && isVal(b[p+1]) {
			v := valValue(op)
			if v == valValue(b[p+1]) {
				if n := valLen(op) + valLen(b[p+1]); n <= sparseValMaxLen {
					b[p+1] = valOp(v, n)
					copy(b[p:], b[p+1:])
					b = b[:len(b)-1]
					continue // try the merged run with its right neighbour
				}
			}
		}
		p++
	}
	InvalidateCache(b)
	return b
}

// promote turns a sparse sketch dense and sets the register there.
func promote(b []byte, index int, count uint8) ([]byte, int) {
	d, ok := ToDense(b)
	if !ok {
		return b, -1
	}
	denseSet(d[HeaderSize:], index, count)
	return d, 1
}

// ---- counting

// Histogram counts the registers of each value. For a sparse sketch ok is
// false when the body does not cover exactly NumRegisters registers.
func Histogram(b []byte) (h [64]int, ok bool) {
	if b[4] == Dense {
		denseHisto(b[HeaderSize:], &h)
		return h, true
	}
	idx := 0
	for p := HeaderSize; p < len(b); {
		op := b[p]
		var n int
		switch {
		case isZero(op):
			n = zeroLen(op)
			h[0] += n
			p++
		case isXZero(op):
			n = xzeroLen(b, p)
			h[0] += n
			p += 2
		default:
			n = valLen(op)
			h[valValue(op)] += n
			p++
		}
		idx += n
	}
	return h, idx == NumRegisters
}

// Count estimates the cardinality of a sketch (ignoring the cache); ok is
// false for a corrupt sparse body.
func Count(b []byte) (uint64, bool) {
	h, ok := Histogram(b)
	return Estimate(&h), ok
}

// Estimate computes the cardinality from a register histogram with Ertl's
// improved estimator ("New cardinality estimation algorithms for
// HyperLogLog sketches", arXiv:1702.01284), in Redis's order of floating
// point operations. Explicit float64 conversions keep the compiler from
// fusing multiply-adds, which would change the last bits.
func Estimate(h *[64]int) uint64 {
	m := float64(NumRegisters)
	z := float64(m * tau((m-float64(h[Q+1]))/m))
	for j := Q; j >= 1; j-- {
		z += float64(h[j])
		z *= 0.5
	}
	z += float64(m * sigma(float64(h[0])/m))
	e := float64(float64(alphaInf*m)*m) / z
	return llround(e)
}

// llround rounds half away from zero like C's llround; a value out of the
// int64 range gives what x86 gives, the minimum int64.
func llround(x float64) uint64 {
	r := math.Round(x)
	if math.IsNaN(r) || r >= 1<<63 || r < -(1<<63) {
		return 1 << 63
	}
	return uint64(int64(r))
}

func sigma(x float64) float64 {
	if x == 1 {
		return math.Inf(1)
	}
	y, z := 1.0, x
	for {
		x *= x
		zPrev := z
		z += float64(x * y)
		y += y
		if z == zPrev {
			return z
		}
	}
}

func tau(x float64) float64 {
	if x == 0 || x == 1 {
		return 0
	}
	y, z := 1.0, 1-x
	for {
		x = math.Sqrt(x)
		zPrev := z
		y *= 0.5
		d := 1 - x
		z -= float64(float64(d*d) * y)
		if z == zPrev {
			return z / 3
		}
	}
}

// Merge raises each max[i] to register i of the sketch; ok is false for a
// corrupt sparse body.
func Merge(max *[NumRegisters]uint8, b []byte) bool {
	if b[4] == Dense {
		r := b[HeaderSize:]
		for i := range max {
			if v := getDense(r, i); v > max[i] {
				max[i] = v
			}
		}
		return true
	}
	covered, ok := sparseRuns(b, func(start, n, v int) {
		for i := start; i < start+n; i++ {
			if uint8(v) > max[i] {
				max[i] = uint8(v)
			}
		}
	})
	return ok && covered == NumRegisters
}

// CountRegisters estimates the cardinality of plain byte registers (the
// union PFCOUNT computes over several keys).
func CountRegisters(max *[NumRegisters]uint8) uint64 {
	var h [64]int
	for _, v := range max {
		h[v&63]++
	}
	return Estimate(&h)
}

// Registers returns the 16384 register values of a valid sketch; ok is
// false for a corrupt sparse body.
func Registers(b []byte) (regs []uint8, ok bool) {
	var max [NumRegisters]uint8
	if !Merge(&max, b) {
		return nil, false
	}
	return max[:], true
}

// Decode describes a sparse body opcode by opcode as PFDEBUG DECODE does:
// "z:<n>" for ZERO, "Z:<n>" for XZERO, "v:<value>,<n>" for VAL.
func Decode(b []byte) string {
	var sb strings.Builder
	for p := HeaderSize; p < len(b); {
		if sb.Len() > 0 {
			sb.WriteByte(' ')
		}
		op := b[p]
		switch {
		case isZero(op):
			sb.WriteString("z:" + strconv.Itoa(zeroLen(op)))
			p++
		case isXZero(op):
			sb.WriteString("Z:" + strconv.Itoa(xzeroLen(b, p)))
			p += 2
		default:
			sb.WriteString("v:" + strconv.Itoa(valValue(op)) + "," + strconv.Itoa(valLen(op)))
			p++
		}
	}
	return sb.String()
}

// GetRegister and SetRegister access register i of dense registers r
// (the bytes after the header), for tests and PFSELFTEST.
func GetRegister(r []byte, i int) uint8    { return getDense(r, i) }
func SetRegister(r []byte, i int, v uint8) { setDense(r, i, v) }
