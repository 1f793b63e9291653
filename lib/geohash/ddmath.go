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

// ddSinCosReduced returns sin r and cos r for |r| <= pi/4 by Taylor series.
func ddSinCosReduced(r dd) (dd, dd) {
	r2 := ddMul(r, r)
	sin, term := r, r
	for i := 1; i < 40; i++ {
		term = ddNeg(ddDivF(ddMul(term, r2), float64((2*i)*(2*i+1))))
		sin = ddAdd(sin, term)
		if math.Abs(term.hi) < 1e-36*math.Abs(sin.hi)+1e-300 {
			break
		}
	}
	cos, term := dd{1, 0}, dd{1, 0}
	for i := 1; i < 40; i++ {
		term = ddNeg(ddDivF(ddMul(term, r2), float64((2*i-1)*(2*i))))
		cos = ddAdd(cos, term)
		if math.Abs(term.hi) < 1e-36 {
			break
		}
	}
	return sin, cos
}

// ddSinCos returns sin x and cos x as double-doubles.
func ddSinCos(x float64) (dd, dd) {
	k := math.Round(x / ddPio2.hi)
	if math.Abs(k) > 1<<20 || math.IsNaN(x) || math.IsInf(x, 0) {
		return dd{math.Sin(x), 0}, dd{math.Cos(x), 0}
	}
	s, e := twoSum(x, -k*ddPio2.hi) // k*hi is exact for small k
	r := ddAdd(quickTwoSum(s, e), dd{-k * ddPio2.lo, -math.FMA(k, ddPio2.lo, -k*ddPio2.lo)})
	sin, cos := ddSinCosReduced(r)
	switch int64(k) & 3 {
	case 1:
		return cos, ddNeg(sin)
	case 2:
		return ddNeg(sin), ddNeg(cos)
	case 3:
		return ddNeg(cos), sin
	}
	return sin, cos
}

// Sin is sin(x) rounded once from double-double precision.
func Sin(x float64) float64 {
	if x == 0 {
		return x
	}
	s, _ := ddSinCos(x)
	return s.hi
}

// Cos is cos(x) rounded once from double-double precision.
func Cos(x float64) float64 {
	_, c := ddSinCos(x)
	return c.hi
}

// Asin is asin(x) refined by a Newton step in double-double precision.
func Asin(x float64) float64 {
	y := math.Asin(x)
	if math.IsNaN(y) || x == 0 || math.Abs(x) == 1 {
		return y
	}
	for i := 0; i < 2; i++ {
		s, c := ddSinCos(y)
		diff := ddAdd(s, dd{-x, 0})
		if c.hi == 0 {
			break
		}
		delta := diff.hi / c.hi
		y2 := quickTwoSum(y, -delta)
		y = y2.hi
		if delta == 0 {
			break
		}
		// one more pass only when the correction moved y
		if y2.lo == 0 {
			break
		}
	}
	return y
}
