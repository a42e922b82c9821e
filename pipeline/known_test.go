package pipeline

import (
	"encoding/binary"
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/extsort"
)

func TestCheckSizesFindsCopiesOfTheWrongSize(t *testing.T) {
	dst := `{"type":"folder","name":"INBOX","delim":"/","attrs":[]}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":1,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":100,"ident":"a"}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":150,"ident":"b"}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":3,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":999,"ident":"c"}
`
	as := extsort.New()
	for k, size := range map[msgKey]int64{
		{"INBOX", 7, 1}: 100, // arrived whole
		{"INBOX", 7, 2}: 75,  // cut short… or here, doubled
		{"Other", 7, 2}: 10,  // another folder's UID 2
	} {
		as.Add(appendMsgKey(nil, k), binary.AppendVarint(nil, size))
	}
	appended, err := newTable(as)
	if err != nil {
		t.Fatal(err)
	}
	defer appended.Close()
	dt, err := dstTable(strings.NewReader(dst))
	if err != nil {
		t.Fatal(err)
	}
	defer dt.Close()
	bad, err := checkSizes(dt, appended)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || bad[0].folder != "INBOX" || !strings.Contains(bad[0].why, "UID 2 holds 150 bytes, 75 were appended") {
		t.Fatalf("bad = %+v, want UID 2 only (UID 3 was not appended by this run)", bad)
	}
}
