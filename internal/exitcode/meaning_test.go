package exitcode

import "testing"

// The names are imapsync's %EXIT_TXT: scripts grep its last line.
func TestMeaning(t *testing.T) {
	for code, want := range map[int]string{
		0:   "EX_OK: successful termination",
		8:   "EXIT_PID_FILE_ERROR",
		101: "EXIT_CONNECTION_FAILURE_HOST1",
		162: "EXIT_AUTHENTICATION_FAILURE_USER2",
		111: "EXIT_WITH_ERRORS",
		113: "EXIT_OVERQUOTA",
		118: "EXIT_TRANSFER_EXCEEDED",
		64:  "EX_USAGE: command line usage error",
		255: "EXIT_CATCH_ALL",
	} {
		if got := Meaning(code); got != want {
			t.Errorf("Meaning(%d) = %q, want %q", code, got, want)
		}
	}
}
