package database

import (
	"strings"
	"testing"
	"unsafe"

	"goredis/datastruct/list"
)

// TestEntityLayout: an entity stays 24 bytes (a million keys: 24 MB), and
// its accessors give back what was stored, for every kind of value.
func TestEntityLayout(t *testing.T) {
	if n := unsafe.Sizeof(Entity{}); n > 24 {
		t.Fatalf("Entity is %d bytes", n)
	}
	e := newStr("hello", EncAuto)
	if e.Str() != "hello" || e.Obj() != nil || e.inPlace() {
		t.Fatalf("string entity: %q %v", e.Str(), e.Obj())
	}
	e.SetStr("")
	if e.Str() != "" || e.p != nil {
		t.Fatalf("empty string keeps a pointer")
	}
	b := e.writableStr(3)
	copy(b, "abc")
	if e.Str() != "abc" || !e.inPlace() || e.readStr() != "abc" {
		t.Fatalf("in-place string: %q", e.Str())
	}
	l := list.New()
	o := newObj(KindList, l)
	if got, ok := o.Obj().(*list.List); !ok || got != l || o.Str() != "" {
		t.Fatalf("list entity: %v", o.Obj())
	}
	type other struct{ x int }
	o.SetObj(other{7})
	if got, ok := o.Obj().(other); !ok || got.x != 7 {
		t.Fatalf("boxed value: %v", o.Obj())
	}
	o.SetStr(strings.Repeat("x", 100))
	if len(o.Str()) != 100 || o.Obj() != nil {
		t.Fatalf("string after structure: %d %v", len(o.Str()), o.Obj())
	}
}
