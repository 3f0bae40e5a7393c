package postgres_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"crmbot/crm"
	"crmbot/storage/benchdata"
	"crmbot/storage/storagetest"
)

// The same dataset, written into bbolt through the Put methods and into PostgreSQL
// through Load, answers every query alike: the loader derives the columns as Put
// does, and the two backends order and filter alike.
func TestLoadAnswersAsBbolt(t *testing.T) {
	size := benchdata.SizeAt(0.01)
	ctx := context.Background()
	bb := storagetest.Open(t)
	if err := benchdata.Fill(ctx, bb, size); err != nil {
		t.Fatal(err)
	}
	pg := storagetest.OpenPostgres(t)
	if err := pg.Load(ctx, func(s crm.Store) error { return benchdata.Fill(ctx, s, size) }); err != nil {
		t.Fatal(err)
	}
	if err := pg.Load(ctx, func(crm.Store) error { return nil }); err == nil {
		t.Error("Load into a database that is not empty succeeded")
	}
	queries := map[string]func(tx crm.Tx) (any, error){
		"pipeline":      func(tx crm.Tx) (any, error) { return tx.Pipeline() },
		"count due":     func(tx crm.Tx) (any, error) { return tx.CountDueBefore(benchdata.Now) },
		"due 100":       func(tx crm.Tx) (any, error) { return tx.DueBefore(0, benchdata.Now.Add(7*24*time.Hour), 100) },
		"due owner 7":   func(tx crm.Tx) (any, error) { return tx.DueBefore(7, benchdata.Now.Add(14*24*time.Hour), 100) },
		"idle":          func(tx crm.Tx) (any, error) { return tx.IdleSince(0, benchdata.Now.Add(-30*24*time.Hour), 50) },
		"open 3":        func(tx crm.Tx) (any, error) { return tx.OpenInterests(3, "", 0) },
		"timeline":      func(tx crm.Tx) (any, error) { return tx.Timeline(benchdata.Timeline, 200) },
		"find contact":  func(tx crm.Tx) (any, error) { return tx.FindContacts("duri", 20) },
		"find phone":    func(tx crm.Tx) (any, error) { return tx.FindContacts("091 00", 20) },
		"by company 5":  func(tx crm.Tx) (any, error) { return tx.InterestsByCompany(5, 0) },
		"users":         func(tx crm.Tx) (any, error) { return tx.Users() },
		"user by ident": func(tx crm.Tx) (any, error) { return tx.UserByIdentity("console:m3") },
	}
	var prefix string
	if err := bb.View(ctx, func(tx crm.Tx) error {
		c, err := tx.Company(1)
		if err == nil {
			prefix = crm.Words(c.Name)[0][:3]
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	queries["find company"] = func(tx crm.Tx) (any, error) { return tx.FindCompanies(prefix, 20) }
	for name, q := range queries {
		var want, got any
		if err := bb.View(ctx, func(tx crm.Tx) (err error) { want, err = q(tx); return }); err != nil {
			t.Fatalf("%s on bbolt: %v", name, err)
		}
		if err := pg.View(ctx, func(tx crm.Tx) (err error) { got, err = q(tx); return }); err != nil {
			t.Fatalf("%s on PostgreSQL: %v", name, err)
		}
		if rv := reflect.ValueOf(want); (rv.Kind() == reflect.Slice || rv.Kind() == reflect.Map) && rv.Len() == 0 {
			t.Errorf("%s: empty on bbolt, so the comparison proves nothing", name)
		}
		if !reflect.DeepEqual(normal(want), normal(got)) {
			t.Errorf("%s: PostgreSQL answers\n %s\nbbolt\n %s", name, normal(got), normal(want))
		}
	}
	// The next id continues after the loaded ones.
	if err := pg.Update(ctx, func(tx crm.Tx) error {
		in := &crm.Interest{CompanyID: 1, ContactID: 1, OwnerID: 1, Stage: crm.StageNew}
		if err := tx.PutInterest(in); err != nil {
			return err
		}
		if in.ID != uint64(size.Interests)+1 {
			t.Errorf("next interest id = %d, want %d", in.ID, size.Interests+1)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// normal prints a query's answer with times in UTC, so that the same instant read
// back from two encodings compares equal.
func normal(v any) string {
	return fmt.Sprintf("%+v", utc(reflect.ValueOf(v)))
}

func utc(v reflect.Value) any {
	switch v.Kind() {
	case reflect.Slice:
		out := make([]any, v.Len())
		for i := range out {
			out[i] = utc(v.Index(i))
		}
		return out
	case reflect.Pointer:
		if v.IsNil() {
			return nil
		}
		return utc(v.Elem())
	case reflect.Struct:
		if tm, ok := v.Interface().(time.Time); ok {
			return tm.UTC().Format(time.RFC3339Nano)
		}
		out := map[string]any{}
		for i := 0; i < v.NumField(); i++ {
			if v.Type().Field(i).IsExported() {
				out[v.Type().Field(i).Name] = utc(v.Field(i))
			}
		}
		return out
	}
	if v.IsValid() && v.CanInterface() {
		return v.Interface()
	}
	return nil
}
