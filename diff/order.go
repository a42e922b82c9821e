package diff

// firstLast puts the folders named in first at the front and those in last
// at the end, each in the order given (imapsync's --folderfirst and
// --folderlast); names not in the list are ignored.
func firstLast(names, first, last []string) []string {
	if len(first) == 0 && len(last) == 0 {
		return names
	}
	has := map[string]bool{}
	for _, n := range names {
		has[n] = true
	}
	placed := map[string]bool{}
	var head, tail []string
	for _, n := range first {
		if has[n] && !placed[n] {
			head, placed[n] = append(head, n), true
		}
	}
	for _, n := range last {
		if has[n] && !placed[n] {
			tail, placed[n] = append(tail, n), true
		}
	}
	out := head
	for _, n := range names {
		if !placed[n] {
			out = append(out, n)
		}
	}
	return append(out, tail...)
}

// deletesFolder reports whether the plan deletes a destination folder no
// source folder maps to.
func (p *planner) deletesFolder(name string) bool {
	o := p.o
	if !o.Delete2Folders && o.Delete2FoldersOnly == nil && o.Delete2FoldersButNot == nil {
		return false
	}
	if o.Delete2FoldersOnly != nil && !o.Delete2FoldersOnly.MatchString(name) {
		return false
	}
	return o.Delete2FoldersButNot == nil || !o.Delete2FoldersButNot.MatchString(name)
}
