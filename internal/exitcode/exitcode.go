// Package exitcode is the one place that maps errors to imapx's exit codes.
//
// The table is imapsync's, so scripts written for imapsync keep working:
//
//	0   ok
//	1   differences found (diff --exit-code only)
//	8   another sync holds the account pair's lock (--pidfile)
//	10  connection failure (101 host1, 102 host2 in two-account commands)
//	12  TLS failure
//	16  authentication failure (161 host1, 162 host2)
//	64  usage error
//	66  cannot open or parse input
//	70  internal error
//	111 finished with errors
//	112 --errorsmax reached
//	113 over quota
//	114 append failed
//	115 fetch failed
//	116 create folder failed
//	117 select folder failed
//	118 --exitwhenover reached
package exitcode

import (
	"context"
	"errors"
	"fmt"
)

// Exit codes.
const (
	OK          = 0
	Differences = 1
	// PIDFile is imapsync's EXIT_PID_FILE_ERROR: another run holds the lock.
	PIDFile     = 8
	Connection  = 10
	Connection1 = 101
	Connection2 = 102
	TLS         = 12
	Auth        = 16
	Auth1       = 161
	Auth2       = 162
	Usage       = 64
	NoInput     = 66
	Internal    = 70
	WithErrors  = 111
	ErrorsMax   = 112
	OverQuota   = 113
	Append      = 114
	Fetch       = 115
	Create      = 116
	Select      = 117
	Interrupted = 130

	// TransferExceeded is imapsync's EXIT_TRANSFER_EXCEEDED.
	TransferExceeded = 118
)

// Error is an error that knows its exit code and may carry a hint for the user.
type Error struct {
	Code int
	Err  error
	Hint string
}

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// ExitCode is the code the error carries.
func (e *Error) ExitCode() int { return e.Code }

// Coder is an error that carries its own exit code: *Error, and error
// types of other packages that always mean one code (record.InputError).
type Coder interface {
	error
	ExitCode() int
}

// New wraps err with an exit code. A nil err stays nil.
func New(code int, err error) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err}
}

// Newf formats an error with an exit code.
func Newf(code int, format string, args ...any) error {
	return &Error{Code: code, Err: fmt.Errorf(format, args...)}
}

// WithHint wraps err with a code and a hint line.
func WithHint(code int, err error, hint string) error {
	if err == nil {
		return nil
	}
	return &Error{Code: code, Err: err, Hint: hint}
}

// Of returns the exit code for err. The outermost Coder decides, so a
// caller can re-label an error (a connection error becomes host2's).
func Of(err error) int {
	if err == nil {
		return OK
	}
	var c Coder
	if errors.As(err, &c) {
		return c.ExitCode()
	}
	if errors.Is(err, context.Canceled) {
		return Interrupted
	}
	return Internal
}

// HintOf returns the first hint found in err's chain.
func HintOf(err error) string {
	for err != nil {
		var e *Error
		if !errors.As(err, &e) {
			return ""
		}
		if e.Hint != "" {
			return e.Hint
		}
		err = e.Err
	}
	return ""
}

// ForHost turns a single-account connection or auth code into the host1/host2
// variant imapsync uses for two-account commands (host is 1 or 2).
func ForHost(err error, host int) error {
	code := Of(err)
	switch {
	case code == Connection && host == 1:
		code = Connection1
	case code == Connection && host == 2:
		code = Connection2
	case code == Auth && host == 1:
		code = Auth1
	case code == Auth && host == 2:
		code = Auth2
	default:
		return err
	}
	return &Error{Code: code, Err: err}
}
