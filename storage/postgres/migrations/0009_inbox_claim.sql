-- 0009: an inbox entry is handled by one replica at a time. Accept and Pending claim
-- what they hand out (claimed_by, until claimed_until); another replica given the same
-- update (a platform's retry through another node of the load balancer) gets nothing
-- while the claim lasts, so the update is handled, and answered, once.
ALTER TABLE inbox ADD COLUMN claimed_by text COLLATE "C" NOT NULL DEFAULT '',
	ADD COLUMN claimed_until int8 NOT NULL DEFAULT 0;
