-- 0003: writers that do not queue on one row. Ids come from PostgreSQL sequences,
-- which never make two transactions conflict (an id taken by a transaction that
-- rolls back, or is retried, is not reused: numbers can skip, as in most databases).
-- Each pipeline cell is kept in up to 16 shards, a transaction adding to a random one,
-- so that managers writing at once do not fail each other's SERIALIZABLE transactions
-- on one counter row; a cell is the sum of its shards.
CREATE SEQUENCE seq_users;
CREATE SEQUENCE seq_companies;
CREATE SEQUENCE seq_contacts;
CREATE SEQUENCE seq_interests;
CREATE SEQUENCE seq_interactions;
CREATE SEQUENCE seq_audit;
SELECT setval('seq_' || name, value) FROM sequences WHERE value > 0;
DROP TABLE sequences;

ALTER TABLE pipeline ADD COLUMN shard int2 NOT NULL DEFAULT 0;
ALTER TABLE pipeline DROP CONSTRAINT pipeline_pkey;
ALTER TABLE pipeline ADD PRIMARY KEY (owner_id, stage, shard);
