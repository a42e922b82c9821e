package pipeline

import (
	"strings"
	"testing"
)

func TestCheckSizesFindsCopiesOfTheWrongSize(t *testing.T) {
	dst := `{"type":"folder","name":"INBOX","delim":"/","attrs":[]}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":1,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":100,"ident":"a"}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":150,"ident":"b"}
{"type":"message","folder":"INBOX","uidvalidity":7,"uid":3,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":999,"ident":"c"}
`
	appended := map[msgKey]int64{
		{"INBOX", 7, 1}: 100, // arrived whole
		{"INBOX", 7, 2}: 75,  // cut short… or here, doubled
	}
	bad, err := checkSizes(strings.NewReader(dst), appended)
	if err != nil {
		t.Fatal(err)
	}
	if len(bad) != 1 || bad[0].folder != "INBOX" || !strings.Contains(bad[0].why, "UID 2 holds 150 bytes, 75 were appended") {
		t.Fatalf("bad = %+v, want UID 2 only (UID 3 was not appended by this run)", bad)
	}
}
