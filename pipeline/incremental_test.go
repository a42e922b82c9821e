package pipeline

import (
	"encoding/json"
	"testing"

	"github.com/imapx/imapx/internal/record"
)

func TestLeadingFolder(t *testing.T) {
	for _, c := range []struct {
		in   string
		want string
		ok   bool
	}{
		{`{"type":"message","folder":"INBOX","uid":1}`, "INBOX", true},
		{`{"type":"message","folder":"a\"b","uid":1}`, "", false},
		{`{"folder":"INBOX","type":"message"}`, "", false},
	} {
		got, ok := leadingFolder([]byte(c.in))
		if got != c.want || ok != c.ok {
			t.Errorf("leadingFolder(%s) = %q, %v; want %q, %v", c.in, got, ok, c.want, c.ok)
		}
	}
}

// fastRef must read what the JSON decoder reads, or decline.
func TestFastRefAgreesWithDecoder(t *testing.T) {
	for _, line := range []string{
		`{"type":"message","folder":"INBOX","uidvalidity":1796046186,"uid":163,"flags":["\\Seen"],"internaldate":"2024-03-03T23:42:07Z","size":89,"message_id":"<a\"size\":5@x>","ident":"h:d1f8ac3d"}`,
		`{"type":"message","folder":"Archive/2023","uidvalidity":7,"uid":1,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":0,"ident":"h:00"}`,
		`{"type":"message","folder":"a\"b","uidvalidity":7,"uid":1,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"x"}`,
		`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"size":3}`,
	} {
		var fast, slow messageRef
		ok := fastRef([]byte(line), &fast, &record.MessageFields{})
		if err := json.Unmarshal([]byte(line), &slow); err != nil {
			t.Fatal(err)
		}
		if ok && fast != slow {
			t.Errorf("%s:\nfast %+v\nslow %+v", line, fast, slow)
		}
	}
	var m messageRef
	if !fastRef([]byte(`{"type":"message","folder":"INBOX","uidvalidity":9,"uid":42,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":89,"ident":"h:1"}`), &m, &record.MessageFields{Folder: "Other"}) || m.Folder != "INBOX" || m.UID != 42 || m.Size != 89 {
		t.Errorf("the usual shape not read: %+v", m)
	}
}
