package diff

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/extsort"
	"github.com/imapx/imapx/internal/record"
)

// randomInventory is n message records in shuffled order over a few
// folders, with duplicates, mixed flags (null included) and time zones.
func randomInventory(r *rand.Rand, n int) string {
	fs := []string{"INBOX", "Sent", "Archive", "Archive/2023", "Données"}
	flags := []string{`[]`, `["\\Seen"]`, `["\\Seen","Work"]`, `["\\Flagged"]`, `null`}
	zones := []string{"Z", "+02:00", "-05:30"}
	var lines []string
	for _, f := range fs {
		lines = append(lines, fmt.Sprintf(folderRec, f))
	}
	uid := map[string]int{}
	for range n {
		f := fs[r.IntN(len(fs))]
		uid[f] += 1 + r.IntN(3)
		lines = append(lines, fmt.Sprintf(`{"type":"message","folder":%q,"uidvalidity":7,"uid":%d,"flags":%s,"internaldate":"2024-01-0%dT03:04:05%s","size":%d,"ident":"h:%d"}`,
			f, uid[f], flags[r.IntN(len(flags))], 1+r.IntN(9), zones[r.IntN(len(zones))], 100+r.IntN(5000), r.IntN(n/2+1)))
	}
	r.Shuffle(len(lines), func(i, j int) { lines[i], lines[j] = lines[j], lines[i] })
	return strings.Join(lines, "\n")
}

// A diff whose inventories and ops outgrow the sort memory (spilled to
// runs on disk and merged) writes exactly the plan and summary of one
// held in memory.
func TestSpilledDiffIsTheSame(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	src, dst := randomInventory(r, 3000), randomInventory(r, 2000)
	const end = "\n" + `{"type":"end"}` + "\n"
	for _, o := range []Options{{}, {Delete2: true}, {SkipDuplicates: true}, {Delete2Duplicates: true}} {
		plan := func(mem int) (string, Summary) {
			defer func(m int) { extsort.Memory = m }(extsort.Memory)
			extsort.Memory = mem
			var skipped strings.Builder
			o.Skipped = func(s record.Ref, d *record.Ref, size int64) { fmt.Fprintln(&skipped, s, d, size) }
			var out bytes.Buffer
			sum, err := Run(strings.NewReader(src+end), strings.NewReader(dst+end), "src", "dst", o, &out)
			if err != nil {
				t.Fatal(err)
			}
			return out.String() + skipped.String(), sum
		}
		inMem, sumMem := plan(64 << 20)
		spilled, sumSpilled := plan(2 << 10)
		if inMem != spilled || sumMem != sumSpilled {
			t.Fatalf("%+v: spilled diff differs from the in-memory one:\n%+v\n%+v", o, sumMem, sumSpilled)
		}
		if sumMem.OnlySrc == 0 || sumMem.Same == 0 || sumMem.FlagsDiffer == 0 {
			t.Fatalf("the inventories do not exercise the diff: %+v", sumMem)
		}
	}
}
