package main

import (
	"encoding/base64"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/imapx/imapx/internal/imaptest"
)

// The vsmbsync corpus at scale 1: the shape of a real, middle-sized
// mailbox. Everything is drawn from fixed seeds, so every run at a given
// scale seeds the same bytes, flags and dates.
const (
	corpusMessages = 5097
	corpusBytes    = 91 << 20
	corpusMinSize  = 1 << 10
	// Messages other than the handful of big ones stay below this.
	corpusBulkMax = 2 << 20
)

// corpusBig are the sizes of the handful of multi-MB messages with base64
// attachments (log-spaced from 2 MB to 12 MB), at scale 1.
var corpusBig = []int{2 << 20, 2987 << 10, 4195 << 10, 5966 << 10, 8487 << 10, 12 << 20}

// corpusFolders are created in this order (parents first, so that every
// parent is a real, selectable folder) with these shares of the messages.
var corpusFolders = []struct {
	name   string
	weight int
}{
	{"INBOX", 34},
	{"Sent", 10},
	{"Drafts", 1},
	{"Trash", 3},
	{"Archive", 4},
	{"Archive/2023", 12},
	{"Archive/2024", 14},
	{"Projects", 2},
	{"Projects/Alpha", 4},
	{"Projects/Alpha/Notes", 2},
	{"Projects/Beta", 3},
	{"Newsletters", 8},
	{"Entwürfe", 1},
	{"Données", 2},
}

// corpusSlot is one message before its bytes are made.
type corpusSlot struct {
	folder  string
	base    float64 // size before scaling to the corpus's total
	big     int     // exact size of a big message, else 0
	attach  bool
	dupOf   int // index of the message this is an exact copy of, or -1
	noMsgID bool
	flags   []string
	date    time.Time
}

// corpusStats describe a generated corpus.
type corpusStats struct {
	messages, folders         int
	bytes                     int64
	p50, p90, p99, max        int
	overMB, dups, noMsgID, kw int
}

func (s corpusStats) String() string {
	return fmt.Sprintf("%d messages, %.1f MB, %d folders; sizes p50 %s, p90 %s, p99 %s, max %s, %d ≥ 1 MB; %d exact duplicates, %d without Message-ID, %d with keywords",
		s.messages, float64(s.bytes)/(1<<20), s.folders, kb(s.p50), kb(s.p90), kb(s.p99), kb(s.max), s.overMB, s.dups, s.noMsgID, s.kw)
}

func kb(n int) string {
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%.1f KB", float64(n)/(1<<10))
}

