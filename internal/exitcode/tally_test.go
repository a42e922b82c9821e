package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestTally(t *testing.T) {
	e := func(code int) error { return Newf(code, "error %d", code) }
	plain := errors.New("plain")
	for _, c := range []struct {
		name        string
		add         []error
		consequence []error
		want        int
	}{
		{"none", nil, nil, OK},
		{"one append", []error{e(Append)}, nil, Append},
		{"all over quota", []error{e(OverQuota), e(OverQuota), e(OverQuota)}, nil, OverQuota},
		{"fetch and select", []error{e(Fetch), e(Select)}, nil, WithErrors},
		{"each specific code", []error{e(Create)}, nil, Create},
		{"select", []error{e(Select), e(Select)}, nil, Select},
		{"not a specific code", []error{e(Connection)}, nil, WithErrors},
		{"no code", []error{plain}, nil, WithErrors},
		{"specific and no code", []error{e(Append), plain}, nil, WithErrors},
		{"quota and its consequences", []error{e(OverQuota)}, []error{e(WithErrors), plain}, OverQuota},
		{"consequences only", nil, []error{plain}, WithErrors},
	} {
		var tl Tally
		for _, err := range c.add {
			tl.Add(err)
		}
		for _, err := range c.consequence {
			tl.AddConsequence(err)
		}
		if got := tl.Code(); got != c.want {
			t.Errorf("%s: Code() = %d, want %d", c.name, got, c.want)
		}
		if n := len(c.add) + len(c.consequence); tl.Errors != n {
			t.Errorf("%s: Errors = %d, want %d", c.name, tl.Errors, n)
		}
		err := tl.Err("things")
		if (err == nil) != (c.want == OK) || Of(err) != c.want {
			t.Errorf("%s: Err() = %v (exit %d), want exit %d", c.name, err, Of(err), c.want)
		}
		// Split over two workers and merged, the code is the same.
		var a, b, all Tally
		for i, err := range c.add {
			if i%2 == 0 {
				a.Add(err)
			} else {
				b.Add(err)
			}
		}
		for _, err := range c.consequence {
			b.AddConsequence(err)
		}
		all.Merge(a)
		all.Merge(b)
		if all.Code() != c.want || all.Errors != tl.Errors {
			t.Errorf("%s: merged: exit %d with %d errors, want exit %d with %d", c.name, all.Code(), all.Errors, c.want, tl.Errors)
		}
	}
}

func TestTallyKeepsTheFirst(t *testing.T) {
	var tl Tally
	first := Newf(Append, "the first")
	tl.Add(first)
	tl.Add(Newf(Append, "the second"))
	if !errors.Is(tl.Err("appends"), first) || tl.Err("appends").Error() != "2 appends failed; first: the first" {
		t.Errorf("Err() = %v", tl.Err("appends"))
	}
}

// inputErr stands for record.InputError: a type that carries its code.
type inputErr struct{}

func (inputErr) Error() string { return "bad input" }
func (inputErr) ExitCode() int { return NoInput }

func TestOfCoder(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{inputErr{}, NoInput},
		{fmt.Errorf("reading: %w", inputErr{}), NoInput},
		{New(Fetch, inputErr{}), Fetch}, // the outermost code decides
		{fmt.Errorf("x: %w", New(Select, errors.New("y"))), Select},
		{errors.New("plain"), Internal},
	} {
		if got := Of(c.err); got != c.want {
			t.Errorf("Of(%v) = %d, want %d", c.err, got, c.want)
		}
	}
}
