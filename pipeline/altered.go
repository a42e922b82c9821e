package pipeline

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"github.com/imapx/imapx/internal/exitcode"
	"github.com/imapx/imapx/internal/session"
	"github.com/imapx/imapx/internal/state"
)

// A server may store a message altered: Dovecot normalises a bare CR
// before a line end (\r\r\n, old Mac mail) on APPEND, so 2614 bytes sent
// are 2611 stored. Such a message is there, its text intact but for line
// ends: its own verdict class, the same on every run, never copied again.
// Told apart from a body cut short or doubled by fetching both sides
// (only those few) and comparing them with line ends normalised; the
// class is kept in the state so later runs need not fetch them again.
// A copy altered at the same size is found by its digests (digest.go)
// and joins the class, with what changed; unlike line ends, such a change
// lost information, and is an error.

// Fetching to classify is bounded, so that a server that alters every
// message in some other way (adding a header…) does not make every run
// fetch the whole mailbox twice: at most maxAlteredPairs pairs a run,
// messages up to maxAlteredFetch bytes, sizes close enough for line ends
// to explain the difference (plausibleEOL).
const (
	maxAlteredFetch = 32 << 20
	maxAlteredPairs = 1000
)

// plausibleEOL says whether normalising line ends could explain the sizes:
// each line end changes by a byte or two, and lines are rarely shorter
// than 8 bytes.
func plausibleEOL(a, b int64) bool {
	d := a - b
	if d < 0 {
		d = -d
	}
	return d <= max(a, b)/8+2
}

