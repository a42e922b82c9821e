package command

import "testing"

func TestFolderRegex(t *testing.T) {
	for _, tt := range []struct {
		in, name string
		match    bool
	}{
		{`/^Junk$|^INBOX.Junk$/`, "INBOX.Junk", true},
		{`/^Junk$/`, "Junk2", false},
		{`/junk/i`, "INBOX.Junk", true},
		{`m/^trash/i`, "Trash/x", true},
		{`m.x`, "mox", true}, // a plain regex starting with m stays one
		{`Tasks$`, "Work/Tasks", true},
	} {
		re, err := folderRegex(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", tt.in, err)
		}
		if re.MatchString(tt.name) != tt.match {
			t.Errorf("%s on %q: match %v", tt.in, tt.name, !tt.match)
		}
	}
}
