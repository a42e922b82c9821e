package diff

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
)

func TestFirstLast(t *testing.T) {
	got := firstLast([]string{"A", "B", "C", "D", "E"}, []string{"D", "X", "B"}, []string{"A", "D"})
	if strings.Join(got, " ") != "D B C E A" {
		t.Fatalf("firstLast = %v", got)
	}
}

func TestMixFoldersAndFolderDeletes(t *testing.T) {
	src := strings.Join([]string{
		fmt.Sprintf(folderRec, "INBOX"), fmt.Sprintf(folderRec, "SENT"), fmt.Sprintf(folderRec, "Sent"),
		msgLine("SENT", 1, "h:a", `[]`), msgLine("Sent", 1, "h:b", `[]`), msgLine("Sent", 2, "h:c", `[]`),
	}, "\n")
	dst := strings.Join([]string{
		fmt.Sprintf(folderRec, "INBOX"), fmt.Sprintf(folderRec, "Junk"), fmt.Sprintf(folderRec, "Tasks"), fmt.Sprintf(folderRec, "Old"),
	}, "\n")
	sum, ops := run(t, src, dst, Options{NoMixFolders: true, Delete2Folders: true,
		Delete2FoldersButNot: regexp.MustCompile(`Tasks$`), Delete2FoldersOnly: regexp.MustCompile(`^(Junk|Tasks)$`)})
	var created, deleted []string
	for _, o := range opsOf(ops, "create_folder") {
		created = append(created, o["dst"].(map[string]any)["folder"].(string))
	}
	for _, o := range opsOf(ops, "delete_folder") {
		deleted = append(deleted, o["dst"].(map[string]any)["folder"].(string))
	}
	if strings.Join(created, " ") != "SENT" || strings.Join(deleted, " ") != "Junk" {
		t.Fatalf("created %v, deleted %v", created, deleted)
	}
	if sum.FoldersNotMixed != 1 || sum.NotSelected != 2 || sum.SrcMessages != 1 || len(opsOf(ops, "copy")) != 1 {
		t.Fatalf("summary %+v", sum)
	}
}
