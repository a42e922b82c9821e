package folders

import (
	"strings"
	"testing"

	"github.com/imapx/imapx/internal/record"
	"github.com/imapx/imapx/internal/subst"
)

func str(s string) *string { return &s }

func rts(t *testing.T, ss ...string) []*subst.Subst {
	var out []*subst.Subst
	for _, s := range ss {
		rt, err := subst.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rt)
	}
	return out
}

func TestMapperNames(t *testing.T) {
	slash, dot, courier := Naming{Delim: "/"}, Naming{Delim: "."}, Naming{Delim: ".", Prefix: "INBOX."}
	tests := []struct {
		m        Mapping
		src, dst Naming
		in, want string
	}{
		{Mapping{}, slash, dot, "a/b", "a.b"},
		{Mapping{}, slash, dot, "a.b/c", "a_b.c"},
		{Mapping{}, slash, courier, "INBOX", "INBOX"},
		{Mapping{}, slash, courier, "INBOX/x", "INBOX.x"},
		{Mapping{}, slash, courier, "Sent", "INBOX.Sent"},
		{Mapping{}, courier, slash, "INBOX.Sent.2024", "Sent/2024"},
		{Mapping{}, slash, slash, "inbox", "INBOX"},
		{Mapping{F1F2: map[string]string{"Old": "New/Old"}}, slash, slash, "Old", "New/Old"},
		// --f1f2 wins over --regextrans2; the substitutions run in order
		// on the name already in the destination's spelling.
		{Mapping{F1F2: map[string]string{"Old": "Kept"}, Regextrans2: rts(t, "s/e/E/g")}, slash, slash, "Old", "Kept"},
		{Mapping{Regextrans2: rts(t, `s/^INBOX\.(.*)$/Mail.$1/`, `s/\./_/g`)}, slash, courier, "a/b", "Mail_a_b"},
		{Mapping{Regextrans2: rts(t, `s/e/E/`)}, slash, slash, "deleted", "dEleted"},
		{Mapping{Regextrans2: rts(t, `s/E/x/gi`)}, slash, slash, "deleted", "dxlxtxd"},
		{Mapping{Regextrans2: rts(t, `s{^(\w+)/(\w+)$}{\2/\1}`)}, slash, slash, "a/b", "b/a"},
		{Mapping{Regextrans2: rts(t, `s#x#\$1#`)}, slash, slash, "x", "$1"},
		// --subfolder2 puts everything under its folder, INBOX included;
		// --subfolder1 takes it back.
		{Mapping{Subfolder2: "Old"}, slash, courier, "INBOX", "INBOX.Old.INBOX"},
		{Mapping{Subfolder2: "Old"}, slash, courier, "a/b", "INBOX.Old.a.b"},
		{Mapping{Subfolder2: "INBOX.Old."}, slash, courier, "a", "INBOX.Old.a"},
		{Mapping{Subfolder2: "Old"}, courier, slash, "INBOX", "Old/INBOX"},
		{Mapping{Subfolder1: "Old"}, courier, slash, "INBOX.Old.INBOX", "INBOX"},
		{Mapping{Subfolder1: "Old"}, courier, slash, "INBOX.Old.a.b", "a/b"},
		{Mapping{Subfolder1: "INBOX.Old"}, courier, slash, "INBOX.Old", "INBOX"},
		// --prefix and --sep override what the servers said.
		{Mapping{Prefix1: str("Mail/")}, slash, slash, "Mail/a", "a"},
		{Mapping{Prefix2: str("")}, slash, courier, "a", "a"},
		{Mapping{Sep1: "."}, slash, slash, "a.b", "a/b"},
		{Mapping{Sep2: "."}, slash, slash, "a/b", "a.b"},
	}
	for _, tt := range tests {
		if got := tt.m.Mapper(tt.src, tt.dst, nil, nil).Map(tt.in); got != tt.want {
			t.Errorf("%+v %v→%v: Map(%q) = %q, want %q", tt.m, tt.src, tt.dst, tt.in, got, tt.want)
		}
	}
}

func TestAutomap(t *testing.T) {
	src := []record.Folder{{Name: "INBOX"}, {Name: "Sent", SpecialUse: `\Sent`}, {Name: "Trash", SpecialUse: `\Trash`},
		{Name: "Drafts", SpecialUse: `\Drafts`}, {Name: "Junk"}, {Name: "Archive", SpecialUse: `\Archive`}, {Name: "Work"}}
	// Case 1: declared on both sides, whatever the names.
	dst := []record.Folder{{Name: "INBOX"}, {Name: "INBOX.Gesendet", SpecialUse: `\Sent`}, {Name: "INBOX.Sent"},
		// Cases 2 and 4: guessed from localized names on the destination.
		{Name: "INBOX.Papierkorb"}, {Name: "INBOX.Entwürfe"}, {Name: "INBOX.Spam"}}
	m := Mapping{Automap: true}.Mapper(Naming{Delim: "/"}, Naming{Delim: ".", Prefix: "INBOX."}, src, dst)
	want := map[string]string{"INBOX": "INBOX", "Sent": "INBOX.Gesendet", "Trash": "INBOX.Papierkorb",
		"Drafts": "INBOX.Entwürfe", "Junk": "INBOX.Spam", "Archive": "INBOX.Archive", "Work": "INBOX.Work"}
	for in, w := range want {
		if got := m.Map(in); got != w {
			t.Errorf("automap %q = %q, want %q", in, got, w)
		}
	}
	// Case 3: a localized source name, the destination declares the use.
	m = Mapping{Automap: true}.Mapper(Naming{Delim: ".", Prefix: "INBOX."}, Naming{Delim: "/"},
		[]record.Folder{{Name: "INBOX.Gesendete Elemente"}, {Name: "INBOX.Gelöschte Elemente"}},
		[]record.Folder{{Name: "Sent", SpecialUse: `\Sent`}, {Name: "Trash", SpecialUse: `\Trash`}})
	if a, b := m.Map("INBOX.Gesendete Elemente"), m.Map("INBOX.Gelöschte Elemente"); a != "Sent" || b != "Trash" {
		t.Errorf("automap case 3: %q %q", a, b)
	}
	// Without --automap, names map as they are; --subfolder2 turns it off.
	for _, mp := range []Mapping{{}, {Automap: true, Subfolder2: "S"}} {
		m = mp.Mapper(Naming{Delim: "/"}, Naming{Delim: ".", Prefix: "INBOX."}, src, dst)
		if got := m.Map("Trash"); !strings.HasSuffix(got, ".Trash") {
			t.Errorf("%+v: Trash → %q", mp, got)
		}
	}
}
