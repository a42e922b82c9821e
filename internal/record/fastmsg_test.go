package record

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// decoded is what json.Unmarshal reads of the fields FastMessage reads.
type decoded struct {
	Folder       string    `json:"folder"`
	UIDValidity  uint32    `json:"uidvalidity"`
	UID          uint32    `json:"uid"`
	Flags        []string  `json:"flags"`
	InternalDate time.Time `json:"internaldate"`
	Size         int64     `json:"size"`
	Ident        string    `json:"ident"`
}

var fastSeeds = []string{
	// fetch's shape, as sync's inventories hold it
	`{"type":"message","folder":"INBOX","uidvalidity":1796046186,"uid":163,"flags":["\\Seen"],"internaldate":"2024-03-03T23:42:07Z","size":89,"message_id":"<a\"size\":5@x>","ident":"h:d1f8ac3d"}`,
	`{"type":"message","folder":"Archive/2023","uidvalidity":7,"uid":1,"flags":[],"internaldate":"2024-01-01T00:00:00+02:00","size":0,"ident":"h:00"}`,
	`{"type":"message","folder":"Ünïcode","uidvalidity":7,"uid":1,"flags":null,"internaldate":"2024-01-01T00:00:00.5Z","size":3,"ident":"h:1","headers":"Subject: \"uid\":9\r\n","header_fields":["Message-Id"]}`,
	`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":1,"flags":["$Forwarded","\\Seen","x"],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"h:1","dst_folder":"B","other":{"a":[1,"]}",{"b":null}]},"n":-1.5e3}`,
	// declined or read alike: escapes, other orders, missing or repeated members
	`{"type":"message","folder":"a\"b","uidvalidity":7,"uid":1,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"x"}`,
	`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"size":3,"ident":"x"}`,
	`{"type":"message","folder":"INBOX","uid":2,"uidvalidity":7,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"x"}`,
	`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"x","UID":5}`,
	`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"x","Folder":"y"}`,
	`{"type":"message","folder":"INBOX","uidvalidity":4294967296,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"x"}`,
	`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00.500Z","size":3,"ident":"x"}`,
	`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00+00:00","size":3,"ident":"x"}`,
	`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3.0,"ident":"x"}`,
	`{"type":"message","folder":"INBOX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"x" }`,
	`{"type":"message","folder":"IN\u0042OX","uidvalidity":7,"uid":2,"flags":[],"internaldate":"2024-01-01T00:00:00Z","size":3,"ident":"x"}`,
	"{\"type\":\"message\",\"folder\":\"IN\xffBOX\",\"uidvalidity\":7,\"uid\":2,\"flags\":[],\"internaldate\":\"2024-01-01T00:00:00Z\",\"size\":3,\"ident\":\"x\"}",
}

// FastMessage must read what the JSON decoder reads, or decline.
func FuzzFastMessage(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, js []byte) {
		if !json.Valid(js) {
			return // the reader hands out valid lines (or its own, trusted)
		}
		var m MessageFields
		if !FastMessage(js, &m, true) {
			return
		}
		var d decoded
		if err := json.Unmarshal(js, &d); err != nil {
			t.Fatalf("%s: read, but the decoder fails: %v", js, err)
		}
		got := decoded{m.Folder, m.UIDValidity, m.UID, m.Flags, m.InternalDate, m.Size, m.Ident}
		if !reflect.DeepEqual(got, d) || (got.Flags == nil) != (d.Flags == nil) || !got.InternalDate.Equal(d.InternalDate) {
			t.Fatalf("%s:\nfast %#v\nslow %#v", js, got, d)
		}
		var noFlags MessageFields
		if !FastMessage(js, &noFlags, false) || noFlags.Flags != nil || noFlags.Ident != m.Ident {
			t.Fatalf("%s: not read alike without flags", js)
		}
	})
}

// The shapes fetch writes are read (not all declined).
func TestFastMessageReadsFetchShape(t *testing.T) {
	for _, s := range fastSeeds[:4] {
		var m MessageFields
		if !FastMessage([]byte(s), &m, true) {
			t.Errorf("declined: %s", s)
		}
	}
	var m MessageFields
	FastMessage([]byte(fastSeeds[3]), &m, true)
	if m.UID != 1 || len(m.Flags) != 3 || m.Flags[1] != `\Seen` || m.Size != 3 {
		t.Errorf("misread: %+v", m)
	}
}

// A reused MessageFields reads each record as a fresh one does.
func TestFastMessageReused(t *testing.T) {
	var reused MessageFields
	for _, s := range append(fastSeeds[:4], fastSeeds[1], fastSeeds[0]) {
		var fresh MessageFields
		ok1 := FastMessage([]byte(s), &fresh, true)
		ok2 := FastMessage([]byte(s), &reused, true)
		if ok1 != ok2 || !reflect.DeepEqual(fresh, reused) {
			t.Errorf("%s:\nfresh  %+v\nreused %+v", s, fresh, reused)
		}
	}
}
