package database

import (
	"bytes"
	"math"
	"slices"
	"strings"

	"goredis/config"
	"goredis/datastruct/hash"
	"goredis/datastruct/list"
	"goredis/datastruct/set"
	"goredis/datastruct/sortedset"
	"goredis/interface/resp"
	"goredis/lib/utils"
	"goredis/resp/reply"
)

// SORT and SORT_RO (Redis's sort.c). BY and GET patterns read keys other
// than the ones the table names, so both commands lock themselves: when a
// pattern looks keys up they hold every shard of the db for the whole
// command (as KEYS does); otherwise only the sorted key's and STORE's
// shards.

func init() {
	register("sort", execSort, -2, "write denyoom movablekeys", 1, 1, 1).withKeys(sortKeys).locksItself()
	register("sort_ro", execSortRO, -2, "readonly movablekeys", 1, 1, 1).withKeys(sortROKeys).locksItself()
}

// sortKeys returns SORT's keys as COMMAND GETKEYS does: the sorted key
// and the last STORE destination. LIMIT skips two arguments, GET and BY
// one; STORE skips nothing (Redis's sortGetKeys).
func sortKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	var store []byte
	for i := 2; i < len(args); i++ {
		a := args[i]
		switch {
		case bytes.EqualFold(a, []byte("limit")):
			i += 2
		case bytes.EqualFold(a, []byte("get")), bytes.EqualFold(a, []byte("by")):
			i++
		case bytes.EqualFold(a, []byte("store")) && i+1 < len(args):
			store = args[i+1]
		}
	}
	if store == nil {
		return [][]byte{args[1]}
	}
	return [][]byte{args[1], store}
}

// sortROKeys: SORT_RO has only the sorted key.
func sortROKeys(args [][]byte) [][]byte {
	if len(args) < 2 {
		return nil
	}
	return [][]byte{args[1]}
}

// sortOptions is SORT's parsed argument list.
type sortOptions struct {
	desc, alpha, dontSort bool
	limitStart            int64
	limitCount            int64
	by                    []byte // nil: no BY
	gets                  [][]byte
	store                 []byte // nil: no STORE
}

// readsOtherKeys reports whether BY or GET patterns look keys up (BY
// without '*' and GET # do not).
func (o *sortOptions) readsOtherKeys() bool {
	if o.by != nil && !o.dontSort {
		return true
	}
	for _, g := range o.gets {
		if cg := sortCString(g); len(cg) != 1 || cg[0] != '#' {
			return true
		}
	}
	return false
}

// sortCString is s up to its first NUL byte: Redis reads patterns and
// compares ALPHA values as C strings.
func sortCString(s []byte) []byte {
	if i := bytes.IndexByte(s, 0); i >= 0 {
		return s[:i]
	}
	return s
}

// sortParse parses the options after the key as Redis does: a keyword
// missing its arguments is a syntax error; STORE is one only in SORT_RO.
// A BY pattern without '*' turns sorting off for good (a later BY with
// '*' does not turn it back on).
func sortParse(args [][]byte, readonly bool) (*sortOptions, resp.Reply) {
	o := &sortOptions{limitCount: -1}
	for j := 2; j < len(args); j++ {
		left := len(args) - j - 1
		a := args[j]
		switch {
		case bytes.EqualFold(a, []byte("asc")):
			o.desc = false
		case bytes.EqualFold(a, []byte("desc")):
			o.desc = true
		case bytes.EqualFold(a, []byte("alpha")):
			o.alpha = true
		case bytes.EqualFold(a, []byte("limit")) && left >= 2:
			s, ok1 := utils.ParseInt(args[j+1])
			if !ok1 {
				return nil, reply.NotInteger
			}
			n, ok2 := utils.ParseInt(args[j+2])
			if !ok2 {
				return nil, reply.NotInteger
			}
			o.limitStart, o.limitCount = s, n
			j += 2
		case !readonly && bytes.EqualFold(a, []byte("store")) && left >= 1:
			o.store = bytes.Clone(args[j+1])
			j++
		case bytes.EqualFold(a, []byte("by")) && left >= 1:
			o.by = bytes.Clone(args[j+1])
			if bytes.IndexByte(sortCString(o.by), '*') < 0 {
				o.dontSort = true
			}
			j++
		case bytes.EqualFold(a, []byte("get")) && left >= 1:
			o.gets = append(o.gets, bytes.Clone(args[j+1]))
			j++
		default:
			return nil, reply.SyntaxErr
		}
	}
	return o, nil
}

