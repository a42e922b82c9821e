package exitcode

// meanings are imapsync's names for its exit codes (its %EXIT_TXT), which
// its last line prints: "Exiting with return value 0 (EX_OK: successful
// termination)". Codes imapsync lacks have imapx's own wording.
var meanings = map[int]string{
	OK:               "EX_OK: successful termination",
	Differences:      "differences found",
	PIDFile:          "EXIT_PID_FILE_ERROR",
	Connection:       "EXIT_CONNECTION_FAILURE",
	Connection1:      "EXIT_CONNECTION_FAILURE_HOST1",
	Connection2:      "EXIT_CONNECTION_FAILURE_HOST2",
	TLS:              "EXIT_TLS_FAILURE",
	Auth:             "EXIT_AUTHENTICATION_FAILURE",
	Auth1:            "EXIT_AUTHENTICATION_FAILURE_USER1",
	Auth2:            "EXIT_AUTHENTICATION_FAILURE_USER2",
	Usage:            "EX_USAGE: command line usage error",
	NoInput:          "EX_NOINPUT: cannot open input",
	Internal:         "EX_SOFTWARE: internal software error",
	WithErrors:       "EXIT_WITH_ERRORS",
	ErrorsMax:        "EXIT_WITH_ERRORS_MAX",
	OverQuota:        "EXIT_OVERQUOTA",
	Append:           "EXIT_ERR_APPEND",
	Fetch:            "EXIT_ERR_FETCH",
	Create:           "EXIT_ERR_CREATE",
	Select:           "EXIT_ERR_SELECT",
	TransferExceeded: "EXIT_TRANSFER_EXCEEDED",
	Interrupted:      "EXIT_BY_SIGNAL",
	128 + 15:         "EXIT_BY_SIGNAL",
}

// Meaning is imapsync's name for code, "EXIT_CATCH_ALL" for an unknown one
// as in imapsync.
func Meaning(code int) string {
	if m, ok := meanings[code]; ok {
		return m
	}
	return "EXIT_CATCH_ALL"
}
