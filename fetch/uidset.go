package fetch

import "github.com/emersion/go-imap/v2"

// uidSet is the set of UIDs of a folder already written: a bitmap over
// the span of the UIDs the folder's fetch must write (a bit a UID, where
// a map took about 20 bytes: a 300,000-message folder in under 40 KiB),
// a map for UIDs outside it or when the span is too sparse for a bitmap.
type uidSet struct {
	base imap.UID
	bits []uint64
	m    map[imap.UID]bool
	n    int
}

// span sizes the bitmap for uids (in any order), unless they are spread
// over more than 64 UIDs each.
func (s *uidSet) span(uids []imap.UID) {
	if len(uids) == 0 || s.n > 0 {
		return
	}
	lo, hi := uids[0], uids[0]
	for _, u := range uids {
		lo, hi = min(lo, u), max(hi, u)
	}
	if width := uint64(hi-lo) + 1; width <= 64*uint64(len(uids)) {
		s.base, s.bits = lo, make([]uint64, (width+63)/64)
	}
}

// spanRange sizes the bitmap for the UIDs lo to hi-1, unless they are
// too many (over 64 million: a map then).
func (s *uidSet) spanRange(lo, hi imap.UID) {
	if s.n > 0 || hi <= lo || hi-lo > 64<<20 {
		return
	}
	s.base, s.bits = lo, make([]uint64, (uint64(hi-lo)+63)/64)
}

// addRange adds the UIDs lo to hi-1.
func (s *uidSet) addRange(lo, hi imap.UID) {
	for u := lo; u < hi; u++ {
		s.add(u)
	}
}

func (s *uidSet) bit(u imap.UID) (int, uint64, bool) {
	if u < s.base {
		return 0, 0, false
	}
	i := uint64(u - s.base)
	if i/64 >= uint64(len(s.bits)) {
		return 0, 0, false
	}
	return int(i / 64), 1 << (i % 64), true
}

func (s *uidSet) has(u imap.UID) bool {
	if w, b, ok := s.bit(u); ok {
		return s.bits[w]&b != 0
	}
	return s.m[u]
}

func (s *uidSet) add(u imap.UID) {
	if s.has(u) {
		return
	}
	s.n++
	if w, b, ok := s.bit(u); ok {
		s.bits[w] |= b
		return
	}
	if s.m == nil {
		s.m = map[imap.UID]bool{}
	}
	s.m[u] = true
}

func (s *uidSet) len() int { return s.n }
