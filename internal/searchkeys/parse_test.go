package searchkeys

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func uids(lo, hi imap.UID) imap.UIDSet {
	var s imap.UIDSet
	s.AddRange(lo, hi)
	return s
}

func seqs(lo, hi uint32) imap.SeqSet {
	var s imap.SeqSet
	s.AddRange(lo, hi)
	return s
}

var parseCases = []struct {
	in   string
	want *imap.SearchCriteria
}{
	{"ALL", &imap.SearchCriteria{}},
	{"all", &imap.SearchCriteria{}},
	{"SEEN", &imap.SearchCriteria{Flag: []imap.Flag{imap.FlagSeen}}},
	{"unseen", &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}}},
	{"ANSWERED UNANSWERED", &imap.SearchCriteria{Flag: []imap.Flag{imap.FlagAnswered}, NotFlag: []imap.Flag{imap.FlagAnswered}}},
	{"DELETED", &imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDeleted}}},
	{"UNDELETED", &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}},
	{"DRAFT UNDRAFT", &imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDraft}, NotFlag: []imap.Flag{imap.FlagDraft}}},
	{"FLAGGED", &imap.SearchCriteria{Flag: []imap.Flag{imap.FlagFlagged}}},
	{"UNFLAGGED", &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagFlagged}}},
	{"KEYWORD project-x", &imap.SearchCriteria{Flag: []imap.Flag{"project-x"}}},
	{"UNKEYWORD $Junk", &imap.SearchCriteria{NotFlag: []imap.Flag{"$Junk"}}},
	{"SINCE 1-Jan-2024", &imap.SearchCriteria{Since: day(2024, 1, 1)}},
	{"since 01-Feb-2024", &imap.SearchCriteria{Since: day(2024, 2, 1)}},
	{"BEFORE 29-Feb-2024", &imap.SearchCriteria{Before: day(2024, 2, 29)}},
	{"ON 31-Dec-2023", &imap.SearchCriteria{Since: day(2023, 12, 31), Before: day(2024, 1, 1)}},
	{"SENTSINCE 1-Mar-2024", &imap.SearchCriteria{SentSince: day(2024, 3, 1)}},
	{"SENTBEFORE 1-Mar-2024", &imap.SearchCriteria{SentBefore: day(2024, 3, 1)}},
	{"SENTON 28-Feb-2023", &imap.SearchCriteria{SentSince: day(2023, 2, 28), SentBefore: day(2023, 3, 1)}},
	{"FROM alice", &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "alice"}}}},
	{`SUBJECT "hello world"`, &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "hello world"}}}},
	{`TO "a \"quoted\" name"`, &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "To", Value: `a "quoted" name`}}}},
	{`CC ""`, &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Cc", Value: ""}}}},
	{"BCC x", &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Bcc", Value: "x"}}}},
	{"HEADER List-Id announce", &imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "List-Id", Value: "announce"}}}},
	{`BODY "invoice 42"`, &imap.SearchCriteria{Body: []string{"invoice 42"}}},
	{"TEXT urgent", &imap.SearchCriteria{Text: []string{"urgent"}}},
	{"LARGER 1000", &imap.SearchCriteria{Larger: 1000}},
	{"SMALLER 0", &imap.SearchCriteria{}},
	{"SMALLER 5000000", &imap.SearchCriteria{Smaller: 5000000}},
	{"MODSEQ 12345", &imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 12345}}},
	{"UID 1:500", &imap.SearchCriteria{UID: []imap.UIDSet{uids(1, 500)}}},
	{"UID 7", &imap.SearchCriteria{UID: []imap.UIDSet{uids(7, 7)}}},
	{"UID 900:*", &imap.SearchCriteria{UID: []imap.UIDSet{uids(900, 0)}}},
	{"1:10", &imap.SearchCriteria{SeqNum: []imap.SeqSet{seqs(1, 10)}}},
	{"NOT SEEN", &imap.SearchCriteria{Not: []imap.SearchCriteria{{Flag: []imap.Flag{imap.FlagSeen}}}}},
	{"NOT NOT SEEN", &imap.SearchCriteria{Not: []imap.SearchCriteria{{Not: []imap.SearchCriteria{{Flag: []imap.Flag{imap.FlagSeen}}}}}}},
	{"OR SEEN FLAGGED", &imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{{Flag: []imap.Flag{imap.FlagSeen}}, {Flag: []imap.Flag{imap.FlagFlagged}}}}}},
	{"OR (SEEN FLAGGED) LARGER 10", &imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{
		{Flag: []imap.Flag{imap.FlagSeen, imap.FlagFlagged}}, {Larger: 10}}}}},
	{"(UNSEEN SINCE 1-Jan-2024)", &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}, Since: day(2024, 1, 1)}},
	{"()", &imap.SearchCriteria{}},
	{"  UNSEEN\t\nLARGER 5 ", &imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagSeen}, Larger: 5}},
	{"MODSEQ 5 (MODSEQ 9) SEEN", &imap.SearchCriteria{ModSeq: &imap.SearchCriteriaModSeq{ModSeq: 9}, Flag: []imap.Flag{imap.FlagSeen}}},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		got, err := Parse(tc.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.in, err)
			continue
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("Parse(%q) =\n%+v\nwant\n%+v", tc.in, got, tc.want)
		}
	}
}