// sortRange applies LIMIT to n elements: the inclusive output range
// [start, end], empty when end < start.
func sortRange(limitStart, limitCount int64, n int) (start, end int) {
	s := limitStart
	if s < 0 {
		s = 0
	}
	if s >= int64(n) {
		return n - 1, n - 2
	}
	if limitCount < 0 || limitCount > int64(n) {
		return int(s), n - 1
	}
	e := s + limitCount - 1
	if e >= int64(n) {
		e = int64(n) - 1
	}
	return int(s), int(e)
}

// sortParseScore converts an element (or BY value) to a double as Redis's
// SORT does with strtod: the text ends at a NUL byte, leading white space
// is skipped, the empty string is 0, and overflow, underflow (including
// subnormal results) and NaN are errors.
func sortParseScore(b []byte) (float64, bool) {
	b = sortCString(b)
	if len(b) == 0 {
		return 0, true
	}
	i := 0
	for i < len(b) && (b[i] == ' ' || (b[i] >= '\t' && b[i] <= '\r')) {
		i++
	}
	f, ok := utils.ParseFloat(b[i:])
	if !ok {
		return 0, false
	}
	if f != 0 && math.Abs(f) < 0x1p-1022 {
		return 0, false
	}
	return f, true
}

// sortLookup resolves a BY or GET pattern for element elem (Redis's
// lookupKeyByPattern): "#" is the element itself; otherwise the first '*'
// is replaced by the element and the key must hold a string, or, with a
// "->field" suffix after the '*', a hash holding field. ok is false when
// there is nothing to get.
func sortLookup(db *DB, pattern []byte, elem string) (string, bool) {
	cp := sortCString(pattern)
	if len(cp) == 1 && cp[0] == '#' {
		return elem, true
	}
	star := bytes.IndexByte(cp, '*')
	if star < 0 {
		return "", false
	}
	var key []byte
	var field []byte
	if f := bytes.Index(cp[star+1:], []byte("->")); f >= 0 && star+1+f+2 < len(cp) {
		f += star + 1
		field = pattern[f+2:]
		key = make([]byte, 0, star+len(elem)+f-star-1)
		key = append(key, pattern[:star]...)
		key = append(key, elem...)
		key = append(key, pattern[star+1:f]...)
	} else {
		key = make([]byte, 0, len(pattern)-1+len(elem))
		key = append(key, pattern[:star]...)
		key = append(key, elem...)
		key = append(key, pattern[star+1:]...)
	}
	e := db.lookupRead(key)
	if e == nil {
		return "", false
	}
	if field != nil {
		if e.Kind != KindHash {
			return "", false
		}
		return e.Obj().(*hash.Hash).Get(field)
	}
	if e.Kind != KindString {
		return "", false
	}
	return e.readStr(), true
}

// sortItem is one element with its sort key.
type sortItem struct {
	elem  string
	score float64
	cmp   string
	has   bool // cmp was found (ALPHA with BY)
}

func execSort(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return sortGeneric(db, args, false)
}

func execSortRO(db *DB, c resp.Connection, args [][]byte) resp.Reply {
	return sortGeneric(db, args, true)
}

