-- 0002: opaque values by namespace and key (crm.Tx's Blob methods). Kept in a migration
-- of its own so it can be dropped by a later one when the Blob methods leave crm.Tx.
CREATE TABLE blobs (
	ns    text COLLATE "C" NOT NULL,
	key   text COLLATE "C" NOT NULL,
	value bytea NOT NULL,
	PRIMARY KEY (ns, key)
);
