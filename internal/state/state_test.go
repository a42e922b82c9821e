package state

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/record"
)

func folder(name string, validity, next, msgs uint32, modseq uint64) *record.Folder {
	return &record.Folder{Name: name, UIDValidity: validity, UIDNext: next, Messages: &msgs, HighestModSeq: modseq}
}

func TestRoundTripAndUnchanged(t *testing.T) {
	path := Path(t.TempDir(), "a -> b")
	s := New("a -> b", "fp")
	src, dst := folder("INBOX", 7, 100, 99, 500), folder("INBOX", 3, 40, 99, 80)
	s.Record(src, dst)
	if err := s.Save(path); err != nil {
		t.Fatal(err)
	}
	got, warn := Load(path, "a -> b", "fp")
	if warn != nil {
		t.Fatal(warn)
	}
	if !got.Unchanged(src, dst, true) {
		t.Fatal("recorded pair not unchanged after a round trip")
	}
	for name, c := range map[string]struct{ src, dst *record.Folder }{
		"new mail on source":     {folder("INBOX", 7, 101, 100, 501), dst},
		"expunge on destination": {src, folder("INBOX", 3, 40, 98, 81)},
		"flag change on source":  {folder("INBOX", 7, 100, 99, 501), dst},
		"uidvalidity changed":    {folder("INBOX", 8, 100, 99, 500), dst},
		"other destination":      {src, folder("Other", 3, 40, 99, 80)},
		"other source":           {folder("Sent", 7, 100, 99, 500), dst},
	} {
		if got.Unchanged(c.src, c.dst, true) {
			t.Errorf("%s: reported unchanged", name)
		}
	}
}

func TestNoModSeqNeverUnchangedWhenFlagsMatter(t *testing.T) {
	s := New("k", "fp")
	src, dst := folder("INBOX", 7, 100, 99, 0), folder("INBOX", 3, 40, 99, 0)
	s.Record(src, dst)
	if s.Unchanged(src, dst, true) {
		t.Error("without HIGHESTMODSEQ a flag change is invisible: must not skip")
	}
	if !s.Unchanged(src, dst, false) {
		t.Error("with flags not synced, UIDNEXT and MESSAGES suffice")
	}
}

func TestIncompleteStatusIsNotRecorded(t *testing.T) {
	s := New("k", "fp")
	src := &record.Folder{Name: "INBOX", UIDValidity: 1, UIDNext: 5} // no MESSAGES
	s.Record(src, folder("INBOX", 1, 5, 4, 9))
	if len(s.Pairs) != 0 {
		t.Fatal("recorded a pair without a full STATUS")
	}
}

func TestLoadRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := New("k", "fp")
	good.Record(folder("INBOX", 1, 5, 4, 9), folder("INBOX", 1, 5, 4, 9))
	path := Path(dir, "k")
	if err := good.Save(path); err != nil {
		t.Fatal(err)
	}
	saved, _ := os.ReadFile(path)
	for name, c := range map[string]struct {
		content     string
		key, fp     string
		warn        string
		wantEntries int
	}{
		"missing file":    {"", "k", "fp", "", 0},
		"garbage":         {"{garbage", "k", "fp", "not valid JSON", 0},
		"truncated":       {string(saved[:len(saved)/2]), "k", "fp", "not valid JSON", 0},
		"tampered":        {strings.Replace(string(saved), `"uidnext": 5`, `"uidnext": 6`, 1), "k", "fp", "checksum", 0},
		"other account":   {string(saved), "other", "fp", "belongs to", 0},
		"other options":   {string(saved), "k", "other", "", 0},
		"good":            {string(saved), "k", "fp", "", 1},
		"empty file":      {" ", "k", "fp", "not valid JSON", 0},
		"another version": {strings.Replace(string(saved), `"version": 1`, `"version": 2`, 1), "k", "fp", "checksum", 0},
	} {
		p := filepath.Join(dir, strings.ReplaceAll(name, " ", "-")+".json")
		if c.content != "" {
			os.WriteFile(p, []byte(c.content), 0o600)
		}
		s, warn := Load(p, c.key, c.fp)
		switch {
		case c.warn == "" && warn != nil:
			t.Errorf("%s: unexpected warning %v", name, warn)
		case c.warn != "" && (warn == nil || !strings.Contains(warn.Error(), c.warn)):
			t.Errorf("%s: warning %v, want one saying %q", name, warn, c.warn)
		}
		if s == nil || len(s.Pairs) != c.wantEntries {
			t.Errorf("%s: state %+v, want %d pairs", name, s, c.wantEntries)
		}
	}
}
