package selection

import "testing"

func TestMatch(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		in   string
		sub  bool
		want bool
	}{
		{"all by default", Options{}, "Archive/2023", false, true},
		{"folder exact", Options{Folders: []string{"Archive"}}, "Archive", false, true},
		{"folder is not recursive", Options{Folders: []string{"Archive"}}, "Archive/2023", false, false},
		{"inbox any case", Options{Folders: []string{"inbox"}}, "INBOX", false, true},
		{"folderrec self", Options{FolderRec: []string{"Archive"}}, "Archive", false, true},
		{"folderrec child", Options{FolderRec: []string{"Archive"}}, "Archive/2023/Q1", false, true},
		{"folderrec prefix is not a parent", Options{FolderRec: []string{"Archive"}}, "Archived", false, false},
		{"folderrec inbox case", Options{FolderRec: []string{"inbox"}}, "INBOX/sub", false, true},
		{"include", Options{Include: []string{"^Arch"}}, "Archive", false, true},
		{"include misses", Options{Include: []string{"^Arch"}}, "Sent", false, false},
		{"exclude wins", Options{Include: []string{"."}, Exclude: []string{"^Junk"}}, "Junk", false, false},
		{"exclude with folder", Options{Folders: []string{"Junk"}, Exclude: []string{"Junk"}}, "Junk", false, false},
		{"subscribed only", Options{Subscribed: true}, "Old", false, false},
		{"subscribed yes", Options{Subscribed: true}, "Old", true, true},
		{"non-ascii", Options{Folders: []string{"Entwürfe"}}, "Entwürfe", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New(tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Match(tt.in, "/", tt.sub); got != tt.want {
				t.Errorf("Match(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func TestBadRegexp(t *testing.T) {
	if _, err := New(Options{Include: []string{"("}}); err == nil {
		t.Fatal("want an error for a bad --include")
	}
}

func TestMissing(t *testing.T) {
	s, _ := New(Options{Folders: []string{"INBOX", "Nope"}, FolderRec: []string{"Archive"}})
	got := s.Missing([]string{"inbox", "Archive", "Sent"})
	if len(got) != 1 || got[0] != "Nope" {
		t.Fatalf("Missing = %v, want [Nope]", got)
	}
}