// copyFindings returns, in one pass over the inventories (a pass reads
// and sorts both sides whole), what beyond returns and the size pairs:
// source and destination messages paired by identity per destination
// folder (in UID order, equal sizes first) whose sizes differ.
func copyFindings(inv *inventory, read map[string]bool) (map[copyKey][]messageRef, []state.Altered, error) {
	extra := map[copyKey][]messageRef{}
	var out []state.Altered
	err := copyGroups(inv, read, func(k copyKey, src, dst []messageRef) error {
		if len(dst) > len(src) {
			extra[k] = append([]messageRef(nil), dst[len(src):]...)
		}
		ss := unmatchedSizes(src, dst)
		ds := unmatchedSizes(dst, src)
		for i := 0; i < len(ss) && i < len(ds); i++ {
			out = append(out, state.Altered{SrcFolder: ss[i].Folder, SrcUID: ss[i].UID, DstFolder: k.folder,
				DstUIDValidity: ds[i].UIDValidity, DstUID: ds[i].UID, Ident: k.ident, SrcSize: ss[i].Size, DstSize: ds[i].Size})
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DstFolder != out[j].DstFolder {
			return out[i].DstFolder < out[j].DstFolder
		}
		return out[i].DstUID < out[j].DstUID
	})
	return extra, out, nil
}

// unmatchedSizes returns the messages of a whose size no message of b
// has (as multisets), in UID order.
func unmatchedSizes(a, b []messageRef) []messageRef {
	sizes := map[int64]int{}
	for _, m := range b {
		sizes[m.Size]++
	}
	var out []messageRef
	for _, m := range a {
		if sizes[m.Size] > 0 {
			sizes[m.Size]--
			continue
		}
		out = append(out, m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}

// classifyAltered returns the messages of the folders inv read that the
// destination stored altered, and those state knows of in folders not
// read. pairs are copyFindings' size pairs: those state does not know are
// fetched from both sides and compared with line ends normalised.
// content are the copies of the same size this run found altered by
// their digests; those state knows of are kept while the copy is there.
func (s *syncer) classifyAltered(ctx context.Context, inv *inventory, read map[string]bool, pairs []state.Altered, st *state.State, content []state.Altered) ([]state.Altered, error) {
	var err error
	checked := checkedDst(inv, read)
	known := map[state.Altered]bool{}
	var kept, sameSize []state.Altered
	if st != nil {
		for _, a := range st.Altered {
			switch {
			case !checked[a.DstFolder]:
				kept = append(kept, a) // not read: as last found
			case a.SrcSize == a.DstSize:
				sameSize = append(sameSize, a)
			default:
				known[a] = true
			}
		}
	}
	if sameSize, err = stillStored(inv, sameSize); err != nil {
		return nil, err
	}
	var found, unknown []state.Altered
	for _, p := range pairs {
		if known[p] {
			found = append(found, p)
		} else if p.SrcSize <= maxAlteredFetch && p.DstSize <= maxAlteredFetch && plausibleEOL(p.SrcSize, p.DstSize) && len(unknown) < maxAlteredPairs {
			unknown = append(unknown, p)
		}
	}
	if len(unknown) > 0 {
		srcWant, dstWant := map[string][]uint32{}, map[string][]uint32{}
		for _, p := range unknown {
			srcWant[p.SrcFolder] = append(srcWant[p.SrcFolder], p.SrcUID)
			dstWant[p.DstFolder] = append(dstWant[p.DstFolder], p.DstUID)
		}
		srcBodies, err := fetchBodies(ctx, s.src, srcWant)
		if err != nil {
			return nil, err
		}
		dstBodies, err := fetchBodies(ctx, s.dst, dstWant)
		if err != nil {
			return nil, err
		}
		for _, p := range unknown {
			a, b := srcBodies[p.SrcFolder][p.SrcUID], dstBodies[p.DstFolder][p.DstUID]
			if a != nil && b != nil && bytes.Equal(normalEOL(a), normalEOL(b)) {
				found = append(found, p)
			}
		}
	}
	all := append(found, kept...)
	seen := map[msgKey]bool{}
	for _, a := range append(sameSize, content...) {
		if k := (msgKey{a.DstFolder, a.DstUIDValidity, a.DstUID}); !seen[k] {
			seen[k] = true
			all = append(all, a)
		}
	}
	if st != nil {
		st.Altered = all
	}
	return all, nil
}

// stillStored keeps the altered copies the destination inventory still
// holds, with the same identity and size.
func stillStored(inv *inventory, list []state.Altered) ([]state.Altered, error) {
	if len(list) == 0 {
		return nil, nil
	}
	want := map[msgKey]bool{}
	for _, a := range list {
		want[msgKey{a.DstFolder, a.DstUIDValidity, a.DstUID}] = true
	}
	there := map[msgKey]messageRef{}
	r, err := inv.dst.rewind()
	if err != nil {
		return nil, err
	}
	err = eachMessage(r, "destination inventory", func(m *messageRef) {
		if want[m.key()] {
			there[m.key()] = *m
		}
	})
	if err != nil {
		return nil, err
	}
	var out []state.Altered
	for _, a := range list {
		m, ok := there[msgKey{a.DstFolder, a.DstUIDValidity, a.DstUID}]
		if ok && m.Ident == a.Ident && m.Size == a.DstSize {
			out = append(out, a)
		}
	}
	return out, nil
}

// fetchBodies fetches whole messages, by folder and UID, on one new
// connection.
func fetchBodies(ctx context.Context, dial session.Dialer, want map[string][]uint32) (map[string]map[uint32][]byte, error) {
	c, err := dial(ctx)
	if err != nil {
		return nil, err
	}
	out, err := fetchBodiesOn(c, want)
	if err != nil {
		c.Close()
		return nil, err
	}
	session.Release(c)
	return out, nil
}

func fetchBodiesOn(c *imapclient.Client, want map[string][]uint32) (map[string]map[uint32][]byte, error) {
	out := map[string]map[uint32][]byte{}
	for folder, uids := range want {
		if _, err := session.Select(c, folder, true); err != nil {
			return nil, err
		}
		var set imap.UIDSet
		for _, u := range uids {
			set.AddNum(imap.UID(u))
		}
		msgs, err := c.Fetch(set, &imap.FetchOptions{UID: true, BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect()
		if err != nil {
			return nil, err
		}
		out[folder] = map[uint32][]byte{}
		for _, m := range msgs {
			for _, b := range m.BodySection {
				out[folder][uint32(m.UID)] = b.Bytes
			}
		}
	}
	return out, nil
}

// normalEOL turns every line end into CRLF: CRs before a LF (CR CR LF),
// a bare LF, a bare CR.
func normalEOL(b []byte) []byte {
	out := make([]byte, 0, len(b)+len(b)/32)
	for i := 0; i < len(b); i++ {
		switch b[i] {
		case '\r':
			j := i
			for j < len(b) && b[j] == '\r' {
				j++
			}
			if j < len(b) && b[j] == '\n' {
				out = append(out, '\r', '\n') // CRs then LF: one line end
				i = j
				continue
			}
			for ; i < j; i++ {
				out = append(out, '\r', '\n') // bare CRs: one each
			}
			i--
		case '\n':
			out = append(out, '\r', '\n')
		default:
			out = append(out, b[i])
		}
	}
	return out
}

// reportAltered prints the altered class, one line per kind of change,
// and puts it in the report. Line ends normalised keep the text: a
// warning. Any other change lost information on host2: an error (the
// verdict's, so it does not choose the exit code over other errors).
func (s *syncer) reportAltered(list []state.Altered) {
	s.rep.Altered = list
	byChange := map[string][]state.Altered{}
	var changes []string
	for _, a := range list {
		c := a.Change()
		if byChange[c] == nil {
			changes = append(changes, c)
		}
		byChange[c] = append(byChange[c], a)
	}
	sort.Strings(changes)
	for _, c := range changes {
		as := byChange[c]
		if !as[0].Lost() {
			fmt.Fprintf(s.log, "imapx: warning: %d messages were stored altered by host2 (%s%s)\n", len(as), c, sizesDiffer(as))
			continue
		}
		err := fmt.Errorf("%d messages were stored altered by host2 (%s)", len(as), c)
		fmt.Fprintf(s.log, "imapx: error: %v\n", err)
		if c == "8-bit header bytes replaced" {
			fmt.Fprintln(s.log, "imapx: hint: host2 replaces 8-bit header bytes (Cyrus: munge8bit: yes); with munge8bit: no, delete those copies on host2 (--report lists them) and sync again")
		}
		s.countVerdictError(exitcode.New(exitcode.WithErrors, err))
	}
}

// sizesDiffer says by how many bytes the sizes of altered copies differ.
func sizesDiffer(list []state.Altered) string {
	lo, hi := int64(-1), int64(0)
	for _, a := range list {
		d := a.SrcSize - a.DstSize
		if d < 0 {
			d = -d
		}
		if lo < 0 || d < lo {
			lo = d
		}
		hi = max(hi, d)
	}
	if hi == 0 {
		return ", same sizes"
	}
	if hi != lo {
		return fmt.Sprintf(", sizes differ by %d–%d bytes", lo, hi)
	}
	return fmt.Sprintf(", sizes differ by %d bytes", lo)
}

// lostAltered counts the altered copies that lost information, and says
// what changed.
func lostAltered(list []state.Altered) (int, string) {
	n := 0
	var what []string
	seen := map[string]bool{}
	for _, a := range list {
		if !a.Lost() {
			continue
		}
		n++
		if c := a.Change(); !seen[c] {
			seen[c] = true
			what = append(what, c)
		}
	}
	sort.Strings(what)
	return n, strings.Join(what, "; ")
}
