package pipeline

import (
	"encoding/json"
	"testing"
)

// rawIdentSize must read what a JSON decoder reads, or decline.
func TestRawIdentSize(t *testing.T) {
	lines := []string{
		`{"type":"message","folder":"INBOX","uidvalidity":1,"uid":2,"flags":["\\Seen"],"internaldate":"2024-01-29T11:48:07Z","size":1216,"message_id":"<a@b>","ident":"h:9aab"}`,
		`{"type":"message","folder":"INBOX","uidvalidity":1,"uid":2,"flags":[],"internaldate":"2024-01-29T11:48:07Z","size":0,"ident":"h:x","headers":"Subject: {x}\r\n"}`,
		`{"type":"message","folder":"a,\"size\":9,\"ident\":\"fake","uid":2,"size":12,"ident":"h:real"}`,
		`{"type":"message","folder":"INBOX","uid":2,"size":12,"ident":"h:a\"b"}`,
		`{"type":"message","folder":"INBOX","uid":2,"x":{"size":1,"ident":"h:nested"},"size":12,"ident":"h:top"}`,
		`{"type":"message","folder":"INBOX","uid":2,"size":12e3,"ident":"h:exp"}`,
		`{"type":"message","folder":"INBOX","uid":2,"size":5,"x":{"size":7},"ident":"h:top"}`,
		`{"type":"message","folder":"INBOX","uid":2,"size":5,"x":{"ident":"h:in"}}`,
		`{"type":"message","folder":"INBOX","uid":2,"size":5,"x":{"size":7,"ident":"h:in"},"ident":"h:top"}`,
		`{"type":"message","folder":"INBOX","uid":2,"size":5,"message_id":"<a,\"size\":9}@b>","ident":"h:top"}`,
		`{"type":"message","folder":"INBOX","uid":2,"size":5,"ident":"h:first","ident":"h:last"}`,
		`{"type":"message","size":5,"ident":"h:top" }`,
	}
	for _, l := range lines {
		var want struct {
			Size  float64 `json:"size"`
			Ident string  `json:"ident"`
		}
		if err := json.Unmarshal([]byte(l), &want); err != nil {
			t.Fatalf("%s: %v", l, err)
		}
		id, size, ok := rawIdentSize([]byte(l))
		if !ok {
			continue
		}
		if string(id) != want.Ident || float64(size) != want.Size {
			t.Errorf("%s: got %q %d, want %q %v", l, id, size, want.Ident, want.Size)
		}
	}
	if _, _, ok := rawIdentSize([]byte(lines[0])); !ok {
		t.Errorf("a fetch-shaped record was declined")
	}
}
