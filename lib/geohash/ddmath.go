package geohash

import "math"

// Redis's distances come from glibc's sin, cos and asin, which return the
// correctly rounded result in practice; Go's math package can be one ulp
// off, which shows in the 17 digits of a STOREDIST score. These versions
// evaluate in double-double arithmetic (about 106 bits) and round once.

// dd is an unevaluated sum hi+lo with |lo| <= ulp(hi)/2.
type dd struct{ hi, lo float64 }

func twoSum(a, b float64) (float64, float64) {
	s := a + b
	bb := s - a
	return s, (a - (s - bb)) + (b - bb)
}

func quickTwoSum(a, b float64) dd {
	s := a + b
	return dd{s, b - (s - a)}
}

func ddAdd(a, b dd) dd {
	s, e := twoSum(a.hi, b.hi)
	e += a.lo + b.lo
	return quickTwoSum(s, e)
}

func ddMul(a, b dd) dd {
	p := a.hi * b.hi
	e := math.FMA(a.hi, b.hi, -p)
	e += a.hi*b.lo + a.lo*b.hi
	return quickTwoSum(p, e)
}

func ddDivF(a dd, d float64) dd {
	q1 := a.hi / d
	p := q1 * d
	e := math.FMA(q1, d, -p)
	q2 := ((a.hi - p) - e + a.lo) / d
	return quickTwoSum(q1, q2)
}

func ddNeg(a dd) dd { return dd{-a.hi, -a.lo} }

// pi/2 as a double-double.
var ddPio2 = dd{1.5707963267948966, 6.123233995736766e-17}

// Taylor coefficients: sinCoef[k] = (-1)^k/(2k+1)!, cosCoef[k] =
// (-1)^k/(2k)!. Twelve terms leave an error below 1e-26 for |r| <= pi/4.
var sinCoef, cosCoef [12]dd

func init() {
	s, c := dd{1, 0}, dd{1, 0}
	for k := 0; k < len(sinCoef); k++ {
		if k > 0 {
			s = ddNeg(ddDivF(s, float64((2*k)*(2*k+1))))
			c = ddNeg(ddDivF(c, float64((2*k-1)*(2*k))))
		}
		sinCoef[k], cosCoef[k] = s, c
	}
}

// ddPoly evaluates sum c[k] x^k by Horner's rule, with fewer terms for
// small x (x is r squared; the dropped terms stay below 1e-26).
func ddPoly(c *[12]dd, x dd) dd {
	n := len(c)
	switch {
	case x.hi < 1e-4:
		n = 6
	case x.hi < 1e-2:
		n = 8
	}
	p := c[n-1]
	for k := n - 2; k >= 0; k-- {
		p = ddAdd(ddMul(p, x), c[k])
	}
	return p
}

// ddReduce returns r = x - k*pi/2 (|r| <= pi/4 for moderate x) and k mod 4.
func ddReduce(x float64) (dd, int64, bool) {
	k := math.Round(x / ddPio2.hi)
	if math.Abs(k) > 1<<20 || math.IsNaN(x) || math.IsInf(x, 0) {
		return dd{}, 0, false
	}
	s, e := twoSum(x, -k*ddPio2.hi) // k*hi is exact for small k
	r := ddAdd(quickTwoSum(s, e), dd{-k * ddPio2.lo, -math.FMA(k, ddPio2.lo, -k*ddPio2.lo)})
	return r, int64(k) & 3, true
}

func ddSinReduced(r dd) dd { return ddMul(r, ddPoly(&sinCoef, ddMul(r, r))) }
func ddCosReduced(r dd) dd { return ddPoly(&cosCoef, ddMul(r, r)) }

// Sin is sin(x) rounded once from double-double precision.
func Sin(x float64) float64 {
	if x == 0 {
		return x
	}
	r, q, ok := ddReduce(x)
	if !ok {
		return math.Sin(x)
	}
	switch q {
	case 1:
		return ddCosReduced(r).hi
	case 2:
		return -ddSinReduced(r).hi
	case 3:
		return -ddCosReduced(r).hi
	}
	return ddSinReduced(r).hi
}

// ddSin is sin(x) as a double-double.
func ddSin(x float64) dd {
	r, q, ok := ddReduce(x)
	if !ok {
		return dd{math.Sin(x), 0}
	}
	switch q {
	case 1:
		return ddCosReduced(r)
	case 2:
		return ddNeg(ddSinReduced(r))
	case 3:
		return ddNeg(ddCosReduced(r))
	}
	return ddSinReduced(r)
}

// Cos is cos(x) rounded once from double-double precision.
func Cos(x float64) float64 {
	r, q, ok := ddReduce(x)
	if !ok {
		return math.Cos(x)
	}
	switch q {
	case 1:
		return -ddSinReduced(r).hi
	case 2:
		return -ddCosReduced(r).hi
	case 3:
		return ddSinReduced(r).hi
	}
	return ddCosReduced(r).hi
}

// Asin is asin(x) refined by a Newton step on sin evaluated in
// double-double precision (the derivative only scales a tiny correction,
// so plain cos is enough for it).
func Asin(x float64) float64 {
	y := math.Asin(x)
	if math.IsNaN(y) || x == 0 || math.Abs(x) == 1 {
		return y
	}
	for i := 0; i < 1; i++ {
		c := math.Cos(y)
		if c == 0 {
			break
		}
		diff := ddAdd(ddSin(y), dd{-x, 0})
		delta := diff.hi / c
		if delta == 0 {
			break
		}
		y = quickTwoSum(y, -delta).hi
	}
	return y
}
