package mutate

import (
	"go/ast"
	"go/types"
	"strings"
	"testing"

	"golang.org/x/tools/go/packages"
)

// writes are the client methods that change a mailbox: only a Gate may
// call them.
var writes = map[string]bool{
	"Append": true, "Create": true, "Delete": true, "Rename": true,
	"Subscribe": true, "Unsubscribe": true, "Store": true, "Expunge": true,
	"UIDExpunge": true, "Copy": true, "Move": true, "SetMetadata": true, "SetQuota": true,
	"SetACL": true,
}

// TestEveryWriteGoesThroughTheGate type-checks the module and fails on a
// write command sent on an *imapclient.Client outside this package (and
// outside tests, the test harness and the in-memory server), or on a
// SELECT that is not read-only: a write that bypassed the Gate would
// change the server under --dry-run.
func TestEveryWriteGoesThroughTheGate(t *testing.T) {
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedFiles | packages.NeedSyntax | packages.NeedTypes | packages.NeedTypesInfo, Dir: "../.."}
	pkgs, err := packages.Load(cfg, "./...")
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, p := range pkgs {
		if len(p.Errors) > 0 {
			t.Fatalf("%s: %v", p.PkgPath, p.Errors[0])
		}
		switch {
		case strings.HasSuffix(p.PkgPath, "/internal/mutate"), strings.Contains(p.PkgPath, "/internal/imaptest"),
			strings.Contains(p.PkgPath, "/test/"), strings.HasSuffix(p.PkgPath, "/test"):
			continue
		}
		checked++
		for _, f := range p.Syntax {
			ast.Inspect(f, func(n ast.Node) bool {
				call, ok := n.(*ast.CallExpr)
				if !ok {
					return true
				}
				sel, ok := call.Fun.(*ast.SelectorExpr)
				if !ok || !isClient(p.TypesInfo.TypeOf(sel.X)) {
					return true
				}
				pos := p.Fset.Position(call.Pos())
				switch {
				case writes[sel.Sel.Name]:
					t.Errorf("%s: %s sent on the client directly: go through mutate.Gate", pos, sel.Sel.Name)
				case sel.Sel.Name == "Select" && !readOnly(call):
					t.Errorf("%s: read-write SELECT on the client directly: use mutate.Gate.Select (or ReadOnly)", pos)
				}
				return true
			})
		}
	}
	if checked < 5 {
		t.Fatalf("only %d packages checked: the module was not found", checked)
	}
}

func isClient(t types.Type) bool {
	if t == nil {
		return false
	}
	if p, ok := t.(*types.Pointer); ok {
		t = p.Elem()
	}
	n, ok := t.(*types.Named)
	return ok && n.Obj().Name() == "Client" && n.Obj().Pkg() != nil && strings.HasSuffix(n.Obj().Pkg().Path(), "go-imap/v2/imapclient")
}

// readOnly reports whether a Select call's options are a literal with
// ReadOnly: true (an EXAMINE).
func readOnly(call *ast.CallExpr) bool {
	if len(call.Args) < 2 {
		return false
	}
	u, ok := call.Args[1].(*ast.UnaryExpr)
	if !ok {
		return false
	}
	lit, ok := u.X.(*ast.CompositeLit)
	if !ok {
		return false
	}
	for _, e := range lit.Elts {
		if kv, ok := e.(*ast.KeyValueExpr); ok {
			if k, ok := kv.Key.(*ast.Ident); ok && k.Name == "ReadOnly" {
				if v, ok := kv.Value.(*ast.Ident); ok && v.Name == "true" {
					return true
				}
			}
		}
	}
	return false
}
