package folders

import (
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Naming is how an account spells its folder hierarchy: the delimiter
// (LIST) and the personal namespace prefix (NAMESPACE), e.g. "." and
// "INBOX." on Courier-style servers.
type Naming struct {
	Delim, Prefix string
}

// MapName turns a folder name in src's naming into dst's: strip the
// source prefix, split on the source delimiter, join with the
// destination's, add its prefix. f1f2 (exact source names) wins. INBOX
// stays INBOX; a destination delimiter inside a name component becomes
// '_' so that it does not create an unintended level of hierarchy. diff
// (for sync) and push (for records and mbox files) both map through it,
// so a folder lands under the same name whichever command copies it.
func MapName(name string, src, dst Naming, f1f2 map[string]string) string {
	if d, ok := f1f2[name]; ok {
		return d
	}
	if src.Prefix != "" && strings.HasPrefix(name, src.Prefix) {
		name = name[len(src.Prefix):]
	}
	parts := []string{name}
	if src.Delim != "" {
		parts = strings.Split(name, src.Delim)
	}
	if strings.EqualFold(parts[0], "INBOX") {
		parts[0] = "INBOX"
	}
	if dst.Delim != src.Delim {
		for i, p := range parts {
			parts[i] = strings.ReplaceAll(p, dst.Delim, "_")
		}
	}
	out := strings.Join(parts, dst.Delim)
	if out == "INBOX" {
		return out
	}
	// INBOX's own children already sit under the prefix on INBOX.-style
	// servers: "INBOX/x" becomes "INBOX.x", not "INBOX.INBOX.x".
	if dst.Prefix != "" && !strings.HasPrefix(out, dst.Prefix) {
		out = dst.Prefix + out
	}
	return out
}

// Personal reads an account's own naming from the server: the personal
// namespace's prefix and delimiter (NAMESPACE), else the delimiter LIST
// "" "" gives. A server that tells neither is taken as flat with "/".
func Personal(c *imapclient.Client) (Naming, error) {
	if caps := c.Caps(); caps.Has(imap.CapNamespace) || caps.Has(imap.CapIMAP4rev2) {
		ns, err := c.Namespace().Wait()
		if err != nil {
			return Naming{}, err
		}
		if len(ns.Personal) > 0 && ns.Personal[0].Delim != 0 {
			return Naming{Delim: string(ns.Personal[0].Delim), Prefix: ns.Personal[0].Prefix}, nil
		}
	}
	list, err := c.List("", "", nil).Collect()
	if err != nil {
		return Naming{}, err
	}
	for _, d := range list {
		if d.Delim != 0 {
			return Naming{Delim: string(d.Delim)}, nil
		}
	}
	return Naming{Delim: "/"}, nil
}
