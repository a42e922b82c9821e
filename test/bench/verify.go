package main

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

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

// differences says how a destination differs from its source, one line
// per kind of difference with its count and a few examples: each source
// message without an exact copy is paired with a destination message not
// in the source that has its bytes (then the difference is its folder,
// flags or internal date), or else its folder and internal date (then its
// bytes were altered: where, and how).
func differences(src, dst []harness.Message) []string {
	count := map[string]int{}
	for _, m := range src {
		count[m.Key()]++
	}
	var missing, extra []harness.Message
	for _, m := range dst {
		if count[m.Key()] > 0 {
			count[m.Key()]--
		} else {
			extra = append(extra, m)
		}
	}
	for _, m := range src {
		if count[m.Key()] > 0 {
			count[m.Key()]--
			missing = append(missing, m)
		}
	}
	used := make([]bool, len(extra))
	byRaw := map[string][]int{}
	byPlace := map[string][]int{}
	for i, m := range extra {
		byRaw[string(m.Raw)] = append(byRaw[string(m.Raw)], i)
		byPlace[m.Folder+"|"+m.Date] = append(byPlace[m.Folder+"|"+m.Date], i)
	}
	// take is the first unused candidate, one in folder if there is.
	take := func(cands []int, folder string) int {
		pick := -1
		for _, i := range cands {
			if !used[i] && (pick < 0 || extra[i].Folder == folder && extra[pick].Folder != folder) {
				pick = i
			}
		}
		if pick >= 0 {
			used[pick] = true
		}
		return pick
	}
	classes := map[string][]string{}
	var order []string
	add := func(class, example string) {
		if _, ok := classes[class]; !ok {
			order = append(order, class)
		}
		classes[class] = append(classes[class], example)
	}
	for _, m := range missing {
		if i := take(byRaw[string(m.Raw)], m.Folder); i >= 0 {
			e := extra[i]
			var what []string
			if e.Folder != m.Folder {
				what = append(what, fmt.Sprintf("folder %q → %q", m.Folder, e.Folder))
			}
			if f, g := strings.Join(m.Flags, " "), strings.Join(e.Flags, " "); f != g {
				what = append(what, "flags "+flagKinds(m.Flags, e.Flags))
			}
			if m.Date != e.Date {
				a, _ := time.Parse(time.RFC3339, m.Date)
				b, _ := time.Parse(time.RFC3339, e.Date)
				what = append(what, fmt.Sprintf("internal date off by %s", b.Sub(a)))
			}
			ex := describe(m) + " → " + describe(e)
			if len(m.Flags) > 0 || len(e.Flags) > 0 {
				ex += " (" + flagDelta(m.Flags, e.Flags) + ")"
			}
			add(strings.Join(what, ", "), ex)
			continue
		}
		if i := take(byPlace[m.Folder+"|"+m.Date], m.Folder); i >= 0 {
			e := extra[i]
			class := fmt.Sprintf("bytes altered (%+d bytes)", len(e.Raw)-len(m.Raw))
			if f, g := strings.Join(m.Flags, " "), strings.Join(e.Flags, " "); f != g {
				class += ", flags " + flagKinds(m.Flags, e.Flags)
			}
			add(class, describe(m)+": "+firstDifference(m.Raw, e.Raw))
			continue
		}
		add("not on the destination", describe(m))
	}
	for i, e := range extra {
		if !used[i] {
			add("only on the destination", describe(e))
		}
	}
	var out []string
	for _, class := range order {
		ex := classes[class]
		out = append(out, fmt.Sprintf("%d× %s", len(ex), class))
		for i, e := range ex {
			if i == 3 {
				out = append(out, fmt.Sprintf("  … %d more", len(ex)-3))
				break
			}
			out = append(out, "  e.g. "+e)
		}
	}
	return out
}

// flagKinds is what kinds of flags were lost and gained: system flags by
// name, keywords as "keywords" (the exact ones are in the examples).
func flagKinds(from, to []string) string {
	var d []string
	for _, side := range []struct {
		sign     string
		in, from []string
	}{{"-", from, to}, {"+", to, from}} {
		kw := false
		for _, f := range side.in {
			switch {
			case slices.Contains(side.from, f):
			case strings.HasPrefix(f, `\`):
				d = append(d, side.sign+f)
			default:
				kw = true
			}
		}
		if kw {
			d = append(d, side.sign+"keywords")
		}
	}
	if len(d) == 0 {
		return "in another order"
	}
	return strings.Join(d, " ")
}

// flagDelta is "-lost +gained" between two sorted flag lists.
func flagDelta(from, to []string) string {
	var d []string
	for _, f := range from {
		if !slices.Contains(to, f) {
			d = append(d, "-"+f)
		}
	}
	for _, f := range to {
		if !slices.Contains(from, f) {
			d = append(d, "+"+f)
		}
	}
	if len(d) == 0 {
		return fmt.Sprintf("[%s] → [%s]", strings.Join(from, " "), strings.Join(to, " "))
	}
	return strings.Join(d, " ")
}

// firstDifference shows where two texts part.
func firstDifference(a, b []byte) string {
	i := 0
	for i < len(a) && i < len(b) && a[i] == b[i] {
		i++
	}
	from := max(i-20, 0)
	return fmt.Sprintf("first difference at byte %d: %q vs %q", i, a[from:min(i+40, len(a))], b[from:min(i+40, len(b))])
}
