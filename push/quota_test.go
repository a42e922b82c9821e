package push

import (
	"testing"

	"github.com/emersion/go-imap/v2"
)

// The servers' ways of saying "over quota", with and without the code.
func TestOverQuotaWordings(t *testing.T) {
	for _, tt := range []struct {
		e    imap.Error
		want bool
	}{
		{imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeOverQuota, Text: "Quota exceeded (mailbox for user is full)"}, true},
		{imap.Error{Type: imap.StatusResponseTypeNo, Text: "Over quota"}, true}, // Cyrus 3.6
		{imap.Error{Type: imap.StatusResponseTypeNo, Text: "Quota exceeded (mailbox for user is full)"}, true},
		{imap.Error{Type: imap.StatusResponseTypeNo, Text: "The message size exceeds the maximum allowed"}, true}, // Exchange
		{imap.Error{Type: imap.StatusResponseTypeNo, Text: "APPEND failed: mailbox is full"}, true},
		{imap.Error{Type: imap.StatusResponseTypeNo, Text: "[OVERQUOTA] Account exceeded command or bandwidth limits"}, true}, // Gmail
		{imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTooBig, Text: "message exceeds the maximum size"}, false},
		{imap.Error{Type: imap.StatusResponseTypeNo, Text: "Too many user flags in mailbox"}, false},
		{imap.Error{Type: imap.StatusResponseTypeNo, Text: "Message contains NUL characters"}, false},
	} {
		if got := overQuota(&tt.e); got != tt.want {
			t.Errorf("%v: over quota %v, want %v", &tt.e, got, tt.want)
		}
	}
}