func sortGeneric(db *DB, args [][]byte, readonly bool) resp.Reply {
	o, errReply := sortParse(args, readonly)
	if errReply != nil {
		return errReply
	}
	if o.readsOtherKeys() {
		db.data.LockAll()
		defer db.data.UnlockAll()
	} else {
		idx := []int{db.data.ShardFor(args[1])}
		if o.store != nil {
			idx = append(idx, db.data.ShardFor(o.store))
		}
		idx = db.data.LockShards(idx)
		defer db.data.UnlockShards(idx)
	}
	key := args[1]
	e := db.lookupRead(key)
	if e != nil && e.Kind != KindList && e.Kind != KindSet && e.Kind != KindZSet {
		return reply.WrongType
	}
	by := o.by
	if o.dontSort && e != nil && e.Kind == KindSet && o.store != nil {
		// A set has no order of its own: a stored result is sorted.
		o.dontSort, o.alpha, by = false, true, nil
	}
	n := 0
	if e != nil {
		n = e.Obj().(interface{ Len() int }).Len()
	}
	start, end := sortRange(o.limitStart, o.limitCount, n)

	var items []sortItem
	switch {
	case e == nil:
	case e.Kind == KindList && o.dontSort:
		l := e.Obj().(*list.List)
		take := func(_ int, s string) bool {
			items = append(items, sortItem{elem: s})
			return len(items) <= end-start
		}
		if start <= end {
			if o.desc {
				l.RangeBack(n-1-start, take)
			} else {
				l.Range(start, end, take)
			}
		}
		end -= start
		start = 0
	case e.Kind == KindList:
		e.Obj().(*list.List).Range(0, n-1, func(_ int, s string) bool {
			items = append(items, sortItem{elem: s})
			return true
		})
	case e.Kind == KindSet:
		e.Obj().(*set.Set).ForEach(func(m string) bool {
			items = append(items, sortItem{elem: m})
			return true
		})
	case o.dontSort: // sorted set, kept in its order
		z := e.Obj().(*sortedset.SortedSet)
		if end >= start {
			from := start
			if o.desc {
				from = n - 1 - start
			}
			cnt := end - start + 1
			z.Walk(from, o.desc, func(el sortedset.Element) bool {
				items = append(items, sortItem{elem: el.Member})
				cnt--
				return cnt > 0
			})
		}
		end -= start
		start = 0
	default:
		e.Obj().(*sortedset.SortedSet).Walk(0, false, func(el sortedset.Element) bool {
			items = append(items, sortItem{elem: el.Member})
			return true
		})
	}

	convErr := false
	if !o.dontSort {
		for i := range items {
			it := &items[i]
			var val string
			if by != nil {
				v, ok := sortLookup(db, by, it.elem)
				if !ok {
					continue
				}
				val = v
			} else {
				val = it.elem
			}
			if o.alpha {
				if by != nil {
					it.cmp, it.has = val, true
				}
			} else {
				f, ok := sortParseScore([]byte(val))
				if !ok {
					convErr = true
				}
				it.score = f
			}
		}
		cmp := sortComparator(o.alpha, by != nil, o.store != nil)
		if o.desc {
			slices.SortStableFunc(items, func(a, b sortItem) int { return -cmp(&a, &b) })
		} else {
			slices.SortStableFunc(items, func(a, b sortItem) int { return cmp(&a, &b) })
		}
	}
	if convErr {
		return reply.Err("One or more scores can't be converted into double")
	}

	count := 0
	if end >= start {
		count = end - start + 1
	}
	if o.store == nil {
		var out []resp.Reply
		if len(o.gets) == 0 {
			out = make([]resp.Reply, 0, count)
		} else {
			out = make([]resp.Reply, 0, count*len(o.gets))
		}
		for i := start; i <= end; i++ {
			if len(o.gets) == 0 {
				out = append(out, reply.BulkStr(items[i].elem))
			}
			for _, g := range o.gets {
				if v, ok := sortLookup(db, g, items[i].elem); ok {
					out = append(out, reply.BulkStr(v))
				} else {
					out = append(out, reply.Null)
				}
			}
		}
		return reply.Array(out)
	}
	l := list.New()
	for i := start; i <= end; i++ {
		if len(o.gets) == 0 {
			l.PushBack(items[i].elem)
			continue
		}
		for _, g := range o.gets {
			v, _ := sortLookup(db, g, items[i].elem)
			l.PushBack(v)
		}
	}
	if l.Len() > 0 {
		db.put(o.store, newObj(KindList, l), false)
		db.signalKeyReady(o.store)
		db.signalModified(o.store)
		db.notify(config.NotifyList, "sortstore", o.store)
		db.propagate(args)
	} else if db.del(o.store) {
		db.signalModified(o.store)
		db.propagate(args)
	}
	return reply.Int(l.Len())
}

// sortComparator returns Redis's sortCompare for the options (ascending;
// the caller negates it for DESC). Numeric ties fall back on comparing
// the elements' bytes. ALPHA compares as strcoll in the C locale (C
// strings: up to the first NUL) when replying, and binary-safe when
// storing; with BY, a missing value sorts first and equal values tie.
func sortComparator(alpha, byPattern, store bool) func(a, b *sortItem) int {
	if !alpha {
		return func(a, b *sortItem) int {
			switch {
			case a.score > b.score:
				return 1
			case a.score < b.score:
				return -1
			}
			return strings.Compare(a.elem, b.elem)
		}
	}
	str := func(x, y string) int {
		if store {
			return strings.Compare(x, y)
		}
		return bytes.Compare(sortCString([]byte(x)), sortCString([]byte(y)))
	}
	if byPattern {
		return func(a, b *sortItem) int {
			if !a.has || !b.has {
				switch {
				case a.has == b.has:
					return 0
				case !a.has:
					return -1
				}
				return 1
			}
			return str(a.cmp, b.cmp)
		}
	}
	return func(a, b *sortItem) int { return str(a.elem, b.elem) }
}
