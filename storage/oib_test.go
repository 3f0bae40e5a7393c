package storage

import (
	"testing"

	bolt "go.etcd.io/bbolt"

	"crmbot/crm"
)

// encodeCompanyV2 writes a company as binary version 2 wrote it: no OIB.
func encodeCompanyV2(c *crm.Company) []byte {
	e := &encoder{b: []byte{binaryVersionV2}}
	e.uint(c.ID)
	e.str(c.Name)
	e.str(string(c.Size))
	e.str(c.LineOfBusiness)
	e.str(c.Website)
	e.str(c.Notes)
	e.time(c.CreatedAt)
	return e.b
}

// A version-2 file, with a company stored before OIBs existed, opens as version 3:
// the company reads back without an OIB, the OIB index exists and is filled by the
// next write, and Verify is clean.
func TestMigrateV2AddsCompanyOIB(t *testing.T) {
	db := mustOpen(t)
	path := db.Path()
	db.Close()
	bdb, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	old := &crm.Company{ID: 1, Name: "Acme d.o.o.", Size: crm.SizeMedium, CreatedAt: t0}
	err = bdb.Update(func(btx *bolt.Tx) error {
		if err := btx.DeleteBucket(idxCompanyOIB); err != nil {
			return err
		}
		b := btx.Bucket(bucketCompanies)
		if err := b.SetSequence(1); err != nil {
			return err
		}
		if err := b.Put(u64(1), encodeCompanyV2(old)); err != nil {
			return err
		}
		t := &tx{btx: btx}
		if err := t.putEntries(companyEntries(old)); err != nil {
			return err
		}
		return btx.Bucket(bucketMeta).Put(keySchemaVersion, u64(2))
	})
	bdb.Close()
	if err != nil {
		t.Fatal(err)
	}
	db = mustOpenPath(t, path)
	mustVerify(t, db)
	ctx := t.Context()
	err = db.Update(ctx, func(tx crm.Tx) error {
		c, err := tx.Company(1)
		if err != nil {
			return err
		}
		if c.Name != "Acme d.o.o." || c.Size != crm.SizeMedium || c.OIB != "" || !c.CreatedAt.Equal(t0) {
			t.Errorf("version-2 company read as %+v", c)
		}
		if _, err := tx.CompanyByOIB("69435151530"); crm.ErrorCode(err) != crm.ENOTFOUND {
			t.Errorf("CompanyByOIB before any OIB: %v", err)
		}
		c.OIB = "69435151530"
		return tx.PutCompany(c)
	})
	if err != nil {
		t.Fatal(err)
	}
	db.View(ctx, func(ctx crm.Tx) error {
		c, err := ctx.CompanyByOIB("69435151530")
		if err != nil || c.ID != 1 {
			t.Errorf("CompanyByOIB = %+v, %v", c, err)
		}
		// Rewritten, the record is version 3 and carries the OIB.
		if v := ctx.(*tx).btx.Bucket(bucketCompanies).Get(u64(1)); len(v) == 0 || v[0] != binaryVersion {
			t.Errorf("rewritten company record version %x", v[:1])
		}
		return nil
	})
	mustVerify(t, db)
}