// buildCorpus makes the corpus at scale (1.0: 5,097 messages, 91 MB) and
// returns it with its folders (parents first) and its shape.
func buildCorpus(scale float64) ([]imaptest.SeedMessage, []string, corpusStats) {
	r := rand.New(rand.NewPCG(5097, 91))
	n := max(int(math.Round(corpusMessages*scale)), len(corpusFolders))
	target := corpusBytes * scale
	totalWeight := 0
	for _, f := range corpusFolders {
		totalWeight += f.weight
	}
	pickFolder := func() string {
		w := r.IntN(totalWeight)
		for _, f := range corpusFolders {
			if w -= f.weight; w < 0 {
				return f.name
			}
		}
		return "INBOX"
	}
	epoch := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	end := time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	dateIn := func(from, to time.Time) time.Time {
		return from.Add(time.Duration(r.Int64N(int64(to.Sub(from)/time.Second))) * time.Second)
	}

	slots := make([]corpusSlot, n)
	// The first slots give every folder at least one message.
	for i := range slots {
		s := &slots[i]
		s.dupOf = -1
		if i < len(corpusFolders) {
			s.folder = corpusFolders[i].name
		} else {
			s.folder = pickFolder()
		}
		switch s.folder {
		case "Archive/2023":
			s.date = dateIn(time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC))
		case "Archive/2024":
			s.date = dateIn(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
		default:
			s.date = dateIn(epoch, end)
		}
		s.attach = r.Float64() < 0.06
		if s.attach {
			s.base = math.Exp(math.Log(50<<10) + 1.1*r.NormFloat64())
		} else {
			s.base = math.Exp(math.Log(3500) + 0.8*r.NormFloat64())
		}
		s.noMsgID = r.Float64() < 0.03 || s.folder == "Drafts" || s.folder == "Entwürfe"
		s.flags = corpusFlags(r, s.folder)
	}
	// The handful of big messages, at distinct random slots.
	nBig := int(math.Round(float64(len(corpusBig)) * scale))
	nBig = min(max(nBig, 1), len(corpusBig))
	for k, i := range r.Perm(n)[:nBig] {
		slots[i].big = corpusBig[k*len(corpusBig)/nBig]
		slots[i].attach = true
	}
	// Exact duplicates of earlier small messages: most in the same folder
	// with the same flags and date (delivered twice), some copied into
	// another folder.
	for i := 30; i < n; i++ {
		if slots[i].big != 0 || r.Float64() >= 0.015 {
			continue
		}
		j := r.IntN(i)
		if slots[j].dupOf >= 0 {
			j = slots[j].dupOf
		}
		if slots[j].big != 0 {
			continue
		}
		slots[i].dupOf = j
		if r.Float64() < 0.8 {
			slots[i].folder, slots[i].flags, slots[i].date = slots[j].folder, slots[j].flags, slots[j].date
		}
	}

	// Scale the drawn sizes so that the corpus totals its target.
	bigTotal := 0.0
	for _, s := range slots {
		if s.big != 0 {
			bigTotal += float64(s.big)
		}
	}
	sizeOf := func(s corpusSlot, f float64) int {
		if s.big != 0 {
			return s.big
		}
		return int(min(max(f*s.base, corpusMinSize), corpusBulkMax-1))
	}
	total := func(f float64) float64 {
		t := 0.0
		for _, s := range slots {
			if s.dupOf >= 0 {
				s = slots[s.dupOf]
			}
			t += float64(sizeOf(s, f))
		}
		return t
	}
	lo, hi := 0.01, 100.0
	for range 60 {
		mid := math.Sqrt(lo * hi)
		if total(mid) < target {
			lo = mid
		} else {
			hi = mid
		}
	}
	factor := lo

	gen := newMailGen(r)
	msgs := make([]imaptest.SeedMessage, n)
	var st corpusStats
	var sizes []int
	for i, s := range slots {
		var raw []byte
		if s.dupOf >= 0 {
			raw = msgs[s.dupOf].Raw
			st.dups++
		} else {
			raw = gen.message(i, s, sizeOf(s, factor))
		}
		msgs[i] = imaptest.SeedMessage{Folder: s.folder, Raw: raw, Flags: s.flags, Date: s.date}
		sizes = append(sizes, len(raw))
		st.bytes += int64(len(raw))
		if len(raw) >= 1<<20 {
			st.overMB++
		}
		if !strings.Contains(string(raw[:min(len(raw), 4096)]), "\r\nMessage-ID:") {
			st.noMsgID++
		}
		if slices.ContainsFunc(s.flags, func(f string) bool { return !strings.HasPrefix(f, `\`) }) {
			st.kw++
		}
	}
	slices.Sort(sizes)
	st.messages, st.folders = n, len(corpusFolders)
	st.p50, st.p90, st.p99, st.max = sizes[n/2], sizes[n*9/10], sizes[n*99/100], sizes[n-1]
	folders := make([]string, len(corpusFolders))
	for i, f := range corpusFolders {
		folders[i] = f.name
	}
	return msgs, folders, st
}

// corpusFlags draws a message's flags: mostly \Seen (less so in INBOX),
// some \Answered and \Flagged, the keywords $Label1 and Work, \Draft in
// the drafts folders.
func corpusFlags(r *rand.Rand, folder string) []string {
	flags := []string{}
	seen := 0.95
	if folder == "INBOX" || folder == "Newsletters" {
		seen = 0.6
	}
	if folder == "Drafts" || folder == "Entwürfe" {
		return []string{`\Draft`, `\Seen`}
	}
	if r.Float64() < seen {
		flags = append(flags, `\Seen`)
	}
	if folder != "Sent" && r.Float64() < 0.10 {
		flags = append(flags, `\Answered`)
	}
	if r.Float64() < 0.04 {
		flags = append(flags, `\Flagged`)
	}
	if r.Float64() < 0.04 {
		flags = append(flags, "$Label1")
	}
	work := 0.02
	if strings.HasPrefix(folder, "Projects") {
		work = 0.4
	}
	if r.Float64() < work {
		flags = append(flags, "Work")
	}
	return flags
}

// mailGen writes plausible RFC 5322 messages of a requested size.
type mailGen struct {
	r     *rand.Rand
	bytes *rand.ChaCha8 // attachment bytes
}

func newMailGen(r *rand.Rand) *mailGen {
	return &mailGen{r: r, bytes: rand.NewChaCha8([32]byte{'i', 'm', 'a', 'p', 'x'})}
}

var corpusWords = strings.Fields(`the a of to and in for on with is that this we will be please meeting
report budget release deadline review draft attached see below thanks regards update project
server migration mailbox folder quarterly invoice schedule agenda notes follow-up question answer
Grüße Straße Données naïve café résumé Zürich Ärger Ölpreis déjà-vu`)

var corpusSenders = []string{"Bob Builder <bob@example.net>", "Carol <carol@example.org>",
	"=?UTF-8?Q?J=C3=BCrgen_M=C3=BCller?= <juergen@example.de>", "newsletter@lists.example.com",
	"Dana Scully <dana@example.gov>", "=?UTF-8?Q?Am=C3=A9lie_Poulain?= <amelie@example.fr>"}

func (g *mailGen) line(width int) string {
	var b strings.Builder
	for b.Len() < width {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(corpusWords[g.r.IntN(len(corpusWords))])
	}
	return b.String()
}

// fill appends text lines to b until it is size bytes long (CRLF lines).
func (g *mailGen) fill(b *strings.Builder, size int) {
	for b.Len() < size {
		l := g.line(40 + g.r.IntN(36))
		if room := size - b.Len() - 2; len(l) > room {
			l = strings.Repeat(".", max(room, 0))
		}
		b.WriteString(l)
		b.WriteString("\r\n")
	}
}

func (g *mailGen) message(i int, s corpusSlot, size int) []byte {
	var b strings.Builder
	b.Grow(size + 256)
	from := corpusSenders[g.r.IntN(len(corpusSenders))]
	to := "Alice <alice@example.org>"
	if s.folder == "Sent" {
		from, to = to, corpusSenders[g.r.IntN(len(corpusSenders))]
	}
	date := s.date.Add(-time.Duration(g.r.IntN(600)) * time.Second).Format(time.RFC1123Z)
	if s.folder != "Sent" && s.folder != "Drafts" && s.folder != "Entwürfe" {
		fmt.Fprintf(&b, "Return-Path: <sender%d@example.net>\r\n", i%97)
		fmt.Fprintf(&b, "Received: from mail%d.example.net (mail%d.example.net [192.0.2.%d])\r\n\tby mx.example.org with ESMTPS id %08x\r\n\tfor <alice@example.org>; %s\r\n",
			i%13, i%13, i%250+1, g.r.Uint32(), s.date.Format(time.RFC1123Z))
	}
	subject := g.line(20 + g.r.IntN(30))
	if g.r.IntN(8) == 0 {
		subject = "=?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_Z=C3=BCrich?= " + subject
	}
	fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nSubject: %s\r\nDate: %s\r\n", from, to, subject, date)
	if !s.noMsgID {
		fmt.Fprintf(&b, "Message-ID: <%d.%08x@corpus.example.org>\r\n", i, g.r.Uint32())
	}
	b.WriteString("MIME-Version: 1.0\r\n")
	if !s.attach {
		b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
		g.fill(&b, size)
		return []byte(b.String())
	}
	boundary := fmt.Sprintf("=_corpus_%d_%08x", i, g.r.Uint32())
	fmt.Fprintf(&b, "Content-Type: multipart/mixed; boundary=%q\r\n\r\nThis is a multi-part message in MIME format.\r\n\r\n--%s\r\n", boundary, boundary)
	b.WriteString("Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	g.fill(&b, b.Len()+300+g.r.IntN(1200))
	ext := []string{"pdf", "jpg", "zip", "docx", "png"}[g.r.IntN(5)]
	fmt.Fprintf(&b, "\r\n--%s\r\nContent-Type: application/octet-stream; name=\"file-%d.%s\"\r\nContent-Disposition: attachment; filename=\"file-%d.%s\"\r\nContent-Transfer-Encoding: base64\r\n\r\n",
		boundary, i, ext, i, ext)
	closing := fmt.Sprintf("--%s--\r\n", boundary)
	// Each 76-character line (plus CRLF) carries 57 bytes.
	lines := max((size-b.Len()-len(closing))/78, 1)
	raw := make([]byte, 57)
	enc := make([]byte, 76)
	for range lines {
		g.bytes.Read(raw)
		base64.StdEncoding.Encode(enc, raw)
		b.Write(enc)
		b.WriteString("\r\n")
	}
	b.WriteString(closing)
	return []byte(b.String())
}
