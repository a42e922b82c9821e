package main

import (
	"bytes"
	"fmt"
	"sort"
	"strings"

	"github.com/imapx/imapx/test/harness"
)

// comparison is how a destination's messages match a source's, as
// multisets of (folder, raw bytes, flags with keywords, internal date).
type comparison struct {
	src, dst         int
	missing, extra   []harness.Message // one of each differing key
	nMissing, nExtra int
	dstFolders       map[string]int
	srcFolders       map[string]int
}

func compare(src, dst []harness.Message) comparison {
	c := comparison{src: len(src), dst: len(dst), srcFolders: map[string]int{}, dstFolders: map[string]int{}}
	count := map[string]int{}
	example := map[string]harness.Message{}
	for _, m := range src {
		k := m.Key()
		count[k]++
		example[k] = m
		c.srcFolders[m.Folder]++
	}
	for _, m := range dst {
		k := m.Key()
		count[k]--
		if _, ok := example[k]; !ok {
			example[k] = m
		}
		c.dstFolders[m.Folder]++
	}
	for k, v := range count {
		switch {
		case v > 0:
			c.nMissing += v
			c.missing = append(c.missing, example[k])
		case v < 0:
			c.nExtra -= v
			c.extra = append(c.extra, example[k])
		}
	}
	return c
}

func (c comparison) equal() bool { return c.nMissing == 0 && c.nExtra == 0 }

// String says how the destination differs, with a few examples.
func (c comparison) String() string {
	if c.equal() {
		return fmt.Sprintf("destination equals source (%d messages)", c.src)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "destination differs from source: source %d messages, destination %d; %d source messages have no exact copy, %d destination messages are not in the source",
		c.src, c.dst, c.nMissing, c.nExtra)
	for _, part := range []struct {
		what string
		ms   []harness.Message
	}{{"missing", c.missing}, {"extra", c.extra}} {
		sort.Slice(part.ms, func(i, j int) bool { return part.ms[i].Key() < part.ms[j].Key() })
		for i, m := range part.ms {
			if i == 3 {
				fmt.Fprintf(&b, "\n  %s: … %d more", part.what, len(part.ms)-3)
				break
			}
			fmt.Fprintf(&b, "\n  %s: %s", part.what, describe(m))
		}
	}
	for f, n := range c.srcFolders {
		if c.dstFolders[f] != n {
			fmt.Fprintf(&b, "\n  folder %q: source %d, destination %d", f, n, c.dstFolders[f])
		}
	}
	for f, n := range c.dstFolders {
		if _, ok := c.srcFolders[f]; !ok {
			fmt.Fprintf(&b, "\n  folder %q: only on the destination (%d)", f, n)
		}
	}
	return b.String()
}

func describe(m harness.Message) string {
	subject := ""
	for _, l := range bytes.Split(m.Raw, []byte("\r\n")) {
		if len(l) == 0 {
			break
		}
		if bytes.HasPrefix(bytes.ToLower(l), []byte("subject:")) {
			subject = string(l)
		}
	}
	return fmt.Sprintf("%s uid %d, %d bytes, flags [%s], date %s, %.60q", m.Folder, m.UID, len(m.Raw), strings.Join(m.Flags, " "), m.Date, subject)
}

// readBoth reads a source and a destination account independently.
func readBoth(srcD *harness.Dovecot, src imapAccount, dstD *harness.Dovecot, dst imapAccount) ([]harness.Message, []harness.Message, error) {
	a, _, err := srcD.ReadAll(src.user, src.pass)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the source: %w", err)
	}
	b, _, err := dstD.ReadAll(dst.user, dst.pass)
	if err != nil {
		return nil, nil, fmt.Errorf("reading the destination: %w", err)
	}
	return a, b, nil
}
