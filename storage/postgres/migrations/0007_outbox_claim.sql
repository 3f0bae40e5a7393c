-- 0007: an outbox message is leased to the sender that claimed it (ClaimOutbox), so
-- that two schedulers on one database (replicas; two leaders by mistake) never send
-- it both. claimed_until is a time like not_before (ns since 1970); NULL: unclaimed.
ALTER TABLE outbox ADD COLUMN claimed_by text, ADD COLUMN claimed_until int8;
