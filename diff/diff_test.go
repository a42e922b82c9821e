package diff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func run(t *testing.T, src, dst string, o Options) (Summary, []map[string]any) {
	t.Helper()
	var out bytes.Buffer
	const end = "\n" + `{"type":"end"}` + "\n"
	sum, err := Run(strings.NewReader(src+end), strings.NewReader(dst+end), "src", "dst", o, &out)
	if err != nil {
		t.Fatal(err)
	}
	var ops []map[string]any
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if last := lines[len(lines)-1]; !strings.HasPrefix(last, `{"type":"end","stage":"diff"`) {
		t.Fatalf("plan ends with %s, not its end record", last)
	}
	for _, line := range lines[:len(lines)-1] {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("bad plan line %q: %v", line, err)
		}
		ops = append(ops, m)
	}
	return sum, ops
}

func opsOf(ops []map[string]any, kind string) []map[string]any {
	var out []map[string]any
	for _, o := range ops {
		if o["op"] == kind {
			out = append(out, o)
		}
	}
	return out
}

const folderRec = `{"type":"folder","name":%q,"delim":"/","attrs":[],"subscribed":true}`

func msgLine(folder string, uid int, ident string, flags string) string {
	return `{"type":"message","folder":"` + folder + `","uidvalidity":7,"uid":` + itoa(uid) +
		`,"flags":` + flags + `,"internaldate":"2024-01-02T03:04:05Z","size":100,"ident":"` + ident + `"}`
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestMultisetAndFlags(t *testing.T) {
	src := strings.Join([]string{
		`{"type":"folder","name":"INBOX","delim":"/","attrs":[],"subscribed":true}`,
		msgLine("INBOX", 1, "h:a", `["\\Seen"]`),
		msgLine("INBOX", 2, "h:dup", `[]`),
		msgLine("INBOX", 3, "h:dup", `[]`),
		msgLine("INBOX", 4, "h:b", `["\\Flagged","custom"]`),
	}, "\n")
	dst := strings.Join([]string{
		`{"type":"folder","name":"INBOX","delim":"/","attrs":[],"subscribed":true}`,
		msgLine("INBOX", 10, "h:a", `["\\Seen"]`),
		msgLine("INBOX", 11, "h:dup", `[]`),
		msgLine("INBOX", 12, "h:b", `["\\Seen"]`),
		msgLine("INBOX", 13, "h:gone", `[]`),
	}, "\n")
	sum, ops := run(t, src, dst, Options{})
	if c := opsOf(ops, "copy"); len(c) != 1 || c[0]["src"].(map[string]any)["uid"] != 3.0 {
		t.Fatalf("want one copy of the second duplicate (uid 3), got %v", c)
	}
	f := opsOf(ops, "flags")
	if len(f) != 1 || f[0]["dst"].(map[string]any)["uid"] != 12.0 {
		t.Fatalf("want a flags op for dst uid 12, got %v", f)
	}
	if add := f[0]["flags_add"].([]any); len(add) != 2 {
		t.Fatalf("flags_add = %v", add)
	}
	if rm := f[0]["flags_remove"].([]any); len(rm) != 1 || rm[0] != `\Seen` {
		t.Fatalf("flags_remove = %v", rm)
	}
	if len(opsOf(ops, "delete")) != 0 {
		t.Fatal("no delete without --delete2")
	}
	if sum.Same != 3 || sum.OnlySrc != 1 || sum.OnlyDst != 1 || sum.FlagsDiffer != 1 || !sum.Differs() {
		t.Fatalf("summary %+v", sum)
	}

	_, ops = run(t, src, dst, Options{Delete2: true})
	if d := opsOf(ops, "delete"); len(d) != 1 || d[0]["dst"].(map[string]any)["uid"] != 13.0 {
		t.Fatalf("--delete2: want delete of uid 13, got %v", d)
	}
	_, ops = run(t, src, dst, Options{NoResyncFlags: true})
	if len(opsOf(ops, "flags")) != 0 {
		t.Fatal("--noresyncflags must not plan flags")
	}
	_, ops = run(t, src, dst, Options{SkipDuplicates: true})
	if len(opsOf(ops, "copy")) != 0 {
		t.Fatal("--skip-duplicates: the duplicate is already there once")
	}
}

func TestIdenticalIsEmptyPlan(t *testing.T) {
	inv := `{"type":"folder","name":"INBOX","delim":"/","attrs":[]}` + "\n" + msgLine("INBOX", 1, "h:a", `["\\Seen"]`)
	sum, ops := run(t, inv, inv, Options{})
	if len(ops) != 0 || sum.Differs() {
		t.Fatalf("identical inventories: ops %v, summary %+v", ops, sum)
	}
}

func TestFolderMappingAndCreate(t *testing.T) {
	src := strings.Join([]string{
		`{"type":"folder","name":"INBOX","delim":"/","attrs":[]}`,
		`{"type":"folder","name":"Archive","delim":"/","attrs":["\\Noselect"],"subscribed":false}`,
		`{"type":"folder","name":"Archive/2023","delim":"/","attrs":[],"subscribed":true}`,
		`{"type":"folder","name":"Empty","delim":"/","attrs":[]}`,
		`{"type":"folder","name":"Sent","delim":"/","attrs":["\\Sent"],"special_use":"\\Sent"}`,
		msgLine("Archive/2023", 1, "h:x", `[]`),
	}, "\n")
	dst := `{"type":"folder","name":"INBOX","delim":".","attrs":[],"prefix":"INBOX."}` + "\n" +
		`{"type":"folder","name":"INBOX.Old","delim":".","attrs":[]}`
	sum, ops := run(t, src, dst, Options{Delete2Folders: true})
	// The \Noselect parent is not created (its child's CREATE makes it
	// where the server needs it); the special use travels with the op.
	var created []string
	for _, o := range opsOf(ops, "create_folder") {
		created = append(created, o["dst"].(map[string]any)["folder"].(string))
		if o["src"].(map[string]any)["folder"] == "Sent" && o["special_use"] != `\Sent` {
			t.Errorf("create_folder op for Sent: %v, want special_use \\Sent", o)
		}
	}
	want := "INBOX.Archive.2023 INBOX.Empty INBOX.Sent"
	if strings.Join(created, " ") != want {
		t.Fatalf("created %v, want %s", created, want)
	}
	if c := opsOf(ops, "copy"); len(c) != 1 || c[0]["dst"].(map[string]any)["folder"] != "INBOX.Archive.2023" {
		t.Fatalf("copy ops %v", c)
	}
	if d := opsOf(ops, "delete_folder"); len(d) != 1 || d[0]["dst"].(map[string]any)["folder"] != "INBOX.Old" {
		t.Fatalf("delete_folder ops %v", d)
	}
	if sum.FoldersToCreate != 3 || sum.FoldersOnlyDst != 1 {
		t.Fatalf("summary %+v", sum)
	}
	_, ops = run(t, src, dst, Options{SkipEmptyFolders: true, F1F2: map[string]string{"Archive/2023": "INBOX.Y2023"}})
	created = nil
	for _, o := range opsOf(ops, "create_folder") {
		created = append(created, o["dst"].(map[string]any)["folder"].(string))
	}
	if strings.Join(created, " ") != "INBOX.Y2023" {
		t.Fatalf("with --skipemptyfolders and --f1f2: created %v", created)
	}
}

func TestBadInventory(t *testing.T) {
	for _, in := range []string{
		`{"type":"message","folder":"INBOX","uid":1}`,
		`{"type":"op","op":"copy"}`,
		`{"type":"message","uid":1,"ident":"h:x"}`,
		`not json`,
	} {
		_, err := Run(strings.NewReader(in), strings.NewReader(""), "src.jsonl", "dst", Options{}, &bytes.Buffer{})
		if err == nil || !strings.HasPrefix(err.Error(), "src.jsonl:1:") {
			t.Errorf("%s: error = %v, want src.jsonl:1: …", in, err)
		}
	}
}
