package jq

import "testing"

func TestApply(t *testing.T) {
	rec := []byte(`{"type":"message","uid":4294967295,"size":25000000,"flags":["\\Seen"]}`)
	tests := []struct {
		expr string
		want []string
	}{
		{`select(.size < 20000000)`, nil},
		{`select(.size > 20000000) | .uid`, []string{"4294967295"}},
		{`select(.flags | index("\\Seen"))`, []string{`{"flags":["\\Seen"],"size":25000000,"type":"message","uid":4294967295}`}},
		{`.flags[]`, []string{`"\\Seen"`}},
		{`empty`, nil},
	}
	for _, tt := range tests {
		f, err := Compile(tt.expr)
		if err != nil {
			t.Fatal(err)
		}
		out, err := f.Apply(rec)
		if err != nil {
			t.Fatalf("%s: %v", tt.expr, err)
		}
		if len(out) != len(tt.want) {
			t.Fatalf("%s: got %d outputs %q, want %q", tt.expr, len(out), out, tt.want)
		}
		for i := range out {
			if string(out[i]) != tt.want[i] {
				t.Errorf("%s: output %d = %s, want %s", tt.expr, i, out[i], tt.want[i])
			}
		}
	}
}

func TestCompileError(t *testing.T) {
	if _, err := Compile("select(("); err == nil {
		t.Fatal("want a compile error")
	}
}

func TestRuntimeError(t *testing.T) {
	f, _ := Compile(`.size + "x"`)
	if _, err := f.Apply([]byte(`{"size":1}`)); err == nil {
		t.Fatal("want a runtime error")
	}
}

func TestSame(t *testing.T) {
	if !Same([]byte(`{"b":1,"a":[2]}`), []byte(`{"a":[2],"b":1}`)) {
		t.Fatal("key order should not matter")
	}
	if Same([]byte(`{"a":1}`), []byte(`{"a":2}`)) {
		t.Fatal("different values are not the same")
	}
}
