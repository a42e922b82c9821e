package fetch

import (
	"fmt"
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/record"
)

type passthroughs struct{ ops []string }

func (p *passthroughs) Message(*record.Message, *record.Body) error { return nil }
func (p *passthroughs) Passthrough(_ string, b []byte) error {
	p.ops = append(p.ops, string(b))
	return nil
}

func copyOp(folder string, uid int) string {
	return fmt.Sprintf(`{"type":"op","op":"copy","src":{"folder":%q,"uid":%d,"uidvalidity":7},"dst":{"folder":"D-%s"},"ident":"h:%d"}`, folder, uid, folder, uid)
}

// A plan is checked whole before anything is fetched, its create_folder
// ops passed through first; its copy ops then come as jobs of at most a
// batch, a folder's in plan order, with their destinations and identities.
func TestPlanJobsInBatches(t *testing.T) {
	lines := []string{`{"type":"op","op":"create_folder","src":{"folder":"A"},"dst":{"folder":"D-A"}}`}
	for u := 1; u <= 25; u++ {
		lines = append(lines, copyOp("A", u))
	}
	lines = append(lines, copyOp("B", 3), copyOp("B", 1), copyOp("A", 30))
	sink := &passthroughs{}
	f := &fetcher{o: &Options{Plan: strings.NewReader(strings.Join(lines, "\n") + "\n" + `{"type":"end"}`), PlanName: "plan"}, sink: sink}
	p, err := f.readPlan()
	if err != nil {
		t.Fatal(err)
	}
	defer p.close()
	if len(sink.ops) != 1 || p.folders != 2 {
		t.Fatalf("passed through %v, %d folders", sink.ops, p.folders)
	}
	var got []string
	err = p.jobs(10, func(j job) error {
		var uids []string
		for _, u := range j.uids {
			if j.dst[u] != "D-"+j.folder || j.idents[u] != fmt.Sprintf("h:%d", u) || j.validity != 7 {
				t.Fatalf("job %s UID %d: dst %q ident %q validity %d", j.folder, u, j.dst[u], j.idents[u], j.validity)
			}
			uids = append(uids, fmt.Sprint(u))
		}
		got = append(got, j.folder+":"+strings.Join(uids, ","))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A:1,2,3,4,5,6,7,8,9,10", "A:11,12,13,14,15,16,17,18,19,20", "A:21,22,23,24,25", "B:3,1", "A:30"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("jobs %v, want %v", got, want)
	}

	// A bad op anywhere stops the fetch before it starts.
	bad := append(append([]string{}, lines...), `{"type":"op","op":"copy","src":{"folder":"A"},"dst":{"folder":"X"}}`)
	f = &fetcher{o: &Options{Plan: strings.NewReader(strings.Join(bad, "\n")), PlanName: "plan"}, sink: &passthroughs{}}
	if _, err := f.readPlan(); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("plan:%d: copy op needs src.folder and src.uid", len(bad))) {
		t.Fatalf("error = %v", err)
	}
}
