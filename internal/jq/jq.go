// Package jq applies a user's jq expression (gojq) to records: compiled
// once, run per record. `select(…)` filters; any other expression
// transforms, and each of its outputs becomes an output record.
package jq

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/itchyny/gojq"

	"github.com/imapx/imapx/internal/exitcode"
)

// Filter is a compiled expression, safe for concurrent use.
type Filter struct {
	expr string
	code *gojq.Code
}

// Compile parses and compiles expr; a bad expression is a usage error.
func Compile(expr string) (*Filter, error) {
	q, err := gojq.Parse(expr)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, fmt.Errorf("--jq %q: %v", expr, err))
	}
	code, err := gojq.Compile(q)
	if err != nil {
		return nil, exitcode.New(exitcode.Usage, fmt.Errorf("--jq %q: %v", expr, err))
	}
	return &Filter{expr: expr, code: code}, nil
}

// Apply runs the filter on one record given as JSON and returns the JSON of
// each output (none when the record is filtered out).
func (f *Filter) Apply(record []byte) ([][]byte, error) {
	// gojq wants plain JSON values: decode with UseNumber so that large
	// integers (UIDs, modseqs) survive exactly.
	dec := json.NewDecoder(bytes.NewReader(record))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var out [][]byte
	iter := f.code.Run(v)
	for {
		r, ok := iter.Next()
		if !ok {
			break
		}
		if err, ok := r.(error); ok {
			if _, halt := err.(*gojq.HaltError); halt {
				break
			}
			return nil, f.runtimeError(err)
		}
		b, err := gojq.Marshal(r)
		if err != nil {
			return nil, f.runtimeError(err)
		}
		out = append(out, b)
	}
	return out, nil
}

// runtimeError is an expression failing on a record (error(), a type
// error): the expression is the user's, so a usage error (64), like one
// that does not compile, never an internal one.
func (f *Filter) runtimeError(err error) error {
	return exitcode.WithHint(exitcode.Usage, fmt.Errorf("--jq %q: %v", f.expr, err),
		"the expression failed on a record; try it on the stage's output with jq -c, or guard it (select, //, try)")
}

// Same reports whether an output is the unchanged input, so that a pure
// filter keeps the record as it was (and its streamed body).
func Same(in, out []byte) bool {
	var a, b any
	if json.Unmarshal(in, &a) != nil || json.Unmarshal(out, &b) != nil {
		return false
	}
	ab, _ := json.Marshal(a)
	bb, _ := json.Marshal(b)
	return bytes.Equal(ab, bb)
}
