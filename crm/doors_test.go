package crm_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// The storage port (crm.Store, crm.Tx) is a door only three layers may use: crm owns it,
// storage implements it, cmd wires it. Everything else talks to crm.Service, so a
// transaction is opened in one place and the rules cannot be bypassed. This test reads
// every package's sources (tests included) and fails on any other use.
func TestOnlyCrmStorageAndCmdUseTheStoragePort(t *testing.T) {
	root, err := filepath.Abs("..")
	if err != nil {
		t.Fatal(err)
	}
	allowed := func(rel string) bool {
		for _, p := range []string{"crm", "storage", "cmd"} {
			if rel == p || strings.HasPrefix(rel, p+"/") {
				return true
			}
		}
		return false
	}
	var bad []string
	fset := token.NewFileSet()
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); name == "testdata" || strings.HasPrefix(name, ".") && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		if allowed(rel) {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		crmName := ""
		for _, imp := range f.Imports {
			if strings.Trim(imp.Path.Value, `"`) == "crmbot/crm" {
				crmName = "crm"
				if imp.Name != nil {
					crmName = imp.Name.Name
				}
			}
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if !ok {
				return true
			}
			if x, ok := sel.X.(*ast.Ident); ok && crmName != "" && x.Name == crmName && (sel.Sel.Name == "Store" || sel.Sel.Name == "Tx") {
				bad = append(bad, fset.Position(sel.Pos()).String()+": "+crmName+"."+sel.Sel.Name)
			}
			// svc.Store.View(…) / svc.Store.Update(…): the Service's store reached from outside.
			if inner, ok := sel.X.(*ast.SelectorExpr); ok && inner.Sel.Name == "Store" && (sel.Sel.Name == "View" || sel.Sel.Name == "Update") {
				bad = append(bad, fset.Position(sel.Pos()).String()+": .Store."+sel.Sel.Name)
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(bad)
	for _, b := range bad {
		rel, _ := filepath.Rel(root, b)
		t.Errorf("%s: only crm, storage and cmd may use the storage port; go through crm.Service", rel)
	}
}