var parseErrors = []struct{ in, err string }{
	{"", "no search keys"},
	{"   ", "no search keys"},
	{"FOO", `"FOO" at position 1 is not a search key`},
	{"SEEN FOO", `"FOO" at position 2 is not a search key`},
	{`"SEEN"`, `"SEEN" at position 1 is not a search key`},
	{"SINCE", "SINCE needs a date (d-Mon-yyyy)"},
	{"SINCE 2024-01-01", `SINCE: "2024-01-01" is not a date like 1-Feb-2024`},
	{"ON 31-Feb-2024", `ON: "31-Feb-2024" is not a date`},
	{"LARGER", "LARGER needs a number"},
	{"LARGER -1", `LARGER: "-1" is not a number`},
	{"SMALLER ten", `SMALLER: "ten" is not a number`},
	{"MODSEQ 99999999999999999999", "is not a number"},
	{"FROM", "FROM needs a string"},
	{"FROM (", `FROM needs a string, got "("`},
	{"HEADER X", "HEADER needs a string"},
	{`SUBJECT "unterminated`, "unterminated quoted string at character 9"},
	{"(SEEN", "unclosed '(' at position 1"},
	{"SEEN )", "unexpected ')' at position 2"},
	{"NOT", "search needs a key"},
	{"OR SEEN", "search needs a key"},
	{"NEW", "NEW is not supported"},
	{"RECENT", "use UNSEEN"},
	{"OLD", "OLD is not supported"},
	{"UID", "UID needs a UID set"},
	{"UID x", `"x" is not a number set like 1:500,900:*`},
	{"UID 0", "is not a number set"},
	{"UID 1:", "is not a number set"},
	{"UID 1,,2", "is not a number set"},
	{"UID 4294967296", "is not a number set"},
	{"1:0", `"1:0" at position 1 is not a search key`},
	{"KEYWORD", "KEYWORD needs a string"},
	{"SUBJECT(x)", `SUBJECT needs a string, got "("`},
}

func TestParseErrors(t *testing.T) {
	for _, tc := range parseErrors {
		got, err := Parse(tc.in)
		if err == nil {
			t.Errorf("Parse(%q) = %+v, want an error with %q", tc.in, got, tc.err)
			continue
		}
		if !strings.Contains(err.Error(), tc.err) || !strings.HasPrefix(err.Error(), "search: ") {
			t.Errorf("Parse(%q): error %q, want it to start with \"search: \" and contain %q", tc.in, err, tc.err)
		}
	}
}

// FuzzParse: any input either parses or fails with a "search: …" error,
// never panics, and parsing is deterministic. Its seeds (the tables above
// and testdata/fuzz) run with every go test.
func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add(tc.in)
	}
	for _, tc := range parseErrors {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := Parse(s)
		if err != nil {
			if c != nil {
				t.Fatalf("Parse(%q) returned criteria with an error", s)
			}
			if !strings.HasPrefix(err.Error(), "search: ") {
				t.Fatalf("Parse(%q): error %q does not say it is about the search", s, err)
			}
			return
		}
		if c == nil {
			t.Fatalf("Parse(%q) = nil, nil", s)
		}
		again, err := Parse(s)
		if err != nil || !reflect.DeepEqual(c, again) {
			t.Fatalf("Parse(%q) is not deterministic", s)
		}
	})
}
