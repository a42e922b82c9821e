package pipeline

import (
	"encoding/binary"

	"github.com/imapx/imapx/internal/extsort"
)

// copyGroups calls f with every (destination folder, identity) of the
// checked destination folders that the source folders of read have, with
// the source messages (mapped there) and the destination ones, each in
// UID order. Both inventories go through one sorter on disk, by
// (folder, identity, side, UID), so that a group is contiguous and memory
// holds one group, not the account.
func copyGroups(inv *inventory, read map[string]bool, f func(k copyKey, src, dst []messageRef) error) error {
	checked := checkedDst(inv, read)
	s := extsort.New()
	defer s.Release()
	var key, val []byte
	add := func(folder string, side byte, m *messageRef) error {
		key = appendString(key[:0], folder)
		key = appendString(key, m.Ident)
		key = append(key, side)
		key = binary.BigEndian.AppendUint32(key, m.UID)
		val = binary.BigEndian.AppendUint32(val[:0], m.UIDValidity)
		val = binary.AppendVarint(val, m.Size)
		val = append(val, m.Folder...)
		return s.Add(key, val)
	}
	var addErr error
	sr, err := inv.src.rewind()
	if err != nil {
		return err
	}
	err = eachMessage(sr, "source inventory", func(m *messageRef) {
		if read[m.Folder] && addErr == nil {
			addErr = add(inv.mapping[m.Folder], 0, m)
		}
	})
	if err == nil {
		err = addErr
	}
	if err != nil {
		return err
	}
	dr, err := inv.dst.rewind()
	if err != nil {
		return err
	}
	err = eachMessage(dr, "destination inventory", func(m *messageRef) {
		if checked[m.Folder] && addErr == nil {
			addErr = add(m.Folder, 1, m)
		}
	})
	if err == nil {
		err = addErr
	}
	if err != nil {
		return err
	}
	var cur copyKey
	var group []byte // the current group's key prefix
	var src, dst []messageRef
	flush := func() error {
		if len(src) == 0 || len(dst) == 0 {
			return nil
		}
		return f(cur, src, dst)
	}
	err = s.Each(func(key, val []byte) error {
		prefix := key[:len(key)-5]
		if group == nil || string(prefix) != string(group) {
			if err := flush(); err != nil {
				return err
			}
			group = append(group[:0], prefix...)
			folder, rest := cutString(prefix)
			ident, _ := cutString(rest)
			cur, src, dst = copyKey{folder, ident}, src[:0], dst[:0]
		}
		size, n := binary.Varint(val[4:])
		m := messageRef{Folder: string(val[4+n:]), UIDValidity: binary.BigEndian.Uint32(val), Size: size,
			UID: binary.BigEndian.Uint32(key[len(key)-4:]), Ident: cur.ident}
		if key[len(key)-5] == 0 {
			src = append(src, m)
		} else {
			dst = append(dst, m)
		}
		return nil
	})
	if err != nil {
		return err
	}
	return flush()
}

func appendString(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

// cutString reads a string appendString wrote and returns the rest.
func cutString(b []byte) (string, []byte) {
	n, k := binary.Uvarint(b)
	if k <= 0 || len(b) < k+int(n) {
		return "", nil
	}
	return string(b[k : k+int(n)]), b[k+int(n):]
}
