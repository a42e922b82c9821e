package pipeline

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// imapsync's bytes_display_string_bin: KiB below 1000 KiB, then MiB…
func TestBinBytes(t *testing.T) {
	for n, want := range map[int64]string{
		0:           "0.000 KiB",
		29493:       "28.802 KiB",
		-29493:      "-28.802 KiB",
		1023 * 1024: "0.999 MiB",
		5 << 30:     "5.000 GiB",
		3 << 40:     "3.000 TiB",
	} {
		if got := binBytes(n); got != want {
			t.Errorf("binBytes(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPrintStatsLabels(t *testing.T) {
	start := time.Date(2020, 11, 17, 15, 59, 22, 0, time.UTC)
	r := &Report{Stats: Stats{Start: start, End: start.Add(2 * time.Second), Transferred: 4, BytesTransferred: 2048,
		MessageRate: 2, Bandwidth: 1, StartDiff: &Difference{Messages: -4, Bytes: -2048}}}
	var b bytes.Buffer
	PrintStats(&b, r)
	out := b.String()
	for _, line := range []string{
		"++++ Statistics\n",
		"Transfer started on                     : Tuesday 17 November 2020-11-17 15:59:22 +0000 UTC\n",
		"Transfer time                           : 2.0 sec\n",
		"Messages transferred                    : 4\n",
		"Total bytes transferred                 : 2048 (2.000 KiB)\n",
		"Message rate                            : 2.0 messages/s\n",
		"Average bandwidth rate                  : 1.0 KiB/s\n",
		"Start difference host2 - host1          : -4 messages, -2048 bytes (-2.000 KiB)\n",
		"Final difference host2 - host1          : NA\n",
		"Detected 0 errors\n",
	} {
		if !strings.Contains(out, line) {
			t.Errorf("missing %q in\n%s", line, out)
		}
	}
}
