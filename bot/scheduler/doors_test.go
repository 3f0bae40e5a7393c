package scheduler_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"strings"
	"testing"
)

// The scheduler opens no transaction: its code names neither crm.Store nor crm.Tx,
// and never reaches a Service's Store. Every read and write goes through a
// crm.Service method, which owns the transaction.
func TestSchedulerHasNoTransactions(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi os.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	files := 0
	for _, p := range pkgs {
		for name, f := range p.Files {
			files++
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if x, ok := sel.X.(*ast.Ident); ok && x.Name == "crm" && (sel.Sel.Name == "Tx" || sel.Sel.Name == "Store") {
					t.Errorf("%s: %s uses crm.%s", name, fset.Position(sel.Pos()), sel.Sel.Name)
				}
				if sel.Sel.Name == "Store" || sel.Sel.Name == "Blob" || sel.Sel.Name == "PutBlob" {
					t.Errorf("%s: %s reaches .%s", name, fset.Position(sel.Pos()), sel.Sel.Name)
				}
				return true
			})
		}
	}
	if files < 4 {
		t.Fatalf("parsed %d files: the test reads the wrong directory", files)
	}
}
