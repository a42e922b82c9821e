package exitcode

import "fmt"

// Tally counts the errors of a run that goes on past them (a folder that
// failed, a message refused) and chooses the run's exit code from them:
// the one specific code they all share (113 quota, 114 append, 115
// fetch, 116 create, 117 select), so that "over quota" is not hidden
// behind the errors it caused; else 111. It is not safe for concurrent
// use.
type Tally struct {
	// Errors is how many errors were counted.
	Errors int `json:"errors"`
	// First is the first error counted, for the message.
	First error `json:"-"`
	// codes counts the errors by code, less those counted as
	// consequences.
	codes map[int]int
}

// Add counts err.
func (t *Tally) Add(err error) {
	t.AddConsequence(err)
	if t.codes == nil {
		t.codes = map[int]int{}
	}
	t.codes[Of(err)]++
}

// AddConsequence counts err, which follows from errors counted before
// (sync's verdict: mail missing on host2): it fails the run but does not
// choose its exit code.
func (t *Tally) AddConsequence(err error) {
	t.Errors++
	if t.First == nil {
		t.First = err
	}
}

// Merge adds the errors counted in o (a worker's) to t.
func (t *Tally) Merge(o Tally) {
	t.Errors += o.Errors
	if t.First == nil {
		t.First = o.First
	}
	for code, n := range o.codes {
		if t.codes == nil {
			t.codes = map[int]int{}
		}
		t.codes[code] += n
	}
}

// Code is the run's exit code: OK without errors, else the one specific
// code every error that chose shares, else WithErrors.
func (t *Tally) Code() int {
	if t.Errors == 0 {
		return OK
	}
	if len(t.codes) == 1 {
		for code := range t.codes {
			if code >= OverQuota && code <= Select {
				return code
			}
		}
	}
	return WithErrors
}

// Err is nil without errors, else an error with Code that says how many
// there were and the first: "N <what> failed; first: …".
func (t *Tally) Err(what string) error {
	if t.Errors == 0 {
		return nil
	}
	return New(t.Code(), fmt.Errorf("%d %s failed; first: %w", t.Errors, what, t.First))
}
